"""Tables on digital PDF pages: ruled tables through PyMuPDF's table finder, and unruled
ones (columns aligned with spaces, no lines: how most exported reports look) from the
alignment of the words themselves (inside their rules, where only horizontal ones are
drawn: ``pdf_bands``). Each cell's text is rebuilt from the words inside it,
so values like '$ 10.000,00' or '20-27083460-5' stay whole."""

from __future__ import annotations

import statistics
from typing import Any

from docintel.pipeline.route.pdf_bands import rule_bands
from docintel.pipeline.types import TableData

# A word tuple from PyMuPDF: (x0, y0, x1, y1, text, block, line, word)
Word = tuple[float, float, float, float, str, int, int, int]


def find_tables(page: Any, words: list[Word]) -> list[TableData]:
    tables = ruled_tables(page, words)
    boxes = [t.bbox for t in tables if t.bbox]
    for band in rule_bands(page, words):
        # a table ruled by rows only: its words read apart from the prose beside it
        middle = ((band[0] + band[2]) / 2, (band[1] + band[3]) / 2)
        if any(inside((*middle, *middle, "", 0, 0, 0), b) for b in boxes):
            continue
        inner = [w for w in words if inside(w, band) and not any(inside(w, b) for b in boxes)]
        for table in aligned_tables(inner):
            tables.append(table)
            boxes.append(table.bbox)
    free = [w for w in words if not any(inside(w, b) for b in boxes)]
    return sorted(tables + aligned_tables(free), key=lambda t: t.bbox[1] if t.bbox else 0.0)


def ruled_tables(page: Any, words: list[Word]) -> list[TableData]:
    ruled = ruling_box(page)
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
        grid = [[_cell_text(cell, words) for cell in row.cells] for row in tab.rows]
        grid = _compact([row for row in grid if any(row)])
        if len(grid) < 2 or max(len(r) for r in grid) < 2:
            continue
        if _framed(tab, words):
            # a frame, not a grid: a few cells each holding many lines in columns of their
            # own; the word-alignment reader reads what the frame holds
            tables += aligned_tables([w for w in words if inside(w, tuple(tab.bbox))])
            continue
        # PyMuPDF's header finder (30 ms a table) is asked only where a header above the
        # grid is possible at all.
        if _text_just_above(tab.rows[0].bbox, words) and tab.header.external:
            headers = [_clean(h) for h in tab.header.names]
            rows = grid
        else:
            headers, rows = grid[0], grid[1:]
        tables.append(TableData(headers=headers, rows=rows, bbox=tuple(tab.bbox)))
    return tables


