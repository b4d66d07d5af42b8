"""Idempotent writes for the pipeline steps, keyed by document (+ page / window / step)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import delete, event, func, select, update
from sqlalchemy.orm import Session

from docintel.store.db import insert_stmt, upsert
from docintel.store.events import note
from docintel.store.schema import (
    AudioSegment,
    AuditEvent,
    DocTable,
    Document,
    Entity,
    Extraction,
    Page,
    ProfileField,
    Relationship,
    Status,
    StepRun,
    utcnow,
)


def document_by_sha(session: Session, sha256: str) -> Document | None:
    return session.scalar(
        select(Document).where(Document.sha256 == sha256, Document.status != Status.duplicate.value)
    )


def set_status(
    session: Session, doc_id: int, status: Status, error: str | None = None, **extra: Any
) -> None:
    values: dict[str, Any] = {"status": status.value, "updated_at": utcnow(), **extra}
    if status is Status.failed:
        values["error"] = error
        values["finished_at"] = utcnow()
    elif status is Status.done:
        values["finished_at"] = utcnow()
    session.execute(update(Document).where(Document.id == doc_id).values(**values))
    note(session, doc_id, status.value, values["updated_at"])


def queue_received(session: Session, doc_id: int, **extra: Any) -> bool:
    """Move a ``received`` document on to ``queued``; False where another process already
    did (two takes of the same bytes at once): only the one that moved it sends it."""
    now = utcnow()
    moved = session.execute(
        update(Document)
        .where(Document.id == doc_id, Document.status == Status.received.value)
        .values(status=Status.queued.value, updated_at=now, **extra)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        return False
    note(session, doc_id, Status.queued.value, now)
    return True


def add_warnings(session: Session, doc: Document, warnings: Iterable[str]) -> None:
    merged = list(doc.warnings or [])
    merged += [w for w in warnings if w not in merged]
    doc.warnings = merged


def begin_step(session: Session, doc_id: int, step: str) -> int:
    """Count a start of ``step`` in one statement; returns how many times it has started,
    this one included."""
    now = utcnow()
    stmt = (
        insert_stmt(session, StepRun)
        .values(document_id=doc_id, step=step, attempts=1, started_at=now)
        .on_conflict_do_update(
            index_elements=["document_id", "step"],
            set_={"attempts": StepRun.attempts + 1, "started_at": now, "finished_at": None},
        )
        .returning(StepRun.attempts)
    )
    return int(session.execute(stmt).scalar_one())


def finish_step(session: Session, doc_id: int, step: str) -> None:
    session.execute(
        update(StepRun)
        .where(StepRun.document_id == doc_id, StepRun.step == step)
        .values(finished_at=utcnow())
    )


def reset_steps(session: Session, doc_id: int) -> None:
    """A retry by hand starts the step counters again."""
    session.execute(delete(StepRun).where(StepRun.document_id == doc_id))


def requeue(session: Session, doc_id: int) -> None:
    """A document owed the whole workflow again: its steps forgotten, its error cleared,
    and the audit trail of the attempt that ends here kept apart (``set_attempt_aside``)."""
    doc = session.get(Document, doc_id)
    if doc is not None:
        set_attempt_aside(session, doc.sha256)
    reset_steps(session, doc_id)
    set_status(session, doc_id, Status.queued, error=None)


ATTEMPT_MARK = "#"  # an earlier attempt's audit run: "<sha256>#<attempt>"


def set_attempt_aside(session: Session, run: str) -> int:
    """Move the run's audit events to ``<run>#<n>``, n the attempt they belong to, and
    return n. A re-run step overwrites its own events (the key is run, step, seq), which is
    right within one attempt (Celery's retries of a step) and wrong across a retry by hand:
    the new attempt's route event would overwrite the first one's, and the first one's error
    would stay on top of the new attempt's trail."""
    earlier = session.scalar(
        select(func.count(func.distinct(AuditEvent.run))).where(
            AuditEvent.run.like(f"{run}{ATTEMPT_MARK}%")
        )
    )
    attempt = int(earlier or 0) + 1
    session.execute(
        update(AuditEvent)
        .where(AuditEvent.run == run)
        .values(run=f"{run}{ATTEMPT_MARK}{attempt}")
        .execution_options(synchronize_session=False)
    )
    return attempt


def prompt_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def audit(
    session: Session,
    *,
    run: str,
    step: str,
    seq: int = 0,
    document_id: int | None = None,
    role: str = "pipeline",
    **fields: Any,
) -> None:
    """One audit event, keyed by (run, step, seq): a re-run step overwrites its events.
    Events are written together, in one statement, when the unit of work commits (a step
    records several, and each statement is a round trip); a rolled-back step leaves none."""
    row = {
        "run": run,
        "document_id": document_id,
        "step": step,
        "seq": seq,
        "role": role,
        "status": fields.pop("status", "ok"),
        "created_at": utcnow(),
        **fields,
    }
    session.info.setdefault(_PENDING_AUDIT, {})[(run, step, seq)] = row


_PENDING_AUDIT = "docintel.pending_audit"


@event.listens_for(Session, "before_commit")
def _write_pending_audit(session: Session) -> None:
    pending = session.info.pop(_PENDING_AUDIT, None)
    if not pending:
        return
    # One statement needs one set of columns: what an event leaves out is NULL, as a
    # re-run step's event overwrites the earlier one whole.
    rows = [{**_AUDIT_BLANK, **row} for row in pending.values()]
    upsert(session, AuditEvent, rows, keys=["run", "step", "seq"])


_AUDIT_BLANK: dict[str, Any] = {
    **{
        c: None
        for c in (
            "content",
            "thinking",
            "tool_name",
            "tool_result",
            "prompt_tokens",
            "output_tokens",
            "duration_ms",
            "engine",
            "model",
            "precision",
            "prompt_hash",
            "tool_args",
        )
    },
}


@event.listens_for(Session, "after_rollback")
def _drop_pending_audit(session: Session) -> None:
    session.info.pop(_PENDING_AUDIT, None)


def save_pages(session: Session, doc_id: int, pages: list[dict[str, Any]]) -> None:
    upsert(session, Page, [{"document_id": doc_id, **p} for p in pages], ["document_id", "page"])


def save_tables(session: Session, doc_id: int, tables: list[dict[str, Any]]) -> None:
    upsert(
        session,
        DocTable,
        [{"document_id": doc_id, **t} for t in tables],
        ["document_id", "page", "index"],
    )


def save_segments(session: Session, doc_id: int, segments: list[dict[str, Any]]) -> None:
    upsert(
        session,
        AudioSegment,
        [{"document_id": doc_id, **s} for s in segments],
        ["document_id", "window"],
    )


def save_extraction(
    session: Session,
    doc_id: int,
    extraction: dict[str, Any],
    entities: list[dict[str, Any]] = (),  # type: ignore[assignment]
    relationships: list[dict[str, Any]] = (),  # type: ignore[assignment]
    *,
    replace: bool = True,
) -> None:
    """Replace the document's extraction whole: a re-run agent step may find other entities.
    ``replace=False`` when the document has none yet (the DELETEs would find nothing)."""
    upsert(session, Extraction, {"document_id": doc_id, **extraction}, ["document_id"])
    if replace:
        session.execute(delete(Entity).where(Entity.document_id == doc_id))
        session.execute(delete(Relationship).where(Relationship.document_id == doc_id))
    upsert(
        session,
        Entity,
        [{"document_id": doc_id, **e} for e in entities],
        ["document_id", "type", "name"],
    )
    upsert(
        session,
        Relationship,
        [{"document_id": doc_id, **r} for r in relationships],
        ["document_id", "source", "target", "type"],
    )


def save_fields(
    session: Session,
    doc_id: int,
    profile: str,
    profile_hash: str,
    fields: list[dict[str, Any]],
    *,
    replace: bool = True,
) -> None:
    """Replace the document's profile fields whole (a re-extraction may find others); a
    person's corrections are kept where the same field is found again."""
    corrected: dict[tuple[str, int, str], tuple[Any, Any]] = {}
    if replace:
        rows = session.execute(
            select(
                ProfileField.field,
                ProfileField.row,
                ProfileField.column,
                ProfileField.corrected,
                ProfileField.corrected_at,
            ).where(ProfileField.document_id == doc_id, ProfileField.corrected.is_not(None))
        )
        corrected = {(f, r, c): (v, at) for f, r, c, v, at in rows}
        session.execute(delete(ProfileField).where(ProfileField.document_id == doc_id))
    rows = []
    for f in fields:
        key = (f["field"], f["row"], f["column"])
        value, at = corrected.pop(key, (None, None))
        rows.append(
            {
                **f,
                "day": date.fromisoformat(f["day"]) if f.get("day") else None,
                "document_id": doc_id,
                "profile": profile,
                "profile_hash": profile_hash,
                "corrected": value,
                "corrected_at": at,
            }
        )
    for (name, row, column), (value, at) in corrected.items():  # corrected, not found now
        rows.append(
            {
                "document_id": doc_id,
                "profile": profile,
                "profile_hash": profile_hash,
                "field": name,
                "row": row,
                "column": column,
                "value": None,
                "valid": True,
                "corrected": value,
                "corrected_at": at,
            }
        )
    if rows:
        upsert(session, ProfileField, rows, ["document_id", "field", "row", "column"])


INBOX_RUN = "inbox"  # the audit run of what the inbox refused


def record_refusal(session: Session, path: str, reason: str) -> None:
    """A file the inbox would not take, kept where ``docintel status`` shows it; the same
    file refused again overwrites its line."""
    key = hashlib.sha1(path.encode("utf-8", "replace")).hexdigest()[:16]
    audit(session, run=INBOX_RUN, step=f"refused:{key}", status="warning", content=reason)


def clear_refusal(session: Session, path: str) -> None:
    key = hashlib.sha1(path.encode("utf-8", "replace")).hexdigest()[:16]
    session.execute(
        delete(AuditEvent).where(AuditEvent.run == INBOX_RUN, AuditEvent.step == f"refused:{key}")
    )
