"""Worker process hooks: fresh database connections after fork (and the process's own
metrics port, where one is set), and putting back the tasks a killed worker left
unacknowledged as soon as a new worker starts."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from celery.signals import worker_process_init, worker_ready

from docintel.store.db import dispose_engines
from docintel.worker.app import QUEUES
from docintel.worker.metrics import serve_worker_metrics
from docintel.worker.recovery import restore_orphaned_unacked
from docintel.worker.runtime import current

log = logging.getLogger("docintel.worker")
STARTED_AT = time.time()


@worker_process_init.connect
def _fresh_connections(**_: Any) -> None:
    # Pooled connections must not be shared between the parent and its forked children.
    dispose_engines()
    from billiard.process import current_process

    serve_worker_metrics(current().settings, getattr(current_process(), "index", 0) or 0)


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
