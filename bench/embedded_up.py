"""Embedded `docintel up` under a mixed drop: scans and long digital PDFs first, then small
CSVs, worked one file after another (what `up` did before worker/local.py: each file's whole
workflow in the watcher's thread) and on the local queues (threads up to the cores, a
light-only lane).

    python bench/embedded_up.py [--scans 10] [--digital 0] [--digital-pages 40] [--csvs 20]
        [--repeats 3]

A digital PDF is read on the light lane, as a CSV is (text, no OCR), but its entities and type
take seconds when it is long: ``--digital`` measures whether the CSVs wait for that.

Prints, per way, the medians over interleaved repeats of: the wall time of the whole drop,
each CSV's wait from the drop to `done` (median and worst; all files are dropped at once:
one at a time, a file is taken in only when the one before it is done), and the time the heavy
files alone take one after another divided by the cores (the issue's floor for the whole drop: "the
heavy work spread over the cores"), and every file's one after another divided by the cores
(the floor with the CSVs' own work counted too). "Heavy" there is every file that is not a
CSV. Files are taken in by ``ingest`` in this process, as the watcher does, so the watcher's
stability delay is not in the figures.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

from docintel import migrations  # noqa: E402
from docintel.config import Settings  # noqa: E402
from docintel.store.db import session_scope  # noqa: E402
from docintel.store.schema import Document  # noqa: E402
from docintel.testkit.page_samples import scanned, text_page  # noqa: E402
from docintel.testkit.samples import PdfSpec, paragraph, write_pdf  # noqa: E402
from docintel.watcher.ingest import ingest  # noqa: E402
from docintel.worker.app import enqueue  # noqa: E402
from docintel.worker.local import LocalQueues  # noqa: E402


def make_files(
    folder: Path, scans: int, csvs: int, salt: int, digital: int = 0, digital_pages: int = 40
) -> list[Path]:
    rng = random.Random(salt)
    paths = []
    for i in range(scans):
        image, _ = text_page(rng, dpi=150)
        path = folder / f"scan{salt}-{i}.png"
        scanned(image, rng, quality=70).save(path)
        paths.append(path)
    for i in range(digital):
        pages = [" ".join(paragraph(rng, 60) for _ in range(5)) for _ in range(digital_pages)]
        paths.append(write_pdf(folder / f"report{salt}-{i}.pdf", PdfSpec(pages, {})))
    for i in range(csvs):
        path = folder / f"rows{salt}-{i}.csv"
        rows = [f"{rng.randint(1, 9999)},{rng.random():.4f},item {i}" for _ in range(4)]
        path.write_text("id,value,name\n" + "\n".join(rows) + "\n")
        paths.append(path)
    return paths


def run(way: str, files: list[Path], home: Path) -> dict[str, float]:
    settings = Settings(home=home, database_url="", broker_url="", embedding_model="hashing")
    migrations.upgrade(settings.db_url)
    # `up` starts its lanes as it starts (importing the page reader's libraries), before a
    # file lands: not part of the drop
    queues = LocalQueues(settings).start() if way == "local queues" else None
    started = time.time()  # every file is dropped now
    if queues is None:
        for path in files:
            enqueue(ingest(path, settings).sha256, settings)
    else:
        for path in files:
            queues.send_document(ingest(path, settings).sha256)
        queues.wait_idle()
        queues.close()
    wall = time.time() - started
    with session_scope(settings.db_url) as s:
        docs = s.scalars(select(Document)).all()
        assert all(d.status == "done" for d in docs), [(d.name, d.error) for d in docs]
        waits = [d.finished_at.timestamp() - started for d in docs if d.kind == "table"]
        heavy_s = [
            d.finished_at.timestamp() - d.started_at.timestamp() for d in docs if d.kind != "table"
        ]
    return {
        "wall": wall,
        "csv_median": statistics.median(waits),
        "csv_worst": max(waits),
        "heavy_apart": sum(heavy_s),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scans", type=int, default=10)
    ap.add_argument("--digital", type=int, default=0)
    ap.add_argument("--digital-pages", type=int, default=40)
    ap.add_argument("--csvs", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="docintel-up-"))
    cores = os.cpu_count() or 1
    load = os.getloadavg()  # other work on the machine makes every figure slower
    ways = ("one at a time", "local queues")
    figures: dict[str, list[dict[str, float]]] = {w: [] for w in ways}
    for i in range(args.repeats):  # interleaved; new content each repeat
        files = make_files(folder, args.scans, args.csvs, i, args.digital, args.digital_pages)
        for way in ways if i % 2 == 0 else ways[::-1]:
            figures[way].append(run(way, files, folder / f"home-{i}-{way.replace(' ', '-')}"))
    med = {w: {k: statistics.median(r[k] for r in figures[w]) for k in figures[w][0]} for w in ways}
    floor = med["one at a time"]["heavy_apart"] / cores
    digital = f" and {args.digital} {args.digital_pages}-page digital PDFs" if args.digital else ""
    print(
        f"{args.scans} one-page scans{digital}, then {args.csvs} 4-row CSVs, {cores} cores; "
        f"medians of {args.repeats} interleaved repeats; load average before/after "
        f"{load[0]:.2f}/{os.getloadavg()[0]:.2f}"
    )
    print(f"{'':16s} {'whole drop':>11s} {'CSV wait median':>16s} {'CSV wait worst':>15s}")
    for way in ways:
        m = med[way]
        print(f"{way:16s} {m['wall']:9.2f} s {m['csv_median']:14.2f} s {m['csv_worst']:13.2f} s")
    old, new = med["one at a time"], med["local queues"]
    print(
        f"local queues ÷ one at a time: whole drop {new['wall'] / old['wall']:.2f}x, CSV wait "
        f"median {new['csv_median'] / old['csv_median']:.3f}x, worst "
        f"{new['csv_worst'] / old['csv_worst']:.3f}x"
    )
    print(
        f"the heavy files one after another ÷ {cores} cores: {floor:.2f} s; the local queues' "
        f"whole drop is {new['wall'] / floor:.2f}x that"
    )
    # the CSVs' own work (their database writes, the rules) is CPU too: with every file's
    # work spread over the cores, this is the floor the whole drop can reach
    spread = old["wall"] / cores
    print(
        f"every file one after another ÷ {cores} cores: {spread:.2f} s; the local queues' "
        f"whole drop is {new['wall'] / spread:.2f}x that"
    )


if __name__ == "__main__":
    main()
