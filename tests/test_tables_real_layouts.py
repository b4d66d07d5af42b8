"""Table layouts met in the real table corpora (``bench/fidelity.py --real-set DIR --classes
tables``), each on a small PDF made here with PyMuPDF: text drawn twice, a grid ruled by
rows whose columns are the text's own, and others the bench's worst files showed."""

from __future__ import annotations

from pathlib import Path

import pymupdf

from docintel.config import Settings
from docintel.pipeline.route import route_file

ROWS = [
    ["Company", "Product", "Maturity", "Yield", "Moisture", "Income"],
    ["Kruger", "K2 1901", "1.9", "56.4", "7.6", "$846"],
    ["Stine", "19RA02", "1.9", "55.3", "7.6", "$830"],
    ["Wensman", "W 3190NR2", "1.9", "54.5", "7.6", "$818"],
    ["Hefty", "H17Y12", "1.7", "53.7", "7.7", "$806"],
]
XS = [72, 160, 250, 320, 390, 460]


def _grid(path: Path) -> list[list[str]]:
    (table,) = route_file(path, Settings()).tables
    return [table.headers, *table.rows]


def test_text_drawn_again_offset_or_in_pieces_is_read_once(tmp_path):
    """A report writer's second text layer: each word painted again half a point off (fake
    bold), or only some of its glyphs painted again over it ('K' over 'Kruger', '7' and
    '6' over '7.6': camelot's birdisland.pdf). Before, the copies were words of their own:
    'Kruger Kruger', '7 6 7.6'."""
    doc = pymupdf.open()
    page = doc.new_page()
    for r, row in enumerate(ROWS):
        y = 120 + 16 * r
        for x, cell in zip(XS, row, strict=True):
            page.insert_text((x, y), cell, fontsize=9)
            if r and x == XS[0]:  # fake bold, offset
                page.insert_text((x + 0.6, y + 0.3), cell, fontsize=9)
            elif r:  # the first and last glyphs drawn again, apart: a word in pieces
                last = pymupdf.get_text_length(cell[:-1], fontsize=9)
                page.insert_text((x, y), cell[0], fontsize=9)
                page.insert_text((x + last, y), cell[-1], fontsize=9)
    path = tmp_path / "twice.pdf"
    doc.save(path)
    assert _grid(path) == ROWS


def test_a_grid_ruled_by_rows_with_text_in_columns_of_its_own_is_read_by_them(tmp_path):
    """Shaded row bands and a few rules make PyMuPDF's finder a grid of three wide 'columns'
    each holding two of the text's columns on every line ('7.6 0 126.3 $846' in one cell):
    the text's own columns are the table's."""
    doc = pymupdf.open()
    page = doc.new_page()
    left, right = XS[0] - 4, XS[-1] + 50
    for r, row in enumerate(ROWS):
        top = 108 + 16 * r
        shade = (0.85, 0.85, 0.85) if r % 2 else (1, 1, 1)
        page.draw_rect(pymupdf.Rect(left, top, right, top + 16), color=(0, 0, 0), fill=shade)
        for x, cell in zip(XS, row, strict=True):
            page.insert_text((x, top + 12), cell, fontsize=9)
    for x in (XS[2] - 4, XS[4] - 4):  # rules between every second column only
        page.draw_line((x, 108), (x, 108 + 16 * len(ROWS)))
    path = tmp_path / "bands.pdf"
    doc.save(path)
    assert _grid(path) == ROWS


def test_a_listing_of_long_names_and_short_prices_is_a_table(tmp_path):
    """A price list: names of six words or more, each with its price far to the right.
    Before, cells of more than four words on average were taken for prose and the list was
    no table (camelot's detect_vertical_false.pdf, a wine list)."""
    listing = [
        ["Domaine de la Guicharde « Autour de la chapelle » 2016", "8 EUR"],
        ["Domaine de Montvac « Melodine » 2016", "10 EUR"],
        ["Villa Tempora « Un temps pour elle » 2014", "9 EUR"],
        ["Château Grand Boise « Sainte Victoire » 2017", "9 EUR"],
        ["Domaine Monier Perréol « Châtelet » 2015", "13 EUR"],
    ]
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 80), "Wines by the glass", fontsize=14)
    for r, (name, price) in enumerate(listing):
        page.insert_text((72, 120 + 17 * r), name, fontsize=11)
        page.insert_text((500, 120 + 17 * r), price, fontsize=11)
    path = tmp_path / "wines.pdf"
    doc.save(path)
    assert _grid(path) == listing


