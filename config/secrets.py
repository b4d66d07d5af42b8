"""Secrets never printed: a URL's password and an API key are masked wherever a URL or a
setting is shown or logged."""

from __future__ import annotations

import re

_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][\w+.-]*://)(?P<user>[^:/@\s]*):(?P<pw>[^@\s]*)@")
_QUERY_SECRET = re.compile(r"(?i)\b(password|passwd|pwd|token|api[_-]?key|secret)=([^&\s]+)")


def redact_url(url: str) -> str:
    """``redis://:s3cret@host/0`` -> ``redis://:***@host/0``; ``?password=x`` -> ``***``."""
    masked = _USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}:***@", url or "")
    return _QUERY_SECRET.sub(lambda m: f"{m.group(1)}=***", masked)


def redact_text(text: str) -> str:
    """Every URL in ``text`` with its secrets masked (log lines, error messages)."""
    return redact_url(text)


def mask(value: str) -> str:
    """An API key shown as its length only."""
    return f"*** ({len(value)} characters)" if value else ""
