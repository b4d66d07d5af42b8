"""One file through the embedded pipeline: what `docintel process`, the tests and the
benchmarks all call."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from docintel.config import Settings
from docintel.models.runtime import Engine

if TYPE_CHECKING:
    from docintel.worker.local import LocalQueues


def process_file(path: Path, settings: Settings, engine: Engine | None = None) -> dict[str, Any]:
    """Ingest ``path`` (copied, not moved), run its workflow in this process with
    ``engine`` (default: the one the settings choose), and return the one result format. A
    file already known answers with the original's result."""
    from docintel.store.db import session_scope
    from docintel.store.queries import document_result
    from docintel.store.schema import Document
    from docintel.watcher.ingest import ingest
    from docintel.worker.local import run_document

    taken = ingest(path, settings)
    if taken.status == "queued":  # in this thread, with no Celery app (worker.steps)
        run_document(taken.sha256, settings, engine)
    with session_scope(settings.db_url) as s:
        doc = s.get(Document, taken.document_id)
        assert doc is not None
        return document_result(s, doc)


def local_queues(settings: Settings, engine: Engine | None = None) -> LocalQueues:
    """The started local queues of `docintel up` (``worker.local``): files worked side by
    side up to the cores, and the retrieval index brought up to date behind them, so that
    search follows each file up without a file waiting for it."""
    from docintel.worker.indexing import index_pending
    from docintel.worker.local import HEAVY, LocalQueues

    def index() -> None:
        index_pending(settings)

    def ended(_sha256: str, _failed: bool) -> None:
        queues.send_last(index, HEAVY)

    queues = LocalQueues(settings, engine, on_document=ended)
    return queues.start()
