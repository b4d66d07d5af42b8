"""Word, PowerPoint, HTML and text files, built with the real libraries: headings,
paragraphs, lists and table cells come out right, one page per slide; what needs
LibreOffice says so when it is not installed."""

from __future__ import annotations

import shutil
import zipfile

from tests.helpers import process


def test_a_docx_keeps_headings_lists_and_its_table(embedded, tmp_path):
    import docx

    document = docx.Document()
    document.add_heading("Quarterly supplier review", level=0)
    document.add_heading("Findings", level=1)
    document.add_paragraph("Deliveries from Harbor Compliance Partners arrived late twice.")
    document.add_paragraph("Renegotiate the service levels", style="List Bullet")
    table = document.add_table(rows=3, cols=3)
    for r, row in enumerate([["Supplier", "Late", "Spend"], ["Harbor", "2", "12,400.00"],
                             ["Nordlicht", "0", "8,150.50"]]):  # fmt: skip
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    document.add_paragraph("Next review in March.")
    document.save(tmp_path / "review.docx")
    result = process(tmp_path / "review.docx", embedded)
    assert result["document"]["kind"] == "text" and result["document"]["status"] == "done"
    (page,) = result["pages"]
    text = page["markdown"]
    assert text.startswith("# Quarterly supplier review")
    assert "## Findings" in text and "- Renegotiate the service levels" in text
    assert text.index("arrived late") < text.index("| Supplier") < text.index("Next review")
    (found,) = page["tables"]
    assert found["headers"] == ["Supplier", "Late", "Spend"]
    assert found["rows"][1] == ["Nordlicht", "0", "8,150.50"]


def test_a_pptx_is_a_page_per_slide_with_its_table(embedded, tmp_path):
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    first = deck.slides.add_slide(deck.slide_layouts[1])
    first.shapes.title.text = "Launch plan"
    first.placeholders[1].text_frame.text = "Ship the pilot to three depots"
    second = deck.slides.add_slide(deck.slide_layouts[5])
    second.shapes.title.text = "Budget"
    grid = second.shapes.add_table(3, 2, Inches(1), Inches(2), Inches(6), Inches(2)).table
    for r, row in enumerate([["Item", "Cost"], ["Scanners", "4,200"], ["Training", "1,150"]]):
        for c, text in enumerate(row):
            grid.cell(r, c).text = text
    deck.save(tmp_path / "plan.pptx")
    result = process(tmp_path / "plan.pptx", embedded)
    one, two = result["pages"]
    assert "## Launch plan" in one["markdown"] and "three depots" in one["markdown"]
    assert one["tables"] == [] and "## Budget" in two["markdown"]
    (table,) = two["tables"]
    assert [table["headers"], *table["rows"]] == [
        ["Item", "Cost"],
        ["Scanners", "4,200"],
        ["Training", "1,150"],
    ]


def test_html_keeps_text_and_tables_and_drops_scripts(embedded, tmp_path):
    (tmp_path / "notice.html").write_text(
        "<!DOCTYPE html><html><head><title>x</title><style>p{color:red}</style></head><body>"
        "<h1>Maintenance notice</h1><p>The plant in <b>Leipzig</b> closes on 12 May.</p>"
        "<script>alert('steal')</script><ul><li>Line A stops</li><li>Line B runs</li></ul>"
        "<table><tr><th>Line</th><th>Hours</th></tr><tr><td>A</td><td>36</td></tr>"
        "<tr><td>B</td><td>0</td></tr></table><p>Questions to the site office.</p>"
        "</body></html>"
    )
    (page,) = process(tmp_path / "notice.html", embedded)["pages"]
    text = page["markdown"]
    assert text.startswith("# Maintenance notice")
    assert "The plant in Leipzig closes on 12 May." in text and "- Line B runs" in text
    assert "alert" not in text and "color" not in text
    assert [page["tables"][0]["headers"], *page["tables"][0]["rows"]] == [
        ["Line", "Hours"],
        ["A", "36"],
        ["B", "0"],
    ]
    assert text.index("Line B runs") < text.index("| Line") < text.index("site office")


