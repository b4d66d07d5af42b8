"""Scanned pages through one `docintel process` command on the CPU engine, beside ocrmypdf
(what a user would pick to make scans searchable) and bare Tesseract, one page at a time
on one thread, and one single-threaded page per core at a time (the fair baseline: the
engine at its own best on this machine): pages/s and character error rate against the
known text, side by side.

    python bench/scans.py [--pages 6] [--dpi 300]

The bare side reads each page as an uncompressed grey BMP, the fastest input of Tesseract's
we found (one 300 dpi page: an RGB PNG 1.09 s, a grey PGM 0.76 s, a grey BMP 0.64 s, the
same text); until issue 32's eighth pass it read RGB PNGs, and every ratio before that pass
is against those. Two rows build up to like with like: the first adds what docintel
does with a scan's text beside reading it: the named entities, with the same spaCy model
(``common.ENTITIES``), loaded on a thread while the pages are read across the cores (as
docintel loads it); the second (like with like, since issue 32's ninth pass) also starts
from the PDF, as docintel does: each page's stored scan taken out with PyMuPDF, decoded
with Pillow and handed over as a grey BMP declaring the page's resolution, inside the
timed run (the first reads BMPs made before the clock starts). Not matched on the bare
side: docintel's deskew, ruled-table search, typing, rules' fields and the database. The
goal (1.2x) is read against Tesseract across the cores on the ready BMPs, printed first.

Builds a PDF of scanned text pages (rotated 1-2 degrees, noise, JPEG) at ``--dpi``. ocrmypdf
runs with its defaults (every core); its text is read back from its output with PyMuPDF.
ocrmypdf is not a docintel dependency: where it is not installed it is reported and skipped
(Debian: apt-get install ocrmypdf).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import jiwer  # noqa: E402
from common import ENTITIES  # noqa: E402

from docintel.testkit.page_samples import images_to_pdf, scanned, text_page  # noqa: E402


def cer(truth: str, found: str) -> float:
    return jiwer.cer(" ".join(truth.split()), " ".join(found.split()) or "-")


def timed(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    started = time.perf_counter()
    out = subprocess.run(argv, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise SystemExit(f"{argv[0]} failed: {out.stderr[-1500:]}")
    return time.perf_counter() - started, out.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, default=6)
    ap.add_argument("--dpi", type=int, default=300)
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="docintel-scans-"))
    rng = random.Random(7)
    images, truths = [], []
    for _ in range(args.pages):
        image, truth = text_page(rng, dpi=args.dpi)
        images.append(scanned(image, rng, quality=75))
        truths.append(truth.text)
    pdf = images_to_pdf(folder / "scans.pdf", images, dpi=args.dpi)
    for i, image in enumerate(images):
        # Tesseract at its best: a grey BMP (no PNG to decode, no colours to threshold, and
        # Leptonica reads PNM slowly) that declares the page's resolution (a BMP says 96 dpi
        # otherwise, and Tesseract believes it: CER 0.18)
        image.convert("L").save(folder / f"p{i}.bmp", dpi=(args.dpi, args.dpi))
    rows: list[tuple[str, float, float]] = []

    env = {**os.environ, "DOCINTEL_HOME": str(folder / "home"), "DOCINTEL_BROKER_URL": ""}
    env.pop("DOCINTEL_DATABASE_URL", None)
    env["DOCINTEL_ENGINE"] = "cpu"
    took, out = timed([sys.executable, "-m", "docintel.cli", "process", "--json", str(pdf)], env)
    pages = json.loads(out)["pages"]
    ours = [p["markdown"] or "" for p in sorted(pages, key=lambda p: p["page"])]
    rows.append(("docintel process (cpu)", took, _mean_cer(truths, ours)))

    if shutil.which("ocrmypdf"):
        took, _ = timed(["ocrmypdf", "-q", str(pdf), str(folder / "ocrmypdf.pdf")])
        import pymupdf

        with pymupdf.open(folder / "ocrmypdf.pdf") as doc:
            theirs = [page.get_text("text") for page in doc]
        rows.append(("ocrmypdf (defaults)", took, _mean_cer(truths, theirs)))
    else:
        print("ocrmypdf: not installed here; skipped")

    started = time.perf_counter()
    bare = []
    for i in range(args.pages):
        out = subprocess.run(
            ["tesseract", str(folder / f"p{i}.bmp"), "stdout"],
            capture_output=True,
            text=True,
            env={**os.environ, "OMP_THREAD_LIMIT": "1"},
        )
        bare.append(out.stdout)
    took = time.perf_counter() - started
    rows.append(("bare tesseract, 1 thread", took, _mean_cer(truths, bare)))

    # the fair baseline: the same single-threaded Tesseract, one page per core at a time
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        across = list(pool.map(lambda i: _tesseract(folder / f"p{i}.bmp"), range(args.pages)))
    took = time.perf_counter() - started
    rows.append((f"bare tesseract, {os.cpu_count()} cores", took, _mean_cer(truths, across)))

    bmps = [str(folder / f"p{i}.bmp") for i in range(args.pages)]
    took, out = timed([sys.executable, "-c", OCR_ENTITIES, *bmps])
    texts = json.loads(out)["texts"]
    rows.append(("+ the same entities", took, _mean_cer(truths, texts)))

    took, out = timed([sys.executable, "-c", PDF_OCR_ENTITIES, str(pdf), str(folder / "out")])
    texts = json.loads(out)["texts"]
    rows.append(("+ pages out of the PDF", took, _mean_cer(truths, texts)))

    print(f"{args.pages} scanned text pages at {args.dpi} dpi, whole commands")
    base = rows[0][1]
    fair = rows[-3]  # Tesseract across the cores: the engine at its own best here
    like = rows[-1]
    print(f"docintel ÷ the fair baseline ({fair[0]}): {base / fair[1]:.2f}x time (goal 1.2x)")
    print(
        f"docintel ÷ like with like ({fair[0]}, the same entities, the pages taken out of "
        f"the PDF in the run): {base / like[1]:.2f}x time"
    )
    for name, took, error in rows:
        print(
            f"{name:28s} {args.pages / took:6.2f} pages/s  ({took:6.2f} s)  CER {error:.4f}"
            f"   docintel ÷ this {base / took:5.2f}x time"
        )


# Tesseract across the cores, one thread each, and spaCy's entities of the pages' text, the
# model loading on a thread meanwhile: what docintel does with a scan's words, done bare.
OCR_ENTITIES = f"""
import json, os, subprocess, sys, threading
from concurrent.futures import ThreadPoolExecutor


