"""merge and finalize: the CPU steps around the agent step."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.records import audit, set_status
from store.schema import AudioSegment, DocTable, Document, Page, Status
from worker.pdf import TableData, table_markdown


def document_markdown(session: Session, doc: Document) -> str:
    """One Markdown text for the document, in page order, then sheets, then the transcript."""
    parts: list[str] = []
    pages = session.scalars(select(Page).where(Page.document_id == doc.id).order_by(Page.page))
    for page in pages:
        body = page.markdown or f"*(page {page.page}: {page.decision or page.status})*"
        parts.append(f"<!-- page {page.page} -->\n{body}")
    sheets = session.scalars(
        select(DocTable)
        .where(DocTable.document_id == doc.id, DocTable.page == 0)
        .order_by(DocTable.index)
    )
    for table in sheets:
        title = f"## {table.sheet}\n\n" if table.sheet else ""
        parts.append(title + table_markdown(TableData(table.headers, table.rows, table.caption)))
    segments = session.scalars(
        select(AudioSegment)
        .where(AudioSegment.document_id == doc.id, AudioSegment.skipped.is_(False))
        .order_by(AudioSegment.start_s)
    )
    for seg in segments:
        parts.append(f"[{_clock(seg.start_s)}–{_clock(seg.end_s)}] {seg.text or ''}")
    return "\n\n".join(parts).strip()


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes:02d}:{secs:02d}"


def stitch_segments(session: Session, doc: Document) -> None:
    """Each window's text without the words it repeats from the previous window's overlap,
    from the raw texts the audio step kept, so running this twice changes nothing."""
    from worker.audio import stitch

    windows = list(
        session.scalars(
            select(AudioSegment)
            .where(AudioSegment.document_id == doc.id, AudioSegment.skipped.is_(False))
            .order_by(AudioSegment.start_s)
        )
    )
    if not windows:
        return
    overlaps = [max(0.0, a.end_s - b.start_s) for a, b in zip(windows, windows[1:], strict=False)]
    for field in ("text", "translation"):
        raw = [(w.timings or {}).get(f"raw_{field}") or "" for w in windows]
        if not any(raw):
            continue
        for window, text in zip(windows, stitch(raw, overlaps), strict=True):
            setattr(window, field, text)


def merge_document(session: Session, doc: Document) -> None:
    stitch_segments(session, doc)
    session.flush()
    doc.markdown = document_markdown(session, doc)
    audit(
        session,
        run=doc.sha256,
        document_id=doc.id,
        step="merge",
        content=f"merged {len(doc.markdown)} characters of Markdown",
    )


def finalize_document(session: Session, doc: Document) -> Callable[[], None] | None:
    set_status(session, doc.id, Status.done)
    audit(
        session,
        run=doc.sha256,
        document_id=doc.id,
        step="finalize",
        content=f"done; {len(doc.warnings or [])} warning(s)",
        status="warning" if doc.warnings else "ok",
    )
    return None
