"""The CPU page engine: Tesseract (Debian's tesseract-ocr) for OCR with layout kept as
Markdown paragraphs, ruling-line tables on page images, a `Label: value` form reader, and a
cheap page classifier. No model, no GPU."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from docintel.models.once import loaded_once
from docintel.pipeline.errors import DocumentError
from docintel.pipeline.pages.fields import CHECKBOX, FIELD


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

    def box(self, index: int) -> tuple[float, float, float, float, str, int, int, int]:
        """As PyMuPDF gives a word (x0, y0, x1, y1, text, block, line, word), for the table
        finder that digital pages use."""
        right, bottom = self.left + self.width, self.top + self.height
        return (self.left, self.top, right, bottom, self.text, self.block, self.line, index)


@loaded_once(maxsize=1)
def tesseract_version() -> str | None:
    """Asked once per process: every page records it, and it is a subprocess (the page
    threads' first pages asked at once, and ``lru_cache`` alone ran it once each)."""
    exe = shutil.which("tesseract")
    if not exe:
        return None
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30)
    first = (out.stdout or out.stderr).splitlines()
    return first[0].split()[-1] if first else "unknown"


def page_dpi(image: Any, rendered_at: int | None = None) -> int:
    """The resolution Tesseract should assume: the one a PDF page was rendered at, the one an
    image file declares, else the one a letter-wide page of this width would have. Without
    it Tesseract assumes 70 dpi and its layout analysis loses whole tables."""
    if rendered_at:
        return rendered_at
    declared = image.info.get("dpi") if hasattr(image, "info") else None
    if declared and 70 <= float(declared[0]) <= 1200:
        return int(round(float(declared[0])))
    return max(70, min(600, int(round(image.width / 8.5))))


def ocr_words(
    image: Any, language: str = "eng", psm: int = 3, dpi: int | None = None
) -> list[Word]:
    exe = shutil.which("tesseract")
    if exe is None:
        raise DocumentError(
            "DOCINTEL_OCR_ENGINE=tesseract needs Tesseract: install it (apt-get install "
            "tesseract-ocr), or set DOCINTEL_OCR_ENGINE=auto or rapidocr to read scans with the "
            "bundled RapidOCR."
        )
    out = _tesseract(exe, image, dpi, ["-l", language, "--psm", str(psm)], ["tsv"], 300)
    if out.returncode != 0:
        raise RuntimeError(f"tesseract failed: {out.stderr.decode(errors='replace')[:300]}")
    return tsv_words(out.stdout.decode("utf-8", errors="replace"))


# Tesseract's TSV columns: the binary's ``tsv`` output names them on its first line, its
# library's ``GetTSVText`` does not
TSV_FIELDS = (
    "level", "page_num", "block_num", "par_num", "line_num", "word_num",
    "left", "top", "width", "height", "conf", "text",
)  # fmt: skip


def tsv_words(tsv: str) -> list[Word]:
    """The words (level 5 rows with text) of Tesseract's TSV, with or without its header."""
    words = []
    reader = csv.DictReader(
        io.StringIO(tsv), fieldnames=TSV_FIELDS, delimiter="\t", quoting=csv.QUOTE_NONE
    )
    for row in reader:  # the header line, where there is one, is not level 5
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


# Below this share of its letters in words Tesseract is sure of (confidence 60 or more), a
# reading is asked whether the page is turned: an upright page reads ~0.7-1.0, a page on
# its side or upside down ~0.1
SURE_SHARE = 0.4
SURE_CONF = 60.0
OSD_SURE = 2.0  # Tesseract's orientation confidence below which a guess is left alone


def sure_letters(words: list[Word]) -> int:
    """The letters of the words Tesseract is sure of: what two readings are compared by."""
    return sum(len(w.text) for w in words if w.conf >= SURE_CONF)


def reads_poorly(words: list[Word]) -> bool:
    letters = sum(len(w.text) for w in words)
    return letters > 0 and sure_letters(words) < SURE_SHARE * letters


