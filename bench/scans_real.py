"""Real scans through one `docintel process` command on the CPU engine, beside Tesseract
across the cores on the same pages (the fair baseline: the engine at its own best here),
whole commands, interleaved, medians: the real-file side of bench/scans.py, whose pages are
generated.

    python bench/scans_real.py [DIR] [--repeats 3]

DIR (default /work/realdata/invoices/files, made by bench/real/invoices/collect.py from
the pinned mirrors its manifest names: mindee's client-lib-test-data, Google's
document-ai-samples, ICDAR-2019-SROIE, receipt-parser-legacy) is searched for scans: every
picture (JPEG, PNG, TIFF) and every PDF page with no text layer. Each bare side hands
Tesseract each page as a grey BMP declaring the resolution docintel's reader would tell it
(``page_dpi``), one single-threaded Tesseract per core at a time:

- *fair*: the BMPs made before the clock starts; Tesseract alone.
- *like with like*: the pages taken out of their files inside the timed run (a PDF page's
  stored scan with PyMuPDF, a picture with Pillow, decoded in grey), and the same entities
  as docintel finds (spaCy's en_core_web_sm, loaded on a thread meanwhile).

Not matched on the bare side: docintel's turn and skew detection, ruled-table search,
typing, profile fields and the database. The CPU seconds of each side are printed too: of
docintel's Tesseract runs, of its own process, of the bare Tesseract runs; their sum over
the cores is the least time docintel's work could take. The goal (issue 32: scans within
1.2x of Tesseract across the cores) is read against the fair row, printed first.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scans import OCR_ENTITIES, _tesseract  # noqa: E402

PICTURES = {".jpg", ".jpeg", ".png", ".tif", ".tiff"}
DEFAULT = Path("/work/realdata/invoices/files")


def scans_in(folder: Path) -> tuple[list[Path], list[tuple[Path, int]]]:
    """(the files holding scans, each scanned page as (file, 0-based page))."""
    import pymupdf

    files, pages = [], []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() in PICTURES:
            files.append(path)
            pages.append((path, 0))
        elif path.suffix.lower() == ".pdf":
            with pymupdf.open(path) as doc:
                bare = [n for n, page in enumerate(doc) if not page.get_text("text").strip()]
                count = len(doc)
            if bare and len(bare) == count:  # a scanned PDF, not a digital one with a logo
                files.append(path)
                pages += [(path, n) for n in bare]
    return files, pages


def page_bmp(path: Path, number: int, out: Path) -> tuple[Path, int]:
    """The page as a grey BMP declaring the resolution docintel's reader tells Tesseract,
    and that resolution."""
    import io

    import pymupdf
    from PIL import Image

    from docintel.pipeline.pages.tesseract import page_dpi

    if path.suffix.lower() == ".pdf":
        with pymupdf.open(path) as doc:
            page = doc[number]
            (xref, *_), *_ = page.get_images(full=True)
            image = Image.open(io.BytesIO(doc.extract_image(xref)["image"]))
            rendered = round(image.width / (page.rect.width / 72))
    else:
        image, rendered = Image.open(path), None
    grey = image.convert("L")
    dpi = page_dpi(image, rendered)
    target = out / f"{path.stem}-{number}.bmp"
    grey.save(target, dpi=(dpi, dpi))
    return target, dpi


# The like-with-like side: each page taken out of its file in the run, then OCR_ENTITIES'
# Tesseract across the cores and the same entities. argv: OUT, then FILE:PAGE:DPI triples.
REAL_OCR_ENTITIES = OCR_ENTITIES.replace(
    """with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
    texts = list(pool.map(ocr, sys.argv[1:]))""",
    """import io
import pymupdf
from PIL import Image
out = sys.argv[1]


def ocr_at(spec):
    path, number, dpi = spec.rsplit(':', 2)
    if path.lower().endswith('.pdf'):
        with pymupdf.open(path) as doc:
            (xref, *_), *_ = doc[int(number)].get_images(full=True)
            stored = doc.extract_image(xref)['image']
        image = Image.open(io.BytesIO(stored))
    else:
        image = Image.open(path)
    image.draft('L', image.size)
    target = os.path.join(out, f'{os.path.basename(path)}-{number}.bmp')
    image.convert('L').save(target, dpi=(int(dpi), int(dpi)))
    return ocr(target)


with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
    texts = list(pool.map(ocr_at, sys.argv[2:]))""",
)
assert REAL_OCR_ENTITIES != OCR_ENTITIES


# `docintel process` run by a wrapper that writes, as the command exits, the CPU seconds
# of its own process and of the Tesseract processes it ran (its children) to argv[1].
COUNTED = """
import atexit, json, resource, runpy, sys
out = sys.argv.pop(1)


def counted():
    own, ran = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    with open(out, 'w') as f:
        json.dump({'own': own.ru_utime + own.ru_stime, 'ocr': ran.ru_utime + ran.ru_stime}, f)


