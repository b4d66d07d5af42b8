"""A document as the field reader sees it: cells in rows, rows in blocks, with where each
is. A Markdown table's cells keep their row and column (so a label's value is the cell to
its right or the one below it); a plain line is one row, split into cells where a writer
put a wide gap or a ' | ' between columns, so a two-column header merged into one line
still has its label and value apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from docintel.pipeline.types import DocumentContent

_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_GAP = re.compile(r"\s{3,}|\t+|\s+\|\s+|\s+·\s+|\s+•\s+")
_MARKUP = re.compile(r"^[#>*\-\s]+|\*\*|__|`")
OCR_SOURCES = ("tesseract", "rapidocr", "gemma", "openai")  # text read off an image


@dataclass(frozen=True)
class Cell:
    text: str
    line: int  # the row's place in the whole document
    block: int  # a table, or a run of plain lines
    row: int  # the row's place in its block
    col: int
    page: int | None = None
    seconds: float | None = None
    table: bool = False
    width: int = 1  # cells in this row
    ocr: bool = False  # read off an image (its labels may be misspelt: "Tatal Amount")

    @property
    def where(self) -> str:
        if self.seconds is not None:
            return f"{self.seconds:.0f} s"
        return f"page {self.page}" if self.page else "the text"


@dataclass
class Layout:
    """The document's cells, and the ways from one cell to another."""

    cells: list[Cell]
    rows: dict[int, list[Cell]] = field(default_factory=dict)  # line -> cells in order

    def __post_init__(self) -> None:
        for cell in self.cells:
            self.rows.setdefault(cell.line, []).append(cell)
        self._lines = sorted(self.rows)
        self._at = {line: i for i, line in enumerate(self._lines)}

    def right(self, cell: Cell) -> Cell | None:
        """The next cell with text in the same row."""
        return next((c for c in self.rows[cell.line] if c.col > cell.col and c.text), None)

    def below(self, cell: Cell, reach: int = 2) -> Cell | None:
        """The cell in the same column of the next rows of its block (a value under its
        label, in a table or in aligned columns)."""
        at = self._at[cell.line]
        for line in self._lines[at + 1 : at + 1 + reach]:
            row = self.rows[line]
            if row[0].block != cell.block:
                return None
            same = next((c for c in row if c.col == cell.col and c.width == cell.width), None)
            if same is not None and same.text:
                return same
        return None

    def next_line(self, cell: Cell, reach: int = 2) -> Cell | None:
        """The first cell with text on the next lines (a value on the line under a label)."""
        at = self._at[cell.line]
        for line in self._lines[at + 1 : at + 1 + reach]:
            first = next((c for c in self.rows[line] if c.text), None)
            if first is not None:
                return first
        return None

    def row_after(self, cell: Cell) -> list[Cell]:
        return [c for c in self.rows[cell.line] if c.col > cell.col and c.text]

    def lines(self) -> Iterator[tuple[int, str]]:
        """(line, its text) with its cells joined."""
        for line in self._lines:
            yield line, " | ".join(c.text for c in self.rows[line] if c.text)

    def line_text(self, line: int) -> str:
        return " | ".join(c.text for c in self.rows.get(line, []) if c.text)

    @property
    def last_line(self) -> int:
        return self._lines[-1] if self._lines else 0


# no room on the page, no part of a label or a value ("INVOICE\u200b: NO. 001"), whatever
# reader the text came from (a PDF, a web mail's HTML, a DOCX)
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u2060\ufeff"))


def clean(text: str) -> str:
    """A cell's text without Markdown markup, escapes and zero-width characters."""
    text = text.translate(_INVISIBLE)
    text = text.replace("\\|", "|").replace("\\_", "_").replace("\\*", "*")
    return " ".join(_MARKUP.sub("", text.strip()).split())


def layout_of(content: DocumentContent) -> Layout:
    """Pages (Markdown, tables as tables), then sheets' rows, then the transcript."""
    cells: list[Cell] = []
    line = block = 0
    for page in sorted(content.pages, key=lambda p: p.page):
        in_table = False
        row = 0
        ocr = page.text_source in OCR_SOURCES
        for raw in (page.markdown or "").splitlines():
            if not raw.strip() or raw.lstrip().startswith("<!--"):
                in_table, row, block = False, 0, block + 1
                continue
            if _SEPARATOR.match(raw) and "|" in raw:
                continue
            is_table = raw.lstrip().startswith("|")
            if is_table != in_table:
                in_table, row, block = is_table, 0, block + 1
            parts = _table_cells(raw) if is_table else _line_cells(raw)
            cells += _row(parts, line, block, row, page.page, None, is_table, ocr)
            line, row = line + 1, row + 1
        block += 1
    for sheet in content.sheets:
        for row, values in enumerate([sheet.headers, *sheet.rows]):
            parts = [clean(str(v)) for v in values]
            cells += _row(parts, line, block, row, None, None, True)
            line += 1
        block += 1
    for segment in content.speech:
        if segment.text:
            cells += _row([clean(segment.text)], line, block, 0, None, segment.start_s, False)
            line, block = line + 1, block + 1
    return Layout(cells)


def _row(
    parts: list[str],
    line: int,
    block: int,
    row: int,
    page: int | None,
    seconds: float | None,
    table: bool,
    ocr: bool = False,
) -> list[Cell]:
    return [
        Cell(text, line, block, row, col, page, seconds, table, len(parts), ocr)
        for col, text in enumerate(parts)
    ]


def _table_cells(raw: str) -> list[str]:
    inner = raw.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    return [clean(c) for c in _CELL_SPLIT.split(inner)]


def _line_cells(raw: str) -> list[str]:
    parts = [clean(p) for p in _GAP.split(raw.strip())]
    return [p for p in parts if p] or [""]