def turn_needed(image: Any, dpi: int | None = None) -> int:
    """Degrees (90, 180, 270) to turn ``image`` clockwise for its text to stand upright, as
    Tesseract's orientation detection (``--psm 0``) says with some confidence; 0 where it
    is upright, unsure, or cannot tell (no osd.traineddata, too little text)."""
    exe = shutil.which("tesseract")
    if exe is None:
        return 0
    out = _tesseract(exe, image, dpi, ["--psm", "0"], [], 120)
    said = dict(
        (key.strip(), value.strip())
        for key, _, value in (
            line.partition(":") for line in out.stdout.decode(errors="replace").splitlines()
        )
    )
    try:
        turn, sure = int(said.get("Rotate", "0")), float(said.get("Orientation confidence", "0"))
    except ValueError:
        return 0
    return turn if turn in (90, 180, 270) and sure >= OSD_SURE else 0


def _tesseract(
    exe: str, image: Any, dpi: int | None, options: list[str], configs: list[str], timeout: int
) -> subprocess.CompletedProcess[bytes]:
    """One Tesseract run on ``image``, in grey (Tesseract reads grey anyway), told the
    page's resolution, on one thread: its OpenMP threads make it ~7x slower on small
    machines.

    The page is handed over as an uncompressed grey BMP in the temporary folder (TMPDIR),
    removed after the run. Not on stdin: Tesseract reads stdin through a C++ stream, a
    character at a time (a 300 dpi page: 0.98 s where the same run on a file takes 0.82 s,
    and this process 29 ms of CPU writing it where it takes 6 ms). Not as PGM: Leptonica
    reads PNM slowly, and the same 24 pages (generated scans, the real invoice set's photos
    and scans) took Tesseract 13.0 s as PGM and 11.5 s as BMP, with the same words and
    boxes. A temporary folder that cannot be written falls back to stdin."""
    resolution = str(page_dpi(image, dpi))
    argv = ["stdout", *options, "--dpi", resolution, *configs]
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    folder = _written(image, int(resolution))
    if folder is None:
        buf = io.BytesIO()
        grey(image).save(buf, format="PPM")
        return subprocess.run(
            [exe, "stdin", *argv],
            input=buf.getvalue(),
            capture_output=True,
            timeout=timeout,
            env=env,
        )
    with folder:
        page = os.path.join(folder.name, PAGE_FILE)
        return subprocess.run(
            [exe, page, *argv],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            env=env,
        )


PAGE_FILE = "page.bmp"


def _written(image: Any, dpi: int) -> tempfile.TemporaryDirectory[str] | None:
    """A new temporary folder holding ``image`` as ``PAGE_FILE``, declaring ``dpi`` as the
    run is told (a BMP says 96 otherwise); None where the folder cannot be made or written
    (read-only, full)."""
    try:
        folder = tempfile.TemporaryDirectory(prefix="docintel-ocr-")
    except OSError:
        return None
    try:
        grey(image).save(os.path.join(folder.name, PAGE_FILE), format="BMP", dpi=(dpi, dpi))
    except OSError:
        folder.cleanup()
        return None
    return folder


def words_markdown(words: list[Word]) -> str:
    """Paragraphs as Tesseract found them, lines kept, a blank line between paragraphs."""
    paragraphs: dict[tuple[int, int], dict[int, list[str]]] = {}
    for w in words:
        paragraphs.setdefault((w.block, w.par), {}).setdefault(w.line, []).append(w.text)
    return "\n\n".join(
        "\n".join(" ".join(line) for _, line in sorted(lines.items()))
        for _, lines in sorted(paragraphs.items())
    ).strip()


# How far from the best whole degree the fine search looks (see ``skew_angle``).
COARSE_REACH = 0.75


def skew_angle(image: Any, limit: float = 4.0, step: float = 0.25) -> float:
    """The rotation (degrees) that makes text lines horizontal: the angle whose row profile
    of a downscaled, binarised page is sharpest, on a ``step`` grid within ``limit``.

    Looked for a degree apart first, then at every step within ``COARSE_REACH`` of the best
    of those: 15 rotations of the small page where every step took 33, for the same angle
    on each of 50 pages (the 20 scanned pages of the real invoice set and 30 generated
    scans tilted 1-2 degrees, at 100-300 dpi). A text line's profile is sharp within a few
    tenths of a degree of its angle and blurs steadily away from it, so the best whole
    degree lies next to it. Ties go to the smaller angle, as the full search's did."""
    import numpy as np

    small = grey(shrunk(image, 600))
    scores: dict[float, float] = {}

    def score(angle: float) -> float:
        if angle not in scores:
            rotated = np.asarray(small.rotate(angle, fillcolor=255), dtype=np.uint8) < 128
            profile = rotated.sum(axis=1).astype(np.float64)
            scores[angle] = float(np.square(np.diff(profile)).sum())
        return scores[angle]

    steps = round(limit / step)
    grid = [round(k * step, 6) for k in range(-steps, steps + 1)]
    per_degree = max(1, round(1.0 / step))
    coarse = grid[::per_degree]
    top = max(coarse, key=lambda angle: (score(angle), -angle))
    reach = round(COARSE_REACH / step)
    at = grid.index(top)
    for angle in grid[max(0, at - reach) : at + reach + 1]:
        score(angle)
    return max(scores, key=lambda angle: (scores[angle], -angle))


