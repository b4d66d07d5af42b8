"""Start-up: `docintel process` of a small CSV, whole command, against Python's csv module
and against importing only the libraries the command needs (its floor), and, with
``--against REF``, against the same command of another commit, side by side.

    python bench/startup.py [--repeats 5] [--against main]

Prints the median and the least wall time, the median CPU time (user + system, the child's
own: on a machine shared with other work the wall time is noisy, the CPU time much less so)
and the peak memory (RSS) of each, and their ratios. Both trees' bytecode is written first,
as an install does. Each run is a fresh process; "first run" makes a new embedded database,
"later run" adds a new file to it. Runs are interleaved (this checkout, REF, the csv module,
the libraries, in turn), so that load from other work on the machine falls on each alike.
``--against`` checks REF out in a temporary git worktree and imports each side from its own
tree (``common.checkout_tree``), neither from the installed package.
"""

from __future__ import annotations

import argparse
import compileall
import resource
import shutil
import statistics
import tempfile
from pathlib import Path

from common import checkout_tree, drop_checkout, run_measured

ROOT = Path(__file__).resolve().parent.parent

DOCINTEL = (
    "import resource, sys; from docintel.cli import app; "
    "sys.argv = ['docintel', 'process', '--json', sys.argv[1]]; "
    "import atexit; atexit.register(lambda: print('RSS', "
    "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)); app()"
)
# The floor: the libraries the command cannot do without for a CSV (the store and its
# SQLite dialect, the settings, the CLI and its panels, the profiles' YAML), imported and
# nothing else. What the command costs above this is docintel's own modules and its work.
LIBRARIES = (
    "import resource, sys; import sqlalchemy.orm, sqlalchemy.dialects.sqlite, "
    "pydantic_settings, typer, rich.console, rich.panel, yaml; "
    "print('RSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)"
)
PLAIN = (
    "import csv, resource, sys; rows = list(csv.reader(open(sys.argv[1]))); "
    "print('RSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)"
)


def timed(
    code: str, path: Path, home: Path, tree: Path | None = None
) -> tuple[float, float, float]:
    """(wall seconds, peak MiB, CPU seconds) of one fresh process; its CPU time is what the
    finished children used, before and after (runs are one at a time)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall, mib = run_measured(code, path, home, tree)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, mib, cpu


def compiled(tree: Path) -> Path:
    """``tree`` with its modules' bytecode written, as an install leaves them (pip compiles
    on install): a run that compiles ~90 modules from source (PYTHONDONTWRITEBYTECODE, or a
    fresh checkout) costs ~0.1 s more CPU and measures the compiler, not the start-up.
    ``compile_dir`` does not follow links, so each linked layer folder is compiled. A linked
    module of ``docintel`` itself (``cli.py``...) is compiled where it is imported from: its
    bytecode is looked for beside the link, not beside its target, and where
    PYTHONDONTWRITEBYTECODE is set no run writes it there (each compiled ``cli.py`` and the
    rest again, ~20 ms)."""
    for entry in (tree / "docintel").iterdir():
        if entry.is_dir():
            compileall.compile_dir(entry.resolve(), quiet=1)
        elif entry.suffix == ".py":
            compileall.compile_file(entry, quiet=1)
    return tree


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--against", default="", help="a git ref to compare with (e.g. main)")
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="docintel-startup-"))
    path = folder / "four.csv"
    path.write_text("sku,qty,price\nA1,3,9.99\nB2,5,4.50\nC3,1,120.00\nD4,7,0.99\n")
    sides = {"this checkout": compiled(checkout_tree(ROOT, "", folder / "this"))}
    if args.against:
        sides[args.against] = compiled(checkout_tree(ROOT, args.against, folder / "against"))
    runs: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    plain, libraries = [], []
    try:
        for i in range(args.repeats):  # interleaved
            for side, tree in sides.items():
                home = folder / f"home-{i}-{len(runs)}"
                for label in ("first run", "later run"):  # the first makes the database
                    path.write_text(path.read_text() + f"E{i}{label[0]},1,1.00\n")  # new content
                    runs.setdefault((side, label), []).append(timed(DOCINTEL, path, home, tree))
            plain.append(timed(PLAIN, path, folder / f"plain{i}"))
            libraries.append(timed(LIBRARIES, path, folder / f"libraries{i}"))
    finally:
        drop_checkout(ROOT, folder / "against")
        shutil.rmtree(folder, ignore_errors=True)
    t_plain = _median(plain, 0)
    print(f"`docintel process` of a 4-row CSV, {args.repeats} interleaved runs each:")
    print(f"{'':44s} {'median':>7s} {'least':>7s} {'CPU':>7s}")
    print(f"{'python csv module':44s} {line(plain)}")
    print(f"{'the libraries it needs, imported alone':44s} {line(libraries)}")
    for label in ("first run", "later run"):
        figures = {}
        for side in sides:
            found = runs[(side, label)]
            figures[side] = found
            print(
                f"{side + ', ' + label + (', new database' if label[0] == 'f' else ''):44s} "
                f"{line(found)}   "
                f"({_median(found, 0) / t_plain:.0f}x the csv module's time)"
            )
        if args.against:
            new, old = figures["this checkout"], figures[args.against]
            print(
                f"  {label}: this checkout ÷ {args.against}: "
                f"{_median(new, 0) / _median(old, 0):.2f}x the wall time, "
                f"{_median(new, 2) / _median(old, 2):.2f}x the CPU time, "
                f"{max(m for _, m, _ in new) / max(m for _, m, _ in old):.2f}x the memory"
            )


def _median(found: list[tuple[float, float, float]], index: int) -> float:
    return statistics.median(f[index] for f in found)


def line(found: list[tuple[float, float, float]]) -> str:
    """Median and least wall time, median CPU time, peak memory."""
    least = min(t for t, _, _ in found)
    peak = max(m for _, m, _ in found)
    return (
        f"{_median(found, 0):6.2f}s {least:6.2f}s {_median(found, 2):6.2f}s   peak {peak:6.1f} MiB"
    )


if __name__ == "__main__":
    main()
