"""Word, PowerPoint, HTML, Markdown and plain text, read from their own structure: headings,
paragraphs, lists and tables (tables as tables), one page per slide. OpenDocument, RTF and
the old binary Office formats go through LibreOffice headless when it is installed, with an
error naming the package when it is not."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

from docintel.models.once import loaded_once
from docintel.pipeline.errors import DocumentError
from docintel.pipeline.pages.fields import markdown_tables
from docintel.pipeline.route.slides import read_pptx
from docintel.pipeline.route.word import grid_table, read_docx
from docintel.pipeline.types import PageResult, TableData, table_markdown

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
# what LibreOffice turns each into, to be read by the native reader
CONVERTED = {
    "application/vnd.oasis.opendocument.text": "docx",
    "application/rtf": "docx",
    "application/msword": "docx",
    "application/vnd.oasis.opendocument.presentation": "pptx",
    "application/vnd.ms-powerpoint": "pptx",
}


def read_office(path: Path, media_type: str) -> tuple[list[PageResult], list[TableData], str]:
    """(pages, tables, the reader's name)."""
    if media_type in CONVERTED:
        return _via_libreoffice(path, media_type)
    if media_type == DOCX:
        return _with_images(*read_docx(path), "python-docx")
    if media_type == PPTX:
        return _with_images(*read_pptx(path), "python-pptx")
    text = path.read_bytes().decode("utf-8", errors="replace")
    if media_type == "text/html":
        markdown, tables = html_markdown(text)
        return _done([markdown], tables, "html")
    tables = [t.placed(1, i, "text") for i, t in enumerate(markdown_tables(text))]
    return _done([text.strip()], tables, "text")


def _done(
    sections: list[str], tables: list[TableData], reader: str
) -> tuple[list[PageResult], list[TableData], str]:
    pages = [
        PageResult(
            n,
            "done",
            text_source=reader,
            decision=f"read from the file's own structure by {reader}",
            markdown=markdown or None,
            engine=reader,
        )
        for n, markdown in enumerate(sections, start=1)
    ]
    for table in tables:
        table.engine = reader
    return pages, tables, reader


IMAGE_MARK = "<!-- image page {} -->"  # where an image's text goes, once read


def _with_images(
    sections: list[str], tables: list[TableData], images: list[bytes], reader: str
) -> tuple[list[PageResult], list[TableData], str]:
    """The sections as pages, and each image inside the file as a page of its own after
    them, for the page step to read (OCR or the model); the section names it where it was."""
    first = len(sections) + 1
    sections = [
        re.sub(r"\x00IMG(\d+)\x00", lambda m: IMAGE_MARK.format(first + int(m.group(1))), text)
        for text in sections
    ]
    pages, tables, reader = _done(sections, tables, reader)
    for k in range(len(images)):
        pages.append(
            PageResult(
                first + k,
                "needs_ocr",
                decision=f"image {k + 1} inside the file, read where it stands",
            )
        )
    return pages, tables, reader


def office_images(path: Path) -> tuple[int, list[bytes]]:
    """(the page number of the first image, the images' bytes in order) of a DOCX or PPTX,
    as ``read_office`` numbered them. The page step asks for one image at a time: the file
    is parsed once per version, not once per image."""
    stat = path.stat()
    return _office_images(str(path), stat.st_mtime_ns, stat.st_size)


@loaded_once(maxsize=2)  # the page threads ask for their images at once: parsed once
def _office_images(path: str, _mtime_ns: int, _size: int) -> tuple[int, list[bytes]]:
    from docintel.pipeline.route.sniff import sniff_file

    media_type = sniff_file(Path(path)).media_type
    reader = read_docx if media_type == DOCX else read_pptx
    sections, _tables, images = reader(Path(path))
    return len(sections) + 1, images


class _Frame:
    """A table being read: its rows, the cell being read, and whether it holds tables of its
    own (then it lays out the page, and its cells are paragraphs, in order)."""

    def __init__(self) -> None:
        self.grid: list[list[str]] = []
        self.cell: list[str] | None = None
        self.layout = False


class _Html(HTMLParser):
    """HTML to Markdown-like text: headings, paragraphs, list items and tables kept; scripts,
    styles and the head left out. A table that lays out others (as most HTML e-mails do),
    or that is no grid (one row, one column), keeps its text as paragraphs."""

    BLOCKS = {"p", "div", "section", "article", "br", "tr", "header", "footer", "blockquote"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.line: list[str] = []
        self.skip = 0
        self.tables: list[TableData] = []
        self.open: list[_Frame] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:  # type: ignore[type-arg]
        frame = self.open[-1] if self.open else None
        if tag in ("script", "style", "head", "noscript", "template"):
            self.skip += 1
        elif tag == "table":
            if frame is None:
                self._flush()
            elif not frame.layout:
                self._as_layout(frame)
            elif frame.cell:
                self._paragraph("".join(frame.cell))
                frame.cell = []
            self.open.append(_Frame())
        elif tag == "tr" and frame is not None:
            frame.grid.append([])
        elif tag in ("td", "th") and frame is not None:
            frame.cell = []
        elif frame is None and (tag in self.BLOCKS or re.fullmatch(r"h[1-6]|li", tag)):
            self._flush()
            if tag == "li":
                self.line.append("- ")
            elif tag[0] == "h" and tag[1:].isdigit():
                self.line.append("#" * int(tag[1]) + " ")

    def handle_endtag(self, tag: str) -> None:
        frame = self.open[-1] if self.open else None
        if tag in ("script", "style", "head", "noscript", "template"):
            self.skip = max(0, self.skip - 1)
        elif tag in ("td", "th") and frame is not None and frame.cell is not None:
            text = " ".join("".join(frame.cell).split())
            if frame.layout:
                self._paragraph(text)
            else:
                if not frame.grid:
                    frame.grid.append([])
                frame.grid[-1].append(text)
            frame.cell = None
        elif tag == "table" and frame is not None:
            self.open.pop()
            if frame.layout:
                return
            table = grid_table([row for row in frame.grid if row])
            if table is None:  # no grid: its text, cell by cell
                for row in frame.grid:
                    self._paragraph(" ".join(c for c in row if c))
                return
            self.tables.append(table.placed(1, len(self.tables), "html"))
            self.parts.append(table_markdown(table))
        elif frame is None and (tag in self.BLOCKS or re.fullmatch(r"h[1-6]|li", tag)):
            self._flush()

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        frame = self.open[-1] if self.open else None
        if frame is not None and frame.cell is not None:
            frame.cell.append(data)
        elif frame is None:
            self.line.append(data)

    def _as_layout(self, frame: _Frame) -> None:
        """A table found to hold another: what it read so far becomes paragraphs."""
        for row in frame.grid:
            self._paragraph(" ".join(c for c in row if c))
        if frame.cell:
            self._paragraph("".join(frame.cell))
        frame.grid, frame.layout = [], True
        frame.cell = [] if frame.cell is not None else None

    def _paragraph(self, text: str) -> None:
        text = " ".join(text.split())
        if text:
            self.parts.append(text)

    def _flush(self) -> None:
        text = " ".join("".join(self.line).split())
        if text and text not in ("-", "#"):
            self.parts.append(text)
        self.line = []


def html_markdown(html: str) -> tuple[str, list[TableData]]:
    parser = _Html()
    parser.feed(html)
    parser.close()
    parser._flush()
    return "\n\n".join(parser.parts), parser.tables


def _via_libreoffice(path: Path, media_type: str) -> tuple[list[PageResult], list[TableData], str]:
    target = CONVERTED[media_type]
    office = shutil.which("soffice") or shutil.which("libreoffice")
    package = "libreoffice-impress-nogui" if target == "pptx" else "libreoffice-writer-nogui"
    if office is None:
        raise DocumentError(
            f"{path.name} ({media_type}) is read through LibreOffice, which is not installed "
            f"here: install it (Debian: apt-get install {package}) and `docintel retry`, or "
            f"save the file as {target.upper()} or PDF and drop that."
        )
    with tempfile.TemporaryDirectory(prefix="docintel-office-") as out:
        done = subprocess.run(
            [office, "--headless", "--convert-to", target, "--outdir", out, str(path)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        converted = next(Path(out).glob(f"*.{target}"), None)
        if done.returncode != 0 or converted is None:
            raise DocumentError(
                f"{path.name}: LibreOffice could not convert it ({done.stderr.strip()[:300]}); "
                f"save it as {target.upper()} or PDF and drop that."
            )
        reader = read_docx if target == "docx" else read_pptx
        sections, tables, _images = reader(converted)
    return _done(sections, tables, f"libreoffice+python-{target}")
