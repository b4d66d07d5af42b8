"""Alembic history for the results database: one history, PostgreSQL and SQLite."""

from __future__ import annotations

import os
import re
import sqlite3
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config

HERE = Path(__file__).resolve().parent
# A new SQLite database is made from this script, not by replaying every migration (as
# Rails loads schema.rb): the first embedded command in a new home skips Alembic's import
# and the migrations (0.2 s for seven). `docintel dev schema` writes it; a test checks it
# against the migrations, and a stale one (another head) is not used.
SNAPSHOT = HERE / "sqlite_head.sql"
_REVISION = re.compile(r'^(down_)?revision\s*=\s*"([^"]*)"', re.M)


@lru_cache(maxsize=1)
def head_revision() -> str:
    """The newest revision, read from the version files (no Alembic import)."""
    revisions, parents = set(), set()
    for path in (HERE / "versions").glob("*.py"):
        for down, value in _REVISION.findall(path.read_text()):
            (parents if down else revisions).add(value)
    (head,) = revisions - parents
    return head


def current_revision(url: str) -> str | None:
    from sqlalchemy import create_engine, inspect, text

    if url.startswith("sqlite:///") and not Path(url.split("///", 1)[1]).exists():
        return None
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    cfg = Config(str(HERE / "alembic.ini"))
    cfg.set_main_option("script_location", str(HERE))
    # ConfigParser interpolation would eat a '%' in a password.
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate to ``revision``; a database already at the head costs one query, not an
    Alembic start-up (every embedded command calls this)."""
    if revision == "head" and current_revision(url) == head_revision():
        return
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if revision == "head" and not path.exists() and create_from_snapshot(path):
            return
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def sqlite_path(url: str) -> Path | None:
    """The file of an SQLite URL; None for other databases, memory, or URL options."""
    if not url.startswith("sqlite:///") or url == "sqlite:///:memory:" or "?" in url:
        return None
    return Path(url.split("///", 1)[1])


def create_from_snapshot(path: Path) -> bool:
    """A new SQLite database at the head revision from SNAPSHOT; False (nothing done) when
    the snapshot is missing or stale. Built aside and linked into place, so a command that
    starts at the same moment never finds half a schema, nor has its database replaced."""
    try:
        script = SNAPSHOT.read_text()
    except OSError:
        return False
    if f"-- revision: {head_revision()}\n" not in script:
        return False
    aside = path.with_name(f".{path.name}.{os.getpid()}.new")
    try:
        con = sqlite3.connect(aside)
        try:
            con.executescript(script)
        finally:
            con.close()
        os.link(aside, path)
    except FileExistsError:
        pass  # another command made it first: it is at the head too
    except OSError:
        return False  # no hard links here: Alembic makes it
    finally:
        aside.unlink(missing_ok=True)
    return True


def sqlite_schema(path: Path) -> list[str]:
    """The statements that make ``path``'s schema: tables, then indexes, then triggers and
    views, each by name (Alembic's own order varies from run to run); an FTS table's shadow
    tables are left out (creating the FTS table makes them)."""
    con = sqlite3.connect(path)
    try:
        kinds = {row[1]: row[2] for row in con.execute("PRAGMA table_list")}
        rows = con.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL"
        )
        rank = {"table": 0, "index": 1}
        found = [
            (rank.get(kind, 2), name, sql)
            for kind, name, table, sql in rows
            if kinds.get(table) != "shadow"
        ]
        return [constraints_by_name(sql) for *_, sql in sorted(found)]
    finally:
        con.close()


def constraints_by_name(sql: str) -> str:
    """A CREATE TABLE with its table constraints in the order of their names: a batch
    migration (SQLite cannot add a foreign key in place) writes them in the order of a
    Python set, which varies from run to run; columns keep their order."""
    lines = sql.split("\n")
    if len(lines) < 3 or not lines[0].rstrip().endswith("(") or lines[-1].strip() != ")":
        return sql
    body = [line.rstrip().rstrip(",") for line in lines[1:-1]]
    columns = [line for line in body if not line.strip().startswith("CONSTRAINT ")]
    constraints = sorted(line for line in body if line.strip().startswith("CONSTRAINT "))
    return "\n".join([lines[0], ",\n".join(columns + constraints), lines[-1]])


def write_snapshot(target: Path = SNAPSHOT) -> Path:
    """SNAPSHOT written again from the migrations, run by Alembic on a new database."""
    import tempfile

    from alembic import command

    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "head.db"
        command.upgrade(alembic_config(f"sqlite:///{db}"), "head")
        statements = sqlite_schema(db)
    head = head_revision()
    lines = [
        "-- The schema of a new SQLite database at the head of migrations/versions, written by",
        "-- `docintel dev schema`; tests/test_migrations.py checks it against the migrations.",
        f"-- revision: {head}",
        "BEGIN;",
        *("\n".join(line.rstrip() for line in sql.splitlines()) + ";" for sql in statements),
        f"INSERT INTO alembic_version (version_num) VALUES ('{head}');",
        "COMMIT;",
        "",
    ]
    target.write_text("\n".join(lines))
    return target


def downgrade(url: str, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(url), revision)
