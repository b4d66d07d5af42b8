"""``docintel ask``: retrieval over the stored corpus, then the pipeline's answer; the run
keeps its own audit trail (``ask:<id>``)."""

from __future__ import annotations

import uuid
from typing import Any

from docintel.config import Settings
from docintel.models.embedding import embedder_for
from docintel.models.runtime import Engine, resolve_engine
from docintel.pipeline.agent.ask import answer_question
from docintel.store.db import session_scope
from docintel.store.records import audit
from docintel.store.retrieval import hybrid_search, passage


def ask(
    question: str, settings: Settings, top_k: int = 5, engine: Engine | None = None
) -> dict[str, Any]:
    run = f"ask:{uuid.uuid4().hex[:16]}"
    engine = engine or resolve_engine(settings.engine_config())
    embedder = embedder_for(settings)
    with session_scope(settings.db_url) as s:
        audit(s, run=run, step="question", role="user", content=question)
        hits = hybrid_search(s, question, top_k, embedder)
        audit(
            s,
            run=run,
            step="retrieve",
            role="tool",
            tool_name="retrieve_knowledge",
            tool_args={"query": question, "top_k": top_k},
            tool_result=str([passage(h) for h in hits])[:4000],
            engine=embedder.name,
        )

        def retrieve(query: str, k: int) -> list[dict[str, Any]]:
            return [passage(h) for h in hybrid_search(s, query, k, embedder)]

        passages = [{**passage(h), "score": round(h.score, 4)} for h in hits]
        answer, events = answer_question(question, passages, settings, engine, retrieve)
        for event in events:
            audit(s, run=run, **event)
    return {"question": question, "run": run, **answer}
