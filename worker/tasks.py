"""The per-document tasks. Each is small: it loads the document by sha256, does one step,
writes idempotently, and hands on. The canvas is built in ``worker.workflow``."""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from celery import Task
from celery.exceptions import Retry, SoftTimeLimitExceeded
from sqlalchemy import select

from docintel.settings import get_settings
from store.db import session_scope
from store.records import (
    add_warnings,
    audit,
    begin_step,
    document_by_sha,
    finish_step,
    save_pages,
    save_segments,
    save_tables,
    set_status,
)
from store.schema import AudioSegment, Document, Page, Status, utcnow
from worker import merge as merge_step
from worker import workflow
from worker.agent_step import run_agent_step
from worker.app import app
from worker.asr import transcribe
from worker.errors import DocumentError
from worker.pages import read_pages
from worker.route import route_file

log = logging.getLogger("docintel.worker")

# A step body works inside one unit of work and may return what to send next; that is
# sent after the commit, so the next task never reads rows that are not there yet.
StepFn = Callable[[Any, Document], Callable[[], None] | None]


def run_step(task: Task, sha256: str, step: str, body: StepFn) -> None:
    """The guard every task runs in: skip finished documents, count attempts, turn errors
    into a failed document with a reason, and never let one document take the worker down."""
    settings = get_settings()
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
            return
        if doc.status != Status.processing.value:
            set_status(s, doc.id, Status.processing, started_at=doc.started_at or utcnow())
        doc_id = doc.id
    started = time.perf_counter()
    try:
        with session_scope(url) as s:
            doc = s.get(Document, doc_id)
            assert doc is not None
            then = body(s, doc)
            finish_step(s, doc_id, step)
        if then is not None:
            then()
    except DocumentError as exc:
        _fail(url, sha256, doc_id, step, str(exc))
    except SoftTimeLimitExceeded:
        _fail(
            url,
            sha256,
            doc_id,
            step,
            f"step '{step}' ran past its time limit; the file may be unusually large. "
            "Split it, or raise the limit, then `docintel retry`.",
        )
    except Retry:
        raise
    except Exception as exc:
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
        _fail(
            url,
            sha256,
            doc_id,
            step,
            f"step '{step}' failed {attempts} times: {detail}. This looks like a bug or an "
            "unusual file; the original is kept in the archive.",
        )
    else:
        log.info("%s %s done in %.0f ms", step, sha256[:12], (time.perf_counter() - started) * 1e3)


def _fail(url: str, sha256: str, doc_id: int, step: str, reason: str) -> None:
    with session_scope(url) as s:
        set_status(s, doc_id, Status.failed, reason)
        audit(s, run=sha256, document_id=doc_id, step=step, seq=99, status="error", content=reason)


@app.task(name="docintel.route", bind=True, max_retries=None)
def route(self: Task, sha256: str) -> None:
    def body(s: Any, doc: Document) -> Callable[[], None]:
        started = time.perf_counter()
        routed = route_file(Path(doc.archive_path or ""), get_settings())
        doc.kind, doc.media_type = routed.kind, routed.media_type
        doc.page_count = routed.page_count
        doc.duration_s = routed.duration_s
        add_warnings(s, doc, routed.warnings)
        save_pages(s, doc.id, routed.pages)
        save_tables(s, doc.id, routed.tables)
        save_segments(s, doc.id, routed.segments)
        audit(
            s,
            run=sha256,
            document_id=doc.id,
            step="route",
            content=routed.decision,
            duration_ms=(time.perf_counter() - started) * 1000,
            engine="pymupdf" if routed.kind == "pdf" else None,
            status="warning" if routed.warnings else "ok",
        )
        # If the worker dies between the commit and the send, the route task is re-delivered
        # (acks_late) and sends again; the next steps write idempotently.
        return lambda: workflow.dispatch_rest(sha256, routed.model_pages, routed.audio_windows)

    run_step(self, sha256, "route", body)


# Chord members keep their (empty) results: the chord counts them in the result backend.
@app.task(name="docintel.page", bind=True, max_retries=None, ignore_result=False)
def page(self: Task, sha256: str, pages: list[int]) -> None:
    def body(s: Any, doc: Document) -> None:
        outputs = read_pages(Path(doc.archive_path or ""), doc.kind or "", pages, get_settings())
        why = dict(
            s.execute(
                select(Page.page, Page.decision).where(
                    Page.document_id == doc.id, Page.page.in_(pages)
                )
            ).all()
        )
        for out in outputs:
            # Keep route's reason for sending the page here in front of what the page step did.
            reason = why.get(out.row["page"])
            if reason and not out.row["decision"].startswith(reason):
                out.row["decision"] = f"{reason}; {out.row['decision']}"
            for event in out.audits:
                audit(s, run=sha256, document_id=doc.id, **event)
            save_tables(s, doc.id, out.tables)
        save_pages(s, doc.id, [out.row for out in outputs])
        failed = [out.row["page"] for out in outputs if out.row["status"] == "failed"]
        if failed:
            add_warnings(
                s,
                doc,
                [
                    f"page {p} could not be read: "
                    + next(o.row["error"] for o in outputs if o.row["page"] == p)
                    for p in failed
                ],
            )

    run_step(self, sha256, f"page:{pages[0]}-{pages[-1]}", body)


@app.task(name="docintel.audio", bind=True, max_retries=None, ignore_result=False)
def audio(self: Task, sha256: str, windows: list[int]) -> None:
    def body(s: Any, doc: Document) -> None:
        spans = s.execute(
            select(AudioSegment.window, AudioSegment.start_s, AudioSegment.end_s)
            .where(AudioSegment.document_id == doc.id, AudioSegment.window.in_(windows))
            .order_by(AudioSegment.window)
        ).all()
        rows = transcribe(Path(doc.archive_path or ""), [tuple(r) for r in spans], get_settings())
        bounds = {w: (a, b) for w, a, b in spans}
        for row in rows:
            result = row.pop("_result", None)  # a model's Result; whisper rows carry none
            a, b = bounds[row["window"]]
            row.update(start_s=a, end_s=b, skipped=False)
            audit(
                s,
                run=sha256,
                document_id=doc.id,
                step=f"audio:{row['window']}",
                role="assistant" if result else "pipeline",
                content=(row["timings"]["raw_text"] or "")[:4000],
                **(
                    result.audit()
                    if result
                    else {
                        "engine": row["engine"],
                        "model": row["model"],
                        "precision": row["precision"],
                        "duration_ms": row["timings"]["generate_ms"],
                    }
                ),
            )
        save_segments(s, doc.id, rows)

    run_step(self, sha256, f"audio:{windows[0]}-{windows[-1]}", body)


@app.task(name="docintel.merge", bind=True, max_retries=None)
def merge(self: Task, sha256: str) -> None:
    run_step(self, sha256, "merge", merge_step.merge_document)


@app.task(name="docintel.agent", bind=True, max_retries=None)
def agent(self: Task, sha256: str) -> None:
    run_step(self, sha256, "agent", lambda s, doc: run_agent_step(s, doc))


@app.task(name="docintel.finalize", bind=True, max_retries=None)
def finalize(self: Task, sha256: str) -> None:
    run_step(self, sha256, "finalize", merge_step.finalize_document)


import worker.lifecycle  # noqa: E402,F401  (process hooks)
