"""Between the store's rows and the pipeline's typed results: what a task loads before it
calls the pipeline, and what it writes after."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from docintel.pipeline.types import DocumentContent, PageResult, Segment, TableData
from docintel.store.schema import AudioSegment, DocTable, Document, Page

_PAGE_FIELDS = tuple(PageResult.__dataclass_fields__)
_SEGMENT_FIELDS = tuple(Segment.__dataclass_fields__)


def page_result(row: Page) -> PageResult:
    return PageResult(**{f: getattr(row, f) for f in _PAGE_FIELDS})


def segment(row: AudioSegment) -> Segment:
    return Segment(**{f: getattr(row, f) for f in _SEGMENT_FIELDS})


def table_data(row: DocTable) -> TableData:
    return TableData(
        row.headers,
        row.rows,
        row.caption,
        footnotes=row.footnotes or [],
        page=row.page,
        index=row.index,
        sheet=row.sheet,
        engine=row.engine,
    )


def document_content(session: Session, doc: Document) -> DocumentContent:
    """Everything the steps after the fan-out read, in one place."""
    pages = session.scalars(select(Page).where(Page.document_id == doc.id).order_by(Page.page))
    tables = session.scalars(
        select(DocTable)
        .where(DocTable.document_id == doc.id)
        .order_by(DocTable.page, DocTable.index)
    )
    segments = session.scalars(
        select(AudioSegment)
        .where(AudioSegment.document_id == doc.id)
        .order_by(AudioSegment.start_s)
    )
    return DocumentContent(
        doc.name,
        [page_result(p) for p in pages],
        [table_data(t) for t in tables],
        [segment(s) for s in segments],
        doc.markdown or "",
        (doc.meta or {}).get("einvoice"),
    )


def route_reasons(session: Session, doc_id: int, pages: list[int]) -> dict[int, str | None]:
    """Route's words for why each of ``pages`` needed reading."""
    rows = session.execute(
        select(Page.page, Page.decision).where(Page.document_id == doc_id, Page.page.in_(pages))
    )
    return {page: decision for page, decision in rows}


def route_fields(session: Session, doc_id: int, pages: list[int]) -> dict[int, dict[str, str]]:
    """The form widgets route read on each of ``pages`` (they stand whatever reads the text)."""
    rows = session.execute(
        select(Page.page, Page.fields).where(Page.document_id == doc_id, Page.page.in_(pages))
    )
    return {page: dict(fields) for page, fields in rows if fields}


def planned_windows(session: Session, doc_id: int, windows: list[int]) -> list[Segment]:
    rows = session.scalars(
        select(AudioSegment)
        .where(AudioSegment.document_id == doc_id, AudioSegment.window.in_(windows))
        .order_by(AudioSegment.window)
    )
    return [segment(r) for r in rows]
