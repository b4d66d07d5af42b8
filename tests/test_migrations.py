"""One Alembic history on PostgreSQL and SQLite: up, down, up again, and no drift."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from docintel.store.schema import Base, include_object

TABLES = {
    "documents",
    "pages",
    "audio_segments",
    "tables",
    "extractions",
    "entities",
    "relationships",
    "audit_events",
    "step_runs",
    "fields",
    "api_tokens",
    "mail_accounts",
    "mail_folders",
    "mail_messages",
    "document_tags",
    "users",
    "saved_views",
}


def _roundtrip(url: str) -> None:
    from docintel import migrations

    migrations.upgrade(url)
    engine = create_engine(url)
    assert TABLES <= set(inspect(engine).get_table_names())
    migrations.downgrade(url, "base")
    assert not TABLES & set(inspect(engine).get_table_names())
    migrations.upgrade(url)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn,
            opts={"compare_type": True, "render_as_batch": True, "include_object": include_object},
        )
        drift = compare_metadata(ctx, Base.metadata)
    engine.dispose()
    assert drift == [], f"models and migrations differ: {drift}"


def test_sqlite_upgrade_downgrade_upgrade_without_drift(tmp_path):
    _roundtrip(f"sqlite:///{tmp_path / 'm.db'}")


def _normalised(statements: list[str]) -> list[str]:
    return sorted(" ".join(sql.split()) for sql in statements)  # Alembic's order varies


def test_a_new_sqlite_database_is_made_from_the_snapshot_with_the_migrations_schema(
    tmp_path, monkeypatch
):
    """A new embedded database is made from migrations/sqlite_head.sql without importing
    Alembic, and holds exactly the schema and revision the migrations make; a stale
    snapshot is not used. If this fails after a new migration: `docintel dev schema`."""
    import subprocess
    import sys

    from alembic import command

    from docintel import migrations

    by_alembic = tmp_path / "alembic.db"
    command.upgrade(migrations.alembic_config(f"sqlite:///{by_alembic}"), "head")
    new = tmp_path / "home" / "new.db"
    probe = (
        "import sys; from docintel import migrations; "
        f"migrations.upgrade('sqlite:///{new}'); print('alembic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"  # the snapshot made it, not Alembic
    assert _normalised(migrations.sqlite_schema(new)) == _normalised(
        migrations.sqlite_schema(by_alembic)
    )
    assert migrations.current_revision(f"sqlite:///{new}") == migrations.head_revision()
    assert not list(new.parent.glob(".*.new"))  # nothing left aside

    stale = tmp_path / "stale.sql"
    stale.write_text(migrations.SNAPSHOT.read_text().replace("-- revision: ", "-- revision: x"))
    monkeypatch.setattr(migrations, "SNAPSHOT", stale)
    assert not migrations.create_from_snapshot(tmp_path / "unused.db")
    migrations.upgrade(f"sqlite:///{tmp_path / 'by-alembic-again.db'}")
    assert _normalised(migrations.sqlite_schema(tmp_path / "by-alembic-again.db")) == (
        _normalised(migrations.sqlite_schema(by_alembic))
    )


def test_postgresql_upgrade_downgrade_upgrade_without_drift(pg_url):
    _roundtrip(pg_url)
    engine = create_engine(pg_url)
    columns = {c["name"]: c for c in inspect(engine).get_columns("pages")}
    engine.dispose()
    assert type(columns["fields"]["type"]).__name__ == "JSONB"


def test_the_models_postgresql_ddl_has_jsonb_and_the_partial_indexes(pg_url):
    """The models' own PostgreSQL schema (``create_all``): their JSON columns JSONB and their
    partial indexes partial, though neither imports the PostgreSQL dialect until it is used
    (store/base.py: ``Json``, ``PartialIndex``), and the drift check above compares neither
    a partial index's WHERE nor JSON with JSONB."""
    from sqlalchemy import JSON, text

    from docintel.store.db import create_all

    create_all(pg_url)
    json_columns = {
        (table.name, column.name)
        for table in Base.metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, JSON)
    }
    engine = create_engine(pg_url)
    with engine.connect() as conn:
        types = dict(
            ((table, column), kind)
            for table, column, kind in conn.execute(
                text(
                    "SELECT table_name, column_name, data_type FROM information_schema.columns"
                    " WHERE table_schema = 'public'"
                )
            )
        )
        indexes = dict(conn.execute(text("SELECT indexname, indexdef FROM pg_indexes")).fetchall())
    engine.dispose()
    assert len(json_columns) > 10
    assert {types[key] for key in json_columns} == {"jsonb"}
    assert indexes["uq_documents_sha256_original"].endswith(
        "(sha256) WHERE ((status)::text <> 'duplicate'::text)"
    )
    assert indexes["ix_chunks_pending"].endswith("(id) WHERE (embedding IS NULL)")


