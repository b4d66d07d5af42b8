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
