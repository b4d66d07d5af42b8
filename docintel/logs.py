"""Logging: rich on a terminal, plain lines elsewhere (workers under Docker, CI)."""

from __future__ import annotations

import logging
import os
import re
import sys
from pathlib import PurePath
from typing import Any

# C0 and C1 controls, DEL, and the Unicode line separators: in a value they could forge a
# log line ("\nFAKE LOG LINE: ...") or drive a terminal (ESC[31m, BEL).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def escape_control(text: str) -> str:
    """``text`` with control characters written as escapes: a newline as ``\\n``, ESC as
    ``\\x1b``; one value stays on one log line."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def _escaped(value: Any) -> Any:
    if isinstance(value, str | PurePath | BaseException):
        return escape_control(str(value))
    return value


class SafeRecord(logging.Filter):
    """Every log line, whoever logs it: the values put into it (file names, reasons,
    exceptions) have their control characters escaped, and passwords in URLs (and API keys
    in query strings) are masked: kombu's "Cannot connect to redis://:pw@host" included."""

    def filter(self, record: logging.LogRecord) -> bool:
        from docintel.config import redact_text

        if isinstance(record.args, dict):
            record.args = {k: _escaped(v) for k, v in record.args.items()}
        elif record.args:
            record.args = tuple(_escaped(a) for a in record.args)
        message = record.getMessage()
        cleaned = redact_text(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class SafeFormatter(logging.Formatter):
    """Tracebacks keep their lines, but lose terminal escapes an exception's text carried."""

    def formatException(self, ei: Any) -> str:  # noqa: N802  (logging's name)
        text = super().formatException(ei)
        return "\n".join(escape_control(line) for line in text.split("\n"))


def setup_logging(level: str | None = None) -> None:
    level = (level or os.environ.get("DOCINTEL_LOG_LEVEL", "INFO")).upper()
    if sys.stderr.isatty():
        from rich.logging import RichHandler

        handler: logging.Handler = RichHandler(rich_tracebacks=True, show_path=False)
        fmt = "%(message)s"
    else:
        handler = logging.StreamHandler()
        fmt = "%(asctime)s %(levelname)s %(name)s: %(message)s"
    handler.setFormatter(SafeFormatter(fmt))
    handler.addFilter(SafeRecord())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "urllib3", "watchdog", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
