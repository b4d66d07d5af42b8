"""A large digital PDF through the whole `docintel process` command, against bare PyMuPDF
loops: the fair one does docintel's reading and no more (every page's text, `find_tables`
only where rules are drawn, clipped to them: ``common.FAIR_READ``), the same with the
named entities docintel finds on every page by the same model and settings
(``common.FAIR_NER_READ``), and one that asks `find_tables` of every whole page.

    python bench/large_pdf.py [--pages 500] [--table-every 5] [--repeats 1]

Prints wall time and peak memory (RSS) of each, medians of ``--repeats`` interleaved runs
(a shared machine's load moves single runs by half), and docintel's ratios to the loops.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import BARE_READ, FAIR_NER_READ, FAIR_READ, run_measured  # noqa: E402

from docintel.testkit.samples import PdfSpec, invoice_grid, paragraph, write_pdf  # noqa: E402

LOOP = (
    "import resource, sys, pymupdf\n"
    "with pymupdf.open(sys.argv[1]) as doc:\n"
    "    for page in doc:\n"
    "        read(page)\n"
    "print('RSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
)
FAIR, BARE = FAIR_READ + LOOP, BARE_READ + LOOP
FAIR_NER = FAIR_NER_READ + LOOP.replace("print('RSS'", "entities(TEXTS)\nprint('RSS'", 1)
OURS = (
    "import resource, sys, atexit; from docintel.cli import app\n"
    "atexit.register(lambda: print('RSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,"
    " file=sys.stderr))\n"
    "sys.argv = ['docintel', 'process', '--json', sys.argv[1]]; app()\n"
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, default=500)
    ap.add_argument("--table-every", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=1)
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="docintel-large-"))
    rng = random.Random(0)
    pages = [" ".join(paragraph(rng, 60) for _ in range(5)) for _ in range(args.pages)]
    tables = {i: invoice_grid(rng, rows=6) for i in range(0, args.pages, args.table_every)}
    path = write_pdf(folder / "large.pdf", PdfSpec(pages, tables))
    runs: dict[str, list[tuple[float, float]]] = {"fair": [], "ner": [], "bare": [], "ours": []}
    for r in range(args.repeats):
        runs["fair"].append(run_measured(FAIR, path, folder / "fair"))
        runs["ner"].append(run_measured(FAIR_NER, path, folder / "ner"))
        runs["bare"].append(run_measured(BARE, path, folder / "bare"))
        # a new home each time: the same file in the same home is a duplicate, not read
        runs["ours"].append(run_measured(OURS, path, folder / f"home{r}"))
    took = {k: statistics.median(t for t, _ in v) for k, v in runs.items()}
    peak = {k: statistics.median(m for _, m in v) for k, v in runs.items()}
    load = os.getloadavg()[0]
    print(f"{args.pages} pages, {len(tables)} tables; medians of {args.repeats}, load {load:.1f}")
    names = {
        "fair": "fair bare loop (rules: find_tables)",
        "ner": "fair bare loop + spaCy's entities",
        "bare": "bare text + find_tables every page",
        "ours": "docintel process (whole command)",
    }
    for key, name in names.items():
        print(f"{name:36s} {took[key]:7.2f} s   peak {peak[key]:7.1f} MiB")
    for key in ("fair", "ner", "bare"):
        ratio = f"{took['ours'] / took[key]:5.2f}x time, {peak['ours'] / peak[key]:.2f}x memory"
        print(f"docintel ÷ {key:25s} {ratio}")


if __name__ == "__main__":
    main()
