"""The whole `docintel process` command on the same files, this checkout beside another
commit, interleaved: wall time, median and least of ``--repeats`` runs each, on the CPU
engine and the embedded default (a new home per run: a file already in a home is a
duplicate, not read again). For a before/after of one change on one machine.

    python bench/process_against.py REF FILE [FILE ...] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import checkout_tree, drop_checkout

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("ref", help="the commit to compare with (e.g. main, HEAD~3)")
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="docintel-against-"))
    sides = {
        "this checkout": checkout_tree(ROOT, "", folder / "this"),
        args.ref: checkout_tree(ROOT, args.ref, folder / "against"),
    }
    took: dict[str, list[float]] = {side: [] for side in sides}
    try:
        for i in range(args.repeats):  # interleaved: load falls on both sides alike
            for n, (side, tree) in enumerate(sides.items()):
                took[side].append(_run(tree, folder / f"home-{n}-{i}", args.files))
    finally:
        drop_checkout(ROOT, folder / "against")
        shutil.rmtree(folder, ignore_errors=True)
    load = os.getloadavg()[0]
    print(f"docintel process, {len(args.files)} file(s), {args.repeats} interleaved runs each, "
          f"load {load:.1f}")  # fmt: skip
    for side, times in took.items():
        median = statistics.median(times)
        print(f"{side[:20]:20s} median {median:6.2f} s   least {min(times):6.2f} s")
    this, other = (statistics.median(t) for t in took.values())
    print(f"this checkout ÷ {args.ref}: {this / other:.2f}x the wall time")


def _run(tree: Path, home: Path, files: list[Path]) -> float:
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONSAFEPATH": "1"}
    env.update(DOCINTEL_HOME=str(home), DOCINTEL_ENGINE="cpu", DOCINTEL_BROKER_URL="")
    env.pop("DOCINTEL_DATABASE_URL", None)
    argv = [sys.executable, "-m", "docintel.cli", "process", "--json", *map(str, files)]
    started = time.perf_counter()
    out = subprocess.run(argv, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(out.stderr[-3000:])
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
