"""Tables whose rows are ruled, not their columns: a rule under the header and under each
row, none between the columns, and cells that wrap onto several lines ('Parastratiosph /
ecomyiastratio / sphecomyioid / es' beside one 'Says'). Read line by line, each wrapped line
is a row of its own, most of it empty; the rules say where a row ends, so each ruled band is
one row, each column's lines in it one cell. ``pdf_tables`` asks this reader first for the
words between a table's rules, and the line-by-line reader where it declines."""

from __future__ import annotations

from docintel.pipeline.route.pdf_aligned import (
    Line,
    Word,
    column_of,
    line_cells,
    line_pieces,
    run_columns,
    visual_lines,
)
from docintel.pipeline.types import TableData

Box = tuple[float, float, float, float]


def ruled_rows(words: list[Word], box: Box, rules: list[float]) -> TableData | None:
    """The table between ``rules`` (their heights, top to bottom) inside ``box``, a row per
    ruled band, or None where the bands are not rows: fewer than three bands hold words
    (a header and a body between three rules are a table of many rows), each holds one line
    (the line-by-line reader reads them as well), or a band of several lines is a stack of
    rows (a label beside the rows of its group), not one row's wrapped cells.
    A header line just above the first rule, its words over the table's columns, is the
    first row: a header ruled under only."""
    inside = [w for w in words if box[0] <= (w[0] + w[2]) / 2 <= box[2]]
    bands = [
        [w for w in inside if top < (w[1] + w[3]) / 2 < bottom]
        for top, bottom in zip(rules, rules[1:], strict=False)
    ]
    header = _header_above(inside, rules[0])
    bands = [b for b in [header, *bands] if b]
    while bands and _prose(bands[0]):  # a caption between the table's first two rules
        bands.pop(0)
    while bands and _prose(bands[-1]):  # a note under its last row, ruled off
        bands.pop()
    if len(bands) < 3:
        return None
    lines = [visual_lines(band) for band in bands]
    if all(len(ls) == 1 for ls in lines):
        return None  # a line a band: the line-by-line reader reads it as well
    run: list[Line] = [(t, b, line_cells(ws), ws) for ls in lines for t, b, ws in ls]
    gap, columns = run_columns(run)
    if len(columns) < 2:
        return None
    rivers = [(a[1], b[0]) for a, b in zip(columns, columns[1:], strict=False)]
    grid: list[list[str]] = []
    for band_lines in lines:
        cells: list[list[list[str]]] = []  # per line, per column: its words
        for *_, ws in band_lines:
            row: list[list[str]] = [[] for _ in columns]
            for piece in line_pieces(ws, gap, rivers):
                row[column_of(columns, piece[0][0], piece[-1][2])] += [w[4] for w in piece]
            cells.append(row)
        if len(cells) > 1:
            if not _wrapped(cells):
                return None  # rows stacked between two rules: ruled in groups, not by row
            cells = [[[t for line in cells for t in line[c]] for c in range(len(columns))]]
        grid.append([" ".join(texts) for texts in cells[0]])
    if sum(1 for row in grid for cell in row if cell) < 0.6 * len(grid) * len(columns):
        return None
    top = min(w[1] for band in bands for w in band)
    return TableData(headers=grid[0], rows=grid[1:], bbox=(box[0], top, box[2], rules[-1]))


def _wrapped(cells: list[list[list[str]]]) -> bool:
    """Whether a band's lines are one row whose cells wrap, not a stack of rows under a
    label ('TD' beside the rows 'Faster R-CNN ...' and 'DETR ...', between two rules): a
    cell of its first line has nothing under it while a cell left of it goes on ('Says'
    beside 'Parastratiosph / ecomyiastratio'), or the lines below go on in one column only,
    one the first line fills ('Ring- / dingdingdingd / ingeringeding')."""
    first, rest = cells[0], cells[1:]
    width = len(first)
    below = [any(line[c] for line in rest) for c in range(width)]
    ended = [c for c in range(width) if first[c] and not below[c]]
    if any(below[c] for e in ended for c in range(e)):
        return True
    return all(sum(1 for cell in line if cell) <= 1 for line in rest) and all(
        first[c] for c in range(width) if below[c]
    )


def _prose(band: list[Word]) -> bool:
    """Whether a band's lines are a sentence or more, each line one cell."""
    lines = visual_lines(band)
    return len(band) > MAX_HEADER_WORDS and all(len(line_cells(ws)) == 1 for *_, ws in lines)


def _header_above(words: list[Word], rule: float) -> list[Word]:
    """The line of words right above the first rule (closer than its own height), if it
    holds two cells or more, each a few words."""
    above = [w for w in words if (w[1] + w[3]) / 2 < rule]
    if not above:
        return []
    top, bottom, line = visual_lines(above)[-1]
    cells = line_cells(line)
    if rule - bottom > bottom - top or len(cells) < 2:
        return []
    # a table's title above its first rule is a sentence, however far apart its words
    return line if all(len(text.split()) <= MAX_HEADER_WORDS for *_, text in cells) else []


MAX_HEADER_WORDS = 6  # words in a header's cell: more make a title or a caption
