"""One file through the embedded pipeline: what `docintel process`, the tests and the
benchmarks all call."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docintel.settings import Settings


def process_file(path: Path, settings: Settings) -> dict[str, Any]:
    """Ingest ``path`` (copied, not moved), run its workflow in this process, and return the
    one result format. A file already known answers with the original's result."""
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