def _around(
    box: tuple[float, float, float, float], page: Any, lines: float = 36.0
) -> tuple[float, float, float, float]:
    """The ruled box widened to the page's width and a few lines up and down."""
    return (page.x0, max(page.y0, box[1] - lines), page.x1, min(page.y1, box[3] + lines))


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
    four lines or more (a few rows of giant cells; a real grid's cells hold a line or
    three), or, in a grid mostly empty, a quarter of it on lines that a cell holds across
    what the line's own spacing says are columns (a form drawn in a few boxes: 'BILL TO
    ... Invoice No:' in one cell, its value in another), or, in any grid, half of it on such
    lines: rows drawn (shaded bands, rules) but the text's columns not, so that each 'cell'
    holds two of them on every line ('7.6  0  126.3  $846')."""
    held = deep = joined = cells = empty = 0
    for row in tab.rows:
        for bbox in row.cells:
            if bbox is None:
                continue
            inner = [w for w in words if inside(w, bbox)]
            held += len(inner)
            cells, empty = cells + 1, empty + (not inner)
            lines = visual_lines(inner)
            if len(lines) >= 4 and len(tab.rows) <= 6:
                deep += len(inner)
            joined += sum(len(ws) for *_, ws in lines if len(line_cells(ws)) >= 2)
    boxes = empty >= cells / 2  # a few boxes drawn around a form, most of the 'grid' empty
    spanned = joined >= SPANNED * held  # most lines cut across by the text's own columns
    return held > 0 and (deep >= 0.5 * held or (boxes and joined >= held / 4) or spanned)


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


def ruling_box(page: Any, margin: float = 2.0) -> tuple[float, float, float, float] | None:
    """The box around every line and rectangle drawn on the page (a little wider, for
    strokes' widths), or None where there are fewer than three: no grid."""
    strokes = 0
    x0 = y0 = float("inf")
    x1 = y1 = float("-inf")
    for path in page.get_cdrawings():
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


# --- unruled tables ---------------------------------------------------------------------

Cell = tuple[float, float, str]  # x0, x1, text


def visual_lines(words: list[Word]) -> list[tuple[float, float, list[Word]]]:
    """Words grouped into lines by their vertical position (top, bottom, words left to
    right): PyMuPDF's own lines split where a gap is wide, which is what a column is."""
    lines: list[tuple[float, float, list[Word]]] = []
    for w in sorted(words, key=lambda w: ((w[1] + w[3]) / 2, w[0])):
        middle = (w[1] + w[3]) / 2
        if lines and abs(middle - (lines[-1][0] + lines[-1][1]) / 2) <= (w[3] - w[1]) * 0.4:
            top, bottom, members = lines[-1]
            lines[-1] = (min(top, w[1]), max(bottom, w[3]), [*members, w])
        else:
            lines.append((w[1], w[3], [w]))
    return [(a, b, sorted(ws, key=lambda w: w[0])) for a, b, ws in lines]


def cell_gap(words: list[Word]) -> float:
    """How wide a space between two words of a line must be to end a cell: more than a
    line's height, or, where the words show their own spaces (the gaps between the words of
    one of PyMuPDF's lines), a few of those, if less (a dense table in a font with tall
    boxes sets its columns a height apart or closer)."""
    gap = max(6.0, 1.2 * statistics.median(w[3] - w[1] for w in words))
    spaces = [
        b[0] - a[2]
        for a, b in zip(words, words[1:], strict=False)
        if a[5:7] == b[5:7] and b[7] == a[7] + 1 and b[0] > a[2]
    ]
    if spaces:
        gap = min(gap, max(6.0, SPACES * statistics.median(spaces)))
    return gap


SPACES = 4.0  # word spaces: a gap this many times the line's own spaces ends a cell


def line_cells(words: list[Word]) -> list[Cell]:
    """A line cut where the space between two words is much wider than a space."""
    gap = cell_gap(words)
    cells: list[Cell] = []
    for w in words:
        if cells and w[0] - cells[-1][1] < gap:
            x0, _, text = cells[-1]
            cells[-1] = (x0, w[2], f"{text} {w[4]}")
        else:
            cells.append((w[0], w[2], w[4]))
    return cells


Line = tuple[float, float, list[Cell], list[Word]]  # top, bottom, cells, words


def aligned_tables(words: list[Word]) -> list[TableData]:
    """Runs of three or more consecutive lines of two or more short cells whose cells fall
    into shared columns. Prose (one cell a line) and two-column text (long cells) are not
    tables; a few short one-cell lines between a table's rows (a cell's second line, a
    row with one value) are rows of it, not its end."""
    tables = []
    run: list[Line] = []
    held: list[Line] = []  # one-cell lines after the run's last row: in it if a row follows
    for top, bottom, ws in [*visual_lines(words), (1e9, 1e9, [])]:
        cells = line_cells(ws) if ws else []
        tabular = len(cells) >= 2
        last = (held or run)[-1][1] if run else 0.0
        adjacent = bool(run) and top - last < 1.6 * (bottom - top) + 2
        if tabular and (not run or adjacent):
            run += [*held, (top, bottom, cells, ws)]
            held = []
            continue
        if run and adjacent and len(held) < MAX_HELD and _short(cells, run):
            held.append((top, bottom, cells, ws))
            continue
        if _enough_rows(run):
            tables += _grids(run)
        run = [(top, bottom, cells, ws)] if tabular else []
        held = []
    return tables


def _enough_rows(run: list[Line]) -> bool:
    """Three rows of two cells or more; or two rows of as many cells, four or more each, or
    three whose cells start at the same places (a line of values far apart is no sentence:
    'Invoice Date:  Due Date:  Incoterm:' over their values is a table of two rows)."""
    rows = [line[2] for line in run if len(line[2]) >= 2]
    if len(rows) >= 3:
        return True
    if len(rows) != 2 or len(rows[0]) != len(rows[1]) or len(rows[0]) < 3:
        return False
    aligned = all(abs(a[0] - b[0]) <= 2.0 for a, b in zip(rows[0], rows[1], strict=True))
    return len(rows[0]) >= 4 or aligned


MAX_HELD = 4  # more one-cell lines in a row than a cell's lines usually are: prose


def _short(cells: list[Cell], run: list[Line]) -> bool:
    """A one-cell line that can be part of a table above it: a few words, narrower than
    half the table."""
    if len(cells) != 1:
        return False
    left = min(line[2][0][0] for line in run)
    right = max(line[2][-1][1] for line in run)
    x0, x1, text = cells[0]
    return len(text.split()) <= 6 and x1 - x0 <= (right - left) / 2


def _grids(run: list[Line]) -> list[TableData]:
    """The run as one table; where its lines do not share columns (a block of 'label
    value' lines right above a table), each stretch of lines with as many cells; two
    tables side by side, each on its own."""
    sides = _side_by_side(run)
    if sides:
        return [table for side in sides for table in _grids(side)]
    table = _grid(run)
    if table is not None:
        return [table]
    found: list[TableData] = []
    start = 0
    for i in range(1, len(run) + 1):
        if i == len(run) or len(run[i][2]) != len(run[start][2]):
            stretch = run[start:i]
            if _enough_rows(stretch) and i - start < len(run) and (part := _grid(stretch)):
                found.append(part)
            start = i
    return found


def _columns(run: list[Line]) -> tuple[float, list[tuple[float, float]]]:
    """A run's cell gap and its columns (x0, x1), left to right."""
    words = [w for *_, ws in run for w in ws]
    gap = cell_gap(words)
    return gap, columns_of(coverage(words), len(run), 0.8 * gap)


def _side_by_side(run: list[Line]) -> tuple[list[Line], list[Line]] | None:
    """The run cut in two where its columns are two tables of as many columns each, side by
    side (a long list continued in a second block to its right): the gap between the two
    halves is the widest, twice any other, and each half has the rows of a table. None
    where the run is one table."""
    _, columns = _columns(run)
    half = len(columns) // 2
    if half < 2 or len(columns) != 2 * half:
        return None
    gaps = [b[0] - a[1] for a, b in zip(columns, columns[1:], strict=False)]
    middle = gaps.pop(half - 1)
    if middle < SIDE_GAP * max(gaps):
        return None
    cut = columns[half][0]
    sides: tuple[list[Line], list[Line]] = ([], [])
    for top, bottom, _, ws in run:
        for side, part in zip(
            sides, ([w for w in ws if w[2] <= cut], [w for w in ws if w[2] > cut]), strict=True
        ):
            if part:
                side.append((top, bottom, line_cells(part), part))
    # each half a table by its own rows: a form's 'label value  label value' lines, the
    # right pair on two of them only, is one table
    return sides if all(_enough_rows(side) for side in sides) else None


SIDE_GAP = 2.0  # the gap between two tables side by side, against those between columns


def _grid(run: list[Line]) -> TableData | None:
    lines = [ws for *_, ws in run]
    gap, columns = _columns(run)
    if len(columns) < 2:
        return None
    rivers = [(a[1], b[0]) for a, b in zip(columns, columns[1:], strict=False)]
    grid: list[list[str]] = []
    for ws in lines:
        row: list[list[str]] = [[] for _ in columns]
        for piece in _pieces(ws, gap, rivers):
            row[_column_of(columns, piece[0][0], piece[-1][2])] += [w[4] for w in piece]
        grid.append([" ".join(texts) for texts in row])
    # the one-cell lines a run holds (a cell's second line) are not judged as rows
    rows = [row for row, line in zip(grid, run, strict=True) if len(line[2]) >= 2]
    if len(rows) < 2:
        return None
    filled = sum(1 for row in rows for cell in row if cell) / (len(rows) * len(columns))
    words_per_cell = statistics.mean(len(c.split()) for row in rows for c in row if c)
    if filled < 0.6 or (words_per_cell > 4 and not _listing(rows)):
        return None
    bbox = (columns[0][0], run[0][0], columns[-1][1], run[-1][1])
    return TableData(headers=grid[0], rows=grid[1:], bbox=bbox)


def _listing(rows: list[list[str]]) -> bool:
    """Whether long cells stand beside a last column of short values, each row holding one:
    a price list, a listing of names and figures ('Domaine de la Florane « A fleur de Pampre »
    2016 ... 8 €'). Two columns of prose hold long text in both; a line-numbered page holds
    its short figures first."""
    last = [row[-1] for row in rows]
    return all(last) and statistics.mean(len(c.split()) for c in last) <= 2


def _pieces(words: list[Word], gap: float, rivers: list[tuple[float, float]]) -> list[list[Word]]:
    """A line's cells, also cut where a gap between two columns (``rivers``) lies between
    two words (every row's '09/10/2013 EFECTIVO' spaced a little closer than a cell's gap
    is two cells): a piece of a line goes to one column whole."""
    pieces: list[list[Word]] = []
    for w in words:
        if pieces:
            end = pieces[-1][-1][2]
            apart = w[0] - end >= gap or any(end <= a and b <= w[0] for a, b in rivers)
            if not apart:
                pieces[-1].append(w)
                continue
        pieces.append([w])
    return pieces


def coverage(words: list[Word]) -> list[tuple[float, float, int]]:
    """(x0, x1, how many words cover it) for each stretch of x between the words' edges."""
    events = sorted([(w[0], 1) for w in words] + [(w[2], -1) for w in words])
    stretches: list[tuple[float, float, int]] = []
    count, prev = 0, events[0][0]
    for x, step in events:
        if x > prev:
            stretches.append((prev, x, count))
        count, prev = count + step, x
    return stretches


def columns_of(
    stretches: list[tuple[float, float, int]], lines: int, min_gap: float
) -> list[tuple[float, float]]:
    """The columns of a run of ``lines`` lines: where words are (``stretches``), split by
    the gaps that run down it. A gap splits when it is at least ``min_gap`` wide (about
    the space that ends a cell: a word space does not, so '$ 10.000,00' stays whole) and
    either no line has a word in it, or it lies between two well-filled columns and only a
    sixth of the lines cross it (a long name that runs into the next column does not join
    the two; a column filled on few lines stays one). The gap need not be wide in every
    line by itself: 'Fecha' and 'Tipo' spaced a little closer than a cell's gap, in every
    row at the same place, are two columns."""
    few = round(lines / 6)
    cuts: list[tuple[float, float]] = []
    i = 0
    while i < len(stretches):
        if stretches[i][2] > few:
            i += 1
            continue
        j = i
        while j + 1 < len(stretches) and stretches[j + 1][2] <= few:
            j += 1
        low = stretches[i : j + 1]
        between = 0 < i and j + 1 < len(stretches)  # well-filled columns on both sides
        if between and low[-1][1] - low[0][0] >= min_gap:
            cuts.append((low[0][0], low[-1][1]))
        else:
            cuts += _empty_gaps(low, min_gap)
        i = j + 1
    columns, start = [], stretches[0][0]
    for a, b in cuts:
        columns.append((start, a))
        start = b
    columns.append((start, stretches[-1][1]))
    return [c for c in columns if c[1] > c[0]]


def _empty_gaps(
    stretches: list[tuple[float, float, int]], min_gap: float
) -> list[tuple[float, float]]:
    """The runs of stretches no word covers, at least ``min_gap`` wide."""
    gaps: list[tuple[float, float]] = []
    for a, b, count in stretches:
        if count:
            continue
        if gaps and gaps[-1][1] == a:
            gaps[-1] = (gaps[-1][0], b)
        else:
            gaps.append((a, b))
    return [(a, b) for a, b in gaps if b - a >= min_gap]


def _column_of(columns: list[tuple[float, float]], x0: float, x1: float) -> int:
    """The column a piece of a line from ``x0`` to ``x1`` overlaps most (a long name running
    into the next column, a header wider than its figures, a value that starts left of its
    column all stay in one), or the nearest."""
    overlaps = [min(b, x1) - max(a, x0) for a, b in columns]
    return max(range(len(columns)), key=overlaps.__getitem__)
