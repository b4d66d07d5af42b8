"""A local wheelhouse of the project's base install, repacked from the distributions the
test's own environment already holds, so a fresh virtual environment can run the README's
`pip install -e .` offline (`PIP_NO_INDEX`, `PIP_FIND_LINKS`) in seconds, not minutes.

What a repacked wheel carries is what the installed distribution's RECORD lists inside
site-packages (its metadata, entry points and licences included); scripts and data files
installed outside site-packages are left out (pip writes console scripts again from the
entry points, and the base install needs no other)."""

from __future__ import annotations

import base64
import hashlib
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

# Files pip writes as it installs: a wheel must not carry them.
_INSTALL_ONLY = {"INSTALLER", "REQUESTED", "RECORD", "direct_url.json"}


def closure(requirements: list[str]) -> dict[str, metadata.Distribution]:
    """Every installed distribution the requirements pull in, extras and markers applied;
    a requirement this environment does not hold is an error naming it."""
    found: dict[str, metadata.Distribution] = {}
    extras_of: dict[str, set[str]] = {}
    todo = [Requirement(r) for r in requirements]
    while todo:
        req = todo.pop()
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        name = canonicalize_name(req.name)
        wanted = set(req.extras)
        if name in found and wanted <= extras_of[name]:
            continue
        try:
            dist = found.get(name) or metadata.distribution(req.name)
        except metadata.PackageNotFoundError as missing:
            raise LookupError(f"{req.name} is required but not installed here") from missing
        found[name] = dist
        extras_of[name] = extras_of.get(name, set()) | wanted
        for line in dist.requires or []:
            sub = Requirement(line)
            applies = sub.marker is None or any(
                sub.marker.evaluate({"extra": e}) for e in extras_of[name] | {""}
            )
            if applies:
                sub.marker = None
                todo.append(sub)
    return found


def _digest(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def repack(dist: metadata.Distribution, folder: Path) -> Path:
    """One installed distribution as a wheel in folder (stored, not deflated: speed over
    size, it lives for a test session)."""
    info = Path(str(dist._path))  # type: ignore[attr-defined]  # the .dist-info folder
    site = info.parent
    tags = [
        line.split(":", 1)[1].strip()
        for line in (info / "WHEEL").read_text().splitlines()
        if line.startswith("Tag:")
    ]
    # The compressed tag set (py2.py3-none-any): a name that says every tag it was built for.
    parts = ([], [], [])
    for tag in tags:
        for part, piece in zip(parts, tag.split("-"), strict=True):
            if piece not in part:
                part.append(piece)
    tag = "-".join(".".join(part) for part in parts)
    name = canonicalize_name(dist.metadata["Name"]).replace("-", "_")
    wheel = folder / f"{name}-{dist.version}-{tag}.whl"
    if wheel.exists():
        return wheel
    part = wheel.with_suffix(".part")
    record: list[str] = []
    with zipfile.ZipFile(part, "w", zipfile.ZIP_STORED) as out:
        for entry in dist.files or []:
            path = entry.as_posix()
            if path.startswith("..") or "__pycache__" in path or path.endswith(".pyc"):
                continue
            if path.startswith(info.name + "/") and entry.name in _INSTALL_ONLY:
                continue
            source = site / path
            if not source.is_file():
                continue
            data = source.read_bytes()
            out.writestr(path, data)
            record.append(f"{path},{_digest(data)},{len(data)}")
        record.append(f"{info.name}/RECORD,,")
        out.writestr(f"{info.name}/RECORD", "\n".join(record) + "\n")
    part.rename(wheel)
    return wheel


def base_wheelhouse(pyproject: Path, folder: Path) -> list[Path]:
    """Wheels for the project's base dependencies and its build requirements, so
    `pip install -e .` resolves with no index."""
    project = tomllib.loads(pyproject.read_text())
    wanted = project["project"]["dependencies"] + project["build-system"]["requires"]
    folder.mkdir(parents=True, exist_ok=True)
    return [repack(dist, folder) for dist in closure(wanted).values()]
