"""Page- and time-aware chunks of a document for retrieval."""

from __future__ import annotations

from typing import Any

from docintel.pipeline.types import DocumentContent, Segment


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


def document_chunks(
    content: DocumentContent, size: int = 800, max_table_chunks: int | None = None
) -> list[dict[str, Any]]:
    """Chunks of about ``size`` characters, each with its page or its seconds; a sheet gives
    at most ``max_table_chunks`` (see ``table_chunk_warnings``)."""
    chunks: list[dict[str, Any]] = []
    for page in sorted(content.pages, key=lambda p: p.page):
        if page.markdown:
            for text in _pack([p for p in page.markdown.split("\n\n") if p.strip()], size):
                chunks.append({"text": text, "page": page.page})
    for table in content.sheets:
        rows = _indexed_rows(table.rows, size, max_table_chunks)
        lines = [
            "; ".join(f"{h}: {v}" for h, v in zip(table.headers, row, strict=False)) for row in rows
        ]
        head = f"{table.sheet}: " if table.sheet else ""
        chunks += [{"text": head + text} for text in _pack(lines, size)][: max_table_chunks or None]
    window: list[Segment] = []
    for seg in content.speech:
        if not seg.text:
            continue
        window.append(seg)
        if sum(len(s.text or "") for s in window) >= size:
            chunks.append(_segments_chunk(window))
            window = []
    if window:
        chunks.append(_segments_chunk(window))
    return chunks


def _segments_chunk(segments: list[Segment]) -> dict[str, Any]:
    return {
        "text": " ".join(s.text or "" for s in segments),
        "start_s": segments[0].start_s,
        "end_s": segments[-1].end_s,
    }


def _indexed_rows(rows: list[list[str]], size: int, cap: int | None) -> list[list[str]]:
    """The leading rows that fill ``cap`` chunks (about), so a huge table is not turned
    into text whole only to be cut."""
    if not cap:
        return rows
    budget, out = cap * size, []
    for row in rows:
        budget -= sum(len(c) + 4 for c in row) + 2
        if budget < 0:
            break
        out.append(row)
    return out


def table_chunk_warnings(content: DocumentContent, size: int, cap: int) -> list[str]:
    """A warning per sheet whose rows were not all indexed for search."""
    warnings = []
    for table in content.sheets:
        kept = len(_indexed_rows(table.rows, size, cap))
        if kept < len(table.rows):
            label = f"sheet {table.sheet!r}" if table.sheet else "the table"
            warnings.append(
                f"{label} has {len(table.rows):,} rows: the first {kept:,} are indexed for "
                "search and questions; all rows are stored and shown (DOCINTEL_MAX_TABLE_CHUNKS"
                " raises the limit)."
            )
    return warnings
