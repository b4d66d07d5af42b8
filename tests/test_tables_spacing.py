"""Korean (and other CJK) text whose word spaces are drawn as gaps, not space characters:
MuPDF infers a space from a gap between Latin letters, never between CJK ones, so a
table's cells set apart by a gap ran together into one word (opendataloader's Korean
reports: '령령' ending one cell, '제34045호' starting the next, read '령령제34045호')."""

from __future__ import annotations

from pathlib import Path

import pymupdf

from docintel.config import Settings
from docintel.pipeline.route import route_file
from docintel.pipeline.route.pdf import page_words

ROWS = [
    ["구분", "공포번호", "행정입법명"],
    ["대통령령", "제34045호", "대기환경보전법 시행령"],
    ["부령", "제1068호", "폐기물관리법 시행규칙"],
    ["부령", "제1069호", "자원순환기본법 시행규칙"],
]


def _draw(page: pymupdf.Page, x: float, y: float, text: str, size: float = 10) -> None:
    """Each word of ``text`` drawn glyph by glyph, the words half an em apart and no space
    character between them (as the reports' writer sets them)."""
    font = pymupdf.Font("korea")
    for word in text.split():
        writer = pymupdf.TextWriter(page.rect)
        writer.append((x, y), word, font=font, fontsize=size)
        writer.write_text(page)
        x += font.text_length(word, size) + size / 2


def test_cjk_words_set_apart_by_gaps_are_words_and_cells(tmp_path: Path) -> None:
    """A ruled grid whose first column's text ends 3 pt before the rule and the second's
    starts 3 pt after it: the two cells' words are 0.6 em apart, with no space between."""
    doc = pymupdf.open()
    page = doc.new_page()
    font = pymupdf.Font("korea")
    xs = [72, 140, 220, 400]
    for r, row in enumerate(ROWS):
        top = 100 + 18 * r
        page.draw_line((xs[0], top), (xs[-1], top))
        _draw(page, xs[1] - 3 - font.text_length(row[0], 10), top + 13, row[0])
        _draw(page, xs[1] + 3, top + 13, row[1])
        _draw(page, xs[2] + 3, top + 13, row[2])
    bottom = 100 + 18 * len(ROWS)
    page.draw_line((xs[0], bottom), (xs[-1], bottom))
    for x in xs:
        page.draw_line((x, 100), (x, bottom))
    path = tmp_path / "korean.pdf"
    doc.save(path)
    routed = route_file(path, Settings())
    assert "대기환경보전법 시행령" in routed.pages[0].markdown
    (table,) = routed.tables
    assert [table.headers, *table.rows] == ROWS


def test_a_gap_between_two_spans_of_cjk_text_is_a_space() -> None:
    """The two cells' words in two spans (another font or size: '령령' in one of a report's
    Type3 fonts, '제34045호' in the next), 0.3 em apart on a line whose glyphs otherwise
    touch: before, only gaps inside one span were looked at."""
    doc = pymupdf.open()
    page = doc.new_page()
    font = pymupdf.Font("korea")
    for r, (first, second) in enumerate([("대통령령", "제34045호"), ("부령", "제1068호")]):
        y = 100 + 16 * r
        writer = pymupdf.TextWriter(page.rect)
        writer.append((72, y), first, font=font, fontsize=10)
        writer.write_text(page)
        writer = pymupdf.TextWriter(page.rect)
        x = 72 + font.text_length(first, 10) + 3
        writer.append((x, y), second, font=font, fontsize=10.5)
        writer.write_text(page)
    page = pymupdf.open("pdf", doc.tobytes())[0]  # as read from a file
    words = [w[4] for w in page_words(page, page.get_textpage())]
    assert words == ["대통령령", "제34045호", "부령", "제1068호"]
