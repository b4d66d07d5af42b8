"""Full digital pages through one `docintel process` command, beside a bare PyMuPDF loop
doing the same reading and the tools a user would pick instead (unstructured's fast
strategy, pymupdf4llm), each a whole command over the same files.

    python bench/digital.py [--docs 20] [--pages 5] [--peer-python /path/to/python]

docintel's home is set up first by a command on a 4-row CSV, timed apart (a new home
migrates its database once), so the figure is that of every later command.
The peers run with ``--peer-python`` (a venv that has them; they are not docintel's
dependencies); a peer that cannot be imported there is reported and skipped. Prints pages/s
of each and the ratios.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from docintel.testkit.samples import (  # noqa: E402
    PdfSpec,
    invoice_grid,
    paragraph,
    write_csv,
    write_pdf,
)

BARE = (
    "import sys, pymupdf\n"
    "for f in sys.argv[1:]:\n"
    "    with pymupdf.open(f) as doc:\n"
    "        for page in doc:\n"
    "            page.get_text('text'); page.find_tables(use_layout=False)\n"
)
PEERS = {
    "unstructured (fast)": (
        "import sys\nfrom unstructured.partition.pdf import partition_pdf\n"
        "for f in sys.argv[1:]:\n    partition_pdf(f, strategy='fast')\n"
    ),
    "pymupdf4llm": (
        "import sys, pymupdf4llm\nfor f in sys.argv[1:]:\n    pymupdf4llm.to_markdown(f)\n"
    ),
}


def timed(argv: list[str], env: dict[str, str]) -> float | str:
    started = time.perf_counter()
    out = subprocess.run(argv, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        return (out.stderr.strip().splitlines() or ["failed"])[-1]
    return time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=20)
    ap.add_argument("--pages", type=int, default=5)
    ap.add_argument("--table-every", type=int, default=5)
    ap.add_argument("--peer-python", default="")
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="docintel-digital-"))
    rng = random.Random(0)
    files = []
    for d in range(args.docs):
        pages = [" ".join(paragraph(rng, 60) for _ in range(5)) for _ in range(args.pages)]
        tables = {i: invoice_grid(rng, rows=6) for i in range(0, args.pages, args.table_every)}
        files.append(write_pdf(folder / f"d{d:03d}.pdf", PdfSpec(pages, tables)))
    names = [str(f) for f in files]
    env = {**os.environ, "DOCINTEL_HOME": str(folder / "home"), "DOCINTEL_BROKER_URL": ""}
    env.pop("DOCINTEL_DATABASE_URL", None)
    total = args.docs * args.pages
    small = write_csv(folder / "setup.csv", [["sku", "qty"], ["A1", "3"], ["B2", "5"], ["C3", "1"]])
    setup = timed([sys.executable, "-m", "docintel.cli", "process", str(small)], env)
    results: dict[str, float | str] = {
        "bare PyMuPDF text + find_tables": timed([sys.executable, "-c", BARE, *names], env),
        "docintel process": timed(
            [sys.executable, "-m", "docintel.cli", "process", "--json", *names], env
        ),
    }
    if args.peer_python:
        for name, code in PEERS.items():
            results[name] = timed([args.peer_python, "-c", code, *names], env)
    print(f"{args.docs} documents x {args.pages} full pages = {total} pages, one command each")
    if isinstance(setup, float):
        print(f"(docintel's first command in a new home, a 4-row CSV: {setup:.2f} s)")
    ours = results["docintel process"]
    for name, took in results.items():
        if isinstance(took, str):
            print(f"{name:34s} not run: {took}")
            continue
        ratio = f"   docintel ÷ this {ours / took:5.2f}x time" if isinstance(ours, float) else ""
        print(f"{name:34s} {total / took:7.2f} pages/s  ({took:6.2f} s){ratio}")


if __name__ == "__main__":
    main()
