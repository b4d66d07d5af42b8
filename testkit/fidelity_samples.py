"""Files of each kind the real test corpora showed losing content, built with the real
libraries so that what they hold is known: e-mails that open with an mbox line or
``Content-Type``, nested multiparts and digests; DOCX headers, footers, an XML comment and
tables the grid reader rejects; PPTX titles and line breaks; spreadsheet dates with their
number format; a table inside a frame of a few rules, a table printed sideways; a scanned
form with filled widgets; a poem. Tests and ``bench/fidelity.py`` share them."""

from __future__ import annotations

import datetime as dt
import io
from email.message import EmailMessage
from pathlib import Path

GIF = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b"
)

GRID = [
    ["Item", "Region", "Quantity", "Amount"],
    ["Valve housing", "North", "12", "1,440.00"],
    ["Gasket set", "South", "40", "380.00"],
    ["Pressure gauge", "East", "7", "861.00"],
    ["Hose clamp", "West", "150", "225.00"],
    ["Flange bolt", "North", "600", "540.00"],
    ["Seal ring", "East", "90", "117.00"],
    ["Ball valve", "South", "9", "1,206.00"],
    ["Pipe elbow", "West", "75", "300.00"],
]


def _message(subject: str, body: str, sender: str = "ops@acme.example") -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "inbox@docintel.example"
    message["Subject"] = subject
    message["Date"] = "Tue, 03 Nov 2026 10:00:00 +0000"
    message.set_content(body)
    return message


def mbox(path: Path, subjects: list[str]) -> Path:
    """An mbox file: each message after its own 'From ' line."""
    out = []
    for n, subject in enumerate(subjects):
        raw = _message(subject, f"Message {n + 1}: {subject.lower()}.").as_bytes()
        out.append(b"From ops@acme.example Tue Nov  3 10:00:00 2026\n" + raw.rstrip() + b"\n")
    path.write_bytes(b"\n".join(out))
    return path


def content_type_first(path: Path) -> Path:
    """A short message whose first header is Content-Type, its body quoted-printable."""
    path.write_bytes(
        b"Content-Type: text/plain; charset=utf-8\n"
        b"Content-Transfer-Encoding: quoted-printable\n"
        b"From: Lena Fischer <lena@nordwind.example>\n"
        b"\n"
        b"The delivery for order 4471 leaves the warehouse on Thursday =\n"
        b"morning, two pallets.\n"
    )
    return path


def nested_mail(path: Path) -> tuple[Path, dict[str, bytes]]:
    """A message whose files sit deep: an HTML body with an inline GIF inside
    multipart/related inside multipart/alternative, a PDF attachment, an attached message
    with its own attachment, and a digest of three messages. Returns the path and the
    files a reader must find (name: bytes)."""
    message = _message("Quarterly pack", "Plain body: the quarterly pack is attached.")
    message.add_alternative(
        '<p>HTML body: the quarterly pack is attached.</p><img src="cid:logo@acme">',
        subtype="html",
    )
    html = message.get_payload()[1]
    html.add_related(GIF, maintype="image", subtype="gif", cid="<logo@acme>")
    pdf = b"%PDF-1.4\n% a stand-in file, compared by its bytes\n%%EOF\n"
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename="pack.pdf")
    inner = _message("Forwarded note", "The note that was forwarded.")
    csv = b"sku,qty\nA-1,4\n"
    inner.add_attachment(csv, maintype="text", subtype="csv", filename="stock.csv")
    message.add_attachment(inner)
    digest = EmailMessage()
    digest.make_mixed()
    digest.set_type("multipart/digest")
    parts = [_message(f"Digest item {n}", f"Digest body number {n}.") for n in (1, 2, 3)]
    for part in parts:
        digest.attach(_as_attached(part))
    message.attach(digest)
    path.write_bytes(message.as_bytes())
    return path, {"logo": GIF, "pack.pdf": pdf, "forwarded": inner.as_bytes()}


