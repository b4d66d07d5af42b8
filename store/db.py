"""Engines, sessions and the idempotent write primitive."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from docintel.store.schema import Base
from docintel.store.sqlite import SQLITE_BUSY_S, TakingTurns

_OPENED: set[str] = set()


@lru_cache(maxsize=8)
def get_engine(url: str) -> Engine:
    """One engine per URL per process (Celery forks: engines are disposed after fork)."""
    _OPENED.add(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # threads take turns writing on a lock of their own (``store.sqlite``)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_S, "factory": TakingTurns})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # No pre-ping: it costs a round trip on every checkout (a task opens two sessions). A
    # connection dropped by a server restart fails one statement, SQLAlchemy invalidates the
    # pool, and the task's retry runs on fresh connections.
    return create_engine(url, pool_size=5, max_overflow=5, pool_recycle=1800)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # WAL lets the CLI read while the embedded pipeline writes; foreign keys for cascades.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_S * 1000}")
    cur.close()


def dispose_engines() -> None:
    """Forget pooled connections inherited across fork(); each process opens its own.
    ``close=False`` leaves the parent's sockets alone."""
    for url in list(_OPENED):
        get_engine(url).dispose(close=False)
    _OPENED.clear()
    get_engine.cache_clear()
    _sessions.cache_clear()


@lru_cache(maxsize=8)
def _sessions(engine: Engine) -> sessionmaker[Session]:
    """One session factory per engine (keyed by the engine, not its URL: an engine made
    again for a URL gets a factory of its own): ``sessionmaker`` makes a Session class of
    its own, whose events SQLAlchemy sets up again on first use (0.1 ms of a unit of work's
    0.17 ms on SQLite, about ten units of work a small CSV)."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """A unit of work: commit on success, roll back on error."""
    session = _sessions(get_engine(url))()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def upsert(
    session: Session,
    model: type[Base],
    rows: Sequence[dict[str, Any]] | dict[str, Any],
    keys: Sequence[str],
) -> None:
    """INSERT ... ON CONFLICT (keys) DO UPDATE: the write every pipeline step uses, so that
    a task delivered twice leaves one row, holding the latest values."""
    rows = [rows] if isinstance(rows, dict) else list(rows)
    if not rows:
        return
    # Rows with the same columns go in one statement; a column a row leaves out gets its
    # default, a None is NULL (as the ORM's bulk insert does).
    shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        shapes.setdefault(tuple(row), []).append(text_safe(row))
    # No flush first: a document's own changes go in one UPDATE at the commit (the ORM's
    # bulk insert did not flush either).
    connection = session.connection()
    dialect = connection.dialect.name
    for columns, batch in shapes.items():
        # The table's statement, built once per shape and executed on the connection:
        # building ``excluded`` and the ORM's bulk-insert bookkeeping cost more than the
        # server's work on a 5-page document (cProfile, bench/throughput.py).
        connection.execute(_upsert_statement(dialect, model, columns, tuple(keys)), batch)


@lru_cache(maxsize=256)
def _upsert_statement(
    dialect: str, model: type[Base], columns: tuple[str, ...], keys: tuple[str, ...]
) -> Any:
    stmt = _dialect_insert(dialect)(model.__table__)
    updates = {c: stmt.excluded[c] for c in columns if c not in keys}
    if updates:
        return stmt.on_conflict_do_update(index_elements=list(keys), set_=updates)
    return stmt.on_conflict_do_nothing(index_elements=list(keys))


def text_safe(value: Any) -> Any:
    """PostgreSQL text and JSONB refuse NUL characters, which PDF text layers and model
    output both contain at times; keep a visible replacement instead of failing the write."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd") if "\x00" in value else value
    if isinstance(value, dict):
        return {text_safe(k): text_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [text_safe(v) for v in value]
    return value


def insert_stmt(session: Session, model: type[Base]) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT (PostgreSQL and SQLite alike)."""
    return _dialect_insert(session.get_bind().dialect.name)(model)


def one_writer(session: Session) -> bool:
    """Whether the session's database takes one writing transaction at a time (SQLite):
    there, a step commits what it wrote before slow work, as every other writer waits for
    it meanwhile; PostgreSQL locks rows, and another commit is one more round trip."""
    return session.get_bind().dialect.name == "sqlite"


def _dialect_insert(dialect: str) -> Any:
    # The dialect's module is imported here, by the dialect in use: an SQLite command does
    # not pay for PostgreSQL's (issue 32); the engine has imported it already.
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        raise RuntimeError(f"unsupported database dialect {dialect!r}: use PostgreSQL or SQLite")
    return insert


def create_all(url: str) -> None:
    """Schema without Alembic; only for throwaway databases in benchmarks."""
    Base.metadata.create_all(get_engine(url))
