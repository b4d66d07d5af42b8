"""Tables without rules: columns aligned with spaces, no lines (how most exported reports
look), read from the alignment of the words themselves: runs of lines of two cells or more,
cut into columns where the gaps run down them. ``pdf_tables`` reads the ruled ones and hands
this reader what a frame or a band of rules holds."""

from __future__ import annotations

import statistics

from docintel.pipeline.types import TableData

# A word tuple from PyMuPDF: (x0, y0, x1, y1, text, block, line, word)
Word = tuple[float, float, float, float, str, int, int, int]

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
        if cells and w[0] - cells[-1][1] < gap and not _led(cells[-1][2].split(), w):
            x0, _, text = cells[-1]
            cells[-1] = (x0, w[2], f"{text} {w[4]}")
        else:
            cells.append((w[0], w[2], w[4]))
    return cells


def dots_only(text: str) -> bool:
    return bool(text) and set(text) <= LEADER


def _led(texts: list[str], word: Word) -> bool:
    """Whether ``word`` follows a leader ('Burglary . . . . . 240.9', 'Total ..... 12'):
    the dots lead the eye to the next cell, however close they run to it."""
    if dots_only(word[4]) or not texts or not dots_only(texts[-1]):
        return False
    return len(texts[-1]) >= 3 or (len(texts) >= 2 and dots_only(texts[-2]))


LEADER = set(".·…")  # the characters of a leader's dots

Line = tuple[float, float, list[Cell], list[Word]]  # top, bottom, cells, words


def aligned_tables(words: list[Word]) -> list[TableData]:
    """Runs of three or more consecutive lines of two or more short cells whose cells fall
    into shared columns. Prose (one cell a line) and two-column text (long cells) are not
    tables; a few short one-cell lines between a table's rows (a cell's second line, a
    row with one value) are rows of it, not its end; nor is a rule typed in dashes between
    them (a listing's '-----' under its header and between groups of rows)."""
    tables = []
    run: list[Line] = []
    held: list[Line] = []  # one-cell lines after the run's last row: in it if a row follows
    rule = 0.0  # the bottom of a typed rule right after the run's last line
    for top, bottom, ws in [*visual_lines(words), (1e9, 1e9, [])]:
        last = max((held or run)[-1][1], rule) if run else 0.0
        adjacent = bool(run) and top - last < 1.6 * (bottom - top) + 2
        if ws and adjacent and not held and _typed_rule(ws):
            # right under a row (not under a heading held after the rows: 'Ihre Angaben'
            # over a rule starts a section of its own, and the rule ends the table)
            rule = bottom
            continue
        cells = line_cells(ws) if ws else []
        tabular = len(cells) >= 2
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
        rule = 0.0
    return tables


def _typed_rule(words: list[Word]) -> bool:
    """Whether a line is a rule typed in characters ('-----', '=====', '+----+----+')."""
    return all(set(w[4]) <= RULE for w in words) and sum(len(w[4]) for w in words) >= 10


RULE = set("-=_+|~")  # the characters a typed rule is drawn with


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


def run_columns(run: list[Line]) -> tuple[float, list[tuple[float, float]]]:
    """A run's cell gap and its columns (x0, x1), left to right: where the words are, the
    leaders' dots left out (they run up to the next column)."""
    words = [w for *_, ws in run for w in ws]
    gap = cell_gap(words)
    placed = [w for w in words if not dots_only(w[4])] or words
    return gap, columns_of(coverage(placed), len(run), 0.8 * gap)


def _side_by_side(run: list[Line]) -> tuple[list[Line], list[Line]] | None:
    """The run cut in two where its columns are two tables of as many columns each, side by
    side (a long list continued in a second block to its right): the gap between the two
    halves is the widest, twice any other, and each half has the rows of a table. None
    where the run is one table."""
    _, columns = run_columns(run)
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
    gap, columns = run_columns(run)
    if len(columns) < 2:
        return None
    rivers = [(a[1], b[0]) for a, b in zip(columns, columns[1:], strict=False)]
    grid: list[list[str]] = []
    for ws in lines:
        row: list[list[str]] = [[] for _ in columns]
        for piece in line_pieces(ws, gap, rivers):
            row[column_of(columns, piece[0][0], piece[-1][2])] += [w[4] for w in piece]
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


def line_pieces(
    words: list[Word], gap: float, rivers: list[tuple[float, float]]
) -> list[list[Word]]:
    """A line's cells, also cut where a gap between two columns (``rivers``) lies between
    two words (every row's '09/10/2013 EFECTIVO' spaced a little closer than a cell's gap
    is two cells), or across a river's middle where a word runs into it from the left (a
    long word wider than its column: 'Parastratiosph' ending a point past its column's
    edge, 'Says' in the next), or before a word that starts where the next column starts
    ('Parastratiosphecomyiastratiosph' run most of the way across, 'Says' where every
    'Says' starts); a leader's dots run up to the next column, so across them only a whole
    river cuts. A piece of a line goes to one column whole."""
    pieces: list[list[Word]] = []
    for w in words:
        if pieces:
            end = pieces[-1][-1][2]
            across = any(end <= a and b <= w[0] for a, b in rivers)
            if not across and not (dots_only(w[4]) or dots_only(pieces[-1][-1][4])):
                across = any(
                    end <= (a + b) / 2 <= w[0] or (end < b - 1 and b <= w[0] <= b + 1)
                    for a, b in rivers
                )
            apart = w[0] - end >= gap or across
            apart = apart or _led([v[4] for v in pieces[-1][-2:]], w)
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


def column_of(columns: list[tuple[float, float]], x0: float, x1: float) -> int:
    """The column a piece of a line from ``x0`` to ``x1`` overlaps most (a long name running
    into the next column, a header wider than its figures, a value that starts left of its
    column all stay in one), or the nearest."""
    overlaps = [min(b, x1) - max(a, x0) for a, b in columns]
    return max(range(len(columns)), key=overlaps.__getitem__)
