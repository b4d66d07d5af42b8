"""A downloaded message's files: its attachments (every file in it, however deep in its
multiparts), with the names, types and sizes a rule filters on, written out one at a time
to be ingested like a dropped file."""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage, Message
from pathlib import Path, PurePosixPath

# Control characters and separators a file name must not carry into the inbox's records.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]+")


@dataclass(frozen=True)
class Attachment:
    index: int
    name: str
    content_type: str
    size: int
    part: Message

    def data(self) -> bytes:
        payload = self.part.get_payload(decode=True)
        return payload if isinstance(payload, bytes) else b""


def safe_name(name: str, fallback: str) -> str:
    """A file name of its own (no folders, no control characters, not empty, not hidden:
    the ingest would take a dotfile for a temporary one)."""
    base = PurePosixPath(name.replace("\\", "/")).name
    base = _UNSAFE.sub("_", base).strip().lstrip(".")[:180]
    return base or fallback


def attachments(message: Message) -> Iterator[Attachment]:
    """Every file in ``message``: parts marked as attachments, parts with a file name, and
    inline parts that are not text (images, PDFs). Text bodies are the message's own."""
    for index, part in enumerate(message.walk()):
        if part.is_multipart() or part.get_content_maintype() == "message":
            continue
        disposition = part.get_content_disposition()
        name = part.get_filename()
        if not (disposition == "attachment" or name or part.get_content_maintype() != "text"):
            continue
        content_type = part.get_content_type()
        extension = mimetypes.guess_extension(content_type) or ".bin"
        fallback = f"attachment-{index}{extension}"
        payload = part.get_payload(decode=True)
        size = len(payload) if isinstance(payload, bytes) else 0
        yield Attachment(index, safe_name(name or "", fallback), content_type, size, part)


def type_matches(patterns: list[str], content_type: str, name: str) -> bool:
    """``pdf`` or ``.pdf`` (the name's extension), ``application/pdf`` or ``image/*`` (the
    declared type). A sender's client often declares a PDF application/octet-stream, so the
    extension counts as much as the type. No patterns: any type."""
    if not patterns:
        return True
    suffix = PurePosixPath(name).suffix.lower().lstrip(".")
    content_type = content_type.lower()
    for pattern in (p.strip().lower() for p in patterns):
        if "/" in pattern:
            major, _, minor = pattern.partition("/")
            if pattern == content_type or (minor == "*" and content_type.split("/")[0] == major):
                return True
        elif pattern.lstrip(".") == suffix:
            return True
    return False


def body_text(message: Message) -> str:
    """The message's text parts (plain and HTML), decoded, for a rule's ``body`` match."""
    texts = []
    for part in message.walk():
        if part.get_content_maintype() == "text" and part.get_content_disposition() != "attachment":
            if isinstance(part, EmailMessage):
                try:
                    texts.append(str(part.get_content()))
                    continue
                except (LookupError, ValueError):
                    pass
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                texts.append(payload.decode("utf-8", "replace"))
    return "\n".join(texts)


def write_attachment(attachment: Attachment, folder: Path, used: set[str]) -> Path:
    """The attachment as a file in ``folder`` under its own name (numbered where a name
    repeats in one message), so the document is named as the sender named it."""
    name = attachment.name
    n = 1
    while name.lower() in used:
        n += 1
        stem, dot, ext = attachment.name.rpartition(".")
        name = f"{stem} ({n}).{ext}" if dot and stem else f"{attachment.name} ({n})"
    used.add(name.lower())
    path = folder / name
    path.write_bytes(attachment.data())
    return path
