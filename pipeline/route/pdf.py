"""Digital PDFs: open (or repair), read each page's text layer, find tables.

PyMuPDF is imported here only, so the Celery app and the CLI start without it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docintel.pipeline.errors import DocumentError
from docintel.pipeline.route.einvoice import EInvoice, embedded_einvoice
from docintel.pipeline.route.pdf_forms import form_widgets, widget_free
from docintel.pipeline.route.pdf_rotation import upright
from docintel.pipeline.route.pdf_spacing import spaced_words
from docintel.pipeline.route.pdf_split import read_split
from docintel.pipeline.route.pdf_tables import find_tables, inside
from docintel.pipeline.types import TableData, table_markdown

_PAGES_COUNT = re.compile(rb"/Type\s*/Pages\b[^>]{0,400}?/Count\s+(\d+)")


GARBAGE_WORDLIKE = 0.6  # below this share of word-like tokens, a text layer reads as garbage
# below this many characters, a page mostly covered by images is a scan with a few words
# drawn over it (a stamp, a header): the only pages whose image coverage is asked
IMAGE_PAGE_CHARS = 200


@dataclass
class PageText:
    page: int  # 1-based
    markdown: str
    chars: int
    bad_glyph_ratio: float
    # the share of the page images cover; None: not measured, as the page has
    # IMAGE_PAGE_CHARS characters or more (a textpage of its own, 0.4 ms a page)
    image_coverage: float | None
    width: float
    height: float
    tables: list[TableData] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)  # filled form widgets
    error: str | None = None
    # text drawn invisibly (render mode 3), an OCR layer; None: not measured, as the text
    # reads as words (wordlike_ratio >= GARBAGE_WORDLIKE)
    invisible_ratio: float | None = None
    wordlike_ratio: float = 1.0  # tokens that look like words or numbers


@dataclass
class PdfText:
    pages: list[PageText]
    warnings: list[str]
    declared_pages: int | None
    lost_pages: set[int] = field(default_factory=set)
    einvoice: EInvoice | None = None  # the Factur-X / ZUGFeRD / XRechnung XML it carries


def read_pdf(path: Path, split_pages: int = 0) -> PdfText:
    """The PDF's pages read, with what was damaged or lost; from ``split_pages`` pages up
    (0: never) by one process per core (``pdf_split``)."""
    from docintel.pipeline.mupdf import MUPDF
    from docintel.pipeline.mupdf import pymupdf as load_pymupdf

    pymupdf = load_pymupdf()

    data = path.read_bytes()
    with MUPDF:
        pymupdf.TOOLS.mupdf_warnings()  # drop warnings left by earlier documents
        try:
            doc = pymupdf.open(stream=data, filetype="pdf")
        except Exception as exc:
            raise DocumentError(
                f"{path.name} is a damaged PDF that could not be opened ({exc}); export or "
                "scan it again."
            ) from exc
        return _read_open(pymupdf, path, doc, data, split_pages)


def _read_open(pymupdf: Any, path: Path, doc: Any, data: bytes, split_pages: int) -> PdfText:
    """``read_pdf`` of the opened ``doc``, the caller holding ``MUPDF``."""
    with doc:
        if doc.needs_pass and not doc.authenticate(""):
            raise DocumentError(
                f"{path.name} is password-protected; remove the password (for example "
                "`qpdf --decrypt --password=... in.pdf out.pdf`) and drop the result."
            )
        declared = _declared_page_count(data)
        if doc.page_count == 0:
            raise DocumentError(
                f"{path.name} is a damaged PDF: no page could be recovered; export it again."
            )
        pymupdf.TOOLS.mupdf_warnings()
        # a repaired file's warnings are told apart page by page: it is read here alone
        split = None if doc.is_repaired else read_split(path, doc, split_pages, _read_page)
        if split is not None:
            return _finished(doc, data, split, [], [], declared)
        pages, lost, partial = [], [], []
        for i in range(doc.page_count):
            page = _read_page(doc, i)
            pages.append(page)
            if doc.is_repaired:
                # After a repair, a page whose content streams are gone was lost, and one
                # whose stream ended early ("premature end of data") was read in part.
                complaints = pymupdf.TOOLS.mupdf_warnings()
                if page.error or not _has_contents(doc, i):
                    lost.append(page.page)
                elif "premature end" in complaints or "Length incorrect" in complaints:
                    partial.append(page.page)
        return _finished(doc, data, pages, lost, partial, declared)


def _finished(
    doc: Any,
    data: bytes,
    pages: list[PageText],
    lost: list[int],
    partial: list[int],
    declared: int | None,
) -> PdfText:
    lost = lost + [p.page for p in pages if p.error and p.page not in lost]  # garbage pages
    if declared and declared > doc.page_count:
        lost += list(range(doc.page_count + 1, declared + 1))
    einvoice = embedded_einvoice(doc)
    read = {einvoice.source} if einvoice else set()
    warnings = _damage_warnings(doc.is_repaired, lost, partial) + active_content(doc, data, read)
    return PdfText(
        pages=pages,
        warnings=warnings,
        declared_pages=declared,
        lost_pages=set(lost),
        einvoice=einvoice,
    )


def read_run(path: str, start: int, stop: int) -> list[PageText]:
    """Pages ``start``..``stop - 1`` of the PDF at ``path``, as ``read_pdf`` reads them."""
    from docintel.pipeline.mupdf import MUPDF
    from docintel.pipeline.mupdf import pymupdf as load_pymupdf

    with MUPDF, load_pymupdf().open(path) as doc:
        if doc.needs_pass:
            doc.authenticate("")
        return [_read_page(doc, i) for i in range(start, stop)]


def serve_pages() -> None:
    """A ``pdf_split`` helper: ``path start stop`` on its command line, the pages pickled
    on stdout."""
    import pickle
    import sys

    path, start, stop = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    sys.stdout.buffer.write(pickle.dumps(read_run(path, start, stop)))


def _has_contents(doc: Any, index: int) -> bool:
    try:
        return bool(doc.load_page(index).get_contents())
    except Exception:
        return False


def _damage_warnings(repaired: bool, lost: list[int], partial: list[int]) -> list[str]:
    if not (repaired or lost):
        return []
    if not lost and not partial:
        return ["the PDF was damaged and repaired by the reader; no page was lost."]
    parts = []
    if lost:
        parts.append(f"pages lost: {_ranges(lost)}")
    if partial:
        parts.append(f"pages read only in part: {_ranges(partial)}")
    return [
        f"the PDF is damaged (truncated or corrupt) and was repaired; {'; '.join(parts)}. "
        "The rest was processed; re-export or download the original again to recover them."
    ]


def _declared_page_count(data: bytes) -> int | None:
    counts = [int(m) for m in _PAGES_COUNT.findall(data[-2_000_000:] + data[:2_000_000])]
    return max(counts) if counts else None


def _ranges(numbers: list[int]) -> str:
    out: list[str] = []
    for n in sorted(set(numbers)):
        if out and out[-1].split("-")[-1] == str(n - 1):
            out[-1] = f"{out[-1].split('-')[0]}-{n}"
        else:
            out.append(str(n))
    return ", ".join(out)


def _read_page(doc: Any, index: int) -> PageText:
    turned = None
    try:
        page = doc.load_page(index)
        textpage = page.get_textpage()  # one pass over the page's content for both reads
        words = page_words(page, textpage)
        fields, widgets = form_widgets(page, words)
        turned = upright(doc, index, words)
        if turned is not None:  # text that runs up or down the sheet: read it turned
            page = turned[1]
            textpage = page.get_textpage()
            words = page_words(page, textpage)
        raw = page.get_text("text", textpage=textpage).translate(INVISIBLE)
        words = widget_free(words, widgets) if turned is None else words
        tables = find_tables(page, words)
        markdown = page_markdown(words, tables, fields)
    except Exception as exc:  # a page tree entry that points at garbage
        return PageText(index + 1, "", 0, 0.0, 0.0, 0.0, 0.0, error=str(exc) or type(exc).__name__)
    visible = [c for c in raw if not c.isspace()]
    bad = sum(1 for c in visible if c == "\ufffd" or 0xE000 <= ord(c) <= 0xF8FF)
    wordlike = wordlike_ratio(raw)
    return PageText(
        page=index + 1,
        markdown=markdown,
        chars=len(visible),
        bad_glyph_ratio=bad / len(visible) if visible else 0.0,
        image_coverage=_image_coverage(page) if len(visible) < IMAGE_PAGE_CHARS else None,
        width=page.rect.width,
        height=page.rect.height,
        tables=tables,
        fields=fields,
        # Another pass over the page (4 ms), asked only where the text reads as garbage:
        # whether it is an OCR layer drawn invisibly over a scan.
        invisible_ratio=_invisible_ratio(page) if wordlike < GARBAGE_WORDLIKE else None,
        wordlike_ratio=wordlike,
    )


# Characters that take no room on the page: a soft hyphen (a typesetter's break hint), a
# zero-width space, a word joiner, a byte-order mark. PyMuPDF keeps them in the text.
INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u2060\ufeff"))


def page_words(page: Any, textpage: Any) -> list[Any]:
    """The page's words in reading order, each once, without the characters that take no
    room (``INVISIBLE``): kept, "\u00ad(m2" is not "(m2" and "INVOICE\u200b:" no label, so a
    search, a cell or a field would not match what a person reads."""
    words = spaced_words(textpage, page.get_text("words", textpage=textpage))
    if any(w[4].translate(INVISIBLE) != w[4] for w in words):
        words = [(*w[:4], w[4].translate(INVISIBLE), *w[5:]) for w in words]
        words = [w for w in words if w[4]]
    return reading_order(once(words))


def once(words: list[Any]) -> list[Any]:
    """Each word once: a word drawn twice at (nearly) the same place (fake bold, a shadow:
    the same glyphs painted again, a little offset or not) is one word on the page, not
    'Kruger Kruger'; so is a copy of some of its glyphs drawn over it ('K' over 'Kruger',
    '7 6' over '7.6', as some report writers draw a text layer twice)."""
    kept: dict[int, list[Any]] = {}  # the words kept, by band of the page's height
    keep: set[int] = set()
    for i in sorted(range(len(words)), key=lambda i: -len(words[i][4])):  # whole words first
        w = words[i]
        band, x = round((w[1] + w[3]) / 2 / COPY_BAND), w[0] + COPY_OFFSET * (w[3] - w[1])
        near = (k for b in (band - 1, band, band + 1) for k in kept.get(b, ()) if k[0] <= x)
        if any(_copy_of(w, k) for k in near if w[0] <= k[2]):
            continue
        kept.setdefault(band, []).append(w)
        keep.add(i)
    return [w for i, w in enumerate(words) if i in keep]


COPY_BAND = 8.0  # pt: the bands words are looked up in; a copy is offset far less
COPY_OFFSET = 0.35  # of the word's height: the most a copy stands off the word it repeats


def _copy_of(word: Any, other: Any) -> bool:
    """Whether ``word`` repeats ``other``: the same text, or some of its characters in their
    order, drawn inside its box (give or take ``COPY_OFFSET`` of the height), on its line."""
    height = min(word[3] - word[1], other[3] - other[1])
    tol = COPY_OFFSET * height
    if abs((word[1] + word[3]) - (other[1] + other[3])) / 2 > tol:
        return False
    if word[4] == other[4]:
        return abs(word[0] - other[0]) <= tol
    if word[0] < other[0] - tol or word[2] > other[2] + tol:
        return False
    rest = iter(other[4])
    return all(char in rest for char in word[4])  # a subsequence of the other's text


def reading_order(words: list[Any], tolerance: float = 3.0) -> list[Any]:
    """What PyMuPDF's ``get_text("words", sort=True)`` returns (lines top to bottom, words
    in a line left to right, a line's words within ``tolerance`` of its top or bottom),
    computed on plain floats: its own version builds a Rect per word, 2 ms a page."""
    if not words:
        return words
    words = sorted(words, key=lambda w: (w[3], w[0]))
    ordered: list[Any] = []
    line = [words[0]]
    top, bottom = words[0][1], words[0][3]
    for w in words[1:]:
        if abs(w[1] - top) <= tolerance or abs(w[3] - bottom) <= tolerance:
            line.append(w)
            top, bottom = min(top, w[1]), max(bottom, w[3])
        else:
            ordered += sorted(line, key=lambda w: w[0])
            line = [w]
            top, bottom = w[1], w[3]
    return ordered + sorted(line, key=lambda w: w[0])


def page_markdown(words: list[Any], tables: list[TableData], fields: dict[str, str]) -> str:
    """The page's text blocks in reading order, line by line; the lines inside a table are
    replaced by the table's Markdown at its place (its text is not repeated as loose lines,
    and no line outside it is lost), and a filled form's values close the page."""
    boxes = [t.bbox for t in tables if t.bbox]
    blocks: dict[int, dict[int, list[Any]]] = {}
    for w in words:
        if not boxes or not any(inside(w, b) for b in boxes):
            blocks.setdefault(w[5], {}).setdefault(w[6], []).append(w)
    parts: list[tuple[float, str]] = []
    for lines in blocks.values():
        ordered = [sorted(ws, key=lambda w: w[7]) for _, ws in sorted(lines.items())]
        top = min(w[1] for ws in ordered for w in ws)
        parts.append((top, "\n".join(" ".join(w[4] for w in ws) for ws in ordered)))
    for table in tables:
        parts.append((table.bbox[1] if table.bbox else 1e9, table_markdown(table)))
    parts.sort(key=lambda p: p[0])
    text = "\n\n".join(t for _, t in parts).strip()
    if fields:
        filled = "\n".join(f"{k}: {v}" for k, v in fields.items())
        text = f"{text}\n\n{filled}".strip()
    return text


