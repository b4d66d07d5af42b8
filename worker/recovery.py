"""Putting lost work back. The database, not Redis, is the record of what is owed.

Three sweeps:
- ``restore_orphaned_unacked``: a task taken by a worker that was then killed sits in
  Redis's ``unacked`` hash until the visibility timeout (set above the longest task, so
  hours). A starting worker puts such tasks back at once when no live worker holds them.
- ``resend_orphaned_documents``: a document the database says is ``queued`` or
  ``processing`` with no task anywhere (Redis was flushed, a chord's state was lost) is
  sent again from the start; every step writes idempotently, so nothing is doubled.
- ``resend_index``: chunks left pending with no index task waiting and nobody indexing (a
  worker died holding the index, Redis was flushed) get one; else the retrieval index
  waited for the next document to end.

Imports only the Celery app, not the tasks: the watcher uses it.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from docintel.config import Settings
from docintel.store.db import session_scope
from docintel.store.records import audit, set_status
from docintel.store.schema import IN_FLIGHT, Document, Status, utcnow
from docintel.store.search import count_pending
from docintel.worker.indexing import LOCK_KEY
from docintel.worker.queues import PRIORITY_INDEX, QUEUES

if TYPE_CHECKING:
    from celery import Celery

log = logging.getLogger("docintel.recovery")


@dataclass
class LiveTasks:
    """What Redis and the live workers hold right now."""

    payloads: list[str] = field(default_factory=list)  # raw messages: queued and unacked
    held_ids: set[str] = field(default_factory=set)  # task ids active/reserved on live workers
    unacked: dict[str, tuple[str, float]] = field(default_factory=dict)  # tag -> (task id, t)
    workers: int = 0

    def mentions(self, sha256: str) -> bool:
        return any(sha256 in p for p in self.payloads)


def _redis(app: Celery):  # type: ignore[no-untyped-def]
    conn = app.connection_for_read()
    return conn, conn.default_channel


def queue_keys(channel, queues: tuple[str, ...], skip: tuple[int, ...] = ()) -> list[str]:  # type: ignore[no-untyped-def]
    """The Redis lists of the queues: one per priority step of each (but the ``skip`` ones)."""
    steps = [p for p in getattr(channel, "priority_steps", [0]) if p not in skip]
    return list(dict.fromkeys(channel._q_for_pri(q, p) for q in queues for p in steps))


def queue_depths(app: Celery, queues: tuple[str, ...]) -> dict[str, int]:
    """Messages waiting per queue, every priority step counted, and the unacknowledged ones."""
    with app.connection_for_read() as conn:
        channel = conn.default_channel
        client = channel.client
        depths = {q: sum(int(client.llen(k)) for k in queue_keys(channel, (q,))) for q in queues}
        depths["unacked"] = int(client.hlen(channel.unacked_key))
    return depths


def documents_waiting(app: Celery, queues: tuple[str, ...] = QUEUES) -> bool:
    """Whether any document's step waits in ``queues``: the retrieval index, the one step
    at a lower priority, yields to it (Redis's lists of every other step, one round trip)."""
    with app.connection_for_read() as conn:
        channel = conn.default_channel
        pipe = channel.client.pipeline()
        for key in queue_keys(channel, queues, skip=(PRIORITY_INDEX,)):
            pipe.llen(key)
        return any(int(n) for n in pipe.execute())


def live_tasks(app: Celery, queues: tuple[str, ...], timeout: float = 1.0) -> LiveTasks:
    live = LiveTasks()
    inspect = app.control.inspect(timeout=timeout)
    for reply in (inspect.active() or {}, inspect.reserved() or {}):
        live.workers = max(live.workers, len(reply))
        for tasks in reply.values():
            for t in tasks:
                live.held_ids.add(t["id"])
                live.payloads.append(json.dumps(t.get("args")))
    conn, channel = _redis(app)
    with conn:
        client = channel.client
        for key in queue_keys(channel, queues):
            live.payloads += [p.decode() for p in client.lrange(key, 0, -1)]
        scores = dict(client.zrange(channel.unacked_index_key, 0, -1, withscores=True))
        for tag, raw in client.hgetall(channel.unacked_key).items():
            text = raw.decode()
            live.payloads.append(text)
            task_id = json.loads(text)[0].get("headers", {}).get("id", "")
            live.unacked[tag.decode()] = (task_id, scores.get(tag, 0.0))
    return live


def restore_orphaned_unacked(app: Celery, queues: tuple[str, ...], before: float) -> int:
    """Re-queue unacked tasks delivered before ``before`` (a UNIX time) that no live worker
    holds. A worker calls this just after it starts, with its own start time."""
    live = live_tasks(app, queues)
    orphans = [
        tag
        for tag, (task_id, delivered) in live.unacked.items()
        if delivered < before and task_id not in live.held_ids
    ]
    if not orphans:
        return 0
    conn, channel = _redis(app)
    with conn:
        for tag in orphans:
            channel.qos.restore_by_tag(tag)
    log.warning("re-queued %d task(s) left unacknowledged by a worker that died", len(orphans))
    return len(orphans)


def resend_orphaned_documents(
    app: Celery, settings: Settings, queues: tuple[str, ...], enqueue
) -> list[str]:  # type: ignore[no-untyped-def]
    """Send again every in-flight document that no queue, unacked set or worker mentions."""
    cutoff = datetime.now(UTC) - timedelta(seconds=settings.orphan_grace_seconds)
    resume_received(settings, cutoff)
    with session_scope(settings.db_url) as s:
        candidates = [
            (d.id, d.sha256)
            for d in s.scalars(select(Document).where(Document.status.in_(IN_FLIGHT)))
            if _aware(d.updated_at) < cutoff
        ]
    if not candidates:
        return []
    live = live_tasks(app, queues)
    resent = []
    for doc_id, sha in candidates:
        if live.mentions(sha):
            continue
        with session_scope(settings.db_url) as s:
            # Read the state again: the document may have finished while we looked at Redis.
            now = s.get(Document, doc_id)
            if now is None or now.status not in IN_FLIGHT or _aware(now.updated_at) >= cutoff:
                continue
            audit(
                s,
                run=sha,
                document_id=doc_id,
                step=f"recover:{int(time.time())}",
                status="warning",
                content="no live task held this document (Redis flushed or a worker lost); "
                "sent again from the start",
            )
        enqueue(sha)
        resent.append(sha)
    if resent:
        log.warning("re-sent %d document(s) that had no live task", len(resent))
    return resent


def resend_index(app: Celery, settings: Settings, send) -> bool:  # type: ignore[no-untyped-def]
    """Send an index task when chunks wait and none is queued or running (its lock lapses a
    minute after a holder dies)."""
    with session_scope(settings.db_url) as s:
        if not count_pending(s):
            return False
    with app.connection_for_read() as conn:
        channel = conn.default_channel
        pipe = channel.client.pipeline()
        pipe.exists(LOCK_KEY)
        for queue in QUEUES:  # the index is the only step sent at its priority
            pipe.llen(channel._q_for_pri(queue, PRIORITY_INDEX))
        if any(int(n) for n in pipe.execute()):
            return False
    send()
    log.warning("chunks were left waiting for the retrieval index with no task; sent one")
    return True


def resume_received(settings: Settings, cutoff: datetime) -> int:
    """A ``received`` row whose archive copy is complete was left by a watcher that stopped
    before it said ``queued``: it is queued now (the sweep then sends it). One without its
    archive copy waits for its file to be taken again."""
    resumed = 0
    with session_scope(settings.db_url) as s:
        for doc in s.scalars(select(Document).where(Document.status == Status.received.value)):
            if _aware(doc.updated_at) >= cutoff:
                continue
            if doc.archive_path and Path(doc.archive_path).is_file():
                set_status(s, doc.id, Status.queued, queued_at=utcnow())
                resumed += 1
    if resumed:
        log.warning("queued %d document(s) a stopped watcher left half-taken", resumed)
    return resumed


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