def test_markdown_and_text_are_documents_with_their_tables(embedded, tmp_path):
    (tmp_path / "notes.md").write_text(
        "# Stand-up\n\nWe decided to move the audit.\n\n| Owner | Task |\n|---|---|\n"
        "| Maria | Book the room |\n| Luis | Send the agenda |\n"
    )
    (page,) = process(tmp_path / "notes.md", embedded)["pages"]
    assert "We decided to move the audit." in page["markdown"]
    assert page["tables"][0]["rows"] == [["Maria", "Book the room"], ["Luis", "Send the agenda"]]
    (tmp_path / "memo.txt").write_text("Memo\n\nThe courier arrives at nine.\n")
    (memo,) = process(tmp_path / "memo.txt", embedded)["pages"]
    assert "courier arrives at nine" in memo["markdown"]


def test_an_invoice_written_in_word_gets_its_profile(embedded, tmp_path):
    import docx

    document = docx.Document()
    for line in ["Northwind Traders Ltd", "INVOICE", "Invoice number: INV-2026-0456",
                 "Invoice date: 2026-11-02", "Total due: EUR 980.00"]:  # fmt: skip
        document.add_paragraph(line)
    document.save(tmp_path / "invoice.docx")
    profile = process(tmp_path / "invoice.docx", embedded)["profile"]
    assert profile["doc_type"] == "invoice"
    assert profile["fields"]["invoice_number"]["value"] == "INV-2026-0456"
    assert profile["fields"]["total"]["value"] == "980.00"


def test_opendocument_goes_through_libreoffice_or_says_which_package(embedded, tmp_path):
    path = tmp_path / "letter.odt"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        z.writestr(
            "content.xml",
            '<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:'
            'opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:'
            'text:1.0"><office:body><office:text><text:p>Dear tenant, the rent rises in May.'
            "</text:p></office:text></office:body></office:document-content>",
        )
    result = process(path, embedded)
    if shutil.which("soffice") or shutil.which("libreoffice"):
        assert "the rent rises in May" in result["pages"][0]["markdown"]
    else:
        assert result["document"]["status"] == "failed"
        error = result["document"]["error"]
        assert "LibreOffice" in error and "apt-get install libreoffice-writer-nogui" in error


def _text_png(text: str) -> bytes:
    """A picture of a line of text, as a scanned snippet pasted into a document would be."""
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page(width=420, height=80)
    page.insert_text((20, 45), text, fontsize=18)
    return page.get_pixmap(dpi=200).tobytes("png")


def test_an_image_inside_a_docx_is_read_where_it_stands(embedded, tmp_path):
    """The page step reads a pasted picture (Tesseract here, the model where there is one);
    its text is put in the document's text where the picture was."""
    import docx
    from docx.shared import Inches

    (tmp_path / "stamp.png").write_bytes(_text_png("Received 14 October 2026"))
    document = docx.Document()
    document.add_paragraph("The signed delivery note is pasted below.")
    document.add_picture(str(tmp_path / "stamp.png"), width=Inches(4))
    document.add_paragraph("Filed by the warehouse.")
    document.save(tmp_path / "note.docx")
    result = process(tmp_path / "note.docx", embedded)
    section, picture = result["pages"]
    assert (
        picture["text_source"] == "tesseract" and "Received 14 October 2026" in picture["markdown"]
    )
    text = result["markdown"]
    assert (
        text.index("pasted below") < text.index("Received 14 October 2026") < text.index("Filed by")
    )
    assert text.count("Received 14 October 2026") == 1  # placed once, not also at the end


def test_a_picture_on_a_slide_is_read_on_that_slide(embedded, tmp_path):
    from pptx import Presentation
    from pptx.util import Inches

    (tmp_path / "chart.png").write_bytes(_text_png("Revenue up 12 percent"))
    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[5])
    slide.shapes.title.text = "Results"
    slide.shapes.add_picture(str(tmp_path / "chart.png"), Inches(1), Inches(2), Inches(6))
    deck.save(tmp_path / "results.pptx")
    result = process(tmp_path / "results.pptx", embedded)
    text = result["markdown"]
    assert text.index("## Results") < text.index("Revenue up 12 percent")
