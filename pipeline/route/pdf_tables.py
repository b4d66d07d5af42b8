"""Tables on digital PDF pages: ruled tables through PyMuPDF's table finder, and unruled
ones (columns aligned with spaces, no lines: how most exported reports look) from the
alignment of the words themselves (``pdf_aligned``; inside their rules, where only
horizontal ones are drawn: ``pdf_bands``). Each cell's text is rebuilt from the words
inside it, so values like '$ 10.000,00' or '20-27083460-5' stay whole."""

from __future__ import annotations

from typing import Any

from docintel.pipeline.route.pdf_aligned import (
    Word,
    aligned_tables,
    dots_only,
    line_cells,
    visual_lines,
)
from docintel.pipeline.route.pdf_bands import rule_bands
from docintel.pipeline.route.pdf_rows import ruled_rows
from docintel.pipeline.types import TableData

__all__ = ["aligned_tables", "find_tables", "inside", "line_cells", "ruled_tables", "visual_lines"]


def find_tables(page: Any, words: list[Word]) -> list[TableData]:
    drawings = page.get_cdrawings()  # once: both kinds of rules are read from them
    tables = ruled_tables(page, words, drawings)
    boxes = [t.bbox for t in tables if t.bbox]
    for band, rules in rule_bands(page, words, drawings=drawings):
        # a table ruled by rows only: its words read apart from the prose beside it
        middle = ((band[0] + band[2]) / 2, (band[1] + band[3]) / 2)
        if any(inside((*middle, *middle, "", 0, 0, 0), b) for b in boxes):
            continue
        free = [w for w in words if not any(inside(w, b) for b in boxes)]
        one = ruled_rows(free, band, rules)  # each ruled row one row, however many lines
        inner = [w for w in free if inside(w, band)]
        for table in [one] if one else aligned_tables(inner):
            tables.append(table)
            boxes.append(table.bbox)
    free = [w for w in words if not any(inside(w, b) for b in boxes)] if boxes else words
    return sorted(tables + aligned_tables(free), key=lambda t: t.bbox[1] if t.bbox else 0.0)


def ruled_tables(page: Any, words: list[Word], drawings: Any = None) -> list[TableData]:
    ruled = ruling_box(page, drawings=drawings)
    if ruled is None:
        return []  # the table finder costs time; a page with no rules has no grid
    try:
        # use_layout=False: PyMuPDF 2's layout model finds the same tables 4x slower here.
        # clip: the finder turns every character it is given into a dict (140 ms on a
        # full page); a grid holds only the characters near its rules. The clip spans the
        # page's width and a few lines above and below the rules: a table's first column
        # or its header standing outside the drawn lines is never cut off.
        found = page.find_tables(use_layout=False, clip=_around(ruled, page.rect))
    except Exception:
        return []
    tables: list[TableData] = []
    for tab in found.tables:
        # the words of the grid's cells, once: each cell's are looked for among these, not
        # among the whole page's
        box = _cells_box(tab.cells) if tab.cells else None
        held = [w for w in words if inside(w, box)] if box else []
        grid = [[_cell_text(cell, held) for cell in row.cells] for row in tab.rows]
        grid = _compact([row for row in grid if any(row)])
        if len(grid) < 2 or max(len(r) for r in grid) < 2:
            continue
        if _framed(tab, held):
            # a frame, not a grid: a few cells each holding many lines in columns of their
            # own; the word-alignment reader reads what the frame holds
            tables += aligned_tables([w for w in words if inside(w, tuple(tab.bbox))])
            continue
        # PyMuPDF's header finder (30 ms a table) is asked only where a header above the
        # grid is possible at all.
        headers, rows = grid[0], grid[1:]
        if _text_just_above(tab.rows[0].bbox, words) and tab.header.external:
            names = [_clean(h) for h in tab.header.names]
            if sum(1 for name in names if name) >= 2:  # one name over the grid: its caption
                headers, rows = names, grid
        tables.append(TableData(headers=headers, rows=rows, bbox=tuple(tab.bbox)))
    return tables


def _around(
    box: tuple[float, float, float, float], page: Any, lines: float = 36.0
) -> tuple[float, float, float, float]:
    """The ruled box widened to the page's width and a few lines up and down."""
    return (page.x0, max(page.y0, box[1] - lines), page.x1, min(page.y1, box[3] + lines))


def _cells_box(cells: list[Any]) -> tuple[float, float, float, float]:
    """The box around a grid's cells (the table's own may be set apart from them)."""
    return (
        min(c[0] for c in cells),
        min(c[1] for c in cells),
        max(c[2] for c in cells),
        max(c[3] for c in cells),
    )


