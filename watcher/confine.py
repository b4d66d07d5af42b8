"""Files of the inbox, reached by descriptor: what is checked is what is renamed and read.

A path is never trusted twice. Each folder on the way to a file is opened relative to the
one before it with ``O_NOFOLLOW | O_DIRECTORY``, so a folder swapped for a link (to
``/home``, say) between a check and a rename is refused, or was already opened as the real
folder inside the inbox. The file is opened through that folder's descriptor, claimed by a
rename between two held descriptors, and its device and inode are compared before and
after the claim. A file with more than one link is refused: its other name may lie outside
the inbox. A file that another process still holds open for writing is not taken (a read
lease says so where the kernel grants one; ``/proc`` where it does not).
"""

from __future__ import annotations

import errno
import fcntl
import os
import signal
import stat
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePath

CLAIMS = ".docintel-claims"  # inside the inbox; dot folders are never watched
NAME_BYTES = 240  # room for a prefix under the usual 255-byte file name limit

O_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
O_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
# fcntl(2) on Linux; the module does not name them on every Python
F_SETSIG, F_SETLEASE = 10, 1024


class Refused(Exception):
    """A file the inbox will not read; the message says why and what to do."""


class NotReady(Exception):
    """The file is not whole yet, or changed while it was taken; it waits in the inbox."""


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


def relative(path: Path, inbox: Path) -> PurePath:
    """``path`` as a path inside the inbox; a path that climbs out is refused."""
    try:
        rel = PurePath(path).relative_to(inbox)
    except ValueError:
        raise Refused(
            f"{display_name(path.name)} lies outside the inbox; only files inside the inbox "
            "are taken."
        ) from None
    if not rel.parts or any(part in ("", ".", "..") for part in rel.parts):
        raise Refused(f"{display_name(str(rel))} is not a file name inside the inbox.")
    return rel