# From this many pixels up (a letter page scanned at ~250 dpi or more) a page is turned level
# by OpenCV's bilinear warp: 5 ms for a 300 dpi page where its bicubic takes 25 ms and
# Pillow's 187 ms, and it lets go of the interpreter, so two pages' deskews run side by
# side. Letters 30 pixels tall and more lose nothing to the bilinear kernel (issue 32's
# ninth pass, bench/ocr_overhead.py --real: the same words, tables and key values, 33 of 44,
# deskew 72 -> 52 ms a 300 dpi page). Below it Pillow's bicubic stays: on phone photos of
# receipts (letters a few pixels tall) OpenCV's bicubic already lost key values (the real
# invoice set's 19 scans and photos: Pillow 46 of 63, OpenCV 42, all of it on pages under
# 1.2 megapixels; the 3 pages above 4 megapixels read alike).
FAST_TURN_PIXELS = 4_000_000


def deskew(image: Any) -> Any:
    """The page level, in greyscale: what Tesseract and the grid search read (both turn a
    page grey first), so a third of the pixels of an RGB rotation to move, for the same
    text. Bicubic below ``FAST_TURN_PIXELS``: bilinear halved the time again but lost key
    values on small receipt photos (bench/ocr_overhead.py). A page already level (the
    estimate's 0 step) is not rotated; 0.25 degrees is: it drifts a rule across a 300 dpi
    table by ~9 px, which the grid search would no longer see as one row."""
    from PIL import Image

    page = grey(image)
    angle = skew_angle(page)
    if abs(angle) < 0.2:
        return page
    if page.width * page.height >= FAST_TURN_PIXELS:
        return _turned_by_opencv(page, angle)
    return page.rotate(angle, resample=Image.BICUBIC, fillcolor=255)


def _turned_by_opencv(page: Any, angle: float) -> Any:
    """``page.rotate(angle, fillcolor=255)`` (a grey page) as OpenCV draws it, bilinear: the
    same centre, direction and size."""
    import cv2
    import numpy as np
    from PIL import Image

    pixels = np.asarray(page)
    height, width = pixels.shape
    turn = cv2.getRotationMatrix2D(((width - 1) / 2, (height - 1) / 2), angle, 1.0)
    level = cv2.warpAffine(
        pixels,
        turn,
        (width, height),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=255,
    )
    return Image.fromarray(level)


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


@dataclass
class Grid:
    """A ruled table on a page image: its row and column boundaries (pixels)."""

    ys: list[int]
    xs: list[int]

    @property
    def bbox(self) -> tuple[int, int, int, int]:
        return self.xs[0], self.ys[0], self.xs[-1], self.ys[-1]

    def holds(self, word: Word) -> bool:
        x0, y0, x1, y1 = self.bbox
        cx, cy = word.center
        return x0 <= cx <= x1 and y0 <= cy <= y1


