"""Handing documents to the pipeline from a request without making the request wait.

Distributed, a send to Redis is all there is. Embedded, the work runs in this process: in
``docintel up`` on its local queues (``worker.local``), beside the inbox's files and with
their priorities; in ``serve`` without a broker on one worker thread, in order. Either way
an upload answers at once and its events tell the rest."""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

from docintel.config import Settings
from docintel.models.runtime import Engine
from docintel.store.db import session_scope
from docintel.store.records import requeue
from docintel.store.schema import Document
from docintel.worker.app import enqueue
from docintel.worker.indexing import index_pending

if TYPE_CHECKING:
    from docintel.worker.local import LocalQueues

log = logging.getLogger("docintel.api")


class Work:
    def __init__(
        self, settings: Settings, engine: Engine | None = None, queues: LocalQueues | None = None
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.queues = queues
        self._pool = (
            None
            if settings.distributed or queues is not None
            else ThreadPoolExecutor(max_workers=1, thread_name_prefix="docintel-work")
        )

    def send(self, sha256: str) -> Future[None] | None:
        if self.queues is not None:
            self.queues.send_document(sha256)
            return None
        if self._pool is None:
            enqueue(sha256, self.settings)
            return None
        return self._pool.submit(self._run, sha256)

    def _run(self, sha256: str) -> None:
        try:
            enqueue(sha256, self.settings, self.engine)
            index_pending(self.settings)  # search follows each document up
        except Exception:  # the guard records a document's failure; this is a bug
            log.exception("in-process work on %s", sha256[:12])

    def retry(self, doc_id: int) -> str:
        """Send a document through the workflow again; its sha256."""
        with session_scope(self.settings.db_url) as s:
            doc = s.get(Document, doc_id)
            assert doc is not None
            requeue(s, doc.id)
            sha = doc.sha256
        self.send(sha)
        return sha

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
