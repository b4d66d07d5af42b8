"""One listing for every front door: `docintel query` and `GET /v1/documents` take the same
filters and answer with the same summaries (best match first when searching)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Unpack

from sqlalchemy.orm import Session

from docintel.config import Settings
from docintel.models.embedding import embedder_for
from docintel.store.db import session_scope
from docintel.store.doc_filters import DocumentFilters
from docintel.store.passages import passage
from docintel.store.profiles import Condition
from docintel.store.queries import count_documents, list_documents
from docintel.store.retrieval import citation
from docintel.store.search import Hit, text_search, vector_search
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
    tags: list[str] = field(default_factory=list)  # carrying every one
    trashed: bool = False  # the trash, instead of the documents outside it
    top_level: bool = False  # only what came in on its own: no attachments, no members
    correspondent: int | None = None  # a correspondent's id


def passage_matches(
    s: Session, settings: Settings, search: str | None, similar: str | None, passages: int
) -> tuple[dict[int, dict[str, Any]], bool] | None:
    """(document id -> its best passage, in rank order; whether every matching passage was
    read), from the best ``passages`` passages; None when not searching."""
    if not (search or similar):
        return None
    if search:
        hits = text_search(s, search, passages)
        every = len(hits) < passages
    else:
        found = vector_search(s, embedder_for(settings).embed([similar or ""])[0], passages)
        hits = near_enough(found, settings.similar_min_score, settings.similar_relative)
        every = len(found) < passages or len(hits) < len(found)  # the rest scores lower
    matches: dict[int, dict[str, Any]] = {}
    for h in hits:
        if h.document_id in matches:
            continue
        text, highlights = passage(h.text, search or similar or "")
        matches[h.document_id] = {
            **citation(h),
            "score": round(h.score, 4),
            "text": text,
            "highlights": highlights,
        }
    return matches, every


def near_enough(hits: list[Hit], minimum: float, relative: float) -> list[Hit]:
    """The hits of a search by meaning (best first) that score at least ``minimum`` and at
    least ``relative`` times the best: a similarity search always has a nearest passage,
    however unrelated, and without a cut it listed every document."""
    if not hits:
        return []
    floor = max(minimum, hits[0].score * relative)
    return [h for h in hits if h.score >= floor]


def store_filters(
    filters: Filters, conditions: list[Condition], **more: Unpack[DocumentFilters]
) -> DocumentFilters:
    """The listing's filters as the store's WHERE clause takes them."""
    return DocumentFilters(
        status=filters.status,
        kind=filters.kind,
        name=filters.name,
        contains=filters.contains,
        since=filters.since,
        until=filters.until,
        entity=filters.entity,
        entity_type=filters.entity_type,
        related_to=filters.related_to,
        doc_type=filters.doc_type,
        where=conditions,
        parent=filters.parent,
        tags=filters.tags,
        trashed=filters.trashed,
        top_level=filters.top_level,
        correspondent=filters.correspondent,
        **more,
    )


def document_count(settings: Settings, filters: Filters, cap: int) -> int:
    """How many documents the listing of ``filters`` holds, counted up to ``cap`` + 1.
    Without a search, one COUNT over the listing's own WHERE clause; a search's matches
    are what its ranking finds (passages read, a similarity cut), so they are listed and
    counted. Raises ``ConditionError`` as the listing does."""
    if filters.search or filters.similar:
        docs, more = document_listing(settings, filters, cap)
        return len(docs) + (1 if more is not None else 0)
    conditions = [Condition.parse(w) for w in filters.where]
    with session_scope(settings.db_url) as s:
        return count_documents(s, cap=cap, **store_filters(filters, conditions))


def document_listing(
    settings: Settings, filters: Filters, limit: int, before: int | None = None
) -> tuple[list[dict[str, Any]], int | None]:
    """Summaries of the matching documents and the cursor of the next page (None: last).
    Listed newest first, the cursor an id; a search lists its matches best first, the
    cursor a place in that ranking, so paging goes on to the last match and a page's
    order does not depend on its size. Raises ``ConditionError`` for a ``where`` a person
    must correct."""
    conditions = [Condition.parse(w) for w in filters.where]
    if filters.similar:
        # a search by meaning sees every passage stored so far (the CLI shows progress
        # first; what is left here is what arrived since)
        index_pending(settings)
    with session_scope(settings.db_url) as s:

        def listed(limit: int, ids: list[int] | None, before: int | None) -> list[dict]:
            return list_documents(
                s, limit=limit, **store_filters(filters, conditions, ids=ids, before=before)
            )

        if not (filters.search or filters.similar):
            docs = listed(limit + 1, None, before)
            more = len(docs) > limit
            docs = docs[:limit]
            return docs, (docs[-1]["id"] if more and docs else None)
        start = max(0, before or 0)
        wanted = start + limit + 1  # one more than the page: is there a next one?
        passages = wanted * 3
        while True:
            found = passage_matches(s, settings, filters.search, filters.similar, passages)
            assert found is not None
            matches, every = found
            docs = listed(len(matches) or 1, list(matches), None) if matches else []
            if len(docs) >= wanted or every or passages >= MAX_PASSAGES:
                break
            passages *= 4  # the filters left too few: read further down the ranking
    rank = {doc_id: n for n, doc_id in enumerate(matches)}
    docs.sort(key=lambda d: rank[d["id"]])
    page = docs[start : start + limit]
    for d in page:
        d["match"] = matches[d["id"]]
    return page, (start + limit if len(docs) > start + limit else None)


# A search reads at most this many passages to fill its pages.
MAX_PASSAGES = 200_000