def _compact(grid: list[list[str]]) -> list[list[str]]:
    """A grid without the columns empty in every row (rules drawn closer than the text's
    columns make them)."""
    if not grid:
        return grid
    width = max(len(r) for r in grid)
    rows = [r + [""] * (width - len(r)) for r in grid]
    keep = [c for c in range(width) if any(r[c] for r in rows)]
    return [[r[c] for c in keep] for r in rows]


def _framed(tab: Any, words: list[Word]) -> bool:
    """Whether a ruled 'table' is a frame, not a grid: most of its text in cells that hold
    four lines or more, in columns of their own or a value a line (a few rows of giant
    cells; a real grid's cells hold a line or three, or a paragraph: a law's old and new
    wording side by side), or, in a grid mostly empty, a quarter of it on lines that a cell
    holds across what the line's own spacing says are columns (a form drawn in a few boxes: 'BILL TO
    ... Invoice No:' in one cell, its value in another), or, in any grid, half of it on such
    lines: rows drawn (shaded bands, rules) but the text's columns not, so that each 'cell'
    holds two of them on every line ('7.6  0  126.3  $846'), or a page laid out in boxes: a
    third of its cells empty or more, half its words in paragraphs (cells of four lines or
    more), a small table a box of it."""
    held = deep = joined = cells = empty = paragraphs = 0
    for row in tab.rows:
        for bbox in row.cells:
            if bbox is None:
                continue
            # a leader's dots are no words: 'Burglary . . . . .' is one label a line
            inner = [w for w in words if inside(w, bbox) and not dots_only(w[4])]
            held += len(inner)
            cells, empty = cells + 1, empty + (not inner)
            lines = visual_lines(inner)
            split = sum(len(ws) for *_, ws in lines if len(line_cells(ws)) >= 2)
            listed = len(inner) <= 1.5 * len(lines)  # a value a line: a column of a table
            if len(lines) >= 4 and len(tab.rows) <= 6 and (split >= len(inner) / 4 or listed):
                deep += len(inner)
            if len(lines) >= 4:
                paragraphs += len(inner)
            joined += split
    boxes = empty >= cells / 2  # a few boxes drawn around a form, most of the 'grid' empty
    spanned = joined >= SPANNED * held  # most lines cut across by the text's own columns
    # a page laid out in boxes: a third of its 'cells' empty, most of its words paragraphs
    laid_out = empty >= cells / 3 and paragraphs >= 0.5 * held
    framed = deep >= 0.5 * held or (boxes and joined >= held / 4) or spanned or laid_out
    return held > 0 and framed


SPANNED = 0.5  # of a grid's words on lines its cells hold across columns: the text's grid


def _text_just_above(row: Any, words: list[Word]) -> bool:
    """Whether a word starts above the grid's top row, over its columns, and ends closer
    to it than 1.25 times its own height. PyMuPDF takes the top row as the header when the
    nearest text above is a line height away or more; this test is looser, so it never
    skips a header the finder would have found (none missed on 102 generated grids with
    headers 0-40 pt above them in four font sizes)."""
    x0, top, x1, _ = row
    above = [w for w in words if w[2] > x0 and w[0] < x1 and w[1] < top]
    if not above:
        return False
    nearest = max(above, key=lambda w: w[3])
    return top - nearest[3] < 1.25 * (nearest[3] - nearest[1])


def ruling_box(
    page: Any, margin: float = 2.0, drawings: Any = None
) -> tuple[float, float, float, float] | None:
    """The box around every line and rectangle drawn on the page (``drawings``: its
    ``get_cdrawings()``, where read already), a little wider, for strokes' widths, or None
    where there are fewer than three: no grid."""
    strokes = 0
    x0 = y0 = float("inf")
    x1 = y1 = float("-inf")
    for path in page.get_cdrawings() if drawings is None else drawings:
        if not any(item[0] in ("l", "re", "qu") for item in path.get("items", ())):
            continue
        strokes += sum(1 for item in path["items"] if item[0] in ("l", "re", "qu"))
        a, b, c, d = path["rect"]
        x0, y0, x1, y1 = min(x0, a), min(y0, b), max(x1, c), max(y1, d)
    if strokes < 3:
        return None
    return (x0 - margin, y0 - margin, x1 + margin, y1 + margin)


def inside(word: Word, bbox: tuple[float, float, float, float]) -> bool:
    x0, y0, x1, y1 = bbox
    return x0 <= (word[0] + word[2]) / 2 <= x1 and y0 <= (word[1] + word[3]) / 2 <= y1


def _cell_text(bbox: Any, words: list[Word]) -> str:
    if bbox is None:  # spanned by a merged neighbour
        return ""
    inside_words = [w for w in words if inside(w, bbox)]
    inside_words.sort(key=lambda w: (w[5], w[6], w[7]))  # block, line, word: reading order
    return " ".join(w[4] for w in inside_words)


def _clean(value: Any) -> str:
    return " ".join(str(value or "").split())
