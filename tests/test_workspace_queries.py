"""What the inbox asks the database, on SQLite and PostgreSQL: a saved view's count is the
length of the list the view opens, counted by one statement that reads no more rows however
many documents there are; the attachments and members under a page's documents come in one
query per level, however many parents the page has; the API documents every filter a view
keeps."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from sqlalchemy import event

from docintel.api.workspace import COUNT_CAP, counted_views, view_filters
from docintel.config import Settings
from docintel.store.correspondents import assign, get_or_create
from docintel.store.db import get_engine, session_scope
from docintel.store.mail import add_tags
from docintel.store.schema import Document, utcnow
from docintel.store.views import KEYS, save_view
from docintel.worker.listing import document_listing

PAGE = 50  # the inbox's page (DOCINTEL_API_PAGE_SIZE's default)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest) -> Settings:
    return request.getfixturevalue("embedded" if request.param == "sqlite" else "api_settings")


def document(name: str, status: str = "done", **columns: object) -> Document:
    sha = uuid.uuid4().hex * 2  # each its own: a file read once
    return Document(sha256=sha, name=name, status=status, warnings=[], meta={}, **columns)


def add_documents(settings: Settings, count: int, start: int = 0) -> None:
    """``count`` documents of several statuses, kinds, tags and correspondents; every 7th
    has two attachments (one with a member of its own), every 11th is in the trash."""
    with session_scope(settings.db_url) as s:
        acme = get_or_create(s, "Acme GmbH")
        for n in range(start, start + count):
            doc = document(
                f"doc-{n}.pdf",
                status="done" if n % 3 else "failed",
                kind="pdf" if n % 2 else "table",
                deleted_at=utcnow() if n % 11 == 0 else None,
            )
            s.add(doc)
            s.flush()
            if n % 4 == 0:
                assign(s, doc, acme)
            add_tags(s, doc.id, ["to pay"] if n % 2 == 0 else ["paid"])
            if n % 7 == 0:
                for m in range(2):
                    child = document(
                        f"doc-{n}-{m}.pdf", kind="pdf", parent_id=doc.id, deleted_at=doc.deleted_at
                    )
                    s.add(child)
                    s.flush()
                    add_tags(s, child.id, ["to pay"])
                    if m == 0:
                        s.add(document("inner.txt", parent_id=child.id))


def save_views(settings: Settings) -> None:
    with session_scope(settings.db_url) as s:
        acme = get_or_create(s, "Acme GmbH")
        views = {
            "Everything": {},
            "Done": {"status": "done"},
            "To pay": {"tag": "to pay"},
            "Acme's failed tables": {"status": "failed", "type": "table", "correspondent": acme.id},
            "Acme": {"correspondent": acme.id},
            "Trash": {"trash": "true"},
            "Done PDFs in the trash": {"status": "done", "type": "pdf", "trash": "true"},
            "Nothing": {"tag": "no such tag"},
        }
        for name, filters in views.items():
            save_view(s, "ann", name, filters)


def listed(settings: Settings, kept: dict[str, str]) -> int:
    """How many documents the inbox lists for a view, paging to its last page."""
    total, cursor = 0, None
    while True:
        docs, cursor = document_listing(settings, view_filters(kept), PAGE, cursor)
        total += len(docs)
        if cursor is None:
            return total


def test_a_views_count_is_what_its_list_shows(database: Settings) -> None:
    add_documents(database, 620)
    save_views(database)
    views = counted_views(database, "ann")
    shown = {v["name"]: v["count"] for v in views}
    lengths = {v["name"]: listed(database, v["filters"]) for v in views}
    assert shown == {
        name: f"{COUNT_CAP}+" if n > COUNT_CAP else str(n) for name, n in lengths.items()
    }
    assert lengths["Everything"] > COUNT_CAP  # the cap shows
    assert PAGE < lengths["To pay"] < COUNT_CAP  # several pages, counted exactly
    assert 0 < lengths["Acme's failed tables"] < PAGE and lengths["Nothing"] == 0
    assert lengths["Done PDFs in the trash"] > 0 and lengths["Acme"] > PAGE


@dataclass
class Asked:
    statements: int = 0
    rows: int = 0  # rows the database sent back (PostgreSQL reports them)


@contextmanager
def asked(settings: Settings) -> Iterator[Asked]:
    """Counts the statements sent to ``settings``' database, and the rows they returned."""
    engine = get_engine(settings.db_url)
    seen = Asked()

    def after(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        seen.statements += 1
        if statement.lstrip().upper().startswith("SELECT") and cursor.rowcount > 0:
            seen.rows += cursor.rowcount

    event.listen(engine, "after_cursor_execute", after)
    try:
        yield seen
    finally:
        event.remove(engine, "after_cursor_execute", after)


def test_counting_the_views_reads_no_more_as_the_inbox_grows(api_settings: Settings) -> None:
    """Each view's count was the summaries of up to 500 documents (and their tags), built
    on every inbox load: 8 views over 620 documents read some 4,000 rows. Now one COUNT per
    view: the same statements and rows for 60 documents as for 620."""
    add_documents(api_settings, 60)
    save_views(api_settings)
    with asked(api_settings) as small:
        counted_views(api_settings, "ann")
    add_documents(api_settings, 560, start=60)
    with asked(api_settings) as big:
        counts = counted_views(api_settings, "ann")
    assert {v["name"]: v["count"] for v in counts}["Everything"] == f"{COUNT_CAP}+"
    assert small.rows > 0 and (big.statements, big.rows) == (small.statements, small.rows)
    assert big.statements == 1 + len(counts)  # the views, then one COUNT each


def inbox_page(settings: Settings) -> list[dict]:
    docs, _ = document_listing(settings, view_filters({}), PAGE)
    return docs


def test_children_come_in_one_query_per_level(database: Settings) -> None:
    """A page of documents with attachments, and members of those: listing them under
    their parents was one query per parent per level; now the statements per level stay
    the same however many parents the page has. Each parent still shows its newest
    CHILDREN_SHOWN children and says how many more there are."""
    from docintel.api.finding import CHILDREN_SHOWN, with_children

    add_documents(database, 15)  # parents 0 (in the trash), 7 and 14
    page = inbox_page(database)
    with asked(database) as few:
        rows = with_children(database, page, trashed=False)
    parents = {r["parent_id"] for r in rows if r.get("depth") == 1 and "id" in r}
    assert sum(1 for r in rows if r.get("depth") == 1) == 4  # two under each of 7 and 14
    assert sum(1 for r in rows if r.get("depth") == 2) == 2  # a member under each first
    add_documents(database, 60, start=15)
    with session_scope(database.db_url) as s:  # one parent with more than are shown
        big = document("big.zip")
        s.add(big)
        s.flush()
        for m in range(CHILDREN_SHOWN + 3):
            s.add(document(f"m{m}", parent_id=big.id))
        big_id = big.id
    page = inbox_page(database)
    with asked(database) as many:
        rows = with_children(database, page, trashed=False)
    assert len({r["parent_id"] for r in rows if r.get("depth") == 1 and "id" in r}) > 2 * len(
        parents
    )
    assert many.statements == few.statements  # three levels either way
    under_big = [r["id"] for r in rows if r.get("parent_id") == big_id]
    with session_scope(database.db_url) as s:
        newest = sorted(
            (d.id for d in s.query(Document).filter(Document.parent_id == big_id)), reverse=True
        )[:CHILDREN_SHOWN]
    assert under_big == sorted(newest)
    [more] = [r for r in rows if "more" in r and r["of"]["id"] == big_id]
    assert more["more"] == 3
    for n, r in enumerate(rows):  # each child right after its parent or its siblings
        if r.get("depth", 0) > 0 and "more" not in r:
            above = [x for x in rows[:n] if x.get("depth") == r["depth"] - 1 and "id" in x]
            assert above[-1]["id"] == r["parent_id"]


def test_the_api_documents_every_filter_a_view_keeps(embedded: Settings) -> None:
    """`correspondent` was a filter a view keeps that the API's schemas did not name."""
    from docintel.api import create_app

    spec = create_app(embedded).openapi()
    schemas = spec["components"]["schemas"]
    for model in ("SavedViewOut", "ViewBody"):
        described = schemas[model]["properties"]["filters"]["description"]
        missing = [key for key in KEYS if f"{key}:" not in described]
        assert not missing, f"{model} does not document {missing}"
