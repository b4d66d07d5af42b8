"""The guard every task runs in (``run_step``): skip finished documents, count attempts,
turn errors into a failed document with a reason a person can act on, and never let one
document take the worker down. A step that fails its document ends its task in Celery's
FAILURE state (``DocumentFailed``, the reason as its message): Flower's Failed tab and
counters show exactly the failed documents; retries show as retries."""

from __future__ import annotations

import logging
import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.orm import Session

from docintel.config import Settings
from docintel.pipeline.errors import DocumentError, DocumentFailed, input_error
from docintel.store.db import session_scope
from docintel.store.records import audit, begin_step, document_by_sha, finish_step, set_status
from docintel.store.schema import Document, Status, utcnow
from docintel.worker.metrics import count_failure, engine_label, observe_step
from docintel.worker.runtime import Runtime, current
from docintel.worker.steps import (
    StepTask,
    StepTimeLimit,
    in_process,
    retry_errors,
    time_limit_errors,
)
from docintel.worker.webhooks import notify

log = logging.getLogger("docintel.worker")
# In a step's session info: True when the document was never started before this step.
FIRST_RUN = "docintel.first_run"

# A step body works inside one unit of work and may return what to send next; that is
# sent after the commit, so the next task never reads rows that are not there yet.
StepFn = Callable[[Session, Document, Runtime], Callable[[], None] | None]


def run_step(task: StepTask, sha256: str, step: str, body: StepFn) -> None:
    """The guard every task runs in: skip finished documents, count attempts, turn errors
    into a failed document with a reason, and never let one document take the worker down."""
    runtime = current()
    settings = runtime.settings
    url = settings.db_url
    with session_scope(url) as s:
        doc = document_by_sha(s, sha256)
        if doc is None:
            log.warning("%s: no document %s in the database; dropping the task", step, sha256)
            return
        if doc.status in (Status.failed.value, Status.done.value):
            return  # a re-delivered task for a finished document: nothing left to do
        attempts = begin_step(s, doc.id, step)
        if step == "route":
            doc.attempts = attempts
        if attempts > settings.max_attempts:
            reason = (
                f"gave up: step '{step}' started {attempts - 1} times without finishing (the "
                "worker was killed or ran out of time or memory each time). The original is "
                "in the archive; `docintel retry` tries again."
            )
            set_status(s, doc.id, Status.failed, reason)
            audit(
                s, run=sha256, document_id=doc.id, step=step, seq=99, status="error", content=reason
            )
            gave_up = doc.id
        else:
            gave_up = None
            # Never started before: nothing of an earlier run to replace (the body may skip
            # its deletes). A retry by hand or a re-delivery finds started_at set.
            first_run = doc.started_at is None
            if doc.status != Status.processing.value:
                # set on the loaded row: one UPDATE with the attempt count at commit
                doc.status, doc.updated_at = Status.processing.value, utcnow()
                doc.started_at = doc.started_at or doc.updated_at
            doc_id = doc.id
            claimed = doc
            # Messages name the user's file, not its content-addressed archive copy.
            names = (Path(doc.archive_path or "").name, doc.name)
    if gave_up is not None:
        notify(task.app, settings, gave_up, sha256)
        raise DocumentFailed(reason)
    started = time.perf_counter()
    try:
        with session_scope(url) as s:
            # the row just claimed, taken as it is: no second SELECT
            doc = s.merge(claimed, load=False)
            s.info[FIRST_RUN] = first_run
            # The body's changes to the document row go in one UPDATE at commit.
            with s.no_autoflush, embedded_time_limit(task, settings):
                then = body(s, doc, runtime)
            if doc.status != Status.done.value:  # a done document's finished_at says it
                finish_step(s, doc_id, step)
        if then is not None:
            then()
    except DocumentError as exc:
        archived, name = names
        message = str(exc).replace(archived, name) if archived else str(exc)
        _fail(task, sha256, doc_id, step, message)
        raise DocumentFailed(message) from None
    except time_limit_errors():
        message = (
            f"step '{step}' ran past its time limit; the file may be unusually large. "
            "Split it, or raise the limit, then `docintel retry`."
        )
        _fail(task, sha256, doc_id, step, message)
        raise DocumentFailed(message) from None
    except (DocumentFailed, *retry_errors()):
        raise
    except Exception as exc:
        bad_file = input_error(exc, names[1])
        if bad_file is not None:  # the file, not us: it would fail the same way again
            _fail(task, sha256, doc_id, step, bad_file)
            raise DocumentFailed(bad_file) from None
        detail = f"{type(exc).__name__}: {exc}"
        log.exception("%s failed for %s", step, sha256)
        with session_scope(url) as s:
            audit(
                s,
                run=sha256,
                document_id=doc_id,
                step=step,
                seq=98,
                status="retry",
                content=detail,
                tool_result=traceback.format_exc()[-4000:],
            )
        if attempts < settings.max_attempts:
            raise task.retry(exc=exc, countdown=min(2**attempts, 60)) from exc
        message = (
            f"step '{step}' failed {attempts} times: {detail}. This looks like a bug or an "
            "unusual file; the original is kept in the archive."
        )
        _fail(task, sha256, doc_id, step, message)
        raise DocumentFailed(message) from None
    else:
        took = time.perf_counter() - started
        observe_step(step, engine_label(runtime), took)
        log.info("%s %s done in %.0f ms", step, sha256[:12], took * 1e3)


def _fail(task: StepTask, sha256: str, doc_id: int, step: str, reason: str) -> None:
    settings = current().settings
    with session_scope(settings.db_url) as s:
        set_status(s, doc_id, Status.failed, reason)
        audit(s, run=sha256, document_id=doc_id, step=step, seq=99, status="error", content=reason)
    count_failure(step)
    notify(task.app, settings, doc_id, sha256)


@contextmanager
def embedded_time_limit(task: StepTask, settings: Settings) -> Iterator[None]:
    """In-process runs have no worker to enforce time limits: the soft one is set here, as
    an alarm in the main thread that raises what a worker's limit raises, or, in a thread of
    the local queues (`docintel up`), as an exception raised in that thread. Other threads
    (a notebook's) run without one."""
    if not in_process(task.app):
        yield
        return
    from docintel.worker.local import running_here, thread_time_limit
    from docintel.worker.queues import TASKS, time_limits

    if task.name not in TASKS:
        yield
        return
    soft, _ = time_limits(task.name, settings)
    if threading.current_thread() is not threading.main_thread():
        if running_here() is None:
            yield
            return
        with thread_time_limit(soft):
            yield
        return

    def expired(_signum: int, _frame: object) -> None:
        raise StepTimeLimit()

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, soft)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
