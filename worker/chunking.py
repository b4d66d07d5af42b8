"""Page- and time-aware chunks of a document for retrieval."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.schema import AudioSegment, DocTable, Document, Page


def _pack(pieces: list[str], size: int) -> list[str]:
    chunks, current = [], ""
    for piece in pieces:
        if current and len(current) + len(piece) + 2 > size:
            chunks.append(current)
            current = ""
        current = f"{current}\n\n{piece}" if current else piece
        while len(current) > 2 * size:  # one very long paragraph: cut at a space
            cut = current.rfind(" ", 0, size) or size
            chunks.append(current[:cut])
            current = current[cut:].lstrip()
    if current.strip():
        chunks.append(current)
    return chunks


def document_chunks(session: Session, doc: Document, size: int = 800) -> list[dict[str, Any]]:
    chunks: list[dict[str, Any]] = []
    for page in session.scalars(select(Page).where(Page.document_id == doc.id).order_by(Page.page)):
        if page.markdown:
            for text in _pack([p for p in page.markdown.split("\n\n") if p.strip()], size):
                chunks.append({"text": text, "page": page.page})
    for table in session.scalars(
        select(DocTable).where(DocTable.document_id == doc.id, DocTable.page == 0)
    ):
        lines = [
            "; ".join(f"{h}: {v}" for h, v in zip(table.headers, row, strict=False))
            for row in table.rows
        ]
        head = f"{table.sheet}: " if table.sheet else ""
        chunks += [{"text": head + text} for text in _pack(lines, size)]
    window: list[AudioSegment] = []
    for seg in session.scalars(
        select(AudioSegment)
        .where(AudioSegment.document_id == doc.id, AudioSegment.skipped.is_(False))
        .order_by(AudioSegment.start_s)
    ):
        if not seg.text:
            continue
        window.append(seg)
        if sum(len(s.text or "") for s in window) >= size:
            chunks.append(_segments_chunk(window))
            window = []
    if window:
        chunks.append(_segments_chunk(window))
    return chunks


def _segments_chunk(segments: list[AudioSegment]) -> dict[str, Any]:
    return {
        "text": " ".join(s.text or "" for s in segments),
        "start_s": segments[0].start_s,
        "end_s": segments[-1].end_s,
    }
