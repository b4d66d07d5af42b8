"""ZIP and TAR (plain, gzip, bzip2, xz): each member is read as a stream to become a
document of its own. Guards, each with the reason recorded: names that would escape
(absolute, '..'), links and device files are refused; a member whose compression ratio is
a bomb's is refused; too many members, too many bytes in all, or archives nested too deep
fail the archive with what to change. Nothing is ever written by name: members are stored
content-addressed, so no member can land outside the archive folder."""

from __future__ import annotations

import stat
import tarfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from docintel.pipeline.errors import DocumentError


@dataclass(frozen=True)
class Limits:
    depth: int  # how deep this archive already is (0: dropped by a person)
    max_depth: int
    max_members: int
    max_total: int  # bytes, uncompressed, all members together
    max_ratio: float  # uncompressed / compressed, per member


@dataclass
class Entry:
    """A member to store (``stream``), or one refused (``refused`` says why)."""

    name: str
    size: int
    stream: BinaryIO | None = None
    refused: str | None = None


def archive_entries(path: Path, media_type: str, limits: Limits) -> Iterator[Entry]:
    if limits.depth >= limits.max_depth:
        raise DocumentError(
            f"{path.name} is an archive nested {limits.depth} deep, at "
            f"DOCINTEL_ARCHIVE_MAX_DEPTH={limits.max_depth}: its members were not opened. "
            "Unpack it by hand if it is expected."
        )
    if media_type == "application/zip":
        yield from _zip_entries(path, limits)
    else:
        yield from _tar_entries(path, limits)


def _zip_entries(path: Path, limits: Limits) -> Iterator[Entry]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise DocumentError(
            f"{path.name} is a damaged ZIP archive ({exc}); save it again."
        ) from exc
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        _count(path, len(infos), limits)
        yield from _guarded(
            (
                (i.filename, i.file_size, _zip_refusal(i, limits), partial(archive.open, i))
                for i in infos
            ),  # fmt: skip
            limits,
        )


def _zip_refusal(info: zipfile.ZipInfo, limits: Limits) -> str | None:
    if refused := _bad_name(info.filename):
        return refused
    if stat.S_ISLNK(info.external_attr >> 16):
        return "a symbolic link"
    ratio = info.file_size / max(info.compress_size, 1)
    if ratio > limits.max_ratio:
        return (
            f"compressed {ratio:,.0f}:1 ({info.file_size:,} bytes from {info.compress_size:,}), "
            f"above DOCINTEL_ARCHIVE_MAX_RATIO={limits.max_ratio:g}: a decompression bomb"
        )
    return None


def _tar_entries(path: Path, limits: Limits) -> Iterator[Entry]:
    try:
        archive = tarfile.open(path, "r:*")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise DocumentError(
            f"{path.name} is a damaged TAR archive ({exc}); save it again."
        ) from exc
    with archive:
        members = archive.getmembers()
        files = [m for m in members if not m.isdir()]
        _count(path, len(files), limits)
        compressed = max(path.stat().st_size, 1)
        declared = sum(m.size for m in files if m.isfile())
        bomb = (
            f"the archive unpacks to {declared:,} bytes from {compressed:,}, above "
            f"DOCINTEL_ARCHIVE_MAX_RATIO={limits.max_ratio:g}: a decompression bomb"
            if declared > limits.max_ratio * compressed
            else None
        )
        yield from _guarded(
            (
                (m.name, m.size, _tar_refusal(m) or bomb, partial(archive.extractfile, m))
                for m in files
            ),  # fmt: skip
            limits,
        )


def _tar_refusal(member: tarfile.TarInfo) -> str | None:
    if refused := _bad_name(member.name):
        return refused
    if member.issym() or member.islnk():
        return f"a link to {member.linkname!r}"
    if not member.isfile():
        return "a device, pipe or other special file"
    return None


Candidate = tuple[str, int, str | None, Callable[[], BinaryIO | None]]


def _guarded(candidates: Iterable[Candidate], limits: Limits) -> Iterator[Entry]:
    """Members as entries to store, opened one at a time, or refused with the reason; past
    DOCINTEL_ARCHIVE_MAX_TOTAL_MB in all, every further member is refused."""
    total = 0
    for name, size, refused, open_member in candidates:
        total += size
        if refused is None and total > limits.max_total:
            refused = _too_much(limits)
        if refused:
            yield Entry(name, size, refused=refused)
            continue
        stream = open_member()
        if stream is not None:
            with stream:
                yield Entry(name, size, stream)


def _bad_name(name: str) -> str | None:
    pure = PurePosixPath(name.replace("\\", "/"))
    if pure.is_absolute() or (len(name) > 1 and name[1] == ":"):
        return "an absolute path"
    if ".." in pure.parts:
        return "a name that climbs out of the archive ('..')"
    return None


def _count(path: Path, count: int, limits: Limits) -> None:
    if count > limits.max_members:
        raise DocumentError(
            f"{path.name} holds {count:,} files, above DOCINTEL_ARCHIVE_MAX_MEMBERS="
            f"{limits.max_members:,}: split it or raise the limit, then `docintel retry`."
        )


def _too_much(limits: Limits) -> str:
    return (
        f"the members unpack to more than DOCINTEL_ARCHIVE_MAX_TOTAL_MB="
        f"{limits.max_total // 2**20:,} MiB; the rest were not opened"
    )
