"""Fidelity, class by class, where real test corpora showed the pipeline knowing less than
the library it uses read plainly: e-mails that open with an mbox line or Content-Type,
files deep in a message, DOCX headers, footers, comments and tables that are no grid, PPTX
titles and line breaks, spreadsheet dates as shown, tables in a frame of a few rules, tables
printed sideways, and form widgets on a page read off its image. The files are built by
``docintel.testkit.fidelity_samples`` with the real libraries; ``bench/fidelity.py
--real-set`` measures the same classes on real public files."""

from __future__ import annotations

import email
import email.policy
import hashlib

from docintel.config import Settings
from docintel.pipeline.route import route_file
from docintel.pipeline.route.sniff import sniff_file
from docintel.testkit import fidelity_samples as fs
from tests.helpers import process


def _subject(data: bytes) -> str:
    return str(email.message_from_bytes(data, policy=email.policy.default)["subject"])


def test_an_mbox_is_a_mailbox_and_each_message_a_document(embedded, tmp_path):
    path = fs.mbox(tmp_path / "exported.mbox", ["Order 4471", "Order 4472", "Credit note 88"])
    assert sniff_file(path).kind == "mail"
    result = process(path, embedded)
    assert result["document"]["kind"] == "mail" and result["document"]["status"] == "done"
    assert "A mailbox (mbox) of 3 messages" in result["pages"][0]["markdown"]
    children = result["children"]
    assert len(children) == 3 and all(c["kind"] == "mail" for c in children)
    assert all(c["status"] == "done" for c in children)


def test_a_message_that_opens_with_content_type_is_mail_with_its_body_decoded(tmp_path):
    path = fs.content_type_first(tmp_path / "note.txt")
    assert sniff_file(path).kind == "mail"
    routed = route_file(path, Settings())
    (page,) = routed.pages
    assert page.fields["from"] == "Lena Fischer <lena@nordwind.example>"
    # the quoted-printable soft break is joined: the body, not its transfer encoding
    assert "Thursday morning, two pallets" in (page.markdown or "")
    assert "Content-Transfer-Encoding" not in (page.markdown or "")


def test_every_file_in_a_nested_message_is_found(tmp_path):
    path, files = fs.nested_mail(tmp_path / "pack.eml")
    members = route_file(path, Settings()).members
    found = {hashlib.sha256(m.data).hexdigest() for m in members}
    assert hashlib.sha256(files["logo"]).hexdigest() in found  # inline, two multiparts deep
    assert hashlib.sha256(files["pack.pdf"]).hexdigest() in found
    subjects = sorted(_subject(m.data) for m in members if m.name.endswith(".eml"))
    # the attached message once (its own attachment is its own), the digest's three
    assert subjects == ["Digest item 1", "Digest item 2", "Digest item 3", "Forwarded note"]
    assert not any(m.data.startswith(b"sku,qty") for m in members)


def test_a_docx_keeps_headers_footers_and_tables_that_are_no_grid(tmp_path):
    path = fs.office_docx(tmp_path / "memo.docx")  # its body holds an XML comment
    routed = route_file(path, Settings())
    text = routed.pages[0].markdown or ""
    assert "Harbor Compliance Partners - Confidential" in text
    assert "Registered office Rotterdam, page footer" in text
    # a one-row table is no grid: its text stays, in order
    assert text.index("Audit memo") < text.index("Prepared by Ines Duarte") < text.index("Draft 3")
    # a table inside a table's cell is read too
    assert ["B-17", "minus four cartons"] in [row for t in routed.tables for row in t.rows]
    assert text.index("minus four cartons") < text.index("Closing remark")


def test_a_slide_title_is_said_once_and_line_breaks_part_words(tmp_path):
    routed = route_file(fs.office_pptx(tmp_path / "deck.pptx"), Settings())
    first, second = (p.markdown or "" for p in routed.pages)
    assert first.count("Depot review 2026") == 1 and second.count("Open actions") == 1
    assert "B-17before" not in second
    assert "Recount bin B-17\nbefore Friday" in second
    assert "Order new gaskets" in second


def test_spreadsheet_dates_are_read_as_the_sheet_shows_them(tmp_path):
    path, shown = fs.dated_sheet(tmp_path / "events.xlsx")
    (table,) = route_file(path, Settings()).tables
    assert [row[1] for row in table.rows] == shown