def _as_attached(message: EmailMessage) -> EmailMessage:
    wrapper = EmailMessage()
    wrapper.set_content(message)
    del wrapper["Content-Disposition"]  # in a digest, parts are message/rfc822 by default
    return wrapper


def office_docx(path: Path) -> Path:
    """A DOCX with a header and a footer, an XML comment in its body, a one-row table,
    a table holding another table, and a paragraph after them."""
    import docx
    from lxml import etree

    document = docx.Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = "Harbor Compliance Partners - Confidential"
    section.footer.paragraphs[0].text = "Registered office Rotterdam, page footer"
    document.add_paragraph("Audit memo for the northern depot.")
    one_row = document.add_table(rows=1, cols=3)
    for c, text in enumerate(["Prepared by Ines Duarte", "Reviewed by Tom Okafor", "Draft 3"]):
        one_row.cell(0, c).text = text
    outer = document.add_table(rows=2, cols=2)
    outer.cell(0, 0).text = "Finding"
    outer.cell(0, 1).text = "Detail"
    outer.cell(1, 0).text = "Stock count"
    nested = outer.cell(1, 1).add_table(rows=2, cols=2)
    for r, row in enumerate([["Bin", "Difference"], ["B-17", "minus four cartons"]]):
        for c, text in enumerate(row):
            nested.cell(r, c).text = text
    document.add_paragraph("Closing remark about the depot.")
    body = document.element.body
    body.insert(0, etree.Comment(" exported by a document generator "))
    document.save(path)
    return path


def nested_tables_docx(path: Path) -> Path:
    """A table whose last row holds a table in each of its two cells."""
    import docx

    document = docx.Document()
    outer = document.add_table(rows=2, cols=2)
    outer.cell(0, 0).text = "Hall"
    outer.cell(0, 1).text = "Counts"
    for c, hall in enumerate(("North", "South")):
        inner = outer.cell(1, c).add_table(rows=2, cols=2)
        for r, row in enumerate([["Bin", "Cartons"], [f"{hall[0]}-{c + 1}7", f"{40 + c}"]]):
            for k, text in enumerate(row):
                inner.cell(r, k).text = text
    document.save(path)
    return path


def picture_title_pptx(path: Path) -> Path:
    """A slide whose title placeholder holds a picture, not text."""
    import pptx
    from PIL import Image

    deck = pptx.Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[6])  # blank: no title of its own
    picture = slide.shapes.add_picture(
        io.BytesIO(png_bytes(Image.new("RGB", (200, 80), "navy"))), 0, 0
    )
    nv = picture._element.nvPicPr.nvPr
    nv.append(nv.makeelement("{http://schemas.openxmlformats.org/presentationml/2006/main}ph",
                             {"type": "title"}))  # fmt: skip
    box = slide.shapes.add_textbox(0, 2000000, 6000000, 800000)
    box.text_frame.text = "Quarterly figures in one picture"
    deck.save(path)
    return path


def office_pptx(path: Path) -> Path:
    """Two slides: a title slide, and a slide whose body has a line break between words
    and a paragraph of several runs."""
    import pptx

    deck = pptx.Presentation()
    first = deck.slides.add_slide(deck.slide_layouts[0])
    first.shapes.title.text = "Depot review 2026"
    first.placeholders[1].text = "Operations team"
    second = deck.slides.add_slide(deck.slide_layouts[1])
    second.shapes.title.text = "Open actions"
    frame = second.placeholders[1].text_frame
    frame.text = "Recount bin B-17\vbefore Friday"
    para = frame.add_paragraph()
    for text in ("Order ", "new ", "gaskets"):
        para.add_run().text = text
    deck.save(path)
    return path


