"""Status changes as they commit, for listeners in this process (the API's event stream).

Every change of a document's status, made through the ORM or through ``set_status``, is
noted in the session and told to the listeners after the commit (never for a rollback),
so a page in this process sees queued → processing → done even when the steps take
milliseconds. Changes made by other processes (distributed workers) reach the stream
through its database poll instead."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from docintel.store.schema import Document, utcnow

log = logging.getLogger("docintel.store")
Listener = Callable[[dict[str, Any]], None]
_listeners: list[Listener] = []
_PENDING = "docintel.pending_status"


def listen(callback: Listener) -> Callable[[], None]:
    """Call ``callback(change)`` after each committed status change; returns the undo."""
    _listeners.append(callback)
    return lambda: _listeners.remove(callback) if callback in _listeners else None


def stamp(value: datetime | None) -> float:
    """Seconds since the epoch; a naive time (SQLite) is UTC."""
    if value is None:
        return 0.0
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


def note(session: Session, doc_id: int, status: str, updated_at: datetime | None) -> None:
    if _listeners:
        pending = session.info.setdefault(_PENDING, {})
        pending[doc_id] = {"id": doc_id, "status": status, "at": stamp(updated_at or utcnow())}


@event.listens_for(Session, "after_flush")
def _collect(session: Session, _context: Any) -> None:
    if not _listeners:
        return
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Document) and obj.id is not None:
            if obj in session.new or inspect(obj).attrs.status.history.has_changes():
                note(session, obj.id, obj.status, obj.updated_at)


@event.listens_for(Session, "after_commit")
def _tell(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    for change in pending.values():
        for callback in list(_listeners):
            try:
                callback(dict(change))
            except Exception:  # a listener must never fail a commit that has happened
                log.exception("status listener")


@event.listens_for(Session, "after_rollback")
def _drop(session: Session) -> None:
    session.info.pop(_PENDING, None)
