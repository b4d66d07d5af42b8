"""Tables ruled by rows only, whose cells wrap onto several lines (tabula-java's
AnimalSounds PDFs): each ruled row is one row, however many lines its cells take; two such
tables side by side are two tables; a long word running past its column's edge does not
take the next column's word into its cell."""

from __future__ import annotations

from pathlib import Path

import pymupdf

from docintel.config import Settings
from docintel.pipeline.route import route_file

# each cell as its lines
ANIMALS = [
    [["Animal"], ["Action"], ["Result"]],
    [["Cat"], ["Says"], ["Meow"]],
    [["Parastratiosph", "ecomyiastratio", "sphecomyioid"], ["Says"], ["bzzzzzzz"]],
    [["Dogs/wolves/", "More dogs"], ["Says"], ["Bow-wow/", "ruff-ruff"]],
    [["Fox"], ["Says"], ["Ring-", "dingdingdingd", "ingeringeding", "Gering-"]],
]


def _table(page: pymupdf.Page, left: float, top: float, ruled_top: bool = True) -> float:
    """ANIMALS drawn from (left, top): a rule under each row (and over the header where
    ``ruled_top``), none between the columns; returns the first rule's height."""
    xs = [left + 4, left + 82, left + 128]  # the first column's longest line 64 pt wide
    right = left + 200
    first = None
    y = top
    if ruled_top:
        page.draw_line((left, y), (right, y))
        first = y
    for row in ANIMALS:
        lines = max(len(cell) for cell in row)
        for x, cell in zip(xs, row, strict=True):
            for i, text in enumerate(cell):
                page.insert_text((x, y + 12 + 13 * i), text, fontsize=10)
        y += 13 * lines + 5
        page.draw_line((left, y), (right, y))
        first = y if first is None else first
    return first


def _expected() -> list[list[str]]:
    return [[" ".join(cell) for cell in row] for row in ANIMALS]


def _grids(path: Path) -> list[list[list[str]]]:
    return [[t.headers, *t.rows] for t in route_file(path, Settings()).tables]


def test_a_table_ruled_by_rows_reads_a_wrapped_row_as_one(tmp_path: Path) -> None:
    doc = pymupdf.open()
    _table(doc.new_page(), 60, 80)
    path = tmp_path / "rows.pdf"
    doc.save(path)
    assert _grids(path) == [_expected()]


def test_two_tables_side_by_side_ruled_nearly_level_are_two_tables(tmp_path: Path) -> None:
    """The left table's rules 0.9 pt below the right one's, and its header over its first
    rule (no rule above it): before, the left header rule was merged into the right's (the
    pieces sorted by their rounded heights, the right one first), and the left table lost
    its header."""
    doc = pymupdf.open()
    page = doc.new_page()
    _table(page, 310, 80)
    _table(page, 50, 80.9, ruled_top=False)
    path = tmp_path / "two.pdf"
    doc.save(path)
    grids = sorted(_grids(path), key=lambda g: g[1][0])
    assert grids == [_expected(), _expected()]


def test_a_long_word_past_its_column_edge_keeps_to_its_column(tmp_path: Path) -> None:
    """Unruled: 'Parastratiosphecomy' ends a point or two past where the other rows' first
    column ends, 9 pt before 'Says' (closer than a cell's gap)."""
    doc = pymupdf.open()
    page = doc.new_page()
    rows = [["Animal", "Action", "Result"], ["Cat", "Says", "Meow"], ["Dog", "Says", "Woof"]]
    rows += [["Cow", "Says", "Moo"], ["Parastratiosphecomy", "Says", "bzzzzzzz"]]
    says = 72 + pymupdf.get_text_length(rows[-1][0], fontsize=10) + 9
    for r, row in enumerate(rows):
        y = 100 + 14 * r
        page.insert_text((72, y), row[0], fontsize=10)
        page.insert_text((says, y), row[1], fontsize=10)
        page.insert_text((says + 60, y), row[2], fontsize=10)
    # the first column's other cells: a name nearly as long, so the column ends close by
    page.insert_text((72, 100 + 14 * 5), "Parastratiosphecom", fontsize=10)
    page.insert_text((says, 100 + 14 * 5), "Hums", fontsize=10)
    page.insert_text((says + 60, 100 + 14 * 5), "mmmm", fontsize=10)
    path = tmp_path / "long.pdf"
    doc.save(path)
    (grid,) = _grids(path)
    assert grid[4] == ["Parastratiosphecomy", "Says", "bzzzzzzz"]
