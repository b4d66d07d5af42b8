"""Start-up: `docintel process` of a small CSV, whole command, against Python's csv module,
and, with ``--against REF``, against the same command of another commit, side by side.

    python bench/startup.py [--repeats 5] [--against main]

Prints the median wall time and the peak memory (RSS) of each, and their ratios. Each run is
a fresh process; "first run" makes a new embedded database, "later run" adds a new file to
it. Runs are interleaved (this checkout, REF, the csv module, in turn), so that load from
other work on the machine falls on each alike. ``--against`` checks REF out in a temporary
git worktree and imports each side from its own tree (``common.checkout_tree``), neither
from the installed package.
"""

from __future__ import annotations

import argparse
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
PLAIN = (
    "import csv, resource, sys; rows = list(csv.reader(open(sys.argv[1]))); "
    "print('RSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)"
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--against", default="", help="a git ref to compare with (e.g. main)")
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="docintel-startup-"))
    path = folder / "four.csv"
    path.write_text("sku,qty,price\nA1,3,9.99\nB2,5,4.50\nC3,1,120.00\nD4,7,0.99\n")
    sides = {"this checkout": checkout_tree(ROOT, "", folder / "this")}
    if args.against:
        sides[args.against] = checkout_tree(ROOT, args.against, folder / "against")
    runs: dict[tuple[str, str], list[tuple[float, float]]] = {}
    plain = []
    try:
        for i in range(args.repeats):  # interleaved
            for side, tree in sides.items():
                home = folder / f"home-{i}-{len(runs)}"
                for label in ("first run", "later run"):  # the first makes the database
                    path.write_text(path.read_text() + f"E{i}{label[0]},1,1.00\n")  # new content
                    runs.setdefault((side, label), []).append(
                        run_measured(DOCINTEL, path, home, tree)
                    )
            plain.append(run_measured(PLAIN, path, folder / f"plain{i}"))
    finally:
        drop_checkout(ROOT, folder / "against")
        shutil.rmtree(folder, ignore_errors=True)
    t_plain = statistics.median(t for t, _ in plain)
    m_plain = max(m for _, m in plain)
    print(f"`docintel process` of a 4-row CSV, medians of {args.repeats} interleaved runs")
    print(f"{'python csv module':44s} {t_plain:6.2f} s   peak {m_plain:6.1f} MiB")
    for label in ("first run", "later run"):
        figures = {}
        for side in sides:
            found = runs[(side, label)]
            figures[side] = (statistics.median(t for t, _ in found), max(m for _, m in found))
            t, m = figures[side]
            print(
                f"{side + ', ' + label + (', new database' if label[0] == 'f' else ''):44s} "
                f"{t:6.2f} s   peak {m:6.1f} MiB   ({t / t_plain:.0f}x the csv module's time)"
            )
        if args.against:
            (t_new, m_new), (t_old, m_old) = figures["this checkout"], figures[args.against]
            print(
                f"  {label}: this checkout ÷ {args.against}: {t_new / t_old:.2f}x the time, "
                f"{m_new / m_old:.2f}x the memory"
            )


if __name__ == "__main__":
    main()
