"""PowerPoint decks (PPTX) with python-pptx, one page per slide: its title once, then every
shape in order (grouped shapes opened), each paragraph's text as the deck shows it (runs,
fields and line breaks, not runs glued together), tables as tables, pictures' places for
the page step, and the speaker's notes."""

from __future__ import annotations

from typing import Any

from docintel.pipeline.route.word import grid_table, image_blob
from docintel.pipeline.types import TableData, table_markdown


def read_pptx(path: Any) -> tuple[list[str], list[TableData], list[bytes]]:
    """(one Markdown section per slide, the tables, the pictures' bytes)."""
    from pptx import Presentation

    deck = _Deck(image_blob)
    for number, slide in enumerate(Presentation(str(path)).slides, start=1):
        deck.slide(number, slide)
    return deck.slides, deck.tables, deck.images


class _Deck:
    def __init__(self, image_blob: Any) -> None:
        self.image_blob = image_blob
        self.slides: list[str] = []
        self.tables: list[TableData] = []
        self.images: list[bytes] = []

    def slide(self, number: int, slide: Any) -> None:
        parts: list[str] = []
        title = slide.shapes.title
        if title is not None and not getattr(title, "has_text_frame", False):
            title = None  # a picture in the title's placeholder: a picture like any other
        title_id = title.shape_id if title is not None else None
        if title is not None and _text(title.text_frame):
            parts.append(f"## {_text(title.text_frame)}")
        self.shapes(number, slide.shapes, title_id, parts)
        if slide.has_notes_slide:
            notes = _text(slide.notes_slide.notes_text_frame)
            if notes:
                parts.append(f"*Notes:* {notes}")
        self.slides.append("\n\n".join(parts))

    def shapes(self, number: int, shapes: Any, title_id: int | None, parts: list[str]) -> None:
        from pptx.enum.shapes import MSO_SHAPE_TYPE

        for shape in shapes:
            if title_id is not None and shape.shape_id == title_id:
                continue  # the title, said once at the top
            if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
                self.shapes(number, shape.shapes, None, parts)
            elif getattr(shape, "has_table", False) and shape.has_table:
                self.table(number, shape.table, parts)
            elif shape.shape_type == MSO_SHAPE_TYPE.PICTURE:
                blob = self.image_blob(shape.image)
                if blob is not None:
                    parts.append(f"\x00IMG{len(self.images)}\x00")
                    self.images.append(blob)
            elif getattr(shape, "has_text_frame", False) and shape.has_text_frame:
                for paragraph in shape.text_frame.paragraphs:
                    text = _paragraph_text(paragraph)
                    if text:
                        bullet = "  " * paragraph.level + "- " if paragraph.level else ""
                        parts.append(bullet + text)

    def table(self, number: int, table: Any, parts: list[str]) -> None:
        grid = [[_text(cell.text_frame) for cell in row.cells] for row in table.rows]
        found = grid_table(grid)
        if found is None:  # one row or one column: its text, not lost
            parts += [cell for row in grid for cell in row if cell]
            return
        index = sum(1 for t in self.tables if t.page == number)
        self.tables.append(found.placed(number, index, "python-pptx"))
        parts.append(table_markdown(found))


def _paragraph_text(paragraph: Any) -> str:
    """A paragraph as shown: runs and fields in order, a line break as a new line."""
    return paragraph.text.replace("\v", "\n").strip()


def _text(frame: Any) -> str:
    return "\n".join(t for p in frame.paragraphs if (t := _paragraph_text(p)))
