"""Pages on the CPU engine: Tesseract reads the page (deskewed first), ruled tables become
rows, ``Label: value`` lines and checkboxes become fields; charts are recorded as not read."""

from __future__ import annotations

import time
from pathlib import Path

from docintel.config import Settings
from docintel.pipeline.pages import tesseract as tess
from docintel.pipeline.pages.images import page_images
from docintel.pipeline.types import PageRead, PageResult, TableData, table_markdown


def read_page_cpu(path: Path, kind: str, page: int, settings: Settings) -> PageRead:
    started = time.perf_counter()
    image = page_images(path, kind, [page], settings.cpu_ocr_dpi, settings)[page]
    version = tess.tesseract_version()
    result = PageResult(
        page,
        "done",
        text_source="tesseract",
        engine="tesseract",
        model=f"tesseract {version}" if version else "tesseract",
        width=float(image.width),
        height=float(image.height),
    )
    read = PageRead(result)
    page_kind = tess.classify_page(image, None)
    if page_kind != "blank":
        image = tess.deskew(image)  # scanners tilt pages; rows and rulings need them level
    words = [] if page_kind == "blank" else tess.ocr_words(image, settings.ocr_language)
    if page_kind != "blank":
        page_kind = tess.classify_page(image, words)
    markdown = tess.words_markdown(words)
    result.kind = page_kind
    result.markdown = markdown or None
    result.decision = (
        f"read by Tesseract at {settings.cpu_ocr_dpi} dpi; classified {page_kind} by layout"
    )
    if page_kind == "table":
        grid = tess.ruling_grid(image)
        cells = tess.grid_table(grid, words) if grid else []
        if len(cells) >= 2:
            table = TableData(cells[0], cells[1:])
            read.tables.append(table.placed(page, 0, "tesseract"))
            result.markdown = table_markdown(table)
    if page_kind == "form":
        result.fields = tess.form_fields(markdown)
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
            "step": f"page:{page}:tesseract",
            "seq": 0,
            "role": "pipeline",
            "content": f"{page_kind}; {len(words)} words",
            "duration_ms": elapsed,
            "engine": "tesseract",
            "model": result.model,
            "status": "warning" if page_kind == "chart" else "ok",
        }
    )
    return read
