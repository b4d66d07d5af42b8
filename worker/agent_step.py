"""The agent step: index the document for retrieval, then extract with the model's tool
loop or, without a model, with rules; record the extraction and the audit trail."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from docintel.settings import get_settings
from store.records import audit, save_extraction
from store.schema import DocTable, Document, Page
from store.search import save_chunks
from worker.agent import injection_attempts, run_agent_loop
from worker.chunking import document_chunks
from worker.retrieval import embedder_for, hybrid_search, passage
from worker.rules import extract


def index_document(session: Session, doc: Document, settings: Any) -> Any:
    started = time.perf_counter()
    chunks = document_chunks(session, doc, settings.chunk_chars)
    embedder = embedder_for(settings)
    vectors = embedder.embed([c["text"] for c in chunks]) if chunks else []
    save_chunks(session, doc.id, chunks, vectors, embedder.name)
    audit(
        session,
        run=doc.sha256,
        document_id=doc.id,
        step="index",
        content=f"{len(chunks)} chunk(s) embedded with {embedder.name}",
        duration_ms=(time.perf_counter() - started) * 1000,
        engine=embedder.name,
    )
    return embedder


def run_agent_step(session: Session, doc: Document, hook: Any = None) -> None:
    from models.runtime import choose_engine

    settings = get_settings()
    embedder = index_document(session, doc, settings)
    text = doc.markdown or ""
    attempts = injection_attempts(text)
    if attempts:
        audit(
            session,
            run=doc.sha256,
            document_id=doc.id,
            step="agent:guard",
            status="warning",
            content="the document contains text that reads as instructions to a model "
            f"({'; '.join(sorted(set(attempts)))[:300]}); it was treated as data and "
            "changes nothing",
        )
    choice = choose_engine(settings.engine_config())
    if choice.name in ("gemma", "openai"):
        _with_model(session, doc, settings, embedder, hook)
    else:
        _with_rules(session, doc, choice.reason)


def _with_rules(session: Session, doc: Document, why: str) -> None:
    started = time.perf_counter()
    rows = list(session.scalars(select(Page).where(Page.document_id == doc.id).order_by(Page.page)))
    pages: list[tuple[int | None, str]] = [(p.page, p.markdown or "") for p in rows]
    if not pages and doc.markdown:
        pages = [(None, doc.markdown)]
    fields = [(p.page, p.fields) for p in rows if p.fields]
    tables = [
        (t.page, t.headers, t.rows)
        for t in session.scalars(select(DocTable).where(DocTable.document_id == doc.id))
    ]
    output = extract(doc.name, pages, fields, tables)
    save_extraction(
        session,
        doc.id,
        {
            "status": "complete",
            "engine": "rules",
            "model": None,
            "precision": None,
            "reason": f"rule-based extraction, no model ({why}): patterns for dates, amounts, "
            "contacts, identifiers and organisations; relationships from forms and "
            "tables only",
            "summary": output["summary"],
            "confidence": output["confidence"],
            "turns": 0,
            "output": output,
        },
        [
            {"name": e["name"][:1000], "type": e["type"], "pages": e["pages"], "seconds": []}
            for e in output["entities"]
        ],
        _unique_relationships(output["relationships"]),
    )
    audit(
        session,
        run=doc.sha256,
        document_id=doc.id,
        step="agent",
        engine="rules",
        content=f"rules: {len(output['entities'])} entities, "
        f"{len(output['relationships'])} relationships",
        duration_ms=(time.perf_counter() - started) * 1000,
    )


def _unique_relationships(rels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[tuple[str, str, str], dict[str, Any]] = {}
    for r in rels:
        seen.setdefault(
            (r["source"][:1000], r["target"][:1000], r["type"][:64]),
            {
                **r,
                "source": r["source"][:1000],
                "target": r["target"][:1000],
                "type": r["type"][:64],
            },
        )
    return list(seen.values())


def _with_model(session: Session, doc: Document, settings: Any, embedder: Any, hook: Any) -> None:
    from models.runtime import get_engine

    engine = get_engine(settings.engine_config())
    scope = None if settings.agent_corpus_search else doc.id

    def retrieve(query: str, top_k: int) -> list[dict[str, Any]]:
        return [passage(h) for h in hybrid_search(session, query, top_k, embedder, scope)]

    outcome = run_agent_loop(
        engine,
        doc.markdown or "",
        doc.name,
        retrieve,
        max_turns=settings.agent_max_turns,
        max_invalid=settings.agent_max_invalid,
        max_chars=settings.agent_max_chars,
        hook=hook,
    )
    record_turns(session, doc.sha256, "agent", outcome, doc.id)
    last = outcome.turns[-1].result if outcome.turns else None
    meta = {
        "engine": last.engine if last else None,
        "model": last.model if last else None,
        "precision": last.precision if last else None,
        "turns": len(outcome.turns),
    }
    if outcome.output is None:
        save_extraction(
            session,
            doc.id,
            {
                "status": "incomplete",
                "reason": outcome.reason,
                "summary": None,
                "confidence": None,
                "output": {},
                **meta,
            },
        )
        return
    out = outcome.output
    save_extraction(
        session,
        doc.id,
        {
            "status": "complete",
            "reason": outcome.reason,
            "summary": out.summary,
            "confidence": out.confidence,
            "output": out.model_dump(),
            **meta,
        },
        _unique_entities(out),
        _unique_relationships([r.model_dump() for r in out.relationships]),
    )


def record_turns(
    session: Session, run: str, prefix: str, outcome: Any, document_id: int | None = None
) -> None:
    """Each model turn (answer, thinking, tokens) and each tool call it made, as audit events
    ``{prefix}:turn:N``, seq 0 for the turn and 1.. for its tool calls."""
    for turn in outcome.turns:
        r = turn.result
        step = f"{prefix}:turn:{turn.index}"
        audit(
            session,
            run=run,
            document_id=document_id,
            step=step,
            role="assistant",
            content=r.text[:4000],
            status="warning" if r.errors else "ok",
            **r.audit(),
        )
        for seq, event in enumerate(turn.tool_events, 1):
            audit(
                session,
                run=run,
                document_id=document_id,
                step=step,
                seq=seq,
                role="tool",
                engine=r.engine,
                model=r.model,
                **event,
            )


def _unique_entities(out: Any) -> list[dict[str, Any]]:
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for e in out.entities:
        key = (e.type, e.name[:1000])
        item = seen.setdefault(
            key, {"name": e.name[:1000], "type": e.type, "pages": [], "seconds": []}
        )
        item["pages"] = sorted(set(item["pages"]) | set(e.pages))
        item["seconds"] = sorted(set(item["seconds"]) | set(e.seconds))
    return list(seen.values())
