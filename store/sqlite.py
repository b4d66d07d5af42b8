"""SQLite connections whose writers take turns on a lock of this process.

SQLite takes one writing transaction at a time. A writer it turns away sleeps and asks again
(1, 2, 5 ... 100 ms between tries); one that waits on a lock starts the moment the other's
transaction ends. Embedded ``up`` has several threads writing (the watcher's taking files in,
the lanes' steps): on 280 CSVs they slept ~2,000 times, and the drop took 1.5x the time the
files took one after another. So a connection takes its database's lock before its first
write and gives it back when its transaction ends (commit, rollback, close), as SQLite holds
its own. Readers never wait (WAL). Another process still waits SQLite's way."""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from typing import Any

SQLITE_BUSY_S = 30  # how long a writer waits for another's transaction before it fails

_WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b", re.IGNORECASE)
_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_LOCK = threading.Lock()


def writer_lock(database: str) -> threading.Lock:
    """The lock the writers of ``database`` (a path) take turns on, in this process."""
    if database == ":memory:" or database.startswith("file::memory:"):
        return threading.Lock()  # a database of this connection's own
    with _LOCKS_LOCK:
        return _LOCKS.setdefault(os.path.realpath(database), threading.Lock())


def _forget_locks() -> None:
    # a forked child (a Celery pool process) has none of its parent's threads: a lock one of
    # them held would never be released there
    _LOCKS.clear()


os.register_at_fork(after_in_child=_forget_locks)


class TakingTurns(sqlite3.Connection):
    """A connection (``sqlite3.connect(..., factory=TakingTurns)``) holding its database's
    writer lock from its first write to the end of that transaction."""

    def __init__(self, database: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        self._turn = writer_lock(os.fspath(database))
        self._holding = False

    def cursor(self, factory: Any = None) -> Any:  # type: ignore[override]
        return super().cursor(factory or _Cursor)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._ended()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._ended()

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self._holding:
                self._holding = self._release()

    def _writing(self, statement: str) -> None:
        # past SQLite's own wait, the statement goes on and SQLite says what holds it
        if not self._holding and _WRITES.match(statement):
            self._holding = self._turn.acquire(timeout=SQLITE_BUSY_S)

    def _ended(self) -> None:
        if self._holding and not self.in_transaction:
            self._holding = self._release()

    def _release(self) -> bool:
        self._turn.release()
        return False


class _Cursor(sqlite3.Cursor):
    connection: TakingTurns

    def execute(self, sql: str, parameters: Any = (), /) -> Any:  # type: ignore[override]
        self.connection._writing(sql)
        try:
            return super().execute(sql, parameters)
        finally:
            self.connection._ended()  # a write outside a transaction (autocommit), or failed

    def executemany(self, sql: str, parameters: Any, /) -> Any:  # type: ignore[override]
        self.connection._writing(sql)
        try:
            return super().executemany(sql, parameters)
        finally:
            self.connection._ended()
