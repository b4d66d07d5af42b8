"""A unit of work (``store.db.session_scope``) opens its session from its database's one
factory: ``sessionmaker`` makes a Session class of its own, whose events SQLAlchemy sets
up again on its first use (a tenth of a millisecond each unit of work, about ten a small
CSV)."""

from __future__ import annotations

from sqlalchemy import text

from docintel.store.db import dispose_engines, get_engine, session_scope


def test_units_of_work_on_one_database_share_its_session_factory(tmp_path):
    url = f"sqlite:///{tmp_path / 'a.sqlite'}"
    with session_scope(url) as first:
        first.execute(text("CREATE TABLE t (x INTEGER)"))
        made = type(first)
    with session_scope(url) as again:
        again.execute(text("INSERT INTO t VALUES (1)"))
        assert type(again) is made
    other = f"sqlite:///{tmp_path / 'b.sqlite'}"
    with session_scope(other) as elsewhere:
        assert type(elsewhere) is not made and elsewhere.get_bind() is get_engine(other)

    # after a fork's dispose, the sessions are the new engine's, and see the same rows
    dispose_engines()
    with session_scope(url) as after:
        assert type(after) is not made and after.get_bind() is get_engine(url)
        assert after.execute(text("SELECT x FROM t")).scalar() == 1
        made = type(after)

    # an engine made again for the URL (its cache full of other URLs) has a factory of its own
    get_engine.cache_clear()
    with session_scope(url) as remade:
        assert type(remade) is not made and remade.get_bind() is get_engine(url)
