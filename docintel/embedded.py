"""One file through the embedded pipeline: what `docintel process`, the tests and the
benchmarks all call."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docintel.config import Settings
from docintel.models.runtime import Engine


def process_file(path: Path, settings: Settings, engine: Engine | None = None) -> dict[str, Any]:
    """Ingest ``path`` (copied, not moved), run its workflow in this process with
    ``engine`` (default: the one the settings choose), and return the one result format. A
    file already known answers with the original's result."""
    from docintel.store.db import session_scope
    from docintel.store.queries import document_result
    from docintel.store.schema import Document
    from docintel.watcher.ingest import ingest
    from docintel.worker.app import enqueue

    taken = ingest(path, settings)
    if taken.status == "queued":
        enqueue(taken.sha256, settings, engine)
    with session_scope(settings.db_url) as s:
        doc = s.get(Document, taken.document_id)
        assert doc is not None
        return document_result(s, doc)
