"""The declarative base every table of ours is mapped on, with its naming convention; in
a module of its own so that the tables can live in several modules (``store.schema``,
``store.mail_schema``) and still make one metadata."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Index, MetaData
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.types import TypeDecorator, TypeEngine


class _JSONB(TypeDecorator[Any]):
    """PostgreSQL's JSONB, its dialect imported the first time a PostgreSQL connection
    needs it: importing ``sqlalchemy.dialects.postgresql`` (and its drivers' modules) costs
    ~20 ms of every embedded command's start-up, on SQLite, which never uses it (issue 32).
    Only the ``postgresql`` variant of ``Json`` is one of these; there it is JSONB in the
    DDL, the binds and the results, as ``postgresql.JSONB()`` itself was."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        from sqlalchemy.dialects.postgresql import JSONB

        return JSONB()


# JSONB on PostgreSQL (indexable, compact), plain JSON elsewhere.
Json = JSON().with_variant(_JSONB(), "postgresql")


class PartialIndex(Index):
    """An index of the rows ``where`` holds, on PostgreSQL and SQLite alike: what
    ``Index(..., postgresql_where=where, sqlite_where=where)`` makes, but PostgreSQL's
    options are filled in when they are first read (its DDL, ``dialect_kwargs[...]``), not
    at import: SQLAlchemy checks a ``postgresql_*`` argument against the PostgreSQL dialect,
    and importing it costs an SQLite command ~20 ms (issue 32). Until then ``dialect_kwargs``
    lists the SQLite options alone. tests/test_migrations.py checks the PostgreSQL DDL."""

    def __init__(self, name: str, *columns: str, where: TextClause, unique: bool = False):
        self.where = where
        super().__init__(name, *columns, unique=unique, sqlite_where=where)

    def _kw_reg_for_dialect_cls(self, dialect_name: str) -> Any:  # type: ignore[override]
        # An instance method where SQLAlchemy has a class method: ``dialect_options`` asks
        # it for each dialect's options the first time they are read.
        options = Index._kw_reg_for_dialect_cls(dialect_name)
        if dialect_name == "postgresql":
            options["where"] = self.where
        return options


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