def test_a_table_in_a_frame_of_few_rules_is_read_by_its_columns(tmp_path):
    routed = route_file(fs.framed_table(tmp_path / "framed.pdf"), Settings())
    (table,) = routed.tables
    assert [table.headers, *table.rows] == fs.GRID
    assert max(len(c) for row in table.rows for c in row) < 20  # no giant cell


def test_a_cell_s_second_line_does_not_end_its_table(tmp_path):
    """Before, an unruled table ended at the first line with one cell (a wrapped name):
    its rows below were lost or read as another table."""
    path, printed = fs.wrapped_cell_table(tmp_path / "wrapped.pdf")
    (table,) = route_file(path, Settings()).tables
    assert [table.headers, *table.rows] == printed


def test_soft_hyphens_are_not_read(tmp_path):
    routed = route_file(fs.soft_hyphen_table(tmp_path / "units.pdf"), Settings())
    text = routed.pages[0].markdown or ""
    assert "\u00ad" not in text and "25.147 (m2 g-1)" in text
    assert all("\u00ad" not in c for t in routed.tables for row in t.rows for c in row)


def test_words_painted_twice_are_read_once(tmp_path):
    """Fake bold (the same glyphs painted again on the same place) read 'Item Item' in the
    header and every first cell twice (camelot's birdisland.pdf: 'Kruger Kruger')."""
    routed = route_file(fs.fake_bold_table(tmp_path / "bold.pdf"), Settings())
    (table,) = routed.tables
    assert [table.headers, *table.rows] == fs.GRID
    assert (routed.pages[0].markdown or "").count("Valve housing") == 1


def test_a_table_of_two_rows_is_a_table(tmp_path):
    """Two lines of as many values far apart (a rates table of a header and one row) were
    no table: three rows were asked for (tabula-py's data_dtype.pdf)."""
    from tests.test_profiles import write_doc

    rows = [["Tariff", "Peak", "Off-peak", "Weekend", "Night"],
            ["0,0160", "0,0640", "0,0320", "0,0160", "0,0080"]]  # fmt: skip
    path = write_doc(tmp_path / "rates.pdf", ["Energy rates, per kWh"], rows, ["Valid from May."])
    tables = route_file(path, Settings()).tables
    assert [[t.headers, *t.rows] for t in tables] == [rows]


def test_a_table_printed_sideways_is_read_upright(tmp_path):
    routed = route_file(fs.sideways_table(tmp_path / "sideways.pdf"), Settings())
    (table,) = routed.tables
    assert [table.headers, *table.rows] == fs.GRID
    text = routed.pages[0].markdown or ""
    assert text.startswith("Stock movements in the quarter, by item.")


def test_form_widgets_stand_on_a_page_read_off_its_image(embedded, tmp_path):
    path, values = fs.sparse_form(tmp_path / "permit.pdf")
    result = process(path, embedded)
    (page,) = result["pages"]
    assert page["text_source"] == "tesseract"  # the page is a picture of its labels
    assert {k: page["fields"].get(k) for k in values} == values
    assert "Permit number: PX-204417" in page["markdown"]


def test_a_table_ruled_by_rows_only_is_read_apart_from_the_prose_beside_it(tmp_path):
    """A paper's table: horizontal rules only, in one column of two; the prose in the other
    column is no column of the table."""
    routed = route_file(fs.ruled_rows_two_columns(tmp_path / "paper.pdf"), Settings())
    (table,) = routed.tables
    assert [table.headers, *table.rows] == fs.GRID
    assert "The depot counts its stock" in (routed.pages[0].markdown or "")


def test_header_names_of_any_shape_and_a_message_id_the_parser_rejects(tmp_path):
    """Real messages: relays' headers with underscores (MAIL_FROM), blank lines before an
    mbox's first 'From ' line, and a Message-ID of '<[id-domain.com]>' that Python's parser
    raises on; each is still mail, read in full."""
    relayed = tmp_path / "relayed.eml"
    relayed.write_bytes(
        b"MAIL_FROM: billing@nordwind.example\nRCPT_TO: ap@acme.example\n"
        b"From: Billing <billing@nordwind.example>\nSubject: Statement 7\n\nStatement attached.\n"
    )
    odd_id = tmp_path / "odd-id.eml"
    odd_id.write_bytes(
        b"From: Test <test@example.com>\nTo: ap@acme.example\n"
        b"Message-ID: <[id-domain.com]>\nSubject: Odd id\n\nThe body stays.\n"
    )
    box = fs.mbox(tmp_path / "box.mbox", ["One", "Two"])
    box.write_bytes(b"\n\n" + box.read_bytes())
    assert [sniff_file(p).kind for p in (relayed, odd_id, box)] == ["mail"] * 3
    (page,) = route_file(odd_id, Settings()).pages
    assert page.fields["message-id"] == "<[id-domain.com]>"
    assert "The body stays." in (page.markdown or "")
    assert len(route_file(box, Settings()).members) == 2


