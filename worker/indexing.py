"""The retrieval index follows the document: chunks are stored (with full-text search) in
the agent step, and embedded here, in batches across documents, by the one process that
loads the embedding model. A document is ``done`` when its content is stored.

Distributed, ``finalize`` sends an ``index`` task; embedded, the index is brought up to date
before a search or a question (``docintel ask``, ``query --similar``) and after each file
``docintel up`` takes, so ``docintel process`` never loads a model it does not need."""

from __future__ import annotations

import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from docintel.config import Settings
from docintel.models.embedding import Embedder, embedder_for
from docintel.store.db import session_scope
from docintel.store.records import audit
from docintel.store.schema import Document
from docintel.store.search import count_pending, pending_chunks, save_embeddings

log = logging.getLogger("docintel.index")
BATCH = 256  # chunks embedded per call, across documents
LOCK_KEY = "docintel:index:running"
LOCK_TTL_MS = 60_000  # renewed before each batch; a dead holder's lock lapses by then

# Only the holder may renew or free the lock: one whose lock lapsed must not free the next's.
_IF_HELD = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call({}) end return 0"
_RENEW = _IF_HELD.format("'pexpire', KEYS[1], ARGV[2]")
_FREE = _IF_HELD.format("'del', KEYS[1]")


class IndexLock:
    """One indexer at a time on a broker. Every document that ends sends an index task; left
    alone, each free worker process would load the embedding model and embed the same oldest
    chunks, a core apiece, while new documents waited. The holder embeds what the others
    were sent for: it reads what is pending until nothing is."""

    def __init__(self, client: Any, ttl_ms: int = LOCK_TTL_MS) -> None:
        self.client, self.ttl_ms, self.token = client, ttl_ms, uuid.uuid4().hex

    def acquire(self) -> bool:
        return bool(self.client.set(LOCK_KEY, self.token, nx=True, px=self.ttl_ms))

    def renew(self) -> None:
        self.client.eval(_RENEW, 1, LOCK_KEY, self.token, self.ttl_ms)

    def release(self) -> None:
        self.client.eval(_FREE, 1, LOCK_KEY, self.token)


def index_pending(
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    batch: int = BATCH,
    max_batches: int | None = None,
    progress: Callable[[int], None] | None = None,
    yield_to: Callable[[], bool] | None = None,
) -> int:
    """Embed chunks that have no embedding yet, ``batch`` at a time, oldest first; returns
    how many. Stops early, between batches, when ``yield_to()`` says other work waits. Safe
    to run twice at once: a chunk embedded twice is written twice, alike."""
    total = 0
    batches = 0
    while max_batches is None or batches < max_batches:
        if yield_to is not None and yield_to():
            break
        with session_scope(settings.db_url) as s:
            rows = pending_chunks(s, batch)
        if not rows:
            break
        embedder = embedder or embedder_for(settings)
        started = time.perf_counter()
        vectors = embedder.embed([text for _, _, text in rows])
        elapsed = (time.perf_counter() - started) * 1000
        per_doc = Counter(doc_id for _, doc_id, _ in rows)
        with session_scope(settings.db_url) as s:
            save_embeddings(
                s, {cid: v for (cid, _, _), v in zip(rows, vectors, strict=True)}, embedder.name
            )
            shas = {
                doc_id: sha
                for doc_id, sha in s.execute(
                    select(Document.id, Document.sha256).where(Document.id.in_(per_doc))
                )
            }
            for doc_id, n in per_doc.items():
                audit(
                    s,
                    run=shas[doc_id],
                    document_id=doc_id,
                    step="index:embed",
                    content=f"{n} chunk(s) embedded with {embedder.name} (a batch of "
                    f"{len(rows)} across {len(per_doc)} document(s))",
                    duration_ms=elapsed * n / len(rows),
                    engine=embedder.name,
                )
        total += len(rows)
        batches += 1
        if progress:
            progress(len(rows))
    if total:
        log.info("embedded %d chunk(s)", total)
    return total


def pending_count(settings: Settings) -> int:
    with session_scope(settings.db_url) as s:
        return count_pending(s)
