"""Alembic history for the results database: one history, PostgreSQL and SQLite."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config

HERE = Path(__file__).resolve().parent
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
    from alembic import command

    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url.split("///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(url), revision)