def ocr(path):
    env = {{**os.environ, 'OMP_THREAD_LIMIT': '1'}}
    run = subprocess.run(['tesseract', path, 'stdout'], capture_output=True, text=True, env=env)
    return run.stdout


model = {{}}
loading = threading.Thread(target=exec, args=({ENTITIES!r}, model))
loading.start()
with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
    texts = list(pool.map(ocr, sys.argv[1:]))
loading.join()
print(json.dumps({{'entities': model['entities'](texts), 'texts': texts}}))
"""


# The same, from the PDF a user has: each page's stored scan taken out with PyMuPDF, decoded
# with Pillow and handed to Tesseract as a grey BMP declaring the resolution the page gives
# it (Tesseract at its best: handed the JPEG itself, it took 4.82 s for 6 pages where this
# took 3.66 s), the pages across the cores. A colour JPEG is decoded in grey (libjpeg hands
# over the luma it stores), as docintel decodes it. What docintel's reader does to a
# scanned PDF before Tesseract, done bare: take the page's image out, know its resolution.
PDF_OCR_ENTITIES = OCR_ENTITIES.replace(
    """with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
    texts = list(pool.map(ocr, sys.argv[1:]))""",
    """import io
import pymupdf
from PIL import Image
out = sys.argv[2]
os.makedirs(out, exist_ok=True)


def scans():
    with pymupdf.open(sys.argv[1]) as doc:
        for number, page in enumerate(doc):
            (xref, *_), = page.get_images(full=True)
            yield doc.extract_image(xref)['image'], number, page.rect.width / 72


def ocr_at(scan):
    stored, number, inches = scan
    image = Image.open(io.BytesIO(stored))
    image.draft('L', image.size)
    image = image.convert('L')
    dpi = round(image.width / inches)
    path = os.path.join(out, f'{number}.bmp')
    image.save(path, dpi=(dpi, dpi))
    return ocr(path)


with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
    texts = list(pool.map(ocr_at, scans()))""",
)
assert PDF_OCR_ENTITIES != OCR_ENTITIES


def _tesseract(image: Path) -> str:
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    return subprocess.run(
        ["tesseract", str(image), "stdout"], capture_output=True, text=True, env=env
    ).stdout


def _mean_cer(truths: list[str], found: list[str]) -> float:
    return sum(cer(t, f) for t, f in zip(truths, found, strict=True)) / len(truths)


if __name__ == "__main__":
    main()
