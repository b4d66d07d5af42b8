"""An upload streamed to disk as it arrives: the multipart body is parsed chunk by chunk
(python-multipart's push parser) and the file part written straight into the archive's
tmp folder, so a 500 MB upload never sits in memory, and one over DOCINTEL_MAX_FILE_MB is
refused with 413 as soon as it passes the limit, not after it has all arrived."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

from python_multipart.multipart import MultipartParser, parse_options_header


class UploadError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]")


def safe_filename(raw: str) -> str:
    """The last component of a browser's filename, without control characters or separators
    (a name is never a path the server follows)."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip().lstrip(".") or "upload"
    return name[:200]


def _field(headers: dict[bytes, bytes]) -> str:
    """The form field a part was sent in."""
    _, options = parse_options_header(headers.get(b"content-disposition") or b"")
    return (options.get(b"name") or b"").decode("utf-8", "replace")


def _filename(headers: dict[bytes, bytes]) -> str | None:
    disposition = headers.get(b"content-disposition")
    if not disposition:
        return None
    _, options = parse_options_header(disposition)
    raw = options.get(b"filename*") or options.get(b"filename")
    if raw is None:
        return None
    text = raw.decode("utf-8", "replace")
    if text.lower().startswith("utf-8''"):
        from urllib.parse import unquote

        text = unquote(text[7:])
    return text


async def receive_file(
    content_type: str, body: AsyncIterator[bytes], folder: Path, max_bytes: int
) -> Path:
    """The file part (field ``file``) of a multipart body, written under a new folder inside
    ``folder`` with its own (made safe) name; the folder is removed on any error. A file in
    another field, or a second file, is refused (422), never silently dropped."""
    kind, options = parse_options_header(content_type)
    if kind != b"multipart/form-data" or b"boundary" not in options:
        raise UploadError(415, "send the file as multipart/form-data, in a field named 'file'")
    folder.mkdir(parents=True, exist_ok=True)
    place = Path(tempfile.mkdtemp(prefix="upload-", dir=folder))
    state: dict[str, object] = {"headers": {}, "field": None, "value": b"", "out": None}
    written = 0
    target: list[Path] = []

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state["field"] = (state["field"] or b"") + data[start:end]  # type: ignore[operator]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state["value"] = state["value"] + data[start:end]  # type: ignore[operator]

    def on_header_end() -> None:
        headers = state["headers"]
        headers[(state["field"] or b"").lower()] = state["value"]  # type: ignore[index,union-attr]
        state["field"], state["value"] = None, b""

    def on_headers_finished() -> None:
        name = _filename(state["headers"])  # type: ignore[arg-type]
        if name is None:
            return  # a plain form field
        field = _field(state["headers"])  # type: ignore[arg-type]
        if field != "file":
            raise UploadError(
                422, f"the file was sent in a field named {field!r}: name the field 'file'"
            )
        if target:
            raise UploadError(
                422,
                "one file per upload: send each file in a request of its own (nothing of "
                "this request was kept)",
            )
        if name is not None:
            path = place / safe_filename(name)
            target.append(path)
            state["out"] = open(path, "wb")  # noqa: SIM115 - closed in on_part_end

    def on_part_data(data: bytes, start: int, end: int) -> None:
        nonlocal written
        out = state["out"]
        if out is None:
            return
        written += end - start
        if written > max_bytes:
            raise UploadError(
                413, f"the file is over DOCINTEL_MAX_FILE_MB ({max_bytes // 2**20} MB)"
            )
        out.write(data[start:end])  # type: ignore[attr-defined]

    def on_part_end() -> None:
        if state["out"] is not None:
            state["out"].close()  # type: ignore[attr-defined]
        state["out"], state["headers"] = None, {}

    parser = MultipartParser(
        options[b"boundary"],
        {
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        },
    )
    try:
        async for chunk in body:
            parser.write(chunk)
        parser.finalize()
        if not target:
            raise UploadError(422, "no file in the upload: send it in a field named 'file'")
        return target[0]
    except Exception:
        if state["out"] is not None:
            state["out"].close()  # type: ignore[attr-defined]
        shutil.rmtree(place, ignore_errors=True)
        raise


def discard(path: Path) -> None:
    """The upload's own folder, once ingest has taken (or refused) the file."""
    shutil.rmtree(path.parent, ignore_errors=True)
    if path.exists():
        os.unlink(path)
