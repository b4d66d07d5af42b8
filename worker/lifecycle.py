"""Worker process hooks: what the pool's processes would each import on their first document
is imported once before they are forked, each opens its own database connection as it
starts (and its own metrics port, where one is set), and the tasks a killed worker left
unacknowledged are put back as soon as a new worker starts."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from celery.signals import worker_init, worker_process_init, worker_ready

from docintel.config import redact_text
from docintel.store.db import dispose_engines, get_engine
from docintel.worker.metrics import serve_worker_metrics
from docintel.worker.queues import QUEUES
from docintel.worker.recovery import restore_orphaned_unacked
from docintel.worker.runtime import current

log = logging.getLogger("docintel.worker")
STARTED_AT = time.time()


@worker_init.connect
def _import_before_fork(**_: Any) -> None:
    # Without this, each process paid ~0.3 s on its first document (PyMuPDF, the database
    # driver, the mappers) while the first documents of a batch waited. Nothing is opened.
    from sqlalchemy.orm import configure_mappers

    from docintel.pipeline.mupdf import pymupdf

    pymupdf()
    get_engine(current().settings.db_url)
    configure_mappers()


@worker_process_init.connect
def _fresh_connections(**_: Any) -> None:
    # Pooled connections must not be shared between the parent and its forked children.
    dispose_engines()
    from billiard.process import current_process

    settings = current().settings
    serve_worker_metrics(settings, getattr(current_process(), "index", 0) or 0)
    try:  # the first document need not wait for a connection
        with get_engine(settings.db_url).connect():
            pass
    except Exception as exc:  # the tasks retry, and say why, when the database is down
        log.warning("could not reach the database yet: %s", redact_text(str(exc))[:300])


@worker_ready.connect
def _restore_orphans(sender: Any = None, **_: Any) -> None:
    app = sender.app if sender is not None else None
    if app is None or app.conf.task_always_eager:
        return

    def sweep() -> None:
        time.sleep(1.0)  # let this worker's control consumer answer the inspect broadcast
        try:
            restore_orphaned_unacked(app, QUEUES, before=STARTED_AT)
        except Exception:
            log.exception("could not sweep for tasks left by dead workers")

    threading.Thread(target=sweep, name="docintel-orphan-sweep", daemon=True).start()