def dated_sheet(path: Path) -> tuple[Path, list[str]]:
    """A sheet of dates and times in several number formats; returns what Excel shows."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    rows = [
        (dt.datetime(2011, 9, 15, 15, 22), "yyyy-mm-dd hh:mm:ss", "2011-09-15 15:22:00"),
        (dt.datetime(2026, 3, 4), "dd/mm/yyyy", "04/03/2026"),
        (dt.datetime(2026, 12, 1), "d-mmm-yy", "1-Dec-26"),
        (dt.time(7, 30), "hh:mm", "07:30"),
    ]
    sheet.append(["Event", "When"])
    for n, (value, fmt, _) in enumerate(rows, start=1):
        sheet.append([f"event {n}", value])
        sheet.cell(row=n + 1, column=2).number_format = fmt
    book.save(path)
    return path, [shown for _, _, shown in rows]


def _grid_words(page: object, x0: float, y0: float, xs: list[float]) -> None:
    for r, row in enumerate(GRID):
        for x, cell in zip(xs, row, strict=True):
            page.insert_text((x0 + x, y0 + 16 * r), cell, fontsize=9)  # type: ignore[attr-defined]


def framed_table(path: Path) -> Path:
    """A table in a drawn frame with a few rules (one under the header, one between its
    halves): the rules make a grid of four giant cells, each holding many lines."""
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 80), "Stock movements in the quarter, by item.", fontsize=10)
    _grid_words(page, 80, 120, [0, 130, 240, 340])
    bottom = 120 + 16 * len(GRID)
    page.draw_rect(pymupdf.Rect(72, 104, 500, bottom), width=0.8)
    page.draw_line((72, 124), (500, 124), width=0.5)
    page.draw_line((300, 104), (300, bottom), width=0.5)
    page.insert_text((72, bottom + 30), "Figures are unaudited.", fontsize=10)
    doc.save(path)
    return path


PROSE = (
    "The depot counts its stock at the close of every quarter. Differences above five "
    "cartons are counted again by a second team before the figures are signed, and every "
    "recount is written in the log with the name of the person who made it. The table "
    "beside this paragraph lists the items counted in the northern and southern halls, "
    "with the quantity found and the value at the closing price."
)


def ruled_rows_two_columns(path: Path) -> Path:
    """A paper's page: a table drawn with horizontal rules only (above the header, under it,
    under the last row) in the left column, prose in the right column beside it."""
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page()
    page.draw_line((50, 40), (545, 40), width=0.5)  # the page's header rule, both columns
    page.insert_text((50, 34), "Journal of Depot Studies 12 (2026)", fontsize=8)
    xs = [54.0, 130.0, 180.0, 235.0]
    top = 100.0
    page.insert_text((54, top - 14), "Table 2  Stock counted by item", fontsize=8)
    page.draw_line((50, top - 8), (290, top - 8), width=0.8)
    for r, row in enumerate(GRID):
        for x, cell in zip(xs, row, strict=True):
            page.insert_text((x, top + 4 + 13 * r), cell, fontsize=8)
        if r == 0:
            page.draw_line((50, top + 8), (290, top + 8), width=0.4)
    page.draw_line((50, top + 10 + 13 * (len(GRID) - 1)), (290, top + 10 + 13 * (len(GRID) - 1)))
    page.insert_textbox(pymupdf.Rect(310, top - 20, 545, top + 200), PROSE, fontsize=9)
    doc.save(path)
    return path


def wrapped_cell_table(path: Path) -> tuple[Path, list[list[str]]]:
    """An unruled table whose item names wrap onto a second line (a one-cell line between
    two rows) and one row of a single value: the rows after them belong to the same table.
    Returns the grid as printed, a continuation line as a row of its own."""
    import pymupdf

    grid = [row[:] for row in GRID]
    printed: list[list[str]] = []
    for r, row in enumerate(grid):
        printed.append(row)
        if r in (2, 5):  # the name's second line, under its first, alone on its line
            printed.append(["(stainless, DN 50)", "", "", ""])
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 80), "Stock movements in the quarter, by item.", fontsize=10)
    for r, row in enumerate(printed):
        for x, cell in zip([0, 130, 240, 340], row, strict=True):
            if cell:
                page.insert_text((80 + x, 120 + 14 * r), cell, fontsize=9)
    page.insert_text((72, 140 + 14 * len(printed)), "Figures are unaudited.", fontsize=10)
    doc.save(path)
    return path, printed


def soft_hyphen_table(path: Path) -> Path:
    """A table whose units carry soft hyphens, as typesetters leave them ("\u00ad(m2
    \u00adg−1)"): invisible on the page, so not in what is read either."""
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page()
    rows = [
        ["Adsorbent", "Surface area"],
        ["HCMM", "25.147 \u00ad(m2 \u00adg-1)"],
        ["Carbon", "1.2 \u00ad(m2 \u00adg-1)"],
        ["Clay", "8.6 \u00ad(m2 \u00adg-1)"],
    ]
    writer = pymupdf.TextWriter(page.rect)  # an embedded font keeps U+00AD as it is
    font = pymupdf.Font("tiro")
    for r, row in enumerate(rows):
        for x, cell in zip([80, 240], row, strict=True):
            writer.append((x, 120 + 16 * r), cell, font=font, fontsize=9)
    writer.write_text(page)
    doc.save(path)
    return path


