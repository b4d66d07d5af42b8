"""Pages whose text runs up or down the sheet (a landscape table printed on a portrait page,
a page scanned or composed sideways): read turned upright, so that lines are lines and a
table's rows are rows. The page is drawn turned into a page of its own (PyMuPDF's
``show_pdf_page``), whose text and rules the same readers then take as they come."""

from __future__ import annotations

from collections import Counter
from typing import Any

# a word box taller than wide (three letters or more) is a word set sideways
SIDEWAYS_SHARE = 0.6
MIN_WORDS = 8


def sideways(words: list[Any]) -> bool:
    """Whether most of the page's words stand on end: a cheap look at the word boxes, so that
    only such pages pay for the text direction's reading."""
    long = [w for w in words if len(w[4]) >= 3]
    if len(long) < MIN_WORDS:
        return False
    tall = sum(1 for w in long if (w[3] - w[1]) > 1.2 * (w[2] - w[0]))
    return tall >= SIDEWAYS_SHARE * len(long)


def text_direction(page: Any) -> tuple[int, int]:
    """The direction most of the page's characters run in, as PyMuPDF's line 'dir' vectors
    round: (1, 0) upright, (0, -1) bottom to top, (0, 1) top to bottom, (-1, 0) upside
    down."""
    counts: Counter[tuple[int, int]] = Counter()
    for block in page.get_text("dict")["blocks"]:
        for line in block.get("lines", ()):
            direction = (round(line["dir"][0]), round(line["dir"][1]))
            counts[direction] += sum(len(span["text"]) for span in line["spans"])
    return counts.most_common(1)[0][0] if counts else (1, 0)


def upright(doc: Any, index: int, words: list[Any]) -> tuple[Any, Any] | None:
    """(a document holding the page turned upright, that page), or None where the page
    reads upright already. The page's unrotated sheet (show_pdf_page draws it without its
    /Rotate) is turned by each quarter in turn until its text runs left to right inside the
    sheet: text set sideways and a page's /Rotate add up in ways no one formula covers. The
    caller keeps the document open while it reads the page."""
    if not sideways(words):
        return None
    page = doc.load_page(index)
    if text_direction(page) == (1, 0):
        return None
    import pymupdf

    rect = page.cropbox  # unrotated
    for turn in (0, 90, 270, 180):
        turned = pymupdf.open()
        width, height = (
            (rect.height, rect.width) if turn in (90, 270) else (rect.width, rect.height)
        )
        target = turned.new_page(width=width, height=height)
        target.show_pdf_page(target.rect, doc, index, rotate=turn)
        if text_direction(target) == (1, 0) and _inside(target):
            return turned, target
        turned.close()
    return None


def _inside(page: Any, slack: float = 2.0) -> bool:
    """Whether every word lies on the sheet (a wrong turn pushes words off its edge)."""
    r = page.rect
    return all(
        w[0] >= r.x0 - slack
        and w[2] <= r.x1 + slack
        and w[1] >= r.y0 - slack
        and w[3] <= r.y1 + slack
        for w in page.get_text("words")
    )
