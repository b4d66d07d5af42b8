"""Server-sent events of status changes: ``GET /v1/events``.

Two sources, one stream. Work done in this process (``docintel up``, ``serve`` without a
broker) is told as it commits (``store.events``), every step of it. Work done elsewhere
(distributed workers) is read from the database every half second: an indexed
``updated_at`` range, looked at a little further back than the last look, so a worker
whose clock runs behind ours is not missed; a step that starts and ends between two looks
shows only its end there."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import select

from docintel.api.auth import caller
from docintel.config import Settings
from docintel.store.db import session_scope
from docintel.store.events import listen, stamp
from docintel.store.schema import Document, utcnow

router = APIRouter(tags=["events"])
POLL_S = 0.5
LOOK_BACK = timedelta(seconds=30)
HEARTBEAT_S = 15.0


COLUMNS = (
    Document.id,
    Document.name,
    Document.status,
    Document.kind,
    Document.doc_type,
    Document.error,
    Document.parent_id,
    Document.deleted_at,
    Document.updated_at,
)


def _change(row: Any) -> dict[str, Any]:
    out = {c.key: getattr(row, c.key) for c in COLUMNS}
    out["at"] = stamp(out.pop("updated_at"))
    out["trashed"] = out.pop("deleted_at") is not None
    return out


def changes_since(settings: Settings, since: datetime) -> list[dict[str, Any]]:
    with session_scope(settings.db_url) as s:
        rows = s.execute(
            select(*COLUMNS).where(Document.updated_at >= since).order_by(Document.updated_at)
        )
        return [_change(r) for r in rows]


def document_change(settings: Settings, doc_id: int) -> dict[str, Any] | None:
    with session_scope(settings.db_url) as s:
        row = s.execute(select(*COLUMNS).where(Document.id == doc_id)).first()
        return _change(row) if row is not None else None


class EventHub:
    """Tells each listener every status a document takes, once and in order: a change
    carries the time it was made, and one older than what was told is dropped (a poll that
    read the database just before a commit the commit hook has told already)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.listeners: set[asyncio.Queue[dict[str, Any]]] = set()
        self.told: dict[int, tuple[float, str]] = {}
        self.tasks: list[asyncio.Task[None]] = []
        self._unlisten: Any = None

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        committed: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.tasks += [loop.create_task(self._poll()), loop.create_task(self._tell(committed))]
        # called in whichever thread committed; told in commit order by one consumer
        self._unlisten = listen(
            lambda change: loop.call_soon_threadsafe(committed.put_nowait, change)
        )

    async def stop(self) -> None:
        if self._unlisten is not None:
            self._unlisten()
        for task in self.tasks:
            task.cancel()
        self.tasks.clear()

    def offer(self, change: dict[str, Any]) -> None:
        at, status = self.told.get(change["id"], (-1.0, ""))
        if change["at"] < at or (change["at"] == at and change["status"] == status):
            return
        self.told[change["id"]] = (change["at"], change["status"])
        for queue in list(self.listeners):
            queue.put_nowait(change)

    async def _tell(self, committed: asyncio.Queue[dict[str, Any]]) -> None:
        """Statuses this process committed, in commit order, with the document's columns."""
        while True:
            change = await committed.get()
            try:
                row = await asyncio.to_thread(document_change, self.settings, change["id"])
            except Exception:
                row = None
            self.offer({**(row or {}), **change})

    async def _poll(self) -> None:
        last = utcnow()
        # what is already in the database when we start is not news
        for change in await asyncio.to_thread(changes_since, self.settings, last - LOOK_BACK):
            self.told[change["id"]] = (change["at"], change["status"])
        while True:
            await asyncio.sleep(POLL_S)
            now = utcnow()
            try:
                changes = await asyncio.to_thread(changes_since, self.settings, last - LOOK_BACK)
            except Exception:  # the database is away: try again next time, say nothing
                continue
            last = now
            for change in changes:
                self.offer(change)
            if len(self.told) > 100_000:  # long-finished documents need not be remembered
                self.told.clear()

    async def stream(self, request: Request) -> AsyncIterator[str]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.listeners.add(queue)
        try:
            yield "retry: 2000\n\n"
            while not await request.is_disconnected():
                try:
                    change = await asyncio.wait_for(queue.get(), HEARTBEAT_S)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                yield f"event: status\ndata: {json.dumps(change)}\n\n"
        finally:
            self.listeners.discard(queue)


@router.get(
    "/v1/events",
    dependencies=[Depends(caller)],
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "Server-sent events; each `event: status` has a StatusChange as "
            "its data.",
            "content": {
                "text/event-stream": {
                    "schema": {"type": "string"},
                    # no OpenAPI 3.1 word for an event's data: named here, in components
                    "x-event-data": {"$ref": "#/components/schemas/StatusChange"},
                }
            },
        }
    },
)
async def events(request: Request) -> StreamingResponse:
    """Server-sent events: ``event: status`` with ``{id, name, status, kind, doc_type,
    error, parent_id}`` each time a document's status changes."""
    hub: EventHub = request.app.state.hub
    return StreamingResponse(
        hub.stream(request),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
