"""The CPU page engine: Tesseract (Debian's tesseract-ocr) for OCR with layout kept as
Markdown paragraphs, ruling-line tables on page images, a `Label: value` form reader, and a
cheap page classifier. No model, no GPU."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from docintel.pipeline.errors import DocumentError


@dataclass
class Word:
    text: str
    conf: float
    left: int
    top: int
    width: int
    height: int
    block: int
    par: int
    line: int

    @property
    def center(self) -> tuple[float, float]:
        return self.left + self.width / 2, self.top + self.height / 2


@lru_cache(maxsize=1)
def tesseract_version() -> str | None:
    """Asked once per process: every page records it, and it is a subprocess."""
    exe = shutil.which("tesseract")
    if not exe:
        return None
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30)
    first = (out.stdout or out.stderr).splitlines()
    return first[0].split()[-1] if first else "unknown"


def ocr_words(image: Any, language: str = "eng", psm: int = 3) -> list[Word]:
    exe = shutil.which("tesseract")
    if exe is None:
        raise DocumentError(
            "the CPU OCR engine needs Tesseract: install Debian's tesseract-ocr (apt-get install "
            "tesseract-ocr), or use DOCINTEL_ENGINE=gemma."
        )
    buf = io.BytesIO()
    image.convert("RGB").save(buf, format="PNG")
    # One thread per call: Tesseract's OpenMP threads make it ~7x slower on small machines.
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    out = subprocess.run(
        [exe, "stdin", "stdout", "-l", language, "--psm", str(psm), "tsv"],
        input=buf.getvalue(),
        capture_output=True,
        timeout=300,
        env=env,
    )
    if out.returncode != 0:
        raise RuntimeError(f"tesseract failed: {out.stderr.decode(errors='replace')[:300]}")
    words = []
    reader = csv.DictReader(
        io.StringIO(out.stdout.decode("utf-8", errors="replace")),
        delimiter="\t",
        quoting=csv.QUOTE_NONE,
    )
    for row in reader:
        text = (row.get("text") or "").strip()
        if row.get("level") != "5" or not text:
            continue
        words.append(
            Word(
                text,
                float(row["conf"]),
                int(row["left"]),
                int(row["top"]),
                int(row["width"]),
                int(row["height"]),
                int(row["block_num"]),
                int(row["par_num"]),
                int(row["line_num"]),
            )
        )
    return words


def words_markdown(words: list[Word]) -> str:
    """Paragraphs as Tesseract found them, lines kept, a blank line between paragraphs."""
    paragraphs: dict[tuple[int, int], dict[int, list[str]]] = {}
    for w in words:
        paragraphs.setdefault((w.block, w.par), {}).setdefault(w.line, []).append(w.text)
    return "\n\n".join(
        "\n".join(" ".join(line) for _, line in sorted(lines.items()))
        for _, lines in sorted(paragraphs.items())
    ).strip()


def skew_angle(image: Any, limit: float = 4.0, step: float = 0.25) -> float:
    """The rotation (degrees) that makes text lines horizontal: the angle whose row profile
    of a downscaled, binarised page is sharpest."""
    import numpy as np

    small = image.convert("L")
    small.thumbnail((600, 600))
    best, best_score = 0.0, -1.0
    for angle in np.arange(-limit, limit + step / 2, step):
        rotated = np.asarray(small.rotate(float(angle), fillcolor=255), dtype=np.uint8) < 128
        profile = rotated.sum(axis=1).astype(np.float64)
        score = float(np.square(np.diff(profile)).sum())
        if score > best_score:
            best, best_score = float(angle), score
    return best


def deskew(image: Any) -> Any:
    from PIL import Image

    angle = skew_angle(image)
    if abs(angle) < 0.2:
        return image
    return image.rotate(angle, resample=Image.BICUBIC, fillcolor="white")


def _runs(mask: Any, min_len: int) -> list[tuple[int, int]]:
    runs, start = [], None
    for i, on in enumerate(list(mask) + [False]):
        if on and start is None:
            start = i
        elif not on and start is not None:
            if i - start >= min_len:
                runs.append((start, i))
            start = None
    return runs


def ruling_grid(image: Any) -> tuple[list[int], list[int]] | None:
    """Row and column boundaries of a ruled table: long dark horizontal and vertical lines."""
    import numpy as np

    grey = np.asarray(image.convert("L"), dtype=np.uint8)
    dark = grey < 128
    h, w = dark.shape
    rows = _runs(dark.mean(axis=1) > 0.35, 1)
    if len(rows) < 3:
        return None
    top, bottom = rows[0][0], rows[-1][1]
    cols = _runs(dark[top:bottom].mean(axis=0) > 0.6, 1)
    if len(cols) < 3:
        return None
    ys = [(a + b) // 2 for a, b in rows]
    xs = [(a + b) // 2 for a, b in cols]
    return ys, xs


def grid_table(grid: tuple[list[int], list[int]], words: list[Word]) -> list[list[str]]:
    ys, xs = grid
    cells: list[list[list[Word]]] = [[[] for _ in xs[:-1]] for _ in ys[:-1]]
    for w in words:
        cx, cy = w.center
        r = next((i for i in range(len(ys) - 1) if ys[i] <= cy < ys[i + 1]), None)
        c = next((j for j in range(len(xs) - 1) if xs[j] <= cx < xs[j + 1]), None)
        if r is not None and c is not None:
            cells[r][c].append(w)
    return [
        [" ".join(x.text for x in sorted(cell, key=lambda x: (x.line, x.left))) for cell in row]
        for row in cells
    ]


_FIELD = re.compile(r"^\s*([A-Za-z][\w .'/()#-]{0,40}?)\s*:\s*(\S.*?)\s*$")
# OCR reads an empty "[ ]" as "{ ]" or "( )" as often as not.
_CHECKBOX = re.compile(
    r"^\s*(?:[\[({|]\s*(?P<box>[xX✓✔]?)\s*[\])}|]|(?P<glyph>[☐☑☒]))\s*(?P<label>\S.*?)\s*$"
)


def form_fields(text: str) -> dict[str, str]:
    """`Label: value` lines and checkbox marks ([x] / [ ] / ☒ / ☐) as key/value pairs."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        box = _CHECKBOX.match(line)
        if box:
            mark = box.group("box") if box.group("box") is not None else box.group("glyph")
            fields[box.group("label")] = (
                "yes" if mark.strip() in ("x", "X", "✓", "☑", "☒") else "no"
            )
            continue
        match = _FIELD.match(line)
        if match and not match.group(1).lower().startswith(("http", "https")):
            fields[match.group(1).strip()] = match.group(2)
    return fields


def classify_page(image: Any, words: list[Word] | None) -> str:
    """blank, table, chart, form or text, from pixels and OCR words."""
    import numpy as np

    rgb = np.asarray(image.convert("RGB"), dtype=np.int16)
    grey = rgb.mean(axis=2)
    ink = (grey < 160).mean()
    if ink < 0.002:
        return "blank"
    if ruling_grid(image) is not None:
        return "table"
    saturation = (rgb.max(axis=2) - rgb.min(axis=2)) > 60
    chars = sum(len(w.text) for w in words or [])
    if saturation.mean() > 0.003 and chars < 400:
        return "chart"
    if words is not None:
        lines = words_markdown(words).splitlines()
        if sum(1 for ln in lines if _FIELD.match(ln) or _CHECKBOX.match(ln)) >= 3:
            return "form"
    return "text"
