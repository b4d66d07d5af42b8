"""One listing for every front door: `docintel query` and `GET /v1/documents` take the same
filters and answer with the same summaries (best match first when searching)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from docintel.config import Settings
from docintel.models.embedding import embedder_for
from docintel.store.db import session_scope
from docintel.store.profiles import Condition
from docintel.store.queries import list_documents
from docintel.store.retrieval import citation
from docintel.store.search import text_search, vector_search
from docintel.worker.indexing import index_pending


@dataclass
class Filters:
    status: str | None = None
    kind: str | None = None
    name: str | None = None
    contains: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    entity: str | None = None
    entity_type: str | None = None
    related_to: str | None = None
    search: str | None = None
    similar: str | None = None
    doc_type: str | None = None
    where: list[str] = field(default_factory=list)
    parent: int | None = None


def passage_matches(
    s: Session, settings: Settings, search: str | None, similar: str | None, limit: int
) -> dict[int, dict[str, Any]] | None:
    """document id -> its best passage, in rank order; None when not searching."""
    if not (search or similar):
        return None
    hits = (
        text_search(s, search, limit * 3)
        if search
        else vector_search(s, embedder_for(settings).embed([similar or ""])[0], limit * 3)
    )
    matches: dict[int, dict[str, Any]] = {}
    for h in hits:
        matches.setdefault(
            h.document_id, {**citation(h), "score": round(h.score, 4), "text": h.text[:300]}
        )
    return matches


def document_listing(
    settings: Settings, filters: Filters, limit: int, before: int | None = None
) -> tuple[list[dict[str, Any]], int | None]:
    """Summaries of the matching documents and the cursor of the next page (None: last).
    A search answers its best matches in rank order, on one page. Raises
    ``ConditionError`` for a ``where`` a person must correct."""
    conditions = [Condition.parse(w) for w in filters.where]
    if filters.similar:
        # a search by meaning sees every passage stored so far (the CLI shows progress
        # first; what is left here is what arrived since)
        index_pending(settings)
    with session_scope(settings.db_url) as s:
        matches = passage_matches(s, settings, filters.search, filters.similar, limit)
        docs = list_documents(
            s,
            status=filters.status,
            kind=filters.kind,
            name=filters.name,
            contains=filters.contains,
            since=filters.since,
            until=filters.until,
            limit=limit + 1,
            entity=filters.entity,
            entity_type=filters.entity_type,
            related_to=filters.related_to,
            ids=list(matches) if matches is not None else None,
            doc_type=filters.doc_type,
            where=conditions,
            parent=filters.parent,
            before=before if matches is None else None,
        )
    more = len(docs) > limit
    docs = docs[:limit]
    if matches is not None:
        order = list(matches)
        docs.sort(key=lambda d: order.index(d["id"]))
        for d in docs:
            d["match"] = matches[d["id"]]
        return docs, None
    return docs, (docs[-1]["id"] if more and docs else None)
