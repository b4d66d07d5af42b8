"""OCR engines side by side on real photos and receipts: how many of each document's key
values (total, date, vendor, invoice number, from its truth) appear in the text each engine
reads, and its seconds, on the same images.

    python bench/ocr_engines.py DIR        (DIR: bench/real/invoices rebuilt, see its README)

Engines: Tesseract's CLI as the pipeline runs it (``--psm 3``, ``DOCINTEL_OCR_LANGUAGE``),
and RapidOCR (the base install's rapidocr: PP-OCRv6 models in its wheel, on onnxruntime, as
``pipeline/pages/rapid.py`` runs it). A value
counts as found when its normalised text (letters and digits; a date in any of its usual
orders; an amount with a point or a comma) is in the engine's text.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import time
from pathlib import Path

KEYS = ("total", "vendor", "issue_date", "invoice_number")


def norm(text: object) -> str:
    return re.sub(r"[^a-z0-9]", "", str(text).lower())


def found(text: str, key: str, value: str) -> bool:
    n = norm(text)
    if key == "issue_date":
        y, m, d = value.split("-")
        orders = (f"{d}{m}{y}", f"{d}{m}{y[2:]}", f"{m}{d}{y}", f"{y}{m}{d}", f"{m}{d}{y[2:]}")
        return any(o in n for o in orders)
    if key == "total":
        return norm(value) in n or norm(value.replace(".", ",")) in n
    return norm(value) in n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("folder", type=Path)
    folder = ap.parse_args().folder
    from PIL import Image

    from docintel.config import get_settings
    from docintel.pipeline.pages.rapid import rapid_lines

    language = get_settings().ocr_language
    items = [json.loads(line) for line in (folder / "manifest.jsonl").read_text().splitlines()]
    images = [i for i in items if i["file"].lower().endswith((".jpg", ".jpeg", ".png"))]
    score = {"tesseract": [0, 0.0], "rapidocr": [0, 0.0]}
    wanted = 0
    print(f"{'image':52s} {'values':>6s} {'tesseract':>10s} {'rapidocr':>10s}")
    for item in images:
        path = folder / item["file"]
        truth = {k: v for k, v in item["truth"].items() if v and k in KEYS}
        started = time.perf_counter()
        tess = subprocess.run(
            ["tesseract", str(path), "-", "--psm", "3", "-l", language],
            capture_output=True,
            text=True,
        ).stdout
        took_tess = time.perf_counter() - started
        started = time.perf_counter()
        with Image.open(path) as image:
            lines = rapid_lines(image)
        took_rapid = time.perf_counter() - started
        text_rapid = "\n".join(line[1] for line in lines)
        hits = {
            "tesseract": sum(found(tess, k, v) for k, v in truth.items()),
            "rapidocr": sum(found(text_rapid, k, v) for k, v in truth.items()),
        }
        wanted += len(truth)
        for name, took in (("tesseract", took_tess), ("rapidocr", took_rapid)):
            score[name][0] += hits[name]
            score[name][1] += took
        print(f"{item['file'][-52:]:52s} {len(truth):6d} {hits['tesseract']:10d} "
              f"{hits['rapidocr']:10d}")  # fmt: skip
    print(f"\n{len(images)} images, {wanted} values")
    for name, (hits, took) in score.items():
        print(f"  {name:10s} {hits:3d}/{wanted} values found ({hits / wanted:.2f})  {took:6.1f} s")


if __name__ == "__main__":
    main()
