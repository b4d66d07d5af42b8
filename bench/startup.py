"""Start-up: `docintel process` of a small CSV, whole command, against Python's csv module.

    python bench/startup.py [--repeats 3]

Prints the median wall time and the peak memory (RSS) of each, and their ratio. Each run is
a fresh process on a fresh embedded database; nothing is warm but the OS page cache.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from common import run_measured

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
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="docintel-startup-"))
    path = folder / "four.csv"
    path.write_text("sku,qty,price\nA1,3,9.99\nB2,5,4.50\nC3,1,120.00\nD4,7,0.99\n")
    first, later, plain = [], [], []
    for i in range(args.repeats):  # interleaved
        home = folder / f"home{i}"
        first.append(run_measured(DOCINTEL, path, home))  # creates the database
        path.write_text(path.read_text() + f"E{i},1,1.00\n")  # new content, same database
        later.append(run_measured(DOCINTEL, path, home))
        plain.append(run_measured(PLAIN, path, folder / f"plain{i}"))
    t_plain = statistics.median(t for t, _ in plain)
    m_plain = max(m for _, m in plain)
    print(f"python csv module                  {t_plain:6.2f} s   peak {m_plain:7.1f} MiB")
    for label, runs in (("first run, new database", first), ("later run, same database", later)):
        t = statistics.median(t for t, _ in runs)
        m = max(m for _, m in runs)
        print(
            f"docintel process, {label:24s} {t:6.2f} s   peak {m:7.1f} MiB   "
            f"({t / t_plain:.0f}x the time, {m / m_plain:.1f}x the memory)"
        )


if __name__ == "__main__":
    main()
