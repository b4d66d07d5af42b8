"""The threads of one process take turns writing to SQLite on a lock of their own, held
from a connection's first write to its commit or rollback: a writer waits for the other
to end instead of SQLite turning it away (to sleep and ask again). Shown with SQLite's own
wait set to none, where a second writer would otherwise fail at once."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from docintel.store.db import get_engine


@pytest.fixture()
def impatient(tmp_path):
    """An engine whose connections do not wait for SQLite's lock at all."""
    engine = get_engine(f"sqlite:///{tmp_path / 'writers.sqlite'}")
    event.listen(engine, "connect", lambda conn, _: conn.execute("PRAGMA busy_timeout=0"))
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    return engine


def _write_while(engine, end) -> list[str]:
    """A second thread writes while this one holds a write open; ``end`` closes it."""
    said: list[str] = []
    holding = threading.Event()

    def second() -> None:
        holding.wait()
        try:
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO t VALUES (2)"))
            said.append("second wrote")
        except Exception as exc:  # noqa: BLE001 - what SQLite said is the finding
            said.append(f"second failed: {exc}")

    other = threading.Thread(target=second)
    other.start()
    session = Session(engine)
    session.execute(text("INSERT INTO t VALUES (1)"))
    holding.set()
    other.join(0.3)
    said.append("second waited" if other.is_alive() else "second did not wait")
    end(session)
    other.join(10)
    return said


@pytest.mark.parametrize("end", ["commit", "rollback", "close"])
def test_a_second_writer_waits_for_the_first_to_end_then_writes(impatient, end):
    def ending(session: Session) -> None:
        getattr(session, end)()
        session.close()

    said = _write_while(impatient, ending)
    assert said == ["second waited", "second wrote"], said
    with impatient.connect() as conn:
        kept = sorted(conn.execute(text("SELECT x FROM t")).scalars())
    assert kept == ([1, 2] if end == "commit" else [2])


def test_readers_do_not_wait_for_a_writer(impatient):
    session = Session(impatient)
    session.execute(text("INSERT INTO t VALUES (1)"))
    seen: list[int] = []
    reader = threading.Thread(
        target=lambda: seen.append(
            impatient.connect().execute(text("SELECT count(*) FROM t")).scalar_one()
        )
    )
    reader.start()
    reader.join(5)
    assert seen == [0]  # WAL: the reader sees the last commit, without waiting
    session.rollback()
    session.close()


def test_a_connection_dropped_mid_write_does_not_keep_the_turn(tmp_path):
    import gc
    import sqlite3

    from docintel.store.sqlite import TakingTurns

    path = tmp_path / "dropped.sqlite"
    first = sqlite3.connect(path, factory=TakingTurns, check_same_thread=False)
    first.execute("PRAGMA journal_mode=WAL")
    first.execute("CREATE TABLE t (x INTEGER)")
    first.execute("INSERT INTO t VALUES (1)")
    assert first.in_transaction
    del first  # never committed nor closed: SQLite lets go of its lock as it is freed
    gc.collect()
    said: list[int] = []

    def second() -> None:
        conn = sqlite3.connect(path, factory=TakingTurns, timeout=0)
        conn.execute("INSERT INTO t VALUES (2)")
        conn.commit()
        said.extend(conn.execute("SELECT x FROM t").fetchone())
        conn.close()

    other = threading.Thread(target=second)
    other.start()
    other.join(5)  # the turn's wait is 30 s: a turn kept by the dropped one would still wait
    assert said == [2]


def test_no_write_is_held_open_while_a_document_is_read(embedded, tmp_path):
    """A document's entities and a model's turns take seconds: what the step wrote before
    (its chunks; in-process, the route's pages) is committed first, so another writer is
    not kept waiting meanwhile (SQLite takes one at a time). Probed from the model's turn,
    on a connection of its own that does not wait for SQLite's lock."""
    import random
    import sqlite3

    from docintel.testkit.samples import text_pdf_spec, write_pdf
    from tests.helpers import process

    database = embedded.db_url.removeprefix("sqlite:///")
    found: list[bool | str] = []

    class Probing:
        name, reason = "gemma", "a test's probing engine"

        def generate(self, requests):  # type: ignore[no-untyped-def]
            other = sqlite3.connect(database, timeout=0)
            try:
                other.execute("BEGIN IMMEDIATE")  # takes the write lock, or is turned away
                other.rollback()
                found.append(True)
            except sqlite3.OperationalError as exc:
                found.append(str(exc))
            finally:
                other.close()
            raise RuntimeError("the probe answers nothing")

    path = write_pdf(tmp_path / "a.pdf", text_pdf_spec(random.Random(3), 2))
    process(path, embedded, Probing())
    assert found and all(f is True for f in found), found
