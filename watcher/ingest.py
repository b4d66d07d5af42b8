"""Taking one stable file: preflight, claim, copy while hashing, duplicate check, archive,
document row.

Each preflight check says why a file is not taken (as paperless-ngx's consumer does):
- only regular files are read, opened without following links (``O_NOFOLLOW``), and from
  the inbox only their real path must be inside the inbox: a link to ``/etc/passwd`` or a
  FIFO is refused with the reason, never opened or waited on;
- the file is claimed first (renamed into the inbox's claim folder), so several watchers,
  hosts or ``submit`` calls on one inbox take each file exactly once;
- its bytes are read once, from one open file descriptor, hashed and copied into the
  archive at the same time; if the file changed while it was copied, the copy is thrown
  away and the file put back to wait: the archive never holds bytes under a sha256 they do
  not have.

The order is chosen so that a crash at any point loses nothing: the archive copy is
complete before the row says ``queued``, the original is removed only after both, and a
file found again whose row is still ``received`` is resumed, not called a duplicate.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from docintel.config import Settings
from docintel.store.archive import archive_path as store_archive_path
from docintel.store.db import session_scope
from docintel.store.records import document_by_sha, set_status
from docintel.store.schema import Document, Status, utcnow

CHUNK = 1 << 20
CLAIMS = ".docintel-claims"  # inside the inbox; dot folders are never watched
NAME_BYTES = 240  # room for a prefix under the usual 255-byte file name limit


@dataclass(frozen=True)
class Ingested:
    document_id: int
    sha256: str
    status: str
    duplicate_of: int | None = None
    known: bool = False  # the content was already a document (nothing new was sent)


class Refused(Exception):
    """A file the inbox will not read; the message says why and what to do."""


class NotReady(Exception):
    """The file changed while it was taken; it waits in the inbox for another try."""


def display_name(name: str) -> str:
    """A file name that can be stored and printed: bytes that are not UTF-8 become U+FFFD."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def fitting_name(prefix: str, name: str, limit: int = NAME_BYTES) -> str:
    """``prefix + name`` cut (in the stem, keeping the extension) to fit a file name."""
    full = prefix + name
    if len(os.fsencode(full)) <= limit:
        return full
    stem, dot, ext = name.rpartition(".")
    ext = (dot + ext) if stem and len(ext) <= 16 else ""
    stem = stem if ext else name
    room = limit - len(os.fsencode(prefix + ext))
    cut = os.fsencode(stem)[: max(1, room)].decode("utf-8", "ignore")
    return prefix + cut + ext


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def archive_path(settings: Settings, sha256: str, name: str) -> Path:
    return store_archive_path(settings.archive_dir, sha256, name)


def preflight(path: Path, inbox: Path | None) -> os.stat_result:
    """The file's own status, not a link's target's, after the checks that decide whether it
    may be read at all."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        raise
    if stat.S_ISLNK(st.st_mode):
        target = os.path.realpath(path)
        raise Refused(
            f"{display_name(path.name)} is a symbolic link (to {display_name(target)}); links "
            "are not followed. Drop the file itself."
        )
    if not stat.S_ISREG(st.st_mode):
        kind = (
            "a named pipe (FIFO)"
            if stat.S_ISFIFO(st.st_mode)
            else "a socket"
            if stat.S_ISSOCK(st.st_mode)
            else "a device"
            if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
            else "not a regular file"
        )
        raise Refused(f"{display_name(path.name)} is {kind}; only regular files are read.")
    if inbox is not None:
        real, root = os.path.realpath(path.parent), os.path.realpath(inbox)
        if os.path.commonpath([real, root]) != root:
            raise Refused(
                f"{display_name(path.name)} lies outside the inbox ({display_name(real)}); "
                "only files inside the inbox are taken."
            )
    return st


def claim(path: Path, inbox: Path, owner: str = "") -> Path:
    """Rename the file into the claim folder: of several watchers, exactly one succeeds;
    the others see it gone (FileNotFoundError) and move on. ``owner``: the watcher's token
    (``watcher.claims``), by which a dead watcher's claims are known."""
    folder = inbox / CLAIMS
    folder.mkdir(parents=True, exist_ok=True)
    prefix = f"{owner}.{uuid.uuid4().hex[:8]}__" if owner else f"{uuid.uuid4().hex[:12]}__"
    claimed = folder / fitting_name(prefix, path.name)
    os.rename(path, claimed)
    return claimed


def unclaim(claimed: Path, original: Path) -> None:
    """Put a claimed file back where it was (or beside it, if that name was taken since)."""
    target = original
    n = 1
    while target.exists():
        target = original.with_name(fitting_name(f"{n}-", original.name))
        n += 1
    os.rename(claimed, target)