def test_a_dense_table_of_figures_is_cut_at_gaps_narrower_than_a_line_s_height(tmp_path):
    """Figures set a dozen points apart in a font whose word boxes are tall (camelot's
    health.pdf, Calibri: boxes 14 pt high, columns 13 pt apart): the gap between two columns
    is less than the 1.2 line heights that ended a cell, but four times the words' own
    spaces. Before, each row's figures were one cell ('47,824,589 9,967,837')."""
    rows = [
        ["State", "Revenue", "Welfare", "Capital", "Total"],
        ["Andhra Pradesh", "47,824,589", "9,967,837", "1,275,000", "59,082,426"],
        ["Arunachal Pradesh", "2,241,609", "107,549", "23,000", "2,372,158"],
        ["Assam", "14,874,821", "2,554,197", "161,600", "17,590,618"],
        ["Himachal Pradesh", "8,647,229", "1,331,529", "580,800", "10,559,558"],
    ]
    doc = pymupdf.open()
    page = doc.new_page()
    widths = [max(pymupdf.get_text_length(r[c], fontsize=9) for r in rows) for c in range(5)]
    for r, row in enumerate(rows):
        y, right = 120 + 14 * r, 72 + widths[0] + 30
        page.insert_text((72, y), row[0], fontsize=9)
        for c, cell in enumerate(row[1:], start=1):  # right-aligned, 12 pt between columns
            right += widths[c] if c == 1 else widths[c] + 12
            page.insert_text(
                (right - pymupdf.get_text_length(cell, fontsize=9), y), cell, fontsize=9
            )
    path = tmp_path / "figures.pdf"
    doc.save(path)
    assert _grid(path) == rows


def test_two_tables_side_by_side_are_two_tables(tmp_path):
    """A long list continued in a second block to its right, as many columns each, far
    apart (tabula-java's MultiColumn.pdf). Before, the blocks were one table of twice the
    columns, each row pairing two items that have nothing to do with each other."""
    left = [["Code", "Item", "Stock"]] + [[f"A{i}", f"bolt {i}", str(10 * i)] for i in range(1, 6)]
    right = [["Code", "Item", "Stock"]] + [[f"B{i}", f"nut {i}", str(7 * i)] for i in range(1, 5)]
    doc = pymupdf.open()
    page = doc.new_page()
    for block, x0 in ((left, 60), (right, 330)):
        for r, row in enumerate(block):
            for x, cell in zip((x0, x0 + 50, x0 + 110), row, strict=True):
                page.insert_text((x, 120 + 15 * r), cell, fontsize=10)
    path = tmp_path / "two.pdf"
    doc.save(path)
    tables = route_file(path, Settings()).tables
    assert [[t.headers, *t.rows] for t in tables] == [left, right]


def test_a_form_s_label_value_pairs_side_by_side_stay_one_table(tmp_path):
    """'Label value   label value' lines, the right pair on two lines only (a fund report's
    key facts): the right half has no rows of a table of its own, so the form stays one."""
    rows = [
        ["Launched", "2019-03-01", "Size", "22 bn"],
        ["Managers", "Lee, Heo", "Risk", "grade 4"],
        ["Redemption", "none", "", ""],
        ["Purchase", "before 17:00", "", ""],
        ["Sale", "before 17:00", "", ""],
    ]
    doc = pymupdf.open()
    page = doc.new_page()
    for r, row in enumerate(rows):
        for x, cell in zip((60, 130, 330, 380), row, strict=True):
            if cell:
                page.insert_text((x, 120 + 15 * r), cell, fontsize=10)
    path = tmp_path / "facts.pdf"
    doc.save(path)
    assert _grid(path) == rows


