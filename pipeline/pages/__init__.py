"""The page step: pages without a usable text layer (scans, page images), read by a model
in two passes (``model``) or by the CPU engine (``cpu``, Tesseract)."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from docintel.config import Settings
from docintel.models.runtime import Engine, uses_model
from docintel.pipeline.types import PageRead


def read_pages(
    path: Path,
    kind: str,
    pages: list[int],
    settings: Settings,
    engine: Engine,
    reasons: dict[int, str | None] | None = None,
) -> list[PageRead]:
    """Read ``pages`` (1-based) of the file with ``engine``. ``reasons`` are route's words for
    why each page needed reading; they stay in front of what this step decided."""
    if uses_model(engine):
        from docintel.pipeline.pages.model import read_pages_with_model

        reads = read_pages_with_model(path, kind, pages, settings, engine)
    else:
        from docintel.pipeline.pages.cpu import read_page_cpu

        reads = _in_parallel(lambda p: read_page_cpu(path, kind, p, settings), pages)
    for read in reads:
        why = (reasons or {}).get(read.page.page)
        decision = read.page.decision or ""
        if why and not decision.startswith(why):
            read.page.decision = f"{why}; {decision}"
    return reads


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
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="docintel-page") as pool:
        return list(pool.map(read, pages))
