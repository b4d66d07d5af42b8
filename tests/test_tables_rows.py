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


def test_a_row_ruled_table_in_one_column_of_a_ruled_page_leaves_the_prose_beside_it(
    tmp_path: Path,
) -> None:
    """A paper's page (gmft's Nature article): a rule across both columns over the table's
    caption and one over the footer; in the left column a rule over the caption, one over
    the header and one under each row; prose in the right column, a line beside each row.
    Before, the page's two rules made the band (the widest taken first), every row read
    with the prose line beside it; then the caption between the table's first two rules
    was a row, its words across every column."""
    doc = pymupdf.open()
    page = doc.new_page()
    rows = [["Zeolite", "Channels", "Ea1", "Ea2"], ["BEC", "12 x 12", "98", "35"]]
    rows += [["BOG", "12 x 10", "75", "29"], ["IWR", "12 x 10", "71", "31"]]
    rows += [["MOR", "12 x 8", "95", "33"]]
    page.draw_line((40, 100), (560, 100))  # the page's rules, both columns wide
    page.draw_line((40, 400), (560, 400))
    page.draw_line((40, 110), (295, 110))
    caption = ["Table 2 | Calculated activation barriers in kJ/mol for all the", "steps"]
    for i, text in enumerate(caption):
        page.insert_text((44, 124 + 11 * i), text, fontsize=8)
    y = 142
    page.draw_line((40, y), (295, y))
    for r, row in enumerate(rows):
        for x, cell in zip((44, 110, 190, 240), row, strict=True):
            page.insert_text((x, y + 10), cell, fontsize=8)
        page.insert_text((310, y + 10), f"prose of the other column, its line {r} here", fontsize=8)
        y += 13
        page.draw_line((40, y), (295, y))
    path = tmp_path / "paper.pdf"
    doc.save(path)
    assert rows in _grids(path)


def test_a_word_overflowing_its_column_leaves_the_next_column_s_first_word(
    tmp_path: Path,
) -> None:
    """Unruled (tabula-java's AnimalSounds.pdf): a name far wider than its column runs
    most of the way to the next one, 'Says' 10 pt after it (closer than a cell's gap),
    where that column's every word starts: 'Says' is the next column's."""
    doc = pymupdf.open()
    page = doc.new_page()
    long = "Parastratiosphecomyiastratiosph"
    says = 61 + pymupdf.get_text_length(long, fontsize=11) + 10
    rows = [["Animal", "Action", "Result"], ["Cat", "Says", "Meow"], [long, "Says", "bzzzzzzz"]]
    rows += [["Fox", "Says", "Ring"], ["Dog", "Says", "Woof"], ["Cow", "Says", "Moo"]]
    for r, row in enumerate(rows):
        y = 90 + 22 * r
        for x, cell in zip((61, says, says + 160), row, strict=True):
            page.insert_text((x, y), cell, fontsize=11)
    path = tmp_path / "overflow.pdf"
    doc.save(path)
    (grid,) = _grids(path)
    assert grid == rows
