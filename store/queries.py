"""Reads: listings, counts, and the one result format (``process --json``/``show --json``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Unpack

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from docintel.store.doc_filters import DocumentFilters, filtered
from docintel.store.mail import tags_of
from docintel.store.organise import tags_by_document
from docintel.store.profiles import profile_result
from docintel.store.records import ATTEMPT_MARK
from docintel.store.schema import (
    AudioSegment,
    AuditEvent,
    DocTable,
    Document,
    Entity,
    Extraction,
    Page,
    Relationship,
)


def find_document(session: Session, ref: str) -> Document | None:
    """A document by id, sha256 (or a prefix of at least 6 hex digits) or exact name."""
    if ref.isdigit():
        doc = session.get(Document, int(ref))
        if doc:
            return doc
    if len(ref) >= 6:
        doc = session.scalar(
            select(Document)
            .where(Document.sha256.startswith(ref.lower(), autoescape=True))
            .order_by(Document.id)
        )
        if doc:
            return doc
    return session.scalar(select(Document).where(Document.name == ref).order_by(Document.id))


def status_counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(Document.status, func.count()).group_by(Document.status))
    return {status: count for status, count in rows}


def list_documents(
    session: Session, *, limit: int = 100, **filters: Unpack[DocumentFilters]
) -> list[dict[str, Any]]:
    """Summaries, newest first, of the documents ``filters`` let through (``doc_filters``).
    Rows, not ORM objects: a listing of 50 spent more time building objects than the
    database spent finding them (bench/api.py). Each summary names its parent
    (``parent_name``)."""
    query = select(*SUMMARY_COLUMNS).order_by(Document.id.desc()).limit(limit)
    docs = [_summary(row) for row in session.execute(filtered(query, filters))]
    tagged = tags_by_document(session, [d["id"] for d in docs])
    named = parent_names(session, {d["parent_id"] for d in docs if d["parent_id"]})
    for d in docs:
        d["tags"] = tagged[d["id"]]
        d["parent_name"] = named.get(d["parent_id"])
    return docs


def count_documents(session: Session, *, cap: int, **filters: Unpack[DocumentFilters]) -> int:
    """How many documents ``filters`` let through, counted up to ``cap`` + 1 (more than
    ``cap``: the caller says "cap+"), in one statement however many there are."""
    ids = filtered(select(Document.id), filters).limit(cap + 1).subquery()
    return int(session.scalar(select(func.count()).select_from(ids)) or 0)


def parent_names(session: Session, ids: set[int]) -> dict[int, str]:
    """The names of these documents (the parents of a listing's attachments and members)."""
    if not ids:
        return {}
    rows = session.execute(select(Document.id, Document.name).where(Document.id.in_(ids)))
    return {doc_id: name for doc_id, name in rows}


def child_counts(session: Session, parents: list[int], trashed: bool) -> dict[int, int]:
    """How many children (attachments, members) each of these documents has, in the trash
    or out of it as ``trashed`` says; a document with none is left out."""
    if not parents:
        return {}
    gone = Document.deleted_at.is_not(None)
    rows = session.execute(
        select(Document.parent_id, func.count())
        .where(Document.parent_id.in_(parents), gone if trashed else ~gone)
        .group_by(Document.parent_id)
    )
    return {parent: count for parent, count in rows}


# The columns of a summary, in its order; ``duplicate_of`` is the one renamed.
SUMMARY_COLUMNS = (
    Document.id,
    Document.sha256,
    Document.name,
    Document.media_type,
    Document.kind,
    Document.size,
    Document.status,
    Document.error,
    Document.warnings,
    Document.attempts,
    Document.duplicate_of_id,
    Document.page_count,
    Document.duration_s,
    Document.archive_path,
    Document.created_at,
    Document.finished_at,
    Document.doc_type,
    Document.parent_id,
    Document.member,
    Document.correspondent,
    Document.correspondent_id,
    Document.meta,
    Document.deleted_at,
)


def _summary(doc: Any) -> dict[str, Any]:
    """A document's summary, from its ORM object or a row of SUMMARY_COLUMNS."""
    return {
        "id": doc.id,
        "sha256": doc.sha256,
        "name": doc.name,
        "media_type": doc.media_type,
        "kind": doc.kind,
        "size": doc.size,
        "status": doc.status,
        "error": doc.error,
        "warnings": list(doc.warnings or []),
        "attempts": doc.attempts,
        "duplicate_of": doc.duplicate_of_id,
        "page_count": doc.page_count,
        "duration_s": doc.duration_s,
        "archive_path": doc.archive_path,
        "created_at": _iso(doc.created_at),
        "finished_at": _iso(doc.finished_at),
        "doc_type": doc.doc_type,
        "parent_id": doc.parent_id,
        "member": doc.member,
        "correspondent": doc.correspondent,
        "correspondent_id": doc.correspondent_id,
        "meta": dict(doc.meta or {}),
        "deleted_at": _iso(doc.deleted_at),
    }


def document_summary(doc: Document) -> dict[str, Any]:
    return _summary(doc)


def document_result(session: Session, doc: Document, *, audit: bool = True) -> dict[str, Any]:
    """The one result format, documented in the README. Later steps extend it; they do not
    change it."""
    tables_by_page: dict[int, list[dict[str, Any]]] = {}
    for t in session.scalars(
        select(DocTable)
        .where(DocTable.document_id == doc.id)
        .order_by(DocTable.page, DocTable.index)
    ):
        tables_by_page.setdefault(t.page, []).append(
            {
                "headers": t.headers,
                "rows": t.rows,
                "caption": t.caption,
                "footnotes": t.footnotes,
                "sheet": t.sheet,
                "engine": t.engine,
            }
        )
    pages = [
        {
            "page": p.page,
            "status": p.status,
            "text_source": p.text_source,
            "decision": p.decision,
            "kind": p.kind,
            "markdown": p.markdown,
            "tables": tables_by_page.pop(p.page, []),
            "fields": p.fields or {},
            "chart": p.chart,
            "visual_tokens": p.visual_tokens,
            "engine": p.engine,
            "model": p.model,
            "precision": p.precision,
            "error": p.error,
            "timings": p.timings or {},
        }
        for p in session.scalars(select(Page).where(Page.document_id == doc.id).order_by(Page.page))
    ]
    segments = [
        {
            "window": s.window,
            "start_s": s.start_s,
            "end_s": s.end_s,
            "skipped": s.skipped,
            "text": s.text,
            "translation": s.translation,
            "language": s.language,
            "engine": s.engine,
            "model": s.model,
            "words": s.words or [],
            "flag": (s.timings or {}).get("short"),
        }
        for s in session.scalars(
            select(AudioSegment)
            .where(AudioSegment.document_id == doc.id)
            .order_by(AudioSegment.start_s)
        )
    ]
    result: dict[str, Any] = {
        "document": {**document_summary(doc), "tags": tags_of(session, doc.id)},
        "pages": pages,
        # Tables that belong to no page (CSV, XLSX) are listed on their own.
        "tables": [t for _, ts in sorted(tables_by_page.items()) for t in ts],
        "segments": segments,
        "markdown": doc.markdown,
        "extraction": extraction_result(session, doc.id),
        "profile": profile_result(session, doc),
        "children": [
            {
                "id": c.id,
                "name": c.name,
                "member": c.member,
                "status": c.status,
                "kind": c.kind,
                "doc_type": c.doc_type,
                "duplicate_of": c.duplicate_of_id,
                "error": c.error,
            }
            for c in session.scalars(
                select(Document).where(Document.parent_id == doc.id).order_by(Document.id)
            )
        ],
    }
    if audit:
        result["audit"] = audit_trail(session, doc.sha256)
    return result


def extraction_result(session: Session, doc_id: int) -> dict[str, Any] | None:
    ext = session.scalar(select(Extraction).where(Extraction.document_id == doc_id))
    if ext is None:
        return None
    entities = session.scalars(
        select(Entity).where(Entity.document_id == doc_id).order_by(Entity.type, Entity.name)
    )
    rels = session.scalars(select(Relationship).where(Relationship.document_id == doc_id))
    return {
        "status": ext.status,
        "reason": ext.reason,
        "entities": [
            {
                "name": e.name,
                "type": e.type,
                "pages": e.pages,
                "seconds": e.seconds,
                **({"attributes": e.attributes} if e.attributes else {}),
            }
            for e in entities
        ],
        "relationships": [
            {"source": r.source, "target": r.target, "type": r.type, "evidence": r.evidence}
            for r in rels
        ],
        "summary": ext.summary,
        "confidence": ext.confidence,
        "engine": ext.engine,
        "model": ext.model,
        "precision": ext.precision,
        "turns": ext.turns,
    }


def audit_trail(session: Session, run: str) -> list[dict[str, Any]]:
    """The run's audit events, attempt by attempt: a retry by hand sets the earlier
    attempts' events apart (``records.set_attempt_aside``), so each keeps its own route
    event and error; the current attempt is the last, numbered after them."""
    events = list(
        session.scalars(
            select(AuditEvent)
            .where(or_(AuditEvent.run == run, AuditEvent.run.like(f"{run}{ATTEMPT_MARK}%")))
            .order_by(AuditEvent.created_at, AuditEvent.id)
        )
    )
    earlier = {e.run for e in events if e.run != run}
    attempts = {r: int(r.rpartition(ATTEMPT_MARK)[2]) for r in earlier}
    attempts[run] = len(earlier) + 1
    events.sort(key=lambda e: attempts[e.run])  # stable: in time within an attempt
    return [
        {
            "attempt": attempts[e.run],
            "step": e.step,
            "seq": e.seq,
            "role": e.role,
            "status": e.status,
            "content": e.content,
            "thinking": e.thinking,
            "tool_name": e.tool_name,
            "tool_args": e.tool_args,
            "tool_result": e.tool_result,
            "prompt_tokens": e.prompt_tokens,
            "output_tokens": e.output_tokens,
            "duration_ms": e.duration_ms,
            "engine": e.engine,
            "model": e.model,
            "precision": e.precision,
            "prompt_hash": e.prompt_hash,
            "at": _iso(e.created_at),
        }
        for e in events
    ]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def refusals(session: Session, limit: int = 20) -> list[dict[str, Any]]:
    """What the inbox refused lately, newest first."""
    from docintel.store.records import INBOX_RUN
    from docintel.store.schema import AuditEvent

    rows = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.run == INBOX_RUN)
        .order_by(AuditEvent.created_at.desc())
        .limit(limit)
    )
    return [{"reason": r.content, "at": _iso(r.created_at)} for r in rows]
