"""SQLite connections whose writers take turns on a lock of this process.

SQLite takes one writing transaction at a time. A writer it turns away sleeps and asks again
(1, 2, 5 ... 100 ms between tries); one that waits on a lock starts the moment the other's
transaction ends. Embedded ``up`` has several threads writing (the watcher's taking files in,
the lanes' steps): on 280 CSVs they slept ~2,000 times, and the drop took 1.5x the time the
files took one after another. So a connection takes its database's turn before its first
write and gives it back when its transaction ends (commit, rollback, close), as SQLite holds
its own lock. Readers never wait (WAL). Another process still waits SQLite's way."""

from __future__ import annotations

import os
import re
import sqlite3
import threading
import time
import weakref
from typing import Any

SQLITE_BUSY_S = 30  # how long a writer waits for another's transaction before it fails
# how often a waiting writer looks whether the holder was dropped without being closed
# (SQLite let go of its lock then; this process's turn would otherwise stay taken)
_LOOK_S = 0.5

_WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b", re.IGNORECASE)


class Turn:
    """One database's writing turn among this process's connections."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._holder: weakref.ref[Any] | None = None

    def take(self, conn: Any, timeout: float) -> bool:
        """Wait for the turn and take it for ``conn``; False after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._holder is not None and self._holder() is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, _LOOK_S))
            self._holder = weakref.ref(conn)
            return True

    def give_back(self) -> None:
        with self._cond:
            self._holder = None
            self._cond.notify()


_TURNS: dict[str, Turn] = {}
_TURNS_LOCK = threading.Lock()


def turn_of(database: str) -> Turn:
    """The turn the writers of ``database`` (a path) take, in this process."""
    if database == ":memory:" or database.startswith("file::memory:"):
        return Turn()  # a database of this connection's own
    with _TURNS_LOCK:
        return _TURNS.setdefault(os.path.realpath(database), Turn())


def _forget_turns() -> None:
    # a forked child (a Celery pool process) has none of its parent's threads: a turn one
    # of them held would never be given back there
    _TURNS.clear()


os.register_at_fork(after_in_child=_forget_turns)


class TakingTurns(sqlite3.Connection):
    """A connection (``sqlite3.connect(..., factory=TakingTurns)``) holding its database's
    turn from its first write to the end of that transaction."""

    def __init__(self, database: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        self._turn = turn_of(os.fspath(database))
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
                self._give_back()

    def _writing(self, statement: str) -> None:
        # past SQLite's own wait, the statement goes on and SQLite says what holds it
        if not self._holding and _WRITES.match(statement):
            self._holding = self._turn.take(self, SQLITE_BUSY_S)

    def _ended(self) -> None:
        if self._holding and not self.in_transaction:
            self._give_back()

    def _give_back(self) -> None:
        self._holding = False
        self._turn.give_back()


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
