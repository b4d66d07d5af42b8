"""Shared test helpers: cell F1 and running documents through the embedded pipeline."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from docintel.settings import Settings


def cell_f1(expected: list[list[str]], found: list[list[str]]) -> float:
    """F1 over (row, column, text) cells: a cell counts only if whole and in place."""
    want = Counter(
        (r, c, " ".join(v.split()))
        for r, row in enumerate(expected)
        for c, v in enumerate(row)
        if v.strip()
    )
    got = Counter(
        (r, c, " ".join(v.split()))
        for r, row in enumerate(found)
        for c, v in enumerate(row)
        if v.strip()
    )
    hits = sum((want & got).values())
    if not hits:
        return 0.0
    precision, recall = hits / sum(got.values()), hits / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def process(path: Path, settings: Settings) -> dict[str, Any]:
    """Ingest and run the workflow in-process; return the one result format."""
    from store.db import session_scope
    from store.queries import document_result
    from store.schema import Document
    from watcher.ingest import ingest
    from worker.app import enqueue

    taken = ingest(path, settings, move=False)
    if taken.status == "queued":
        enqueue(taken.sha256)
    with session_scope(settings.db_url) as s:
        doc = s.get(Document, taken.document_id)
        assert doc is not None
        return document_result(s, doc)