_WORD = re.compile(r"^[\W_]*(?:[^\W\d_]{1,}(?:['’-][^\W\d_]+)*|[\d.,:/%€$£+-]+)[\W_]*$")
_VOWEL = re.compile(r"[aeiouyäöüàéèêíóúAEIOUY]|\d")


def wordlike_ratio(text: str) -> float:
    """Share of tokens that look like words or numbers; an OCR layer of garbage scores low."""
    tokens = text.split()
    if not tokens:
        return 1.0
    good = sum(1 for t in tokens if _WORD.match(t) and _VOWEL.search(t) and len(t) <= 30)
    return good / len(tokens)


def _invisible_ratio(page: Any) -> float:
    total = invisible = 0
    try:
        for span in page.get_texttrace():
            n = len(span.get("chars", ()))
            total += n
            if span.get("type") == 3:
                invisible += n
    except Exception:
        return 0.0
    return invisible / total if total else 0.0


def _image_coverage(page: Any) -> float:
    area = abs(page.rect) or 1.0
    covered = 0.0
    for info in page.get_image_info():
        x0, y0, x1, y1 = info["bbox"]
        covered += max(0.0, x1 - x0) * max(0.0, y1 - y0)
    return min(1.0, covered / area)


def active_content(doc: Any, data: bytes, read: set[str] = frozenset()) -> list[str]:  # type: ignore[assignment]
    """Warnings for what a PDF carries besides pages: JavaScript (run by some viewers when
    the file opens) and embedded files (an executable can hide there). They are never run
    or opened here (but the e-invoice XML named in ``read``, parsed with no entities); the
    warning lets a person decide."""
    warnings = []
    try:
        names = [str(n) for n in doc.embfile_names() if str(n) not in read]
    except Exception:
        names = []
    attached = len(names)
    if attached:
        names = names[:5]
        warnings.append(
            f"the PDF carries {attached} embedded file(s) ({', '.join(names) or 'unnamed'}); "
            "they were not opened."
        )
    if _has_javascript(doc, data):
        warnings.append(
            "the PDF contains JavaScript, which some viewers run when it is opened; it was "
            "not run here. Treat the file with care."
        )
    return warnings


def _has_javascript(doc: Any, data: bytes) -> bool:
    if b"/JavaScript" in data:
        return True
    try:  # object streams hide keys from a byte search: ask the objects themselves
        for xref in range(1, min(doc.xref_length(), 20_000)):
            if (
                doc.xref_get_key(xref, "JS")[0] != "null"
                or doc.xref_get_key(xref, "S")[1] == "/JavaScript"
            ):
                return True
    except Exception:
        return False
    return False
