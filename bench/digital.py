"""Full digital pages through one `docintel process` command, beside bare PyMuPDF loops and
the tools a user would pick instead (unstructured's fast strategy, pymupdf4llm), each a
whole command over the same files. The fair bare loop does docintel's reading and no more
(every page's text, `find_tables` only where rules are drawn, clipped to them:
``common.FAIR_READ``); the same with spaCy's entities adds the named entities docintel finds
on every page with the same model and settings (``common.FAIR_NER_READ``); the other asks
`find_tables` of every whole page. Not matched on the bare side: docintel's typing (a
similarity embedder on the opening), its rules' fields and entities, and the database.

    python bench/digital.py [--docs 20] [--pages 5] [--repeats 1] [--peer-python PY]

With ``--repeats N`` every command runs N times, interleaved, and the median is shown (a
shared machine's load moves single runs by half), with the load average.

docintel's home is set up first by a command on a 4-row CSV, timed apart (a new home
migrates its database once), so the figure is that of every later command; each run has a
home of its own (a file already in a home is a duplicate, not read again).
The peers run with ``--peer-python`` (a venv that has them; they are not docintel's
dependencies); a peer that cannot be imported there, or that extracts no text, is reported
and not timed. Prints pages/s and characters extracted of each, and the ratios.

unstructured 0.27 classifies each element with spaCy's ``en_core_web_sm`` and, without it,
tries to download it, fails offline and returns no elements. Where the model cannot be
installed, a stand-in package of that name (``spacy.blank("en")`` with a sentencizer, built
with ``spacy package``) lets it read the files; it skips the real model's tagger and parser,
so unstructured's figure is then faster than it would be, and docintel's ratio conservative.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import BARE_READ, FAIR_NER_READ, FAIR_READ  # noqa: E402

from docintel.testkit.samples import (  # noqa: E402
    PdfSpec,
    invoice_grid,
    paragraph,
    write_csv,
    write_pdf,
)

# Each reader prints how many characters it extracted: a peer that runs but reads nothing
# (unstructured 0.27 without its spaCy model logs "PDF text extraction failed" and returns
# no elements) is reported, not timed.
LOOP = (
    "import sys, pymupdf\n"
    "n = 0\n"
    "for f in sys.argv[1:]:\n"
    "    with pymupdf.open(f) as doc:\n"
    "        for page in doc:\n"
    "            n += read(page)\n"
    "print('CHARS', n)\n"
)
FAIR, BARE = FAIR_READ + LOOP, BARE_READ + LOOP
FAIR_NER = FAIR_NER_READ + (
    "import sys, pymupdf\n"
    "n = 0\n"
    "for f in sys.argv[1:]:\n"
    "    with pymupdf.open(f) as doc:\n"
    "        TEXTS.clear()\n"
    "        for page in doc:\n"
    "            n += read(page)\n"
    "        entities(TEXTS)\n"
    "print('CHARS', n)\n"
)
PEERS = {
    "unstructured (fast)": (
        "import sys\nfrom unstructured.partition.pdf import partition_pdf\nn = 0\n"
        "for f in sys.argv[1:]:\n"
        "    n += sum(len(str(e)) for e in partition_pdf(f, strategy='fast', languages=['eng']))\n"
        "print('CHARS', n)\n"
    ),
    "pymupdf4llm": (
        "import sys, pymupdf4llm\nn = 0\n"
        "for f in sys.argv[1:]:\n    n += len(pymupdf4llm.to_markdown(f))\nprint('CHARS', n)\n"
    ),
}


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, int] | str:
    """Seconds the command took and the characters it says it extracted, or why it did not
    count."""
    started = time.perf_counter()
    out = subprocess.run(argv, capture_output=True, text=True, env=env)
    took = time.perf_counter() - started
    if out.returncode != 0:
        return (out.stderr.strip().splitlines() or ["failed"])[-1]
    chars = _chars(out.stdout)
    if chars == 0:
        last = (out.stderr.strip().splitlines() or ["no message"])[-1]
        return f"extracted no text ({last[:120]})"
    return took, chars


def _median(runs: list[tuple[float, int] | str]) -> tuple[float, int] | str:
    """The median time of the runs that counted (their characters agree), else why not."""
    done = [r for r in runs if not isinstance(r, str)]
    if not done:
        return runs[0]
    return statistics.median(t for t, _ in done), done[0][1]


def _chars(stdout: str) -> int:
    if stdout.lstrip().startswith("["):  # docintel process --json: each document's Markdown
        return sum(len(r.get("markdown") or "") for r in json.loads(stdout))
    for line in stdout.splitlines():
        if line.startswith("CHARS "):
            return int(line.split()[1])
    return 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=20)
    ap.add_argument("--pages", type=int, default=5)
    ap.add_argument("--table-every", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=1)
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
    total = args.docs * args.pages
    small = write_csv(folder / "setup.csv", [["sku", "qty"], ["A1", "3"], ["B2", "5"], ["C3", "1"]])
    docintel = [sys.executable, "-m", "docintel.cli", "process", "--json"]
    commands = {
        "fair bare loop (rules: find_tables)": [sys.executable, "-c", FAIR, *names],
        "fair bare loop + spaCy's entities": [sys.executable, "-c", FAIR_NER, *names],
        "bare text + find_tables every page": [sys.executable, "-c", BARE, *names],
        "docintel process": [*docintel, *names],
    }
    if args.peer_python:
        for name, code in PEERS.items():
            commands[name] = [args.peer_python, "-c", code, *names]
    runs: dict[str, list[tuple[float, int] | str]] = {name: [] for name in commands}
    setup: tuple[float, int] | str = "not run"
    for r in range(args.repeats):
        env = {**os.environ, "DOCINTEL_HOME": str(folder / f"home{r}"), "DOCINTEL_BROKER_URL": ""}
        env.pop("DOCINTEL_DATABASE_URL", None)
        setup = timed([*docintel, str(small)], env)
        for name, argv in commands.items():
            runs[name].append(timed(argv, env))
    results = {name: _median(done) for name, done in runs.items()}
    print(
        f"{args.docs} documents x {args.pages} full pages = {total} pages, one command each;"
        f" medians of {args.repeats}, load {os.getloadavg()[0]:.1f}"
    )
    if not isinstance(setup, str):
        print(f"(docintel's first command in a new home, a 4-row CSV: {setup[0]:.2f} s)")
    ours = results["docintel process"]
    for name, result in results.items():
        if isinstance(result, str):
            print(f"{name:36s} not run: {result}")
            continue
        took, chars = result
        ratio = f"   docintel ÷ this {ours[0] / took:5.2f}x time" if isinstance(ours, tuple) else ""
        print(f"{name:36s} {total / took:7.2f} pages/s  ({took:6.2f} s, {chars:8d} chars){ratio}")


if __name__ == "__main__":
    main()
