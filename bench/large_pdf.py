"""A large digital PDF through the whole `docintel process` command, against a bare PyMuPDF
loop doing the same reading (every page's text and `find_tables`).

    python bench/large_pdf.py [--pages 500] [--table-every 5]

Prints wall time and peak memory (RSS) of each and their ratios.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import run_measured  # noqa: E402

from docintel.testkit.samples import PdfSpec, invoice_grid, paragraph, write_pdf  # noqa: E402

BARE = (
    "import resource, sys, pymupdf\n"
    "with pymupdf.open(sys.argv[1]) as doc:\n"
    "    for page in doc:\n"
    "        page.get_text('text'); page.find_tables(use_layout=False)\n"
    "print('RSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
)
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
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="docintel-large-"))
    rng = random.Random(0)
    pages = [" ".join(paragraph(rng, 60) for _ in range(5)) for _ in range(args.pages)]
    tables = {i: invoice_grid(rng, rows=6) for i in range(0, args.pages, args.table_every)}
    path = write_pdf(folder / "large.pdf", PdfSpec(pages, tables))
    bare_t, bare_m = run_measured(BARE, path, folder / "bare")
    ours_t, ours_m = run_measured(OURS, path, folder / "home")
    print(f"{args.pages} pages, {len(tables)} tables")
    print(f"bare PyMuPDF text + find_tables   {bare_t:7.2f} s   peak {bare_m:7.1f} MiB")
    print(f"docintel process (whole command)  {ours_t:7.2f} s   peak {ours_m:7.1f} MiB")
    ratio = f"{ours_t / bare_t:7.2f}x time, {ours_m / bare_m:.2f}x memory"
    print(f"ratio                             {ratio}")


if __name__ == "__main__":
    main()
