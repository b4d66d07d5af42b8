"""Tesseract in the worker's own process (tesserocr, whose wheel carries its own
libtesseract) against the ``tesseract`` binary docintel runs per page, on real receipts: what
each reads and how long it takes, side by side. The question a change of runner must answer
first: does it read real documents as well?

    pip install tesserocr   # not a docintel dependency
    python bench/tesseract_inprocess.py [--count 100]

Receipts: every sixth of the 626 of the ICDAR 2019 SROIE set (zzzDavid/ICDAR-2019-SROIE at
the commit bench/real/invoices pins; MIRRORS, as bench/real/mirror.py says), with their key
files: company, date and total counted found where the page's text holds them (as
bench/ocr_engines.py counts key values), and the address's words found. Each page is
prepared as docintel's CPU reader prepares it (decoded in grey, levelled, its resolution)
and read by both at ``--psm 3``, one thread, one page at a time.

Issue 32's ninth pass, 100 receipts: the binary (Debian's 5.3.0) 202 key values (company
54, date 76, total 72), 930 of 1,088 address words, 59.8 s; tesserocr 2.13 (libtesseract
5.5.4) 204 (54, 79, 71), 916 words, 43.6 s: 0.73x the time, the same reading within a few
values either way.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "bench" / "real"))

from mirror import blob, git_dir  # noqa: E402
from ocr_engines import found, norm  # noqa: E402

REPO, COMMIT = "zzzDavid/ICDAR-2019-SROIE", "27be4271b251c256f695acbade9a801bffe85994"


def receipts(count: int) -> list[tuple[str, bytes, dict[str, str]]]:
    listing = subprocess.run(
        ["git", f"--git-dir={git_dir(REPO)}", "ls-tree", "--name-only", COMMIT, "data/img/"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    picked = [p for i, p in enumerate(sorted(listing), 1) if i % 6 == 0][:count]
    out = []
    for path in picked:
        name = Path(path).stem
        key = json.loads(blob(REPO, COMMIT, f"data/key/{name}.json"))
        out.append((name, blob(REPO, COMMIT, path), key))
    return out


def library_words(api, image, dpi: int):  # type: ignore[no-untyped-def]
    from docintel.pipeline.pages.tesseract import tsv_words

    api.SetPageSegMode(3)
    api.SetImage(image)
    api.SetSourceResolution(dpi)
    return tsv_words(api.GetTSVText(0))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, default=100)
    count = ap.parse_args().count
    try:
        import tesserocr
    except ImportError:
        raise SystemExit("tesserocr is not installed: pip install tesserocr") from None
    from docintel.config import Settings
    from docintel.pipeline.pages import tesseract as tess
    from docintel.pipeline.pages.images import page_images

    # the binary's own language data, so both read with the same packs
    langs = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True)
    api = tesserocr.PyTessBaseAPI(path=langs.stdout.split('"')[1])
    folder = Path(tempfile.mkdtemp(prefix="docintel-tessinproc-"))
    sides = {
        "binary": tess.tesseract_version(),
        "library": tesserocr.tesseract_version().split()[1],
    }
    hits = {side: {"company": 0, "date": 0, "total": 0, "words": 0} for side in sides}
    took = dict.fromkeys(sides, 0.0)
    words_in_all = 0
    pages = receipts(count)
    for name, jpeg, key in pages:
        path = folder / f"{name}.jpg"
        path.write_bytes(jpeg)
        # the page as docintel's CPU reader has it: decoded in grey, levelled
        page = page_images(path, "image", [1], 300, Settings(), native=True, grey=True)[1]
        level, dpi = tess.deskew(page), tess.page_dpi(page)
        address = [norm(w) for w in key.get("address", "").split() if norm(w)]
        words_in_all += len(address)
        for side in sides:
            started = time.perf_counter()
            words = (
                tess.ocr_words(level, dpi=dpi)
                if side == "binary"
                else library_words(api, level, dpi)
            )
            took[side] += time.perf_counter() - started
            text = tess.words_markdown(words)
            plain = norm(text)
            hits[side]["company"] += norm(key.get("company", "-")) in plain
            hits[side]["date"] += norm(key.get("date", "-")) in plain
            hits[side]["total"] += found(text, "total", key.get("total", "-"))
            hits[side]["words"] += sum(w in plain for w in address)
    print(f"{len(pages)} SROIE receipts ({REPO}@{COMMIT[:7]}), one page at a time, one thread")
    print(f"{'':28s} {'company':>8s} {'date':>6s} {'total':>6s} {'key values':>11s} "
          f"{'address words':>14s} {'time':>8s}")  # fmt: skip
    for side, version in sides.items():
        h = hits[side]
        values = h["company"] + h["date"] + h["total"]
        print(
            f"{side + ' ' + str(version):28s} {h['company']:8d} {h['date']:6d} {h['total']:6d} "
            f"{values:11d} {h['words']:6d}/{words_in_all:<7d} {took[side]:7.1f}s"
        )
    print(f"library ÷ binary: {took['library'] / took['binary']:.2f}x the time")


if __name__ == "__main__":
    main()
