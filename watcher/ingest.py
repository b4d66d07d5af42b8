"""Taking one stable file: preflight, claim, copy while hashing, duplicate check, archive,
document row.

Two ways in, one record:
- **from the inbox** (the watcher): the file is claimed first (``watcher.confine``: reached
  by descriptor, renamed into the claim folder), so several watchers, hosts or processes on
  one inbox take each file exactly once, and what was checked is what is read. Only regular
  files with one name, inside the inbox, that no process holds open for writing are taken;
  the others are refused with the reason (a link to ``/etc/passwd``, a FIFO, a hard link)
  or wait (a file still being written). The claimed name is removed once the bytes are in
  the archive; a known file's copy goes to ``duplicates/``.
- **a file named by a person** (``submit``, ``process``, an upload's temporary file): its
  bytes are copied, and the file itself is never renamed, moved or removed, under any race.

Either way the bytes are read once, from one open descriptor, hashed and copied into the
archive at the same time; a file that changed while it was read is put back to wait: the
archive never holds bytes under a sha256 they do not have.

The order is chosen so that a crash at any point loses nothing: the archive copy is
complete before the row says ``queued``, the claimed file is removed only after both, and a
file found again whose row is still ``received`` is resumed, not called a duplicate. Of two
processes that find the same ``received`` row, one moves it on to ``queued`` (a conditional
update) and only that one sends it.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import stat
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from docintel.config import Settings
from docintel.store.archive import archive_path as store_archive_path
from docintel.store.db import session_scope
from docintel.store.records import document_by_sha, queue_received
from docintel.store.schema import Document, Status, utcnow
from docintel.watcher.confine import (
    CLAIMS,
    Claim,
    NotReady,
    Refused,
    confirm_whole,
    display_name,
    fitting_name,
    take_claim,
)

__all__ = ["CLAIMS", "Ingested", "NotReady", "Refused", "display_name", "ingest", "claim"]

CHUNK = 1 << 20


@dataclass(frozen=True)
class Ingested:
    document_id: int
    sha256: str
    status: str
    duplicate_of: int | None = None
    known: bool = False  # the content was already a document (nothing new was sent)
    size: int = 0  # bytes read


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def archive_path(settings: Settings, sha256: str, name: str) -> Path:
    return store_archive_path(settings.archive_dir, sha256, name)


def claim(path: Path, inbox: Path, owner: str = "") -> Path:
    """Claim ``path`` and leave it claimed; the claimed file's path (a watcher that is
    killed at this point leaves exactly this behind)."""
    taken = take_claim(path, inbox, owner)
    taken.close()
    return inbox / CLAIMS / taken.claimed


def copy_and_hash(fd: int, name: str, dest_folder: Path) -> tuple[str, Path, int]:
    """Read an open file once: (sha256, a temporary copy, size). Raises ``NotReady`` if it
    changed while it was read. ``name`` (the user's) is what messages say."""
    before = os.fstat(fd)
    if not stat.S_ISREG(before.st_mode):
        raise Refused(f"{display_name(name)} is not a regular file.")
    dest_folder.mkdir(parents=True, exist_ok=True)
    tmp = dest_folder / f"{uuid.uuid4().hex}.incoming"
    digest = hashlib.sha256()
    copied = 0
    os.lseek(fd, 0, os.SEEK_SET)
    try:
        with open(tmp, "wb") as out:
            while block := os.read(fd, CHUNK):
                digest.update(block)
                out.write(block)
                copied += len(block)
            out.flush()
            os.fsync(out.fileno())
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise Refused(
                f"the archive disk is full ({exc.strerror}) while taking "
                f"{display_name(name)}; it stays where it is. Free space under "
                f"{dest_folder.parent.parent}; it is taken again on its own."
            ) from exc
        raise
    after = os.fstat(fd)
    changed = (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns)
    if changed or copied != after.st_size:
        tmp.unlink(missing_ok=True)
        raise NotReady(f"{display_name(name)} changed while it was read")
    return digest.hexdigest(), tmp, copied


def ingest(
    path: Path,
    settings: Settings,
    *,
    inbox: Path | None = None,
    owner: str = "",
    record_duplicate: bool = False,
) -> Ingested:
    """Record ``path`` and put its bytes in the archive. ``inbox`` (the watcher): the file
    is claimed in the name of ``owner``, confined to the inbox, and removed once archived.
    Without it the file is copied and left as it is; known bytes answer with the original,
    or (``record_duplicate``, an upload) are recorded as a duplicate of it."""
    if inbox is None:
        return _ingest_copy(path, settings, record_duplicate)
    taken = take_claim(path, inbox, owner)
    name = display_name(path.name)
    try:
        try:
            sha, tmp, size = copy_and_hash(taken.fd, name, settings.archive_dir / "tmp")
            confirm_whole(taken)
        except (NotReady, Refused, OSError):
            taken.put_back()
            raise
        try:
            return _record(_Read(path, name, sha, size, taken, True), tmp, settings)
        except BaseException:
            tmp.unlink(missing_ok=True)
            taken.put_back()
            raise
    finally:
        taken.close()


def _ingest_copy(path: Path, settings: Settings, record_duplicate: bool) -> Ingested:
    """A file a person named (links they name are followed): copied, never moved."""
    name = display_name(path.name)
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise Refused(f"{name} is not a regular file; only regular files are read.")
        sha, tmp, size = copy_and_hash(fd, name, settings.archive_dir / "tmp")
    finally:
        os.close(fd)
    try:
        return _record(_Read(path, name, sha, size, None, record_duplicate), tmp, settings)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class _Read:
    """A file whose bytes were read: what recording it needs to know."""

    path: Path
    name: str
    sha: str
    size: int
    taken: Claim | None  # from the inbox: the claim to remove once archived
    record_duplicate: bool


def _record(read: _Read, tmp: Path, settings: Settings) -> Ingested:
    """The row, the archive copy, and (from the inbox) the claimed file removed."""
    with session_scope(settings.db_url) as s:
        existing = document_by_sha(s, read.sha)
        if existing is None:
            existing = Document(
                sha256=read.sha,
                name=read.name,
                size=read.size,
                source_path=display_name(str(read.path)),
                status=Status.received.value,
                warnings=[],
                meta={},
            )
            s.add(existing)
            try:
                s.flush()
            except IntegrityError:  # another process took the same bytes a moment ago
                s.rollback()
                existing = document_by_sha(s, read.sha)
                assert existing is not None
        if existing.status != Status.received.value:
            return _known(s, existing, read, tmp, settings)
        doc_id = existing.id
    dest = archive_path(settings, read.sha, read.name)
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.exists():
        tmp.unlink(missing_ok=True)  # the archive already holds these exact bytes (resumed)
    else:
        os.replace(tmp, dest)  # atomic: the archive never holds half a file
    with session_scope(settings.db_url) as s:
        mine = queue_received(s, doc_id, archive_path=str(dest.resolve()), queued_at=utcnow())
        if not mine:  # another process queued these bytes between our read and now
            original = s.get(Document, doc_id)
            assert original is not None
            return _known(s, original, read, _tmp_copy(dest, settings), settings)
    if read.taken is not None:
        read.taken.discard()
    return Ingested(doc_id, read.sha, Status.queued.value, size=read.size)


def _tmp_copy(archived: Path, settings: Settings) -> Path:
    folder = settings.archive_dir / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / f"{uuid.uuid4().hex}.incoming"
    shutil.copyfile(archived, copy)
    return copy


def _known(s: Session, original: Document, read: _Read, tmp: Path, settings: Settings) -> Ingested:
    """Bytes that are already a document: a person's own file answers with the original;
    an inbox file (or an upload) is recorded as a duplicate, the bytes read (``tmp``) kept
    in ``duplicates/``."""
    if read.taken is None and not read.record_duplicate:
        tmp.unlink(missing_ok=True)
        return Ingested(
            original.id, read.sha, original.status, original.id, known=True, size=read.size
        )
    dup = _record_duplicate(s, tmp, read, settings, original)
    if read.taken is not None:
        read.taken.discard()
    return Ingested(
        dup.id, read.sha, Status.duplicate.value, original.id, known=True, size=read.size
    )


def _record_duplicate(
    s: Session, copy: Path, read: _Read, settings: Settings, original: Document
) -> Document:
    """The duplicate's row, and the bytes read (``copy``) under its name in ``duplicates/``:
    the user's file itself is never what is moved."""
    folder = settings.duplicates_dir
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / fitting_name(f"{read.sha[:12]}-", read.path.name)
    n = 1
    while target.exists():
        target = folder / fitting_name(f"{read.sha[:12]}-{n}-", read.path.name)
        n += 1
    shutil.move(copy, target)
    dup = Document(
        sha256=read.sha,
        name=read.name,
        size=read.size,
        source_path=display_name(str(read.path)),
        status=Status.duplicate.value,
        duplicate_of_id=original.id,
        archive_path=str(target.resolve()),
        media_type=original.media_type,
        kind=original.kind,
        warnings=[f"same content as document {original.id} ({original.name})"],
        meta={},
        error=None,
        finished_at=utcnow(),
    )
    s.add(dup)
    s.flush()
    return dup
