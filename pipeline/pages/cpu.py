"""Pages on the CPU engine: Tesseract or RapidOCR (``DOCINTEL_OCR_ENGINE``, ``reader``) reads
the page (deskewed first), ruled tables become rows, ``Label: value`` lines and checkboxes become
fields; charts are recorded as not read."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from docintel.config import Settings
from docintel.pipeline.pages import tesseract as tess
from docintel.pipeline.pages.fields import page_fields
from docintel.pipeline.pages.images import page_images
from docintel.pipeline.pages.rapid import rapid_words, rapidocr_version
from docintel.pipeline.pages.reader import ocr_reader
from docintel.pipeline.route.pdf_tables import aligned_tables
from docintel.pipeline.types import PageRead, PageResult, TableData, table_markdown


def read_page_cpu(
    path: Path, kind: str, page: int, settings: Settings, on_ocr: Callable[[], object] | None = None
) -> PageRead:
    started = time.perf_counter()
    pages = page_images(path, kind, [page], settings.cpu_ocr_dpi, settings, native=True, grey=True)
    image = pages[page]
    reader = ocr_reader(settings)
    version = rapidocr_version() if reader == "rapidocr" else tess.tesseract_version()
    result = PageResult(
        page,
        "done",
        text_source=reader,
        engine=reader,
        model=f"{reader} {version}" if version else reader,
        width=float(image.width),
        height=float(image.height),
    )
    read = PageRead(result)
    view = tess.overview(image)  # the blank and chart checks' page: shrunk once
    blank = tess.is_blank(view)
    turned = 0
    words: list[tess.Word] = []
    grids: list[tess.Grid] = []
    dpi = tess.page_dpi(image)  # a rendered PDF page declares the DPI it was made at
    if not blank:
        # Scanners tilt pages; rows and rulings need them level. Level in grey (what both
        # readers below work on); the colours tell charts apart (a scan decoded in grey has
        # them decoded where the chart check asks: ``_colours``).
        level = tess.deskew(image)
        if on_ocr is not None:
            on_ocr()
        words = (
            rapid_words(level)
            if reader == "rapidocr"
            else tess.ocr_words(level, settings.ocr_language, dpi=dpi)
        )
        if reader != "rapidocr" and tess.reads_poorly(words):
            image, level, words, turned = _upright(image, level, words, settings, dpi)
            view = tess.overview(image) if turned else view
            result.width, result.height = float(image.width), float(image.height)
        grids = tess.ruled_grids(level)
    colours = _colours(path, kind, page, settings, turned) if image.info.get("decoded") else None
    page_kind = "blank" if blank else tess.classify_page(view, words, grids, colours)
    # Tables come from where they are on the page, in addition to the text: every word
    # outside them stays in reading order around them.
    placed: list[tuple[int, str]] = []
    inside: set[int] = set()
    for grid in grids:
        held = [w for w in words if grid.holds(w)]
        cells = tess.grid_table(grid, held)
        if len(cells) < 2:
            continue
        table = TableData(cells[0], cells[1:])
        read.tables.append(table.placed(page, len(read.tables), reader))
        placed.append((grid.ys[0], table_markdown(table)))
        inside.update(id(w) for w in held)
    outside = [w for w in words if id(w) not in inside]
    # Columns aligned by spaces, no rules (most exported reports): Tesseract reads each
    # column as a block of its own, so the rows are rebuilt from the words' positions, as
    # on a digital page.
    for table in aligned_tables([w.box(i) for i, w in enumerate(outside)]):
        assert table.bbox is not None
        held_ids = {id(w) for w in outside if _within(w, table.bbox)}
        read.tables.append(table.placed(page, len(read.tables), reader))
        placed.append((int(table.bbox[1]), table_markdown(table)))
        inside.update(held_ids)
    outside = [w for w in outside if id(w) not in inside]
    markdown = tess.page_markdown(outside, placed)
    result.kind = page_kind
    result.markdown = markdown or None
    name = "RapidOCR" if reader == "rapidocr" else "Tesseract"
    if reader == "rapidocr" and settings.ocr_engine == "auto":
        name += " (Tesseract is not installed)"
    result.decision = f"read by {name} at {dpi} dpi; classified {page_kind} by layout" + (
        f"; {len(read.tables)} ruled table(s)" if read.tables else ""
    )
    if turned:
        result.decision += f"; turned {turned} degrees clockwise first (its text lay on its side)"
    result.fields = page_fields(tess.words_markdown(outside), page_kind)
    if page_kind == "chart":
        result.chart = {
            "read": False,
            "reason": "the CPU engine does not read charts (series "
            "values need a model); DOCINTEL_ENGINE=gemma reads them",
        }
    elapsed = (time.perf_counter() - started) * 1000
    result.timings = {"ocr_ms": elapsed}
    read.audits.append(
        {
            "step": f"page:{page}:{reader}",
            "seq": 0,
            "role": "pipeline",
            "content": f"{page_kind}; {len(words)} words",
            "duration_ms": elapsed,
            "engine": reader,
            "model": result.model,
            "status": "warning" if page_kind == "chart" else "ok",
        }
    )
    return read


def _colours(
    path: Path, kind: str, page: int, settings: Settings, turned: int
) -> Callable[[], Any]:
    """A page decoded in grey, in colour, decoded only if the chart check asks (a page with
    little text): every other page is read without its colours decoded."""

    def in_colour() -> Any:
        image = page_images(path, kind, [page], settings.cpu_ocr_dpi, settings, native=True)
        return image[page].rotate(-turned, expand=True) if turned else image[page]

    return in_colour


def _within(word: tess.Word, bbox: tuple[float, float, float, float]) -> bool:
    x, y = word.center
    return bbox[0] <= x <= bbox[2] and bbox[1] <= y <= bbox[3]


def _upright(
    image: Any, level: Any, words: list[tess.Word], settings: Settings, dpi: int
) -> tuple[Any, Any, list[tess.Word], int]:
    """A page Tesseract reads poorly, read again turned as its orientation detection says
    (a receipt photographed on its side, a page scanned upside down); the turned reading is
    kept where Tesseract is sure of more of its letters. (image, level, words, degrees
    turned clockwise, 0 where it was not)."""
    turn = tess.turn_needed(level, dpi)
    if not turn:
        return image, level, words, 0
    turned = image.rotate(-turn, expand=True)  # Pillow turns counter-clockwise
    turned.info = dict(image.info)  # the DPI it was rendered at
    again = tess.deskew(turned)
    read = tess.ocr_words(again, settings.ocr_language, dpi=dpi)
    if tess.sure_letters(read) <= tess.sure_letters(words):
        return image, level, words, 0
    return turned, again, read, turn