def open_folder(inbox: Path, rel: PurePath) -> int:
    """A descriptor on the inbox's folder ``rel``, each step opened without following a
    link. Raises ``Refused`` where a folder on the way is a link (or not a folder)."""
    fd = os.open(inbox, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for part in rel.parts:
            try:
                inner = os.open(part, O_FOLDER, dir_fd=fd)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise Refused(
                        f"the folder {display_name(part)!r} in the inbox is a link or not a "
                        "folder; links are not followed. Move the files themselves in."
                    ) from None
                raise
            os.close(fd)
            fd = inner
        return fd
    except BaseException:
        os.close(fd)
        raise


def claims_folder(inbox: Path) -> int:
    """A descriptor on the inbox's claim folder, made if missing; a link there is refused
    (claims would be renamed out of the inbox through it)."""
    folder = inbox / CLAIMS
    try:
        os.mkdir(folder, 0o700)
    except FileExistsError:
        pass
    return open_folder(inbox, PurePath(CLAIMS))


def kind_of(st: os.stat_result) -> str | None:
    """What a non-regular file is, in words; None for a regular file."""
    mode = st.st_mode
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def check_file(st: os.stat_result, name: str, link_target: str = "") -> None:
    """Refuse what is not one regular file with one name."""
    kind = kind_of(st)
    if kind == "a symbolic link":
        to = f" (to {display_name(link_target)})" if link_target else ""
        raise Refused(
            f"{display_name(name)} is a symbolic link{to}; links are not followed. Drop the "
            "file itself."
        )
    if kind is not None:
        raise Refused(f"{display_name(name)} is {kind}; only regular files are read.")
    if st.st_nlink > 1:
        raise Refused(
            f"{display_name(name)} has {st.st_nlink} names (hard links); one of them may lie "
            "outside the inbox, so it is not read. Copy the file into the inbox instead."
        )


def same_file(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def unchanged(a: os.stat_result, b: os.stat_result) -> bool:
    return same_file(a, b) and (a.st_size, a.st_mtime_ns) == (b.st_size, b.st_mtime_ns)


def being_written(fd: int, st: os.stat_result) -> bool | None:
    """Whether any process holds the file open for writing: True, False, or None where
    this platform cannot tell. A read lease is refused (EAGAIN) exactly when the file is
    open for writing anywhere; it is released at once. A lease broken in that moment would
    signal us: the signal is set to SIGURG, which is ignored by default."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        fcntl.fcntl(fd, F_SETSIG, signal.SIGURG)
        fcntl.fcntl(fd, F_SETLEASE, fcntl.F_RDLCK)
    except OSError as exc:
        if exc.errno == errno.EAGAIN:
            return True
        return _writers_in_proc(st)  # not our file (EACCES), or no leases here (EINVAL)
    fcntl.fcntl(fd, F_SETLEASE, fcntl.F_UNLCK)
    return False


def _writers_in_proc(st: os.stat_result) -> bool | None:
    """The same question asked of /proc: any descriptor on this inode opened for writing,
    among the processes we may look into."""
    try:
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return None
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if not same_file(os.stat(f"/proc/{pid}/fd/{fd}"), st):
                    continue
                with open(f"/proc/{pid}/fdinfo/{fd}") as info:
                    flags = next(
                        int(line.split()[1], 8) for line in info if line.startswith("flags:")
                    )
            except (OSError, StopIteration, ValueError):
                continue
            if flags & os.O_ACCMODE in (os.O_WRONLY, os.O_RDWR):
                return True
    return False


def rename_without_replacing(src: str, src_dir: int, dst: str, dst_dir: int) -> str:
    """Move ``src`` to ``dst`` (or ``1-dst``, ``2-dst``...) without replacing a file that
    is there; returns the name used. A hard link fails where the name exists, atomically;
    where links are not supported, the name is checked first."""
    target, n = dst, 1
    while True:
        try:
            os.link(src, target, src_dir_fd=src_dir, dst_dir_fd=dst_dir, follow_symlinks=False)
        except FileExistsError:
            target, n = fitting_name(f"{n}-", dst), n + 1
            continue
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
                raise
            while _exists(target, dst_dir):
                target, n = fitting_name(f"{n}-", dst), n + 1
            os.rename(src, target, src_dir_fd=src_dir, dst_dir_fd=dst_dir)
            return target
        os.unlink(src, dir_fd=src_dir)
        return target


def _exists(name: str, folder: int) -> bool:
    try:
        os.stat(name, dir_fd=folder, follow_symlinks=False)
    except FileNotFoundError:
        return False
    return True


@dataclass
class Claim:
    """A file taken out of the inbox's view: renamed into the claim folder, held open."""

    folder: int  # the file's own folder in the inbox
    name: str  # its name there
    claims: int  # the claim folder
    claimed: str  # its name in the claim folder
    fd: int  # the file, open for reading
    st: os.stat_result  # as it was when claimed

    def put_back(self) -> None:
        """Return the file to its folder under its name (or one beside it)."""
        try:
            rename_without_replacing(self.claimed, self.claims, self.name, self.folder)
        except FileNotFoundError:
            pass

    def discard(self) -> None:
        """Remove the claimed name: its bytes are in the archive now."""
        os.unlink(self.claimed, dir_fd=self.claims)

    def close(self) -> None:
        for fd in (self.fd, self.folder, self.claims):
            try:
                os.close(fd)
            except OSError:
                pass


def take_claim(path: Path, inbox: Path, owner: str = "") -> Claim:
    """Claim ``path`` (inside ``inbox``) for this watcher: of several watchers, exactly
    one succeeds; the others see it gone (FileNotFoundError). Raises ``Refused`` for what
    may not be read and ``NotReady`` for a file still being written."""
    rel = relative(path, inbox)
    folder = open_folder(inbox, rel.parent)
    fd = claims = -1
    try:
        name = rel.name
        st = os.stat(name, dir_fd=folder, follow_symlinks=False)
        target = os.readlink(name, dir_fd=folder) if stat.S_ISLNK(st.st_mode) else ""
        check_file(st, name, target)
        try:
            fd = os.open(name, O_FILE, dir_fd=folder)
        except OSError as exc:
            if exc.errno == errno.ELOOP:  # became a link since the look
                raise Refused(
                    f"{display_name(name)} is a symbolic link; links are not followed."
                ) from None
            raise
        held = os.fstat(fd)
        if not same_file(held, st):
            raise NotReady(f"{display_name(name)} was replaced while it was taken")
        check_file(held, name)
        if being_written(fd, held):
            raise NotReady(f"{display_name(name)} is still open for writing by another program")
        claims = claims_folder(inbox)
        prefix = f"{owner}.{uuid.uuid4().hex[:8]}__" if owner else f"{uuid.uuid4().hex[:12]}__"
        claimed = fitting_name(prefix, name)
        os.rename(name, claimed, src_dir_fd=folder, dst_dir_fd=claims)
        claim = Claim(folder, name, claims, claimed, fd, held)
        moved = os.stat(claimed, dir_fd=claims, follow_symlinks=False)
        if not same_file(moved, held):  # the name went to another file between open and rename
            claim.put_back()
            raise NotReady(f"{display_name(name)} was replaced while it was taken")
        return claim
    except BaseException:
        for opened in (fd, claims, folder):
            if opened >= 0:
                os.close(opened)
        raise


def confirm_whole(claim: Claim) -> None:
    """After the bytes were read: the file has not changed, has no second name, and no one
    writes to it. Otherwise it goes back to wait (``NotReady``) or is refused."""
    now = os.fstat(claim.fd)
    check_file(now, claim.name)
    if not unchanged(now, claim.st) or being_written(claim.fd, now):
        raise NotReady(f"{display_name(claim.name)} changed while it was read")


def walk(inbox: Path, top: PurePath = PurePath()) -> Iterator[tuple[PurePath, bool]]:
    """Every entry under the inbox's folder ``top`` as (path in the inbox, is a real
    folder), without following a link or entering a dot folder (the claim folder among
    them). Links and other non-regular files are yielded too, so that they are refused with
    a reason."""
    try:
        root = open_folder(inbox, top)
    except (OSError, Refused):
        return
    stack: list[tuple[int, PurePath]] = [(root, top)]
    try:
        while stack:
            fd, rel = stack.pop()
            try:
                found = _entries(fd)
                for name, is_folder in found:
                    if is_folder:
                        try:
                            stack.append((os.open(name, O_FOLDER, dir_fd=fd), rel / name))
                        except OSError:
                            pass
            finally:
                os.close(fd)
            for name, is_folder in found:
                yield rel / name, is_folder
    finally:
        for fd, _rel in stack:
            os.close(fd)


def _entries(fd: int) -> list[tuple[str, bool]]:
    """(name, is a real folder) of a folder's entries, dot names left out."""
    try:
        with os.scandir(fd) as entries:
            return [
                (e.name, e.is_dir(follow_symlinks=False))
                for e in entries
                if not e.name.startswith(".")
            ]
    except OSError:
        return []
