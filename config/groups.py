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
        description="Threads of the embedded `docintel up` (and of `docintel process` given "
        "several files) that take any task, most urgent "
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
    pdf_split_pages: int = Field(
        default=400,
        description="From this many pages up, a PDF's text layer is read by one process per "
        "core (PyMuPDF holds the interpreter, so threads cannot share the work); 0: one "
        "process always. Not in a Celery pool worker, whose processes may not have children.",
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
