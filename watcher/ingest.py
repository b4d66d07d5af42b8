"""Taking one stable file: checksum, duplicate check, archive, document row, enqueue.

The order is chosen so that a crash at any point loses nothing: the row is written before
the file moves, and a file found again whose row is still ``received`` is resumed, not
called a duplicate.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from docintel.config import Settings
from docintel.store.db import session_scope
from docintel.store.records import document_by_sha, set_status
from docintel.store.schema import Document, Status, utcnow

CHUNK = 1 << 20


@dataclass(frozen=True)
class Ingested:
    document_id: int
    sha256: str
    status: str
    duplicate_of: int | None = None


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def archive_path(settings: Settings, sha256: str, name: str) -> Path:
    """Content-addressed: the same bytes always land at the same place."""
    suffix = "".join(Path(name).suffixes[-1:]).lower()[:16]
    return settings.archive_dir / sha256[:2] / sha256[2:4] / f"{sha256}{suffix}"


def ingest(path: Path, settings: Settings, *, move: bool = True) -> Ingested:
    """Record ``path`` and put its bytes in the archive. ``move=False`` (``docintel process``)
    copies, leaving the user's file where it is."""
    sha = sha256_file(path)
    size = path.stat().st_size
    with session_scope(settings.db_url) as s:
        existing = document_by_sha(s, sha)
        if existing is not None and existing.status != Status.received.value:
            if not move:  # `docintel process` of a known file: answer with the original
                return Ingested(existing.id, sha, existing.status, existing.id)
            dup = _record_duplicate(s, path, settings, sha, size, existing, move)
            return Ingested(dup.id, sha, Status.duplicate.value, existing.id)
        if existing is None:
            existing = Document(
                sha256=sha,
                name=path.name,
                size=size,
                source_path=str(path),
                status=Status.received.value,
                warnings=[],
                meta={},
            )
            s.add(existing)
            try:
                s.flush()
            except IntegrityError:  # another watcher took the same bytes a moment ago
                s.rollback()
                original = document_by_sha(s, sha)
                assert original is not None
                dup = _record_duplicate(s, path, settings, sha, size, original, move)
                return Ingested(dup.id, sha, Status.duplicate.value, original.id)
        doc_id = existing.id
    dest = archive_path(settings, sha, path.name)
    _store(path, dest, move)
    with session_scope(settings.db_url) as s:
        set_status(s, doc_id, Status.queued, archive_path=str(dest.resolve()), queued_at=utcnow())
    return Ingested(doc_id, sha, Status.queued.value)


def _store(src: Path, dest: Path, move: bool) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.exists():
        if move:  # the archive already holds these exact bytes (a resumed ingest)
            src.unlink()
        return
    tmp = dest.with_name(dest.name + ".incoming")
    if move:
        shutil.move(str(src), tmp)
    else:
        shutil.copy2(src, tmp)
    tmp.replace(dest)  # atomic: the archive never holds half a file


def _record_duplicate(
    s,
    path: Path,
    settings: Settings,
    sha: str,
    size: int,  # type: ignore[no-untyped-def]
    original: Document,
    move: bool,
) -> Document:
    target = settings.duplicates_dir / f"{sha[:12]}-{path.name}"
    if move:
        target.parent.mkdir(parents=True, exist_ok=True)
        n = 1
        while target.exists():
            target = settings.duplicates_dir / f"{sha[:12]}-{n}-{path.name}"
            n += 1
        shutil.move(str(path), target)
    dup = Document(
        sha256=sha,
        name=path.name,
        size=size,
        source_path=str(path),
        status=Status.duplicate.value,
        duplicate_of_id=original.id,
        archive_path=str(target.resolve()) if move else original.archive_path,
        media_type=original.media_type,
        kind=original.kind,
        warnings=[],
        meta={},
        error=None,
        finished_at=utcnow(),
    )
    dup.warnings = [f"same content as document {original.id} ({original.name})"]
    s.add(dup)
    s.flush()
    return dup
