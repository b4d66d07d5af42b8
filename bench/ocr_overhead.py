"""What the CPU page reader spends around Tesseract: the deskew and the ruled-table grid
search, per page, beside Tesseract itself and the whole page, with what was read, this
checkout against another commit (``--against REF``), side by side.

    python bench/ocr_overhead.py [--against main] [--repeats 3] [--real DIR]

Pages: generated scans (prose and a ruled invoice table, each tilted 1-2 degrees with noise
and JPEG, at 150 and 300 dpi) and one clean, level prose page per resolution; with ``--real``,
the photos and receipts of the real-invoice set (bench/real/invoices; its README). Each page
goes through ``pipeline.pages.cpu.read_page_cpu`` (Tesseract, one thread) in a fresh process
of each side, the sides taking turns on every repeat (interleaved), so that load from other
work on the machine falls on both alike; figures are medians. Phase times come from timers
put around the reader's own ``deskew``, ``ruled_grids`` and ``ocr_words``; a first read
of the first page, untimed, does the imports.

What was read, per side: word recall (the share of the truth's words found in the page's
Markdown, each word counted as often as it occurs) on generated pages, ruled tables found
and cells recalled on the table pages, and the key values found (total, date, vendor,
invoice number; as bench/ocr_engines.py counts them) on real images.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from common import checkout_tree, drop_checkout
from ocr_engines import KEYS, found

ROOT = Path(__file__).resolve().parent.parent

# Run in each side's tree: reads every page, prints one JSON object per page.
WORKER = """
import json, sys, time
from pathlib import Path
from docintel.config import get_settings
from docintel.pipeline.pages import cpu, tesseract as tess

spent = {}
def timed(name, fn):
    def run(*args, **kwargs):
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[name] = spent.get(name, 0.0) + (time.perf_counter() - started) * 1000
    return run
for name in ("deskew", "ruled_grids", "ocr_words"):
    setattr(tess, name, timed(name, getattr(tess, name)))
settings = get_settings()
paths = json.loads(sys.argv[1])
cpu.read_page_cpu(Path(paths[0]), "image", 1, settings)  # imports (SciPy's ~0.15 s) untimed
for path in paths:
    spent.clear()
    started = time.perf_counter()
    read = cpu.read_page_cpu(Path(path), "image", 1, settings)
    total = (time.perf_counter() - started) * 1000
    print(json.dumps({"path": path, "total": total, **spent,
                      "markdown": read.page.markdown or "",
                      "tables": len(read.tables)}))