def migrated_url(backend: str, tmp_path, request) -> str:
    """A fresh database of either kind, at head."""
    url = (
        f"sqlite:///{tmp_path / 'db.sqlite'}"
        if backend == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    from docintel import migrations

    migrations.upgrade(url)
    return url


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_duplicate_rows_may_share_a_sha_but_originals_may_not(backend, tmp_path, request):
    from sqlalchemy.exc import IntegrityError

    from docintel.store.db import session_scope
    from docintel.store.schema import Document

    url = migrated_url(backend, tmp_path, request)
    with session_scope(url) as s:
        s.add(Document(sha256="a" * 64, name="x", status="done", warnings=[], meta={}))
        s.add(Document(sha256="a" * 64, name="x-again", status="duplicate", warnings=[], meta={}))
    with pytest.raises(IntegrityError), session_scope(url) as s:
        s.add(Document(sha256="a" * 64, name="y", status="queued", warnings=[], meta={}))


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_nul_characters_are_stored_not_fatal(backend, tmp_path, request):
    """Text layers and model output can hold NUL; PostgreSQL text and JSONB refuse it."""
    from sqlalchemy import select

    from docintel.store.db import session_scope
    from docintel.store.records import audit, save_pages
    from docintel.store.schema import AuditEvent, Document, Page

    url = migrated_url(backend, tmp_path, request)
    with session_scope(url) as s:
        doc = Document(sha256="b" * 64, name="n", status="processing", warnings=[], meta={})
        s.add(doc)
        s.flush()
        save_pages(
            s,
            doc.id,
            [{"page": 1, "status": "done", "markdown": "a\x00b", "fields": {"k\x00": "v\x00"}}],
        )
        audit(s, run="b" * 64, document_id=doc.id, step="page:1:ocr", content="x\x00y")
    with session_scope(url) as s:
        assert s.scalar(select(Page.markdown)) == "a\ufffdb"
        assert s.scalar(select(AuditEvent.content)) == "x\ufffdy"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_pending_chunks_are_read_from_their_own_index(backend, tmp_path, request):
    """Before each batch the index step asks for the oldest chunks not embedded yet; a plan
    that walks every embedded chunk first grows with the corpus (125 ms a batch over
    200,000 chunks on PostgreSQL)."""
    from sqlalchemy import event

    from docintel.store.db import get_engine, session_scope
    from docintel.store.search import count_pending, pending_chunks

    url = migrated_url(backend, tmp_path, request)
    engine = get_engine(url)
    for read in (lambda s: pending_chunks(s, 8), count_pending):
        asked: list[tuple] = []

        def grab(_conn, _cursor, statement, parameters, _context, _many, asked=asked):
            asked.append((statement, parameters))

        event.listen(engine, "before_cursor_execute", grab)
        try:
            with session_scope(url) as s:
                read(s)
        finally:
            event.remove(engine, "before_cursor_execute", grab)
        statement, parameters = asked[-1]
        explain = "EXPLAIN" if backend == "postgresql" else "EXPLAIN QUERY PLAN"
        with engine.connect() as conn:
            if backend == "postgresql":  # an empty table is read whole, whatever its indexes
                conn.exec_driver_sql("SET enable_seqscan = off")
            plan = conn.exec_driver_sql(f"{explain} {statement}", parameters).all()
        assert "ix_chunks_pending" in str(plan), plan


def test_a_tables_constraints_are_compared_and_written_in_the_order_of_their_names(tmp_path):
    """0012 rebuilds documents in a batch (SQLite cannot add a foreign key in place), which
    writes its constraints in the order of a Python set: the snapshot test failed now and
    then. The schema lists them by name, and the statement still makes the table."""
    import sqlite3

    from docintel.migrations import constraints_by_name

    pk, fk = (
        "\tCONSTRAINT pk_t PRIMARY KEY (id)",
        "\tCONSTRAINT fk_t_p FOREIGN KEY(p) REFERENCES t (id)",
    )
    made = [
        "CREATE TABLE t (\n\tid INTEGER NOT NULL,\n\tp INTEGER,\n" + ",\n".join(order) + "\n)"
        for order in ([pk, fk], [fk, pk])
    ]
    assert made[0] != made[1]
    assert constraints_by_name(made[0]) == constraints_by_name(made[1])
    con = sqlite3.connect(tmp_path / "t.db")
    con.execute(constraints_by_name(made[1]))
    assert [c[1] for c in con.execute("PRAGMA table_info(t)")] == ["id", "p"]
    con.close()
