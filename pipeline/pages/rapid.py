"""RapidOCR as the CPU page engine's reader: PaddleOCR's PP-OCRv6 detection and recognition
models, shipped inside the rapidocr wheel (Apache-2.0, models included) and run on
onnxruntime, with OpenCV's headless build: no system binary or library. It is part of the
base install, so a scan is read where Tesseract is not installed (``DOCINTEL_OCR_ENGINE=auto``,
the default, ``pipeline/pages/reader.py``) and can be chosen outright
(``DOCINTEL_OCR_ENGINE=rapidocr``). Its recogniser reads Latin (accents included) and Chinese
script; Tesseract's language packs cover more, and the page layout was tuned on Tesseract.

It reads text lines; each is given back as Tesseract-shaped words (their boxes spread over
the line by length), lines on one row joined in one line, and paragraphs cut where the
gap between lines is wide, so the tables, fields and Markdown built on Tesseract's words
work the same."""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

from docintel.pipeline.errors import DocumentError
from docintel.pipeline.pages.tesseract import Word

# One engine per process, used by one page at a time: its onnxruntime sessions already use
# every core, and the pipeline objects around them are not documented as thread-safe.
_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _engine() -> Any:
    try:
        from rapidocr import RapidOCR
    except ImportError as exc:
        raise DocumentError(
            f"RapidOCR is not installed ({exc}): reinstall docintel (`pip install docintel`, "
            "it is a base dependency), or install Tesseract and set "
            "DOCINTEL_OCR_ENGINE=tesseract."
        ) from exc
    # its own INFO lines (one per model file) would stand in every command's output
    return RapidOCR(params={"Global.log_level": "warning"})


def rapidocr_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("rapidocr")
    except PackageNotFoundError:
        return "unknown"


def rapid_lines(image: Any) -> list[tuple[Any, str, float]]:
    """(the line's four corner points, its text, its score) for each line RapidOCR reads."""
    import numpy as np

    pixels = np.asarray(image.convert("RGB"))
    with _LOCK:
        found = _engine()(pixels)
    boxes = getattr(found, "boxes", None)
    if boxes is None:  # nothing on the page
        return []
    return list(zip(boxes, found.txts, found.scores, strict=True))


def rapid_words(image: Any) -> list[Word]:
    """The page's words in reading order, as Tesseract's reader gives them."""
    boxes = []
    for points, text, score in rapid_lines(image):
        xs = [float(p[0]) for p in points]
        ys = [float(p[1]) for p in points]
        if text.strip():
            boxes.append((min(xs), min(ys), max(xs), max(ys), text.strip(), float(score)))
    return _as_words(boxes)


Box = tuple[float, float, float, float, str, float]


def _as_words(boxes: list[Box]) -> list[Word]:
    rows: list[list[Box]] = []
    for box in sorted(boxes, key=lambda b: ((b[1] + b[3]) / 2, b[0])):
        middle, height = (box[1] + box[3]) / 2, box[3] - box[1]
        last = rows[-1] if rows else None
        if last is not None and abs(middle - _middle(last)) < 0.5 * max(height, _height(last)):
            last.append(box)  # the same row: another column, or a line cut in two
        else:
            rows.append([box])
    words: list[Word] = []
    paragraph, previous = 1, None
    for line, row in enumerate(rows, start=1):
        if previous is not None and min(b[1] for b in row) - previous > 1.2 * _height(row):
            paragraph += 1  # a wide gap: a paragraph of its own
        previous = max(b[3] for b in row)
        for left, top, right, bottom, text, score in sorted(row, key=lambda b: b[0]):
            words += _split(left, top, right, bottom, text, score, paragraph, line)
    return words


def _split(
    left: float, top: float, right: float, bottom: float, text: str, score: float, par: int,
    line: int,
) -> list[Word]:  # fmt: skip
    """A line's words, each a box over its share of the line by length."""
    tokens = text.split()
    total = sum(len(t) + 1 for t in tokens) - 1 or 1
    width, at, out = right - left, 0, []
    for token in tokens:
        start = left + width * at / total
        at += len(token) + 1
        end = left + width * min(total, at - 1) / total
        out.append(
            Word(
                token,
                score * 100,
                round(start),
                round(top),
                max(1, round(end - start)),
                max(1, round(bottom - top)),
                1,
                par,
                line,
            )  # fmt: skip
        )
    return out


def _middle(row: list[Box]) -> float:
    return sum((b[1] + b[3]) / 2 for b in row) / len(row)


def _height(row: list[Box]) -> float:
    return max(b[3] - b[1] for b in row)
