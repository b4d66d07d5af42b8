"""Retrieval over chunks: vector search (pgvector where installed, an exact scan
elsewhere) and full-text search (PostgreSQL tsvector, SQLite FTS5)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from docintel.store.db import text_safe
from docintel.store.schema import Chunk, Document


@dataclass
class Hit:
    chunk_id: int
    document_id: int
    document: str
    text: str
    page: int | None
    start_s: float | None
    end_s: float | None
    score: float


def has_pgvector(session: Session) -> bool:
    if session.get_bind().dialect.name != "postgresql":
        return False
    return bool(
        session.execute(
            text(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = 'chunk_vectors'"
            )
        ).scalar()
    )


def _vector_literal(vector: list[float]) -> str:
    return "[" + ",".join(f"{v:.7g}" for v in vector) + "]"


def save_chunks(
    session: Session,
    doc_id: int,
    chunks: list[dict[str, Any]],
    embeddings: list[list[float]] | None,
    model: str | None,
    *,
    replace: bool = True,
) -> None:
    """Replace the document's chunks (a re-run writes the same set once). ``replace=False``
    when the document has none yet: the DELETE is a round trip for nothing."""
    if replace:
        session.execute(delete(Chunk).where(Chunk.document_id == doc_id))
    if not chunks:
        return
    rows = [
        {
            "document_id": doc_id,
            "index": i,
            "text": text_safe(chunk["text"]),
            "page": chunk.get("page"),
            "start_s": chunk.get("start_s"),
            "end_s": chunk.get("end_s"),
            "embedding_model": model,
            # Without the key the column stays SQL NULL, not JSON null: "not embedded yet"
            # is what the index step looks for.
            **({"embedding": embeddings[i]} if embeddings else {}),
        }
        for i, chunk in enumerate(chunks)
    ]
    if not (embeddings and has_pgvector(session)):
        session.execute(insert(Chunk), rows)  # one executemany
        return
    ids = session.scalars(insert(Chunk).returning(Chunk.id, sort_by_parameter_order=True), rows)
    session.execute(
        text("INSERT INTO chunk_vectors (chunk_id, embedding) VALUES (:id, CAST(:v AS vector))"),
        [
            {"id": chunk_id, "v": _vector_literal(vector)}
            for chunk_id, vector in zip(ids, embeddings, strict=True)
        ],
    )


def pending_chunks(
    session: Session, limit: int, document_id: int | None = None
) -> list[tuple[int, int, str]]:
    """(chunk id, document id, text) of chunks not embedded yet, oldest first."""
    stmt = select(Chunk.id, Chunk.document_id, Chunk.text).where(Chunk.embedding.is_(None))
    if document_id is not None:
        stmt = stmt.where(Chunk.document_id == document_id)
    return [tuple(r) for r in session.execute(stmt.order_by(Chunk.id).limit(limit))]


def count_pending(session: Session) -> int:
    """How many chunks are not embedded yet."""
    return int(
        session.scalar(select(func.count()).select_from(Chunk).where(Chunk.embedding.is_(None)))
        or 0
    )


def save_embeddings(session: Session, vectors: dict[int, list[float]], model: str) -> None:
    """Store the embeddings of existing chunks (and their pgvector rows)."""
    for chunk_id, vector in vectors.items():
        session.execute(
            update(Chunk)
            .where(Chunk.id == chunk_id)
            .values(embedding=vector, embedding_model=model)
        )
    if vectors and has_pgvector(session):
        session.execute(
            text(
                "INSERT INTO chunk_vectors (chunk_id, embedding) VALUES "
                "(:id, CAST(:v AS vector)) ON CONFLICT (chunk_id) DO UPDATE SET "
                "embedding = EXCLUDED.embedding"
            ),
            [{"id": cid, "v": _vector_literal(v)} for cid, v in vectors.items()],
        )


def _hits(session: Session, scored: list[tuple[int, float]]) -> list[Hit]:
    if not scored:
        return []
    ids = [cid for cid, _ in scored]
    rows = {
        c.id: (c, name)
        for c, name in session.execute(
            select(Chunk, Document.name)
            .join(Document, Document.id == Chunk.document_id)
            .where(Chunk.id.in_(ids))
        )
    }
    return [
        Hit(
            cid,
            rows[cid][0].document_id,
            rows[cid][1],
            rows[cid][0].text,
            rows[cid][0].page,
            rows[cid][0].start_s,
            rows[cid][0].end_s,
            score,
        )
        for cid, score in scored
        if cid in rows
    ]


def vector_search(
    session: Session, query: list[float], top_k: int = 5, document_id: int | None = None
) -> list[Hit]:
    """Cosine similarity, highest first."""
    if has_pgvector(session):
        sql = (
            "SELECT v.chunk_id, 1 - (v.embedding <=> CAST(:q AS vector)) AS score "
            "FROM chunk_vectors v JOIN chunks c ON c.id = v.chunk_id "
            + ("WHERE c.document_id = :doc " if document_id is not None else "")
            + "ORDER BY v.embedding <=> CAST(:q AS vector), v.chunk_id LIMIT :k"
        )
        params: dict[str, Any] = {"q": _vector_literal(query), "k": top_k, "doc": document_id}
        return _hits(session, [(r[0], float(r[1])) for r in session.execute(text(sql), params)])
    stmt = select(Chunk.id, Chunk.embedding).where(Chunk.embedding.is_not(None))
    if document_id is not None:
        stmt = stmt.where(Chunk.document_id == document_id)
    qn = math.sqrt(sum(v * v for v in query)) or 1.0
    scored = []
    for cid, vector in session.execute(stmt):
        if not vector:
            continue
        dot = sum(a * b for a, b in zip(query, vector, strict=False))
        norm = math.sqrt(sum(v * v for v in vector)) or 1.0
        scored.append((cid, dot / (qn * norm)))
    scored.sort(key=lambda x: (-x[1], x[0]))  # ties in a stable order: pages do not shift
    return _hits(session, scored[:top_k])


_WORDS = re.compile(r"\w+", re.UNICODE)
# Words that match nearly every passage: kept out of full-text queries, which OR the rest.
_STOP = frozenset(
    "a an and are as at be by can do does for from had has have how i in is it its much of "
    "on or our so that the their there this to was we were what when where which who why "
    "will with you your".split()
)


def query_words(query: str) -> list[str]:
    """The words of a query that a full-text search looks for (not the stop words)."""
    return [w for w in _WORDS.findall(query) if w.lower() not in _STOP]


def text_search(
    session: Session, query: str, top_k: int = 5, document_id: int | None = None
) -> list[Hit]:
    words = query_words(query)
    if not words:
        return []
    dialect = session.get_bind().dialect.name
    doc_filter = "AND c.document_id = :doc " if document_id is not None else ""
    if dialect == "postgresql":
        sql = (
            "SELECT c.id, ts_rank(c.tsv, q) AS score FROM chunks c, "
            "to_tsquery('english', :q) q WHERE c.tsv @@ q "
            + doc_filter
            + "ORDER BY score DESC, c.id LIMIT :k"
        )
        q = " | ".join(words)
    else:
        sql = (
            "SELECT c.id, -bm25(chunks_fts) AS score FROM chunks_fts JOIN chunks c ON "
            "c.id = chunks_fts.rowid WHERE chunks_fts MATCH :q "
            + doc_filter
            + "ORDER BY bm25(chunks_fts), c.id LIMIT :k"
        )
        q = " OR ".join(f'"{w}"' for w in words)
    rows = session.execute(text(sql), {"q": q, "k": top_k, "doc": document_id})
    return _hits(session, [(r[0], float(r[1])) for r in rows])