"""


def generated_pages(folder: Path) -> list[dict]:
    from docintel.testkit.page_samples import scanned, table_page, text_page

    pages = []
    for dpi in (150, 300):
        rng = random.Random(dpi)
        for name, (image, truth) in (
            ("prose, tilted", text_page(rng, dpi)),
            ("ruled table, tilted", table_page(rng, dpi)),
            ("prose, level", text_page(rng, dpi)),
        ):
            if "tilted" in name:
                image = scanned(image, rng, quality=75)
            path = folder / f"{name.replace(', ', '-').replace(' ', '_')}-{dpi}.png"
            image.save(path, dpi=(dpi, dpi))
            words = truth.text.split() if truth.text else []
            cells = [c for row in truth.table or [] for c in row if c.strip()]
            pages.append(
                {"path": str(path), "label": f"{name}, {dpi} dpi", "words": words, "cells": cells}
            )
    return pages


def real_pages(folder: Path) -> list[dict]:
    items = [json.loads(line) for line in (folder / "manifest.jsonl").read_text().splitlines()]
    return [
        {
            "path": str(folder / i["file"]),
            "label": i["file"].split("__")[-1][:34],
            "values": {k: v for k, v in i["truth"].items() if v and k in KEYS},
        }
        for i in items
        if i["file"].lower().endswith((".jpg", ".jpeg", ".png"))
    ]


def recall(truth: list[str], text: str) -> float:
    want, got = Counter(truth), Counter(text.replace("|", " ").split())
    return sum(min(n, got[w]) for w, n in want.items()) / max(1, sum(want.values()))


def read_side(tree: Path, pages: list[dict]) -> dict[str, dict]:
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONSAFEPATH": "1"}
    env.update(DOCINTEL_OCR_ENGINE="tesseract", DOCINTEL_BROKER_URL="")
    out = subprocess.run(
        [sys.executable, "-c", WORKER, json.dumps([p["path"] for p in pages])],
        capture_output=True,
        text=True,
        env=env,
    )
    if out.returncode != 0:
        raise SystemExit(out.stderr[-3000:])
    rows = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    return {row["path"]: row for row in rows}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--against", default="", help="a git ref to compare with (e.g. main)")
    ap.add_argument("--real", type=Path, help="the real-invoice folder (manifest.jsonl)")
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="docintel-ocr-overhead-"))
    sides = {"this checkout": checkout_tree(ROOT, "", folder / "this")}
    if args.against:
        sides[args.against] = checkout_tree(ROOT, args.against, folder / "against")
    pages = generated_pages(folder) + (real_pages(args.real) if args.real else [])
    runs: dict[str, list[dict[str, dict]]] = {side: [] for side in sides}
    try:
        for _ in range(args.repeats):  # interleaved
            for side, tree in sides.items():
                runs[side].append(read_side(tree, pages))
    finally:
        drop_checkout(ROOT, folder / "against")
        shutil.rmtree(folder, ignore_errors=True)
    report(pages, runs, args.repeats)


def median(runs: list[dict[str, dict]], path: str, key: str) -> float:
    return statistics.median(r[path].get(key, 0.0) for r in runs)


def report(pages: list[dict], runs: dict[str, list[dict[str, dict]]], repeats: int) -> None:
    sides = list(runs)
    print(f"CPU page reads (Tesseract, one thread), medians of {repeats} interleaved runs, ms;")
    print("the machine is shared with other work: compare the sides, not runs of other days")
    head = f"{'page':36s} {'side':14s} {'deskew':>7s} {'grids':>6s} {'tess':>6s} {'page':>6s}"
    print(head + "  read")
    sums = {side: Counter() for side in sides}
    for page in pages:
        path = page["path"]
        for side in sides:
            last = runs[side][-1][path]  # what is read does not change between repeats
            phases = {k: median(runs[side], path, k)
                      for k in ("deskew", "ruled_grids", "ocr_words", "total")}  # fmt: skip
            if page.get("words"):
                got = recall(page["words"], last["markdown"])
                read = f"word recall {got:.3f}"
                sums[side]["recall"] += got
                sums[side]["recall_n"] += 1
            elif page.get("cells"):
                got = recall(page["cells"], last["markdown"])
                read = f"{last['tables']} table(s), cell recall {got:.3f}"
                sums[side]["tables"] += last["tables"]
                sums[side]["cells"] += got
                sums[side]["cells_n"] += 1
            else:
                hits = sum(found(last["markdown"], k, v) for k, v in page["values"].items())
                read = f"values {hits}/{len(page['values'])}"
                sums[side]["values"] += hits
                sums[side]["values_n"] += len(page["values"])
            for key, value in phases.items():
                sums[side][key] += value
            print(f"{page['label'][:36]:36s} {side[:14]:14s} {phases['deskew']:7.0f} "
                  f"{phases['ruled_grids']:6.0f} {phases['ocr_words']:6.0f} "
                  f"{phases['total']:6.0f}  {read}")  # fmt: skip
    print("\nall pages")
    for side in sides:
        s = sums[side]
        line = (f"  {side:14s} deskew {s['deskew']:6.0f} ms  grids {s['ruled_grids']:6.0f} ms  "
                f"tesseract {s['ocr_words']:6.0f} ms  pages {s['total']:6.0f} ms;  "
                f"mean word recall {s['recall'] / max(1, s['recall_n']):.3f}, "
                f"tables {s['tables']}, "
                f"mean cell recall {s['cells'] / max(1, s['cells_n']):.3f}")  # fmt: skip
        if s["values_n"]:
            line += f", values {s['values']}/{s['values_n']}"
        print(line)
    if len(sides) == 2:
        new, old = (sums[side] for side in sides)
        print(f"  {sides[0]} ÷ {sides[1]}: deskew {new['deskew'] / old['deskew']:.2f}x, "
              f"grids {new['ruled_grids'] / old['ruled_grids']:.2f}x, "
              f"overhead (page - tesseract) "
              f"{(new['total'] - new['ocr_words']) / (old['total'] - old['ocr_words']):.2f}x, "
              f"pages {new['total'] / old['total']:.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