def copy_and_hash(path: Path, dest_folder: Path, *, follow: bool) -> tuple[str, Path, int]:
    """Read the file once, from one descriptor: (sha256, a temporary copy, size). Raises
    ``NotReady`` if it changed while it was read."""
    flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)
    if not follow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)
    try:
        before = os.fstat(fd)
        if not stat.S_ISREG(before.st_mode):
            raise Refused(f"{display_name(path.name)} is not a regular file.")
        dest_folder.mkdir(parents=True, exist_ok=True)
        tmp = dest_folder / f"{uuid.uuid4().hex}.incoming"
        digest = hashlib.sha256()
        copied = 0
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
                    f"{display_name(path.name)}; it stays in the inbox. Free space under "
                    f"{dest_folder.parent.parent}; it is taken again on its own."
                ) from exc
            raise
        after = os.fstat(fd)
        changed = (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns)
        if changed or copied != after.st_size:
            tmp.unlink(missing_ok=True)
            raise NotReady(f"{display_name(path.name)} changed while it was read")
        return digest.hexdigest(), tmp, copied
    finally:
        os.close(fd)


def ingest(
    path: Path,
    settings: Settings,
    *,
    move: bool = True,
    inbox: Path | None = None,
    owner: str = "",
) -> Ingested:
    """Record ``path`` and put its bytes in the archive. ``move=False`` (``docintel
    process``, ``submit``) copies, leaving the user's file where it is, and follows a link
    the user named. ``inbox`` (the watcher) confines the file to the inbox and claims it
    first, in the name of ``owner``."""
    name = display_name(path.name)
    if inbox is not None:
        preflight(path, inbox)
        source = claim(path, inbox, owner)
    else:
        source = path
    try:
        sha, tmp, size = copy_and_hash(
            source, settings.archive_dir / "tmp", follow=inbox is None and not move
        )
    except (NotReady, Refused, OSError):
        if source != path:
            unclaim(source, path)
        raise
    try:
        return _record(path, source, name, sha, tmp, size, settings, move)
    except BaseException:
        tmp.unlink(missing_ok=True)
        if source != path and source.exists():
            unclaim(source, path)
        raise


def _record(
    path: Path,
    source: Path,
    name: str,
    sha: str,
    tmp: Path,
    size: int,
    settings: Settings,
    move: bool,
) -> Ingested:
    with session_scope(settings.db_url) as s:
        existing = document_by_sha(s, sha)
        if existing is not None and existing.status != Status.received.value:
            tmp.unlink(missing_ok=True)
            if not move:  # `process`/`submit` of a known file: answer with the original
                return Ingested(existing.id, sha, existing.status, existing.id, known=True)
            dup = _record_duplicate(s, source, name, settings, sha, size, existing)
            return Ingested(dup.id, sha, Status.duplicate.value, existing.id, known=True)
        if existing is None:
            existing = Document(
                sha256=sha,
                name=name,
                size=size,
                source_path=display_name(str(path)),
                status=Status.received.value,
                warnings=[],
                meta={},
            )
            s.add(existing)
            try:
                s.flush()
            except IntegrityError:  # another host took the same bytes a moment ago
                s.rollback()
                tmp.unlink(missing_ok=True)
                original = document_by_sha(s, sha)
                assert original is not None
                dup = _record_duplicate(s, source, name, settings, sha, size, original)
                return Ingested(dup.id, sha, Status.duplicate.value, original.id, known=True)
        doc_id = existing.id
    dest = archive_path(settings, sha, name)
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.exists():
        tmp.unlink(missing_ok=True)  # the archive already holds these exact bytes (resumed)
    else:
        os.replace(tmp, dest)  # atomic: the archive never holds half a file
    with session_scope(settings.db_url) as s:
        set_status(s, doc_id, Status.queued, archive_path=str(dest.resolve()), queued_at=utcnow())
    if move:
        source.unlink(missing_ok=True)
    return Ingested(doc_id, sha, Status.queued.value)


def _record_duplicate(
    s,  # type: ignore[no-untyped-def]
    source: Path,
    name: str,
    settings: Settings,
    sha: str,
    size: int,
    original: Document,
) -> Document:
    folder = settings.duplicates_dir
    folder.mkdir(parents=True, exist_ok=True)
    raw = source.name.split("__", 1)[-1] if source.parent.name == CLAIMS else source.name
    target = folder / fitting_name(f"{sha[:12]}-", raw)
    n = 1
    while target.exists():
        target = folder / fitting_name(f"{sha[:12]}-{n}-", raw)
        n += 1
    os.replace(source, target)
    dup = Document(
        sha256=sha,
        name=name,
        size=size,
        source_path=display_name(str(source)),
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
