"""Logging: rich on a terminal, plain lines elsewhere (workers under Docker, CI)."""

from __future__ import annotations

import logging
import os
import sys


class RedactSecrets(logging.Filter):
    """Masks passwords in URLs (and API keys in query strings) in every log line, whoever
    logs it: kombu's "Cannot connect to redis://:pw@host" included."""

    def filter(self, record: logging.LogRecord) -> bool:
        from docintel.config import redact_text

        message = record.getMessage()
        cleaned = redact_text(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def setup_logging(level: str | None = None) -> None:
    level = (level or os.environ.get("DOCINTEL_LOG_LEVEL", "INFO")).upper()
    if sys.stderr.isatty():
        from rich.logging import RichHandler

        handler: logging.Handler = RichHandler(rich_tracebacks=True, show_path=False)
        fmt = "%(message)s"
    else:
        handler = logging.StreamHandler()
        fmt = "%(asctime)s %(levelname)s %(name)s: %(message)s"
    handler.setFormatter(logging.Formatter(fmt))
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "urllib3", "watchdog", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