atexit.register(counted)
runpy.run_module('docintel.cli', run_name='__main__', alter_sys=True)
"""


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def docintel_run(files: list[Path], work: Path) -> tuple[float, dict[str, float]]:
    """(seconds, CPU seconds: its own process's ``own``, its Tesseract runs' ``ocr``)."""
    home = Path(tempfile.mkdtemp(dir=work))
    env = {**os.environ, "DOCINTEL_HOME": str(home), "DOCINTEL_BROKER_URL": ""}
    env.pop("DOCINTEL_DATABASE_URL", None)
    env["DOCINTEL_ENGINE"] = "cpu"
    cpu = home / "cpu.json"
    argv = [sys.executable, "-c", COUNTED, str(cpu), "process", "--json", *map(str, files)]
    started = time.perf_counter()
    out = subprocess.run(argv, capture_output=True, text=True, env=env)
    took = time.perf_counter() - started
    if out.returncode not in (0, 1):  # 1: a file failed, which the JSON says
        raise SystemExit(f"docintel process failed: {out.stderr[-1500:]}")
    used = json.loads(cpu.read_text())
    shutil.rmtree(home, ignore_errors=True)
    return took, used


def fair_run(bmps: list[Path]) -> tuple[float, float]:
    """(seconds, CPU seconds of the Tesseract runs)."""
    before = _children_cpu()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        list(pool.map(_tesseract, bmps))
    return time.perf_counter() - started, _children_cpu() - before


def like_run(specs: list[str], work: Path) -> float:
    out = Path(tempfile.mkdtemp(dir=work))
    started = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-c", REAL_OCR_ENTITIES, str(out), *specs], capture_output=True
    )
    took = time.perf_counter() - started
    if run.returncode != 0:
        raise SystemExit(f"the like-with-like side failed: {run.stderr[-1500:]!r}")
    json.loads(run.stdout)
    shutil.rmtree(out, ignore_errors=True)
    return took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("folder", nargs="?", type=Path, default=DEFAULT)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    if not args.folder.is_dir():
        raise SystemExit(f"{args.folder}: no such folder (run bench/real/invoices/collect.py)")
    files, pages = scans_in(args.folder)
    work = Path(tempfile.mkdtemp(prefix="docintel-scans-real-"))
    made = [page_bmp(path, n, work) for path, n in pages]
    bmps = [bmp for bmp, _dpi in made]
    specs = [f"{path}:{n}:{dpi}" for (path, n), (_bmp, dpi) in zip(pages, made, strict=True)]
    times: dict[str, list[float]] = {"docintel": [], "fair": [], "like": []}
    cpu: dict[str, list[float]] = {"own": [], "ocr": [], "bare": []}
    for _ in range(args.repeats):  # interleaved: the machine's load falls on each alike
        took, used = docintel_run(files, work)
        times["docintel"].append(took)
        cpu["own"].append(used["own"])
        cpu["ocr"].append(used["ocr"])
        took, bare = fair_run(bmps)
        times["fair"].append(took)
        cpu["bare"].append(bare)
        times["like"].append(like_run(specs, work))
    shutil.rmtree(work, ignore_errors=True)
    median = {k: statistics.median(v) for k, v in times.items()}
    print(
        f"{len(files)} real scanned files ({len(pages)} pages) from {args.folder}, whole "
        f"commands, {args.repeats} interleaved runs, medians, {os.cpu_count()} cores"
    )
    print(
        f"docintel ÷ the fair baseline (Tesseract across the cores): "
        f"{median['docintel'] / median['fair']:.2f}x time (goal 1.2x)"
    )
    print(
        f"docintel ÷ like with like (+ the pages taken out of their files in the run, the "
        f"same entities): {median['docintel'] / median['like']:.2f}x time"
    )
    names = {
        "docintel": "docintel process (cpu)",
        "fair": "bare tesseract, cores",
        "like": "+ out of the files, entities",
    }
    for key, name in names.items():
        print(
            f"{name:30s} {len(pages) / median[key]:6.2f} pages/s  ({median[key]:6.2f} s, "
            f"least {min(times[key]):6.2f} s)"
        )
    used = {k: statistics.median(v) for k, v in cpu.items()}
    print(
        f"CPU seconds, medians: docintel's Tesseract runs {used['ocr']:.2f} "
        f"({used['ocr'] / used['bare']:.2f}x the bare's {used['bare']:.2f}: its orientation "
        f"checks and second readings, TSV), docintel's own process {used['own']:.2f} (start, "
        f"page images, deskew, grids, entities, typing, the database); the cores' floor for "
        f"docintel's work: {(used['ocr'] + used['own']) / (os.cpu_count() or 1):.2f} s"
    )


if __name__ == "__main__":
    main()