def fake_bold_table(path: Path) -> Path:
    """The header and first column in 'fake bold': the same words painted twice at the same
    place, as some report writers make bold type."""
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page()
    for r, row in enumerate(GRID):
        for c, (x, cell) in enumerate(zip([80, 210, 320, 420], row, strict=True)):
            times = 2 if r == 0 or c == 0 else 1
            for _ in range(times):
                page.insert_text((x, 120 + 16 * r), cell, fontsize=9)
    doc.save(path)
    return path


def sideways_table(path: Path) -> Path:
    """A landscape table printed on a portrait page: every line runs bottom to top."""
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page()
    xs = [0, 130, 240, 340]
    for r, row in enumerate(GRID):
        for x, cell in zip(xs, row, strict=True):
            # rotate=90: text runs up the page; a row is a column of the sheet
            page.insert_text((120 + 16 * r, 700 - x), cell, fontsize=9, rotate=90)
    page.insert_text((80, 700), "Stock movements in the quarter, by item.", fontsize=10, rotate=90)
    doc.save(path)
    return path


def sparse_form(path: Path) -> tuple[Path, dict[str, str]]:
    """A scanned form with fillable widgets: the page is a picture of its labels, so it is
    read off its image, and its filled values are only in the widgets."""
    import pymupdf
    from PIL import Image, ImageDraw

    values = {"Applicant": "Maria Lopez", "Permit number": "PX-204417"}
    scan = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(scan)
    draw.text((150, 150), "PERMIT APPLICATION", fill=0, font_size=48)
    for n, label in enumerate(values):
        draw.text((150, 320 + 120 * n), f"{label}:", fill=0, font_size=36)
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_image(page.rect, stream=png_bytes(scan))
    for n, (name, value) in enumerate(values.items()):
        widget = pymupdf.Widget()
        widget.field_type = pymupdf.PDF_WIDGET_TYPE_TEXT
        widget.field_name = name
        top = (320 + 120 * n) * 72 / 150
        widget.rect = pymupdf.Rect(300, top, 520, top + 18)
        widget.field_value = value
        page.add_widget(widget)
    doc.save(path)
    return path, values


POEM = """The Tide Mill

All things change, the miller said, and turned the wheel;
the river does not ask us what we feel.
It comes at dawn with silver on its back
and leaves at dusk along the willow track.

My father kept this mill for forty years,
he counted seasons, not the coins or fears;
and when the water slowed and summer came,
he sang the old songs over, all the same.

So let the stones go round, the flour fall,
the light lie golden on the whitewashed wall;
the tide will turn tonight as it has done,
and we will sleep, and wake, and greet the sun.
"""


def poem(path: Path) -> Path:
    """A poem whose opening says 'change': no business document."""
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_textbox(pymupdf.Rect(72, 72, 520, 760), POEM, fontsize=11)
    doc.save(path)
    return path


def png_bytes(image: object) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG")  # type: ignore[attr-defined]
    return buf.getvalue()
