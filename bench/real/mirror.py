"""What every real set's ``collect.py`` shares: a file's bytes from a bare git mirror at a
pinned commit, and the folder written from them (the files, their manifest, stale files
removed). Each source is mirrored at MIRRORS/<owner>+<name>/repo (MIRRORS, by default
/work/.mirror: where the `fetch` tool leaves snapshots; `git clone --mirror` makes one)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

MIRRORS = Path(os.environ.get("MIRRORS", "/work/.mirror"))


def git_dir(repo: str) -> Path:
    return MIRRORS / repo.replace("/", "+") / "repo"


def blob(repo: str, commit: str, path: str) -> bytes:
    return subprocess.run(
        ["git", f"--git-dir={git_dir(repo)}", "show", f"{commit}:{path}"],
        capture_output=True,
        check=True,
    ).stdout


def collect(
    here: Path,
    sources: Iterable[tuple[str, str, dict[str, Any]]],
    repos: dict[str, tuple[str, str, str]],
    suffix: str,
    reference: Callable[[bytes], dict[str, Any]],
    name_of: Callable[[str], str] = lambda path: Path(path).name,
) -> None:
    """Each (repo, path, extra fields) written to ``here`` as '<short>-<name>', with a
    manifest line: source, commit, licence, sha256, size, the extra fields and its
    reference; files of ``suffix`` no source names any more are removed."""
    rows, names = [], set()
    for repo, path, extra in sources:
        commit, licence, short = repos[repo]
        data = blob(repo, commit, path)
        name = f"{short}-{name_of(path)}"
        assert name not in names, name
        names.add(name)
        (here / name).write_bytes(data)
        rows.append(
            {
                "file": name,
                "repo": repo,
                "path": path,
                "commit": commit,
                "licence": licence,
                "sha256": hashlib.sha256(data).hexdigest(),
                "size": len(data),
                **extra,
                "reference": reference(data),
            }
        )
    for stale in here.glob(f"*{suffix}"):
        if stale.name not in names:
            stale.unlink()
    with (here / "manifest.jsonl").open("w") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(rows)} files, manifest.jsonl written in {here}")
