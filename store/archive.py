"""The content-addressed archive of originals: where a file's bytes live, and how bytes that
are not a file yet (an e-mail's attachment, an archive's member) get there, atomically."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 20


class TooLarge(Exception):
    """More bytes than allowed were read: the source is not what its header said."""


def archive_path(archive_dir: Path, sha256: str, name: str) -> Path:
    """Content-addressed: the same bytes always land at the same place."""
    suffix = "".join(Path(name).suffixes[-1:]).lower()[:16]
    if not suffix.isascii() or not all(c.isalnum() or c == "." for c in suffix):
        suffix = ""
    return archive_dir / sha256[:2] / sha256[2:4] / f"{sha256}{suffix}"


def store_stream(
    archive_dir: Path, name: str, source: BinaryIO, limit: int
) -> tuple[str, Path, int]:
    """Copy ``source`` into the archive under its sha256: (sha256, path, size). More than
    ``limit`` bytes raises TooLarge and leaves nothing behind."""
    tmp_dir = archive_dir / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, prefix="member-")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            while block := source.read(CHUNK):
                size += len(block)
                if size > limit:
                    raise TooLarge(f"more than {limit:,} bytes")
                digest.update(block)
                out.write(block)
        sha = digest.hexdigest()
        dest = archive_path(archive_dir, sha, name)
        dest.parent.mkdir(parents=True, exist_ok=True)
        if dest.exists():
            tmp.unlink()
        else:
            os.replace(tmp, dest)
        return sha, dest, size
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