def test_a_label_s_leader_dots_end_its_cell_however_close_they_run_to_the_figure(tmp_path):
    """'Burglary . . . . . . 240.9': dots lead from each label to its first figure and run
    up to it (camelot's 12s0324.pdf). Before, the first figure joined the label's cell and
    its column was lost."""
    rows = [
        ["Offense", "Total", "Under 18", "Adults"],
        ["Robbery", "102.1", "25.5", "76.6"],
        ["Burglary", "240.9", "60.3", "180.6"],
        ["Larceny-theft", "1,080.1", "258.1", "822.0"],
        ["Arson", "9.8", "4.3", "5.5"],
    ]
    doc = pymupdf.open()
    page = doc.new_page()
    for r, row in enumerate(rows):
        y = 120 + 12 * r
        page.insert_text((60, y), row[0], fontsize=9)
        if r:  # dots from the label's end up to the first figure's column, a point short
            x = 62 + pymupdf.get_text_length(row[0], fontsize=9)
            while x < 150:
                page.insert_text((x, y), ".", fontsize=9)
                x += 5
        for x, cell in zip((156, 210, 260), row[1:], strict=True):
            page.insert_text((x, y), cell, fontsize=9)
    path = tmp_path / "leaders.pdf"
    doc.save(path)
    grid = _grid(path)
    assert [[cell.rstrip(" .") for cell in row] for row in grid] == rows


def test_a_caption_just_above_a_ruled_grid_is_not_its_header(tmp_path):
    """'Members appointed' printed right above a ruled grid whose first row holds the column
    names: PyMuPDF's header finder takes the caption line for an external header of one
    name (opendataloader's Korean committee minutes). A header names two columns or more;
    the grid's own first row is the header."""
    rows = [["Member", "Group", "Date"], ["Yang", "Independent", "2024-01-31"]]
    rows += [["Kim", "People Power", "2024-04-30"]]
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((60, 132), "Members appointed", fontsize=10)
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            x, y = 60 + c * 110, 136 + r * 18
            page.draw_rect(pymupdf.Rect(x, y, x + 110, y + 18))
            page.insert_text((x + 4, y + 13), cell, fontsize=10)
    path = tmp_path / "caption.pdf"
    doc.save(path)
    routed = route_file(path, Settings())
    assert _grid(path) == rows
    assert "Members appointed" in (routed.pages[0].markdown or "")


def test_a_grid_of_paragraphs_side_by_side_is_read_as_its_grid(tmp_path):
    """A law's wording now and as amended, a paragraph in each of two ruled cells under
    'Current' and 'Amended' (opendataloader's Korean bills). A cell of many lines of prose is
    no frame around columns: before, the paragraphs' lines were read as rows of an aligned
    table, the two versions cut into line-long pieces."""
    old = "Article 15 (Committee) The committee shall hear the views of every group " * 3
    new = "Article 15 (Committee) The committee shall hear the views of young people " * 3
    doc = pymupdf.open()
    page = doc.new_page()
    top = 100
    for c, (head, text) in enumerate((("Current", old), ("Amended", new))):
        x = 72 + c * 230
        page.draw_rect(pymupdf.Rect(x, top, x + 230, top + 20))
        page.draw_rect(pymupdf.Rect(x, top + 20, x + 230, top + 160))
        page.insert_text((x + 90, top + 14), head, fontsize=10)
        page.insert_textbox(pymupdf.Rect(x + 5, top + 25, x + 225, top + 158), text, fontsize=10)
    path = tmp_path / "bill.pdf"
    doc.save(path)
    (table,) = route_file(path, Settings()).tables
    assert table.headers == ["Current", "Amended"]
    assert [" ".join(c.split()) for c in table.rows[0]] == [old.strip(), new.strip()]