def test_an_html_mail_laid_out_in_nested_tables_keeps_its_text(tmp_path):
    from docintel.pipeline.route.office import html_markdown

    html = (
        "<html><body><table><tr><td><table><tr><td>Your statement for March</td></tr>"
        "<tr><td><table><tr><td>Invoice</td><td>Amount</td></tr><tr><td>INV-7</td>"
        "<td>120.00</td></tr></table></td></tr><tr><td>Pay by 30 April.</td></tr></table>"
        "</td></tr></table><table><tr><td>Sign here</td></tr></table></body></html>"
    )
    text, tables = html_markdown(html)
    for said in ("Your statement for March", "Pay by 30 April.", "Sign here"):
        assert said in text
    assert [[t.headers, *t.rows] for t in tables] == [[["Invoice", "Amount"], ["INV-7", "120.00"]]]
    assert text.index("March") < text.index("| Invoice") < text.index("Pay by")


def test_tables_nested_in_each_cell_of_a_row_are_all_read(tmp_path):
    routed = route_file(fs.nested_tables_docx(tmp_path / "halls.docx"), Settings())
    assert [[t.headers, *t.rows] for t in routed.tables] == [
        [["Bin", "Cartons"], ["N-17", "40"]],
        [["Bin", "Cartons"], ["S-27", "41"]],
    ]


def test_a_picture_in_a_slide_s_title_place_is_no_failure(tmp_path):
    routed = route_file(fs.picture_title_pptx(tmp_path / "deck.pptx"), Settings())
    assert "Quarterly figures in one picture" in (routed.pages[0].markdown or "")


def test_date_formats_keep_their_literal_text_and_weekdays():
    import datetime as dt

    from docintel.pipeline.route.tabular import excel_format

    moment = dt.datetime(2011, 9, 5, 15, 22)
    assert excel_format(moment, "yyyy\\-mm\\-dd\\Thh:mm") == "2011-09-05T15:22"
    assert excel_format(moment, "dddd, mmmm d, yyyy") == "Monday, September 5, 2011"
    assert excel_format(moment, '[$-409]"Due "d/m/yy h:mm AM/PM') == "Due 5/9/11 3:22 PM"
    assert excel_format(moment, "0.00") is None


def _radio_group_drawn_all_on(path):
    """A form whose radio group 'Shipping' names Express as its value (/V) while each of its
    three widgets is drawn in its own on-state (/AS), as qpdf's fields-two-pages.pdf is."""
    import pymupdf

    kids: list[str] = []
    objects = {
        1: "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] >> >>",
        2: "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Annots [5 0 R 6 0 R 7 0 R] >>",
        4: "<< /FT /Btn /Ff 49152 /T (Shipping) /V /Express /Kids [5 0 R 6 0 R 7 0 R] >>",
    }
    for n, option in enumerate(("Standard", "Express", "Pickup")):
        x = 40 + 80 * n
        objects[5 + n] = (
            f"<< /Type /Annot /Subtype /Widget /Parent 4 0 R /P 3 0 R /Rect [{x} 100 {x + 14} 114]"
            f" /AS /{option} /AP << /N << /{option} 8 0 R /Off 8 0 R >> >> >>"
        )
        kids.append(option)
    objects[8] = "<< /Length 0 >>\nstream\n\nendstream"
    body, offsets = b"%PDF-1.7\n", {}
    for n in sorted(objects):
        offsets[n] = len(body)
        body += f"{n} 0 obj\n{objects[n]}\nendobj\n".encode()
    xref = len(body)
    body += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    body += b"".join(f"{offsets[n]:010d} 00000 n \n".encode() for n in sorted(objects))
    trailer = f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    body += trailer.encode()
    path.write_bytes(body)
    with pymupdf.open(path) as document:  # each widget alone claims its own option
        assert [w.field_value for w in document[0].widgets()] == kids
    return path


def test_a_radio_group_reads_its_field_value_not_its_widgets_states(tmp_path):
    path = _radio_group_drawn_all_on(tmp_path / "order-form.pdf")
    (page,) = route_file(path, Settings()).pages
    assert page.fields["Shipping"] == "Express"
