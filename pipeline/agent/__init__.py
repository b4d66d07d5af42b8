"""The agent step's logic: the injection guard, then extraction with the model's tool loop
(``loop``) or, without a model, with rules (``rules``). Retrieval is injected as a function,
so this runs the same inside a Celery task, in-process or in a notebook."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from docintel.config import Settings
from docintel.models.runtime import Engine, engine_reason, uses_model
from docintel.pipeline.agent.guard import injection_attempts
from docintel.pipeline.agent.ner import load_ner, merge_entities, ner_entities
from docintel.pipeline.agent.rules import extract
from docintel.pipeline.types import AuditEntry, DocumentContent, Extraction

if TYPE_CHECKING:
    from docintel.pipeline.agent.loop import AgentOutcome, Retrieve

RULES_MAX_CHARS = 500_000


def injection_warning(text: str) -> AuditEntry | None:
    """An audit event when the text reads as instructions to a model; it changes nothing."""
    attempts = injection_attempts(text)
    if not attempts:
        return None
    return {
        "step": "agent:guard",
        "status": "warning",
        "content": "the document contains text that reads as instructions to a model "
        f"({'; '.join(sorted(set(attempts)))[:300]}); it was treated as data and "
        "changes nothing",
    }


def extract_document(
    content: DocumentContent, settings: Settings, engine: Engine, retrieve: Retrieve
) -> tuple[Extraction, list[AuditEntry]]:
    """The extraction and the audit events of how it was made."""
    if uses_model(engine):
        return _with_model(content, settings, engine, retrieve)
    return _with_rules(content, engine_reason(engine), settings.ner_model)


def is_sheet(content: DocumentContent) -> bool:
    """A CSV's or a workbook's content: cells, no pages; its entities come from the rules."""
    return not content.pages and bool(content.tables)


def _with_rules(
    content: DocumentContent, why: str, ner_model: str
) -> tuple[Extraction, list[AuditEntry]]:
    started = time.perf_counter()
    pages: list[tuple[int | None, str]] = [
        (p.page, p.markdown or "") for p in sorted(content.pages, key=lambda p: p.page)
    ]
    if not pages and content.markdown:
        # A huge sheet's text is read for entities up to a bound; its rows are all stored.
        pages = [(None, content.markdown[:RULES_MAX_CHARS])]
    fields = [(p.page, p.fields) for p in content.pages if p.fields]
    tables = [(t.page, t.headers, t.rows) for t in content.tables]
    output = extract(content.name, pages, fields, tables)
    sheet = is_sheet(content)
    # a sheet's cells are read by the rules alone: loading spaCy (numpy, thinc, torch where
    # installed) would cost a CSV command seconds for names a column header already types
    nlp, ner_said = (None, "") if sheet else load_ner(ner_model)
    if nlp is not None:
        output["entities"] = merge_entities(output["entities"], ner_entities(nlp, pages))
        ner_note = f"; names, places and dates with no pattern from spaCy NER ({ner_said})"
    elif sheet:
        ner_note = "; a sheet's cells by the rules alone, no NER"
    else:
        ner_note = f"; no NER model ({ner_said}): names without a pattern are missed"
    extraction = Extraction(
        "complete",
        "rules",
        f"rule-based extraction, no model ({why}): patterns for dates, amounts, "
        "contacts, identifiers and organisations; relationships from forms and tables only"
        + ner_note,
        summary=output["summary"],
        confidence=output["confidence"],
        output=output,
        entities=[
            {
                "name": e["name"][:1000],
                "type": e["type"],
                "pages": e["pages"],
                "seconds": [],
                "attributes": {"found_by": "ner"} if e.get("source") == "ner" else {},
            }
            for e in output["entities"]
        ],
        relationships=unique_relationships(output["relationships"]),
    )
    event = {
        "step": "agent",
        "engine": "rules+ner" if nlp is not None else "rules",
        "content": f"rules: {len(output['entities'])} entities, "
        f"{len(output['relationships'])} relationships",
        "duration_ms": (time.perf_counter() - started) * 1000,
    }
    return extraction, [event]


def _with_model(
    content: DocumentContent, settings: Settings, engine: Engine, retrieve: Retrieve
) -> tuple[Extraction, list[AuditEntry]]:
    # the tool loop builds its pydantic schemas as it is imported: only a model engine's
    # documents need it, not the rules' (a CPU command's)
    from docintel.pipeline.agent.loop import run_agent_loop

    outcome = run_agent_loop(
        engine,
        content.markdown,
        content.name,
        retrieve,
        max_turns=settings.agent_max_turns,
        max_invalid=settings.agent_max_invalid,
        max_chars=settings.agent_max_chars,
    )
    events = turn_audits(outcome, "agent")
    last = outcome.turns[-1].result if outcome.turns else None
    meta: dict[str, Any] = {
        "model": last.model if last else None,
        "precision": last.precision if last else None,
        "turns": len(outcome.turns),
    }
    engine_name = last.engine if last else None
    if outcome.output is None:
        return Extraction("incomplete", engine_name, outcome.reason, **meta), events
    out = outcome.output
    extraction = Extraction(
        "complete",
        engine_name,
        outcome.reason,
        summary=out.summary,
        confidence=out.confidence,
        output=out.model_dump(),
        entities=_unique_entities(out),
        relationships=unique_relationships([r.model_dump() for r in out.relationships]),
        **meta,
    )
    return extraction, events


def turn_audits(outcome: AgentOutcome, prefix: str) -> list[AuditEntry]:
    """Each model turn (answer, thinking, tokens) and each tool call it made, as audit events
    ``{prefix}:turn:N``, seq 0 for the turn and 1.. for its tool calls."""
    events: list[AuditEntry] = []
    for turn in outcome.turns:
        r = turn.result
        step = f"{prefix}:turn:{turn.index}"
        events.append(
            {
                "step": step,
                "role": "assistant",
                "content": r.text[:4000],
                "status": "warning" if r.errors else "ok",
                **r.audit(),
            }
        )
        for seq, event in enumerate(turn.tool_events, 1):
            events.append(
                {
                    "step": step,
                    "seq": seq,
                    "role": "tool",
                    "engine": r.engine,
                    "model": r.model,
                    **event,
                }
            )
    return events


def unique_relationships(rels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[tuple[str, str, str], dict[str, Any]] = {}
    for r in rels:
        source, target, kind = r["source"][:1000], r["target"][:1000], r["type"][:64]
        seen.setdefault(
            (source, target, kind), {**r, "source": source, "target": target, "type": kind}
        )
    return list(seen.values())


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