def ruled_grids(image: Any) -> list[Grid]:
    """Every ruled table on the page, wherever it is: long horizontal and vertical strokes
    (kept by a morphological opening, so text does not count) that connect into a grid of
    at least two rows and two columns. A letterhead rule or an underline is no table."""
    import numpy as np

    dark = (np.asarray(grey(image), dtype=np.uint8) < 128).view(np.uint8)  # 1 where ink
    h, w = dark.shape
    across = max(40, w // 25)  # a rule is longer than any word
    down = max(30, h // 45)  # and a column rule taller than a line of text
    # Where a stroke that long starts (the opening's first half). A grid needs three rows of
    # rules and three columns: a page of prose has none, and ends here, before the second
    # halves, the dilation and the labelling (~80% of the search's time).
    h_starts = _along(dark, across, axis=1, widest=False)
    if np.count_nonzero(h_starts.any(axis=1)) < 3:
        return []
    v_starts = _along(dark, down, axis=0, widest=False)
    if np.count_nonzero(v_starts.any(axis=0)) < 3:
        return []
    horizontal = _along(h_starts, across, axis=1, widest=True)
    vertical = _along(v_starts, down, axis=0, widest=True)
    grids = []
    for box, inside in _figures(horizontal | vertical):
        ys_slice, xs_slice = box
        hrows = (horizontal[box] & inside).mean(axis=1) > 0.5
        vcols = (vertical[box] & inside).mean(axis=0) > 0.5
        rows = [(a + b) // 2 + ys_slice.start for a, b in _runs(hrows, 1)]
        cols = [(a + b) // 2 + xs_slice.start for a, b in _runs(vcols, 1)]
        if len(rows) >= 3 and len(cols) >= 3:
            grids.append(Grid(rows, cols))
    return sorted(grids, key=lambda g: (g.ys[0], g.xs[0]))


# The grid search's morphology on OpenCV, pixel for pixel what scipy.ndimage's
# minimum_filter1d/maximum_filter1d (edges mirrored), binary_dilation (a cross, edges empty)
# and label (4-connected) give (tests/test_pages_morphology.py): OpenCV is imported for the
# deskew already and lets go of the interpreter, where scipy.ndimage cost 0.16 s to import
# before a command's first scan and held it.


def _along(mask: Any, size: int, axis: int, widest: bool) -> Any:
    """The least (``widest``: the most) of ``mask`` over ``size`` pixels along ``axis``."""
    import cv2
    import numpy as np

    kernel = np.ones((1, size) if axis == 1 else (size, 1), dtype=np.uint8)
    op = cv2.dilate if widest else cv2.erode
    return op(mask, kernel, borderType=cv2.BORDER_REFLECT)


def _figures(strokes: Any) -> list[tuple[tuple[slice, slice], Any]]:
    """Strokes that touch each other (a pixel apart at most) as one figure each: its box
    and, within the box, which pixels are its own."""
    import cv2

    # Only the strokes' own box, and the two pixels the dilation grows them by, is worked
    # on: the same figures, in the same order (labels go in reading order either way), for
    # half the pixels of a real invoice page on average (its rules span half the page; the
    # dilation and the labelling were 60% of the grid search there)
    x, y, width, height = cv2.boundingRect(strokes)
    if width == 0 or height == 0:
        return []
    top, left = max(0, y - GROWN), max(0, x - GROWN)
    bottom = min(strokes.shape[0], y + height + GROWN)
    right = min(strokes.shape[1], x + width + GROWN)
    cross = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))
    grown = cv2.dilate(
        strokes[top:bottom, left:right],
        cross,
        iterations=GROWN,
        borderType=cv2.BORDER_CONSTANT,
        borderValue=0,
    )
    count, labels, stats, _ = cv2.connectedComponentsWithStatsWithAlgorithm(
        grown, 4, cv2.CV_32S, cv2.CCL_SAUF
    )
    figures = []
    for index in range(1, count):
        x, y, width, height = (int(v) for v in stats[index, :4])
        own = labels[y : y + height, x : x + width] == index
        figures.append(((slice(top + y, top + y + height), slice(left + x, left + x + width)), own))
    return figures


GROWN = 2  # pixels a stroke grows by before figures are told apart (a 3x3 cross, twice)


def ruling_grid(image: Any) -> tuple[list[int], list[int]] | None:
    """Row and column boundaries of the first ruled table on the page, if any."""
    grids = ruled_grids(image)
    return (grids[0].ys, grids[0].xs) if grids else None


def clean_cell(text: str) -> str:
    """A cell's text without the ruling lines OCR reads as characters (``| Qty``)."""
    return " ".join(t for t in text.strip(" |¦[]").split() if t not in ("|", "¦", "||", "l|", "|l"))


def grid_table(grid: tuple[list[int], list[int]] | Grid, words: list[Word]) -> list[list[str]]:
    ys, xs = (grid.ys, grid.xs) if isinstance(grid, Grid) else grid
    cells: list[list[list[Word]]] = [[[] for _ in xs[:-1]] for _ in ys[:-1]]
    for w in words:
        cx, cy = w.center
        r = next((i for i in range(len(ys) - 1) if ys[i] <= cy < ys[i + 1]), None)
        c = next((j for j in range(len(xs) - 1) if xs[j] <= cx < xs[j + 1]), None)
        if r is not None and c is not None:
            cells[r][c].append(w)
    table = [
        [
            clean_cell(" ".join(x.text for x in sorted(cell, key=lambda x: (x.line, x.left))))
            for cell in row
        ]
        for row in cells
    ]
    return [row for row in table if any(row)]


def page_markdown(words: list[Word], placed: list[tuple[int, str]]) -> str:
    """The page in Tesseract's reading order (paragraphs, lines kept), with each placed
    block (a table's Markdown at its top y) put before the first paragraph below it."""
    paragraphs: dict[tuple[int, int], dict[int, list[Word]]] = {}
    for w in words:
        paragraphs.setdefault((w.block, w.par), {}).setdefault(w.line, []).append(w)
    parts: list[str] = []
    pending = sorted(placed)
    for _, lines in sorted(paragraphs.items()):
        top = min(w.top for line in lines.values() for w in line)
        while pending and pending[0][0] <= top:
            parts.append(pending.pop(0)[1])
        text = "\n".join(
            " ".join(w.text for w in line) for _, line in sorted(lines.items())
        ).strip()
        if text:
            parts.append(text)
    parts += [text for _, text in pending]
    return "\n\n".join(parts).strip()


OVERVIEW = 800  # pixels a side: enough to tell a blank page or a chart


# A page converted to the mode it is in, or thumbnailed (which works in place), is first
# copied whole: 25 MB for a 300 dpi letter page in colour, three to four times a page
# (~60 ms of its ~0.25 s outside Tesseract). These two leave a page as it is.


def grey(image: Any) -> Any:
    """``image`` in greyscale: itself where it is grey already."""
    return image if image.mode == "L" else image.convert("L")


def shrunk(image: Any, side: int) -> Any:
    """``image`` at most ``side`` pixels a side, resampled as ``Image.thumbnail`` does
    (bicubic, reduced by whole factors first); itself where it is that small already."""
    from PIL import Image

    scale = min(side / image.width, side / image.height)
    if scale >= 1:
        return image
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.BICUBIC, reducing_gap=2.0)


def overview(image: Any) -> Any:
    """The page in colour at most ``OVERVIEW`` pixels a side: what the blank and chart checks
    look at. Made once per page; each check used to shrink the whole page itself (~0.1 s of
    a 300 dpi page's 1.6 s)."""
    small = shrunk(image, OVERVIEW)
    return small if small.mode == "RGB" else small.convert("RGB")


def is_blank(image: Any) -> bool:
    """Next to no ink: nothing to read."""
    import numpy as np

    small = grey(shrunk(image, OVERVIEW))
    return bool((np.asarray(small, dtype=np.uint8) < 160).mean() < 0.002)


def _colourful(page: Any) -> bool:
    """More than 0.3% of the page's overview's pixels in a strong colour (a chart's
    series)."""
    import numpy as np

    rgb = np.asarray(overview(page))
    red, green, blue = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    # channel by channel on the bytes: the same spread as int16's max(axis=2) - min(axis=2),
    # in 1 ms where that took 35 ms an 800-pixel overview (its reductions stride by 3)
    spread = np.maximum(np.maximum(red, green), blue) - np.minimum(np.minimum(red, green), blue)
    return bool(np.count_nonzero(spread > 60) / spread.size > 0.003)


def classify_page(
    image: Any,
    words: list[Word] | None,
    grids: list[Grid] | None = None,
    colours: Callable[[], Any] | None = None,
) -> str:
    """The page's main kind (blank, table, chart, form or text) from pixels (the page or its
    ``overview``) and OCR words; what is read from the page does not depend on it: text
    always, tables and fields wherever they are. ``colours``: the page in colour, where
    ``image`` shows it in grey, asked for only where the chart check needs it."""
    if is_blank(image):
        return "blank"
    if grids if grids is not None else ruled_grids(image):
        return "table"
    chars = sum(len(w.text) for w in words or [])
    # a page with this much text is not a chart whatever its colours: their check is skipped
    if chars < 400 and _colourful(colours() if colours else overview(image)):
        return "chart"
    if words is not None:
        lines = words_markdown(words).splitlines()
        if sum(1 for ln in lines if FIELD.match(ln) or CHECKBOX.match(ln)) >= 3:
            return "form"
    return "text"
