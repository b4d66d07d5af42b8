"""Word documents (DOCX) read from their own structure with python-docx: headings, lists and
paragraphs in body order (content controls and text boxes too), tables as tables (a nested
table is a table of its own, and its text stays in its cell), every section's headers and
footers, and each picture's place for the page step. A table that is no grid (one row, one
column) keeps its text as paragraphs instead of losing it."""

from __future__ import annotations

import re
from typing import Any

from docintel.pipeline.types import TableData, table_markdown

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MIN_IMAGE_SIDE = 32  # smaller pictures are bullets and icons, not text


def read_docx(path: Any) -> tuple[list[str], list[TableData], list[bytes]]:
    """(the document as one section of Markdown, its tables, its pictures' bytes)."""
    import docx

    document = docx.Document(str(path))
    reader = _Reader(document, image_blob)
    reader.block(document.element.body)
    head, foot = _headers_and_footers(document)
    parts = [*(f"*Header:* {h}" for h in head), *reader.parts, *(f"*Footer:* {f}" for f in foot)]
    return ["\n\n".join(parts)], reader.tables, reader.images


class _Reader:
    def __init__(self, document: Any, image_blob: Any) -> None:
        self.document = document
        self.image_blob = image_blob
        self.related = document.part.related_parts
        self.parts: list[str] = []
        self.tables: list[TableData] = []
        self.images: list[bytes] = []

    def block(self, element: Any) -> None:
        """A body, a cell or a content control's content: its paragraphs and tables in
        order. Comments and processing instructions are no elements: passed over."""
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        for child in element.iterchildren():
            if not isinstance(child.tag, str):
                continue  # an XML comment in the body
            tag = child.tag.rsplit("}", 1)[-1]
            if tag == "p":
                self.paragraph(Paragraph(child, self.document), child)
            elif tag == "tbl":
                self.table(Table(child, self.document))
            elif tag == "sdt":
                content = child.find(f"{W}sdtContent")
                if content is not None:
                    self.block(content)

    def paragraph(self, paragraph: Any, element: Any) -> None:
        line = _paragraph(paragraph)
        if line:
            self.parts.append(line)
        for box in element.iter(f"{W}txbxContent"):  # a text box's paragraphs stand here
            for p in box.iter(f"{W}p"):
                text = "".join(t.text or "" for t in p.iter(f"{W}t")).strip()
                if text:
                    self.parts.append(text)
        for rid in element.xpath(".//a:blip/@r:embed"):
            blob = self.image_blob(self.related.get(rid))
            if blob is not None:
                self.parts.append(f"\x00IMG{len(self.images)}\x00")
                self.images.append(blob)

    def table(self, table: Any) -> None:
        grid = [[_cell_text(cell) for cell in row.cells] for row in table.rows]
        found = grid_table(grid)
        if found is not None:
            self.tables.append(found.placed(1, len(self.tables), "python-docx"))
            self.parts.append(table_markdown(found))
        else:  # no grid: its text as paragraphs, not lost
            for cell in _distinct_cells(table):
                self.block(cell._tc)
            return
        for cell in _distinct_cells(table):
            for inner in cell.tables:
                self.table(inner)


def _distinct_cells(table: Any) -> list[Any]:
    """Each cell once: a merged cell is one cell however many grid places it spans. Cells
    are told apart by their XML element itself, held while compared (an id() of lxml's
    short-lived proxies is reused, and took a nested table's cell for one seen)."""
    seen: list[Any] = []
    cells = []
    for row in table.rows:
        for cell in row.cells:
            if not any(cell._tc is tc for tc in seen):
                seen.append(cell._tc)
                cells.append(cell)
    return cells


def _cell_text(cell: Any) -> str:
    """A cell's own paragraphs (a nested table's text is that table's)."""
    return "\n".join(p.text for p in cell.paragraphs).strip()


def _paragraph(paragraph: Any) -> str:
    text = paragraph.text.strip()
    if not text:
        return ""
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    if style == "Title":
        return f"# {text}"
    if m := re.match(r"Heading (\d)", style):
        return f"{'#' * min(6, int(m.group(1)) + 1)} {text}"
    if style.startswith("List"):
        return f"- {text}"
    return text


def _headers_and_footers(document: Any) -> tuple[list[str], list[str]]:
    """Every section's header and footer text (first-page and even-page ones too), each
    once: a section that repeats the one before it adds nothing."""
    head: list[str] = []
    foot: list[str] = []
    for section in document.sections:
        for kind, out in (("header", head), ("footer", foot)):
            for name in (kind, f"first_page_{kind}", f"even_page_{kind}"):
                part = getattr(section, name, None)
                if part is None or part.is_linked_to_previous:
                    continue
                texts = [p.text.strip() for p in part.paragraphs if p.text.strip()]
                texts += [_cell_text(c) for t in part.tables for r in t.rows for c in r.cells]
                for text in texts:
                    if text and text not in out:
                        out.append(text)
    return head, foot


def grid_table(grid: list[list[str]]) -> TableData | None:
    """A table of two rows and two columns at least; None for anything less."""
    grid = [row for row in grid if any(cell for cell in row)]
    if len(grid) < 2 or max(len(r) for r in grid) < 2:
        return None
    width = max(len(r) for r in grid)
    grid = [r + [""] * (width - len(r)) for r in grid]
    return TableData(headers=grid[0], rows=grid[1:])


def image_blob(part: Any) -> bytes | None:
    """An image part's bytes where it is large enough to hold text."""
    import io

    from PIL import Image

    blob = getattr(part, "blob", None)
    if not blob:
        return None
    try:
        with Image.open(io.BytesIO(blob)) as image:
            if min(image.size) < MIN_IMAGE_SIDE or image.format in ("WMF", "EMF"):
                return None  # too small to hold text, or vector art Pillow cannot draw
    except OSError:
        return None
    return blob