def test_a_page_laid_out_in_boxes_is_no_grid_its_table_is(tmp_path):
    """A fund's monthly report (opendataloader's Korean samples): the page drawn as boxes,
    a third of them empty, most of its words paragraphs, one box holding a small table.
    PyMuPDF's finder makes the boxes one grid, the small table a cell of it; the table the
    box holds is the table."""
    doc = pymupdf.open()
    page = doc.new_page()
    for y in (50, 200, 350, 500):
        page.draw_line((50, y), (550, y))
    for x in (50, 300, 550):
        page.draw_line((x, 50), (x, 500))
    prose = "Fund returns rose in the month as rates fell and markets recovered"
    for x0, y0 in ((56, 66), (306, 66), (306, 366)):
        for i in range(6):
            page.insert_text((x0, y0 + 12 * i), prose[: 40 + i], fontsize=8)
    rows = [["Class", "1 month", "3 months"], ["A", "-2.85", "-2.24"], ["BM", "-3.57", "-3.87"]]
    for r, row in enumerate(rows):
        for x, cell in zip((60, 130, 200), row, strict=True):
            page.insert_text((x, 220 + 14 * r), cell, fontsize=9)
    path = tmp_path / "boxes.pdf"
    doc.save(path)
    assert rows in _all_grids(path)


def _all_grids(path: Path) -> list[list[list[str]]]:
    return [[t.headers, *t.rows] for t in route_file(path, Settings()).tables]


def _typed(path: Path, lines: list[str]) -> Path:
    """A page typed line by line in Courier, as a line printer or a report writer does."""
    doc = pymupdf.open()
    page = doc.new_page()
    for i, line in enumerate(lines):
        page.insert_text((50, 100 + 11 * i), line, fontname="cour", fontsize=9)
    doc.save(path)
    return path


def test_a_listing_s_typed_rules_neither_end_it_nor_are_rows(tmp_path):
    """A monospaced listing (tabula's monospaced_ascii_sep.pdf): '-----' typed under its
    header and between its groups of rows. Before, each rule ended the table: three tables
    of three rows, the header none of them."""
    lines = [
        "-" * 60,
        "Column A          * ColB1     ColB2  ColB3   * Column C",
        "-" * 60,
        "Value 1           *  23.5      66.8   11.0   * Name 1",
        "Value 2           *  33.2      56.3   12.0   * Name 2",
        "-" * 60,
        "Value 3           * 123.3     200.4  123.9   * Name 3",
        "Value 4           *  24.5      66.8   11.0   * Name 1",
        "-" * 60,
    ]
    path = _typed(tmp_path / "listing.pdf", lines)
    want = [["Column A", "* ColB1", "ColB2", "ColB3", "* Column C"]]
    want += [["Value 1", "* 23.5", "66.8", "11.0", "* Name 1"]]
    want += [["Value 2", "* 33.2", "56.3", "12.0", "* Name 2"]]
    want += [["Value 3", "* 123.3", "200.4", "123.9", "* Name 3"]]
    want += [["Value 4", "* 24.5", "66.8", "11.0", "* Name 1"]]
    assert _all_grids(path) == [want]


def test_a_typed_rule_under_a_heading_after_the_rows_ends_the_table(tmp_path):
    """An invoice typed on a line printer (mustangproject's ZUGFeRD sample): its label and
    value lines, a heading ('Your details'), a rule, then the amounts. The rule under the
    heading ends the table, as before: the amounts are no rows of the labels' table."""
    lines = [
        "Customer no.:       63/00987654",
        "Invoice no.:        2015738820",
        "Page:               1",
        "Your details",
        "-" * 60,
        "Rate from 01.11.2024   to 30.11.2024",
        "Net amount (plus VAT)                    376,37",
    ]
    path = _typed(tmp_path / "typed.pdf", lines)
    grids = _all_grids(path)
    labels = [["Customer no.:", "63/00987654"], ["Invoice no.:", "2015738820"], ["Page:", "1"]]
    assert labels in grids or [*labels, ["Your details", ""]] in grids
