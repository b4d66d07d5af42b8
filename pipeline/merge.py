"""merge: one Markdown text for the document, in page order, then sheets, then the
transcript; the audio windows stitched so words said in an overlap appear once."""

from __future__ import annotations

import re

from docintel.pipeline.audio.signal import monotonic_words, overlap_counts, stitch
from docintel.pipeline.types import DocumentContent, Segment, table_markdown


def stitch_segments(windows: list[Segment]) -> list[Segment]:
    """Each window's text without the words it repeats from the previous window's overlap,
    from the raw texts the audio step kept, so running this twice changes nothing."""
    if not windows:
        return []
    # windows whose words were split between them by time share none: nothing to remove
    overlaps = [
        0.0 if (b.timings or {}).get("split_by_time") else max(0.0, a.end_s - b.start_s)
        for a, b in zip(windows, windows[1:], strict=False)
    ]
    for field in ("text", "translation"):
        raw = [(w.timings or {}).get(f"raw_{field}") or "" for w in windows]
        if not any(raw):
            continue
        for window, text in zip(windows, stitch(raw, overlaps), strict=True):
            setattr(window, field, text)
    raw = [(w.timings or {}).get("raw_text") or "" for w in windows]
    for window, text, cut in zip(windows, raw, overlap_counts(raw, overlaps), strict=True):
        timed = (window.timings or {}).get("raw_words") or window.words
        if len(timed) == len(text.split()):
            # the word timestamps follow the text: the repeated words go from both
            window.timings["raw_words"] = timed
            window.words = timed[cut:]
    floor = 0.0
    for window in windows:
        if window.words:
            window.words = monotonic_words(window.words, floor)
            floor = window.words[-1][1]
    return windows


IMAGE_MARK = re.compile(r"<!-- image page (\d+) -->")


def document_markdown(content: DocumentContent) -> str:
    pages = {p.page: p for p in content.pages}
    placed: set[int] = set()

    def image_text(m: re.Match[str]) -> str:
        """An image inside an Office file: its text where the image stood."""
        number = int(m.group(1))
        image = pages.get(number)
        if image is None:
            return m.group(0)
        placed.add(number)
        return image.markdown or f"*(image: {image.decision or image.status})*"

    bodies = {
        p.page: IMAGE_MARK.sub(image_text, p.markdown or "") if p.markdown else None
        for p in content.pages
    }
    parts: list[str] = []
    for page in sorted(content.pages, key=lambda p: p.page):
        if page.page in placed:
            continue
        body = bodies[page.page] or f"*(page {page.page}: {page.decision or page.status})*"
        parts.append(f"<!-- page {page.page} -->\n{body}")
    for table in content.sheets:
        title = f"## {table.sheet}\n\n" if table.sheet else ""
        parts.append(title + table_markdown(table))
    for seg in content.speech:
        parts.append(f"[{_clock(seg.start_s)}–{_clock(seg.end_s)}] {seg.text or ''}")
    return "\n\n".join(parts).strip()


def merge(content: DocumentContent) -> list[Segment]:
    """Stitch the transcript and set ``content.markdown``; returns the stitched windows."""
    stitched = stitch_segments(content.speech)
    content.markdown = document_markdown(content)
    return stitched


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes:02d}:{secs:02d}"
