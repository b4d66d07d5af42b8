"""The page step: pages without a usable text layer (scans, page images), read by a model
in two passes (``model``) or by the CPU engine (``cpu``, Tesseract)."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from docintel.config import Settings
from docintel.models.runtime import Engine, uses_model
from docintel.pipeline.imports import PAGE_READER, import_first
from docintel.pipeline.types import PageRead


def read_pages(
    path: Path,
    kind: str,
    pages: list[int],
    settings: Settings,
    engine: Engine,
    reasons: dict[int, str | None] | None = None,
    on_ocr: Callable[[], object] | None = None,
) -> list[PageRead]:
    """Read ``pages`` (1-based) of the file with ``engine``. ``reasons`` are route's words for
    why each page needed reading; they stay in front of what this step decided. ``on_ocr``
    is called as the CPU engine's OCR of a page starts (Tesseract reads in a process of its
    own, RapidOCR outside the interpreter lock: the interpreter is free for the caller's
    loads meanwhile), once a page."""
    if uses_model(engine):
        from docintel.pipeline.pages.model import read_pages_with_model

        reads = read_pages_with_model(path, kind, pages, settings, engine)
    else:
        from docintel.pipeline.pages.cpu import read_page_cpu

        reads = _in_parallel(
            _guarded(lambda p: read_page_cpu(path, kind, p, settings, on_ocr), kind), pages
        )
    for read in reads:
        why = (reasons or {}).get(read.page.page)
        decision = read.page.decision or ""
        if why and not decision.startswith(why):
            read.page.decision = f"{why}; {decision}"
    return reads


def _guarded(read: Callable[[int], PageRead], kind: str) -> Callable[[int], PageRead]:
    """A picture inside a document (an Office file's, a PDF page's) that is damaged or of a
    kind no reader draws fails its own page, with the reason, not the document; a picture
    file is the document, and fails it."""
    from docintel.pipeline.errors import input_error
    from docintel.pipeline.types import PageResult

    def guarded(page: int) -> PageRead:
        try:
            return read(page)
        except Exception as exc:
            reason = input_error(exc, f"the picture on page {page}")
            if kind == "image" or reason is None:
                raise
            return PageRead(PageResult(page, "failed", error=reason))

    return guarded


def keep_form_fields(reads: list[PageRead], widgets: dict[int, dict[str, str]]) -> None:
    """A page read off its image keeps the form widgets route read from the file: their
    values win over what the image seemed to say, and stand in its text."""
    for read in reads:
        found = widgets.get(read.page.page)
        if not found:
            continue
        read.page.fields = {**(read.page.fields or {}), **found}
        text = read.page.markdown or ""
        missing = [f"{k}: {v}" for k, v in found.items() if str(v) not in text]
        if missing:
            read.page.markdown = (text + "\n\n" + "\n".join(missing)).strip()
        if read.page.kind in (None, "blank", "text"):
            read.page.kind = "form"


def unreadable_warnings(reads: list[PageRead]) -> list[str]:
    """One warning per page that could not be read, or read only in part, for the
    document."""
    return [
        f"page {r.page.page} could not be read: {r.page.error}"
        if r.page.status == "failed"
        else f"page {r.page.page} was read in part: {r.page.error}"
        for r in reads
        if r.page.error
    ]


def _in_parallel(read: Callable[[int], PageRead], pages: list[int]) -> list[PageRead]:
    """Pages of a batch side by side, one thread each up to the cores: the OCR itself runs
    in a single-threaded Tesseract process per page, so the threads do not fight for the
    interpreter."""
    workers = min(len(pages), os.cpu_count() or 1)
    if workers <= 1:
        return [read(p) for p in pages]
    import_first(*PAGE_READER)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="docintel-page") as pool:
        return list(pool.map(read, pages))
