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


def document_chunks(content: DocumentContent, size: int = 800) -> list[dict[str, Any]]:
    """Chunks of about ``size`` characters, each with its page or its seconds."""
    chunks: list[dict[str, Any]] = []
    for page in sorted(content.pages, key=lambda p: p.page):
        if page.markdown:
            for text in _pack([p for p in page.markdown.split("\n\n") if p.strip()], size):
                chunks.append({"text": text, "page": page.page})
    for table in content.sheets:
        lines = [
            "; ".join(f"{h}: {v}" for h, v in zip(table.headers, row, strict=False))
            for row in table.rows
        ]
        head = f"{table.sheet}: " if table.sheet else ""
        chunks += [{"text": head + text} for text in _pack(lines, size)]
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
