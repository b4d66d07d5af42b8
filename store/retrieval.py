"""Hybrid retrieval: vector and full-text results fused by reciprocal rank, each passage
cited by document and page or seconds."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from docintel.store.search import Hit, text_search, vector_search


def hybrid_search(
    session: Session, query: str, top_k: int, embedder: Any, document_id: int | None = None
) -> list[Hit]:
    pool = max(top_k * 3, 10)
    ranked: dict[int, float] = {}
    hits: dict[int, Hit] = {}
    vector = embedder.embed([query])[0]
    for results in (
        vector_search(session, vector, pool, document_id),
        text_search(session, query, pool, document_id),
    ):
        for rank, hit in enumerate(results):
            ranked[hit.chunk_id] = ranked.get(hit.chunk_id, 0.0) + 1.0 / (60 + rank)
            hits.setdefault(hit.chunk_id, hit)
    best = sorted(ranked, key=ranked.get, reverse=True)[:top_k]  # type: ignore[arg-type]
    return [_scored(hits[c], ranked[c]) for c in best]


def _scored(hit: Hit, score: float) -> Hit:
    hit.score = score
    return hit


def citation(hit: Hit) -> dict[str, Any]:
    out: dict[str, Any] = {"document": hit.document, "document_id": hit.document_id}
    if hit.page is not None:
        out["page"] = hit.page
    if hit.start_s is not None:
        out["seconds"] = [round(hit.start_s, 1), round(hit.end_s or hit.start_s, 1)]
    return out


def passage(hit: Hit) -> dict[str, Any]:
    return {**citation(hit), "text": hit.text}
