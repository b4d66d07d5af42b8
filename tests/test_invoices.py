"""Fields from invoices as real ones are made: e-invoice XML of every profile level, labels in
several languages, values chosen among candidates, the issuer as the vendor, types from
evidence, and a correspondent's layout learned from one correction. A test per cause the
real invoices showed (each failed before)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from docintel.pipeline.route.einvoice import read_einvoice
from docintel.testkit.einvoice_samples import (
    XRECHNUNG_UBL,
    Sample,
    cii_xml,
    factur_x_pdf,
    ubl_xml,
    zugferd1_xml,
)
from tests.helpers import process
from tests.test_profiles import write_doc


def fields(result: dict) -> dict[str, str | None]:
    return {k: v["value"] for k, v in (result["profile"] or {}).get("fields", {}).items()}


@pytest.mark.parametrize(
    "syntax, level, make",
    [
        ("CII", "MINIMUM", lambda s: cii_xml(s, "MINIMUM")),
        ("CII", "BASIC WL", lambda s: cii_xml(s, "BASIC WL")),
        ("CII", "BASIC", lambda s: cii_xml(s, "BASIC")),
        ("CII", "EN16931", lambda s: cii_xml(s, "EN16931")),
        ("CII", "EXTENDED", lambda s: cii_xml(s, "EXTENDED")),
        ("CII", "XRECHNUNG", lambda s: cii_xml(s, "XRECHNUNG")),
        ("CII", "ZUGFeRD 1 COMFORT", zugferd1_xml),
        ("UBL", "PEPPOL BIS 3", ubl_xml),
        ("UBL", "XRECHNUNG", lambda s: ubl_xml(s, customization=XRECHNUNG_UBL)),
        ("UBL", "PEPPOL BIS 3", lambda s: ubl_xml(s, credit=True)),
    ],
)
def test_the_e_invoice_reader_reads_every_level(syntax, level, make):
    """CII at each Factur-X/ZUGFeRD level, ZUGFeRD 1, UBL invoices and a credit note:
    every value the level carries, and nothing it does not."""
    s = Sample()
    xml = make(s)
    found = read_einvoice(xml)
    assert found is not None
    assert (found.syntax, found.level) == (syntax, level)
    assert found.invoice_number == s.number and found.issue_date == "2026-03-09"
    assert (found.total, found.net, found.tax) == ("697.34", "586.00", "111.34")
    assert found.currency == "EUR" and found.vendor == s.seller and found.buyer == s.buyer
    assert found.vendor_vat == "DE811569869" and found.iban in (None, s.iban)
    credit = b"<CreditNote" in xml
    assert found.doc_type == ("credit_note" if credit else "invoice")
    has_lines = level not in ("MINIMUM", "BASIC WL")
    assert len(found.lines) == (2 if has_lines else 0)
    if has_lines:
        first = found.lines[0]
        assert (first.description, first.quantity, first.unit_price, first.amount) == (
            "Temperature probe PT100",
            "4",
            "86.50",
            "346.00",
        )
    assert found.due_date == (None if level == "MINIMUM" or credit else "2026-04-08")


def test_a_factur_x_pdf_takes_its_fields_from_its_xml_and_flags_what_the_page_says_otherwise(
    embedded, tmp_path
):
    """Cause 5: the exact answer a PDF carries is used (engine e-invoice), line items and
    all; the page is still read, and its different total is flagged, not chosen."""
    s = Sample()
    pdf = factur_x_pdf(tmp_path / "rechnung.pdf", s, cii_xml(s), printed_total="697,43")
    result = process(pdf, embedded)
    profile = result["profile"]
    assert profile["doc_type"] == "invoice"
    got = profile["fields"]
    assert {k: got[k]["value"] for k in ("invoice_number", "issue_date", "due_date", "total")} == {
        "invoice_number": "RE-2026-0417",
        "issue_date": "2026-03-09",
        "due_date": "2026-04-08",
        "total": "697.34",
    }
    assert got["vendor"]["value"] == "Kaltenbach Messtechnik GmbH"
    assert {f["engine"] for f in got.values() if f["value"]} == {"e-invoice"}
    assert not got["total"]["valid"] and "697,43" in got["total"]["reason"]
    assert len(profile["tables"]["line_items"]) == 2
    assert not any("not opened" in w for w in result["document"]["warnings"])


def test_a_ubl_file_alone_is_an_invoice_that_reads_like_one(embedded, tmp_path):
    path = tmp_path / "invoice.xml"
    path.write_bytes(ubl_xml(Sample(number="INV-7781")))
    result = process(path, embedded)
    assert result["profile"]["doc_type"] == "invoice"
    assert fields(result)["invoice_number"] == "INV-7781"
    assert "Temperature probe PT100" in result["markdown"]


def test_an_e_invoice_with_a_dtd_is_refused_not_expanded(embedded, tmp_path):
    """The XML is parsed with no DTD and no entities: a declared entity fails the file
    with the reason, and is never expanded or fetched."""
    xml = cii_xml(Sample()).replace(
        b'<?xml version="1.0" encoding="UTF-8"?>',
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
    )
    path = tmp_path / "evil.xml"
    path.write_bytes(xml.replace(b"Calibration service", b"&e;"))
    result = process(path, embedded)["document"]
    assert result["status"] == "failed" and "DTD or entities" in result["error"]


def test_a_dutch_invoice_with_its_bank_in_the_letterhead_is_an_invoice(embedded, tmp_path):
    """Cause 1: 'FACTUUR' and its labels type it, whatever IBAN and BIC say; a poem that
    says 'change' is no receipt."""
    path = write_doc(
        tmp_path / "factuur.pdf",
        ["Bakkerij Van Dijk B.V.", "Dorpsstraat 12, 3512 AB Utrecht",
         "IBAN: NL91 ABNA 0417 1643 00   BIC: ABNANL2A", "FACTUUR",
         "Factuurnummer: 2024-0193", "Factuurdatum: 14-03-2024", "Vervaldatum: 13-04-2024"],
        [["Omschrijving", "Aantal", "Prijs", "Bedrag"], ["Broodjes", "40", "1,25", "50,00"],
         ["Taart", "2", "18,50", "37,00"]],
        ["Subtotaal: € 87,00", "BTW 9%: € 7,83", "Totaal: € 94,83"],
    )  # fmt: skip
    result = process(path, embedded)
    assert result["profile"]["doc_type"] == "invoice"
    got = fields(result)
    assert (got["invoice_number"], got["issue_date"], got["due_date"]) == (
        "2024-0193",
        "2024-03-14",
        "2024-04-13",
    )
    assert (got["total"], got["vendor"]) == ("94.83", "Bakkerij Van Dijk B.V.")
    poem = write_doc(
        tmp_path / "poem.pdf",
        ["Autumn", "The leaves change colour in the cold,", "and what was green is brown and gold;",
         "the change of seasons, quietly told."],
    )  # fmt: skip
    assert process(poem, embedded)["profile"]["doc_type"] == "other"


def test_a_label_s_value_is_the_value_of_its_type_beside_it(embedded, tmp_path):
    """Cause 2: 'TOTAL AMOUNT DUE ON August 3 , 2014 $4.11' is 4.11 (not the day); an
    invoice number is its token, not the rest of the line; a totals row gives its gross;
    a dollar invoice's 11/03/2017 is November 3rd."""
    path = write_doc(
        tmp_path / "us.pdf",
        ["Shoreline Web Services LLC", "INVOICE", "Invoice No RE-2019/507 issued at 2019-06-10",
         "Invoice Date: 11/03/2017", "TOTAL AMOUNT DUE ON August 3 , 2014      $4.11"],
    )  # fmt: skip
    got = fields(process(path, embedded))
    assert (got["invoice_number"], got["issue_date"], got["total"]) == (
        "RE-2019/507",
        "2017-11-03",
        "4.11",
    )
    rows = write_doc(
        tmp_path / "rows.pdf",
        ["Blue Finch Supplies Ltd", "INVOICE", "Invoice number: BF-3321"],
        [["Item", "Amount", "Price", "Line total"], ["Widget", "1", "24.99", "24.99"],
         ["Total", "24.99", "5.00", "29.99"]],
    )  # fmt: skip
    got = fields(process(rows, embedded))
    assert got["total"] == "29.99"
    receipt = write_doc(
        tmp_path / "receipt.pdf",
        ["INDAH GIFT & HOME DECO", "RECEIPT", "19/10/2018 20:49", "Total Qty: 2",
         "TOTAL AMT", "Cash: 50.00", "Change: 4.10"],
    )  # fmt: skip
    # "Total Qty" is a count, not the amount (the scan lost the amount beside "TOTAL AMT")
    assert fields(process(receipt, embedded)).get("total") != "2.00"


def test_labels_in_other_languages_and_inside_other_words(embedded, tmp_path):
    """Cause 3: 'Rechnungsnr.', 'Bruttosumme', 'Facture n°', 'Total TTC' are labels;
    'Rechnung Nr.' inside 'Handelsrechnung Nr.' is the whole label's; a company called
    'Lieferant GmbH' keeps its name; a label and its value merged into one cell of a
    two-column header are still apart."""
    de = write_doc(
        tmp_path / "de.pdf",
        ["Lieferant GmbH", "Hauptstraße 5, 10115 Berlin", "RECHNUNG", "Rechnungsnr.: 2021-0815",
         "Datum: 03.05.2021"],
        [], ["Bruttosumme: 1.190,00 €"],
    )  # fmt: skip
    got = fields(process(de, embedded))
    assert (got["invoice_number"], got["total"], got["vendor"]) == (
        "2021-0815",
        "1190.00",
        "Lieferant GmbH",
    )
    fr = write_doc(
        tmp_path / "fr.pdf",
        ["Atelier Moreau SARL", "12 rue des Lilas, 69003 Lyon", "FACTURE",
         "Facture n° F-2023-117", "Date d'échéance : 15/10/2023"],
        [], ["Total HT : 2 000,00 €", "TVA 20 % : 400,00 €", "Total TTC : 2 400,00 €"],
    )  # fmt: skip
    got = fields(process(fr, embedded))
    assert (got["invoice_number"], got["due_date"], got["total"]) == (
        "F-2023-117",
        "2023-10-15",
        "2400.00",
    )
    trade = write_doc(
        tmp_path / "trade.pdf",
        ["Nordhafen Logistik GmbH", "HANDELSRECHNUNG", "Handelsrechnung Nr. HR-55",
         "Gesamtbetrag: 310,00 EUR"],
    )  # fmt: skip
    assert fields(process(trade, embedded))["invoice_number"] == "HR-55"
    merged = tmp_path / "merged.md"
    merged.write_text(
        "# Rechnung\n\nSchmidt & Söhne KG\n\n| Rechnungsnummer 471102 | Datum 12.01.2024 |\n"
        "| --- | --- |\n| Kunde 1001 | Seite 1 |\n\nGesamtbetrag: 59,50 €\n"
    )
    assert fields(process(merged, embedded))["invoice_number"] == "471102"


def test_the_vendor_is_the_issuer_not_the_addressee_a_phone_or_a_title(embedded, tmp_path):
    """Cause 4: the addressee's block, a phone number, a stylesheet's first line and the
    document's title are never the vendor; the party with the legal form, the footer and
    the bank account is."""
    path = write_doc(
        tmp_path / "inv.pdf",
        ["Stylesheet zur Lesbarmachung des XRechnung-XML", "+33 1 45 67 89 00",
         "PAYMENT RECEIPT", "Bill to:", "ACME Corporation", "500 Market Street",
         "Invoice number: 9921", "Total: 120.00 EUR"],
        [], ["Brightline Consulting Ltd", "Registered in England No. 0812345",
             "IBAN: GB29 NWBK 6016 1331 9268 19   VAT: GB123456789"],
    )  # fmt: skip
    assert fields(process(path, embedded))["vendor"] == "Brightline Consulting Ltd"


def test_one_correction_teaches_a_correspondents_layout(embedded, tmp_path):
    """A vendor that labels its number 'Ref. doc.' and its total 'Amount to remit' (labels
    no profile knows): corrected once, its next invoice is read there, and the audit says
    which correction taught it."""
    from docintel.cli import app

    def harbor(path: Path, ref: str, total: str) -> Path:
        return write_doc(
            path,
            ["Harbor Freight Systems Ltd", "Pier 39, Seaport Road, Bristol", "INVOICE",
             f"Ref. doc.: {ref}", "Issued: 02/04/2026"],
            [], [f"Amount to remit: GBP {total}"],
        )  # fmt: skip

    first = process(harbor(tmp_path / "hf1.pdf", "HF/26/0041", "1,240.00"), embedded)
    assert fields(first)["invoice_number"] != "HF/26/0041"
    doc = str(first["document"]["id"])
    out = CliRunner().invoke(app, ["set", doc, "invoice_number=HF/26/0041", "total=1240.00"])
    assert out.exit_code == 0, out.output
    assert "learned for Harbor Freight Systems Ltd" in out.output
    second = process(harbor(tmp_path / "hf2.pdf", "HF/26/0107", "385.50"), embedded)
    got = second["profile"]["fields"]
    assert (got["invoice_number"]["value"], got["total"]["value"]) == ("HF/26/0107", "385.50")
    assert got["invoice_number"]["engine"] == "rules+correction"
    shown = json.loads(
        CliRunner().invoke(app, ["show", str(second["document"]["id"]), "--json"]).stdout
    )
    said = " ".join(e["content"] or "" for e in shown["audit"] if e["step"] == "agent:fields")
    assert f"learned from a correction of document {doc}" in said


def test_two_labels_on_one_line_each_take_their_own_value(embedded, tmp_path):
    """'Invoice date: 2026-11-02 Due date: 2026-12-02' on one line: the due date was never
    read (one label a line). Labels stacked in one cell, their values in the next, are not
    guessed at: a due date taken from the issue date's place is worse than none
    (bench/profiles.py --real: four such invoices)."""
    one_line = write_doc(
        tmp_path / "one-line.pdf",
        ["Acme Industrial GmbH", "INVOICE INV-2026-0117",
         "Invoice date: 2026-11-02    Due date: 2026-12-02", "Total due: EUR 1,250.00"],
    )  # fmt: skip
    got = fields(process(one_line, embedded))
    assert (got["issue_date"], got["due_date"]) == ("2026-11-02", "2026-12-02")
    assert got["total"] == "1250.00"


def test_labels_and_values_in_a_design_tool_s_boxes_are_read_by_their_lines(embedded, tmp_path):
    """White boxes around an invoice's regions made a 'grid' of a few cells, each joining
    what its lines space apart: the label in one cell, its value in another, no field read
    (document-ai-samples' invoices: total, due date and currency all missed)."""
    from docintel.testkit.einvoice_samples import boxed_invoice

    got = fields(process(boxed_invoice(tmp_path / "boxed.pdf"), embedded))
    assert (got["invoice_number"], got["issue_date"], got["due_date"]) == (
        "INV03051", "2018-10-18", "2018-12-17")  # fmt: skip
    assert got["vendor"] == "Stanford Plumbing & Heating"


def test_the_currency_is_a_field_even_where_no_total_is_read(embedded, tmp_path):
    """The currency was only the total's: an invoice or receipt whose total was missed had
    none, though every amount on it says it (receipts: currency F1 0.24, the naive reader
    0.80). A fuel grade ('RON 95') is no price in Romanian lei."""
    no_total = write_doc(
        tmp_path / "fuel.pdf",
        ["Station Nord SARL", "RECEIPT", "Date: 2026-11-02", "Grades: RON 95, RON 98",
         "Super 98 34.50 EUR"],
    )  # fmt: skip
    got = fields(process(no_total, embedded))
    assert got["currency"] == "EUR" and got.get("total") is None
    labelled = write_doc(
        tmp_path / "labelled.pdf",
        ["Acme Industrial GmbH", "INVOICE INV-2026-0118", "Invoice date: 2026-11-02",
         "Currency: CHF", "Total due: 1,250.00"],
    )  # fmt: skip
    got = fields(process(labelled, embedded))
    assert (got["currency"], got["total"]) == ("CHF", "1250.00")


def test_an_e_invoice_states_its_currency(embedded, tmp_path):
    sample = Sample(currency="SEK")
    path = tmp_path / "sek.xml"
    path.write_bytes(ubl_xml(sample))
    got = process(path, embedded)["profile"]["fields"]
    assert got["currency"]["value"] == "SEK" and got["currency"]["engine"] == "e-invoice"


def test_a_label_written_with_a_hyphen_is_the_label(embedded, tmp_path):
    """'Invoice-ID' is the profile's 'Invoice ID': a Factur-X MINIMUM page says no more
    than this line, and with its XML removed it was typed other, nothing read."""
    page = write_doc(tmp_path / "minimum.pdf", ["Invoice-ID: RE20248731, Total: 238 EUR"])
    result = process(page, embedded)
    assert result["profile"]["doc_type"] == "invoice"
    got = fields(result)
    assert (got["invoice_number"], got["total"], got["currency"]) == ("RE20248731", "238.00", "EUR")


def test_a_french_receipt_says_what_was_paid(embedded, tmp_path):
    """'Payé 9,50 EUR' is a receipt's total: a museum's French receipt was typed other."""
    receipt = write_doc(
        tmp_path / "recu.pdf",
        ["Maison Jeanne d'Arc, Place de Gaulle", "REÇU 11/12/2022 12h42",
         "Entrée plein tarif 6,00 EUR", "Entrée tarif réduit 3,50 EUR", "Payé 9,50 EUR"],
    )  # fmt: skip
    result = process(receipt, embedded)
    assert result["profile"]["doc_type"] == "receipt"
    got = fields(result)
    assert (got["total"], got["date"], got["currency"]) == ("9.50", "2022-12-11", "EUR")


def test_a_receipt_that_writes_no_currency_is_in_its_company_s_country_s(embedded, tmp_path):
    """A Malaysian receipt prints its amounts bare: the issuer's legal form ('SDN BHD')
    names the currency, over a lone '$' an OCR engine made of a stain."""
    from docintel.pipeline.profiles.locale import document_currency

    receipt = write_doc(
        tmp_path / "my.pdf",
        ["GERBANG ALAF RESTAURANTS SDN BHD", "Lot 1, Jalan SS21/39, Petaling Jaya",
         "RECEIPT 18/01/2018", "1 McChicken 7.50", "1 Fries 4.30", "TOTAL 11.80"],
    )  # fmt: skip
    got = fields(process(receipt, embedded))
    assert (got["total"], got["currency"]) == ("11.80", "MYR")
    assert document_currency("TEO HENG STATIONERY SDN BHD\nCHANGE $17\nTOTAL 27.55") == "MYR"
    assert document_currency("Bergmann GmbH\nSumme 12,00 USD\nPorto 3,00 USD") == "USD"


def test_zero_width_characters_are_no_part_of_a_label(embedded, tmp_path):
    """'INVOICE\u200b: NO. 001' (a zero-width space after the label, as a web form's PDF
    writes it) hid the label: no invoice number read (document-ai-samples' invoice.pdf)."""
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page()
    writer, font = pymupdf.TextWriter(page.rect), pymupdf.Font("tiro")  # keeps U+200B
    lines = ["Company ABC", "Invoice", "DATE\u200b: 01/01/2026", "INVOICE\u200b: NO. 001",
             "DUE\u200b: 01/02/2026", "BALANCE DUE\u200b: $2,140.00"]  # fmt: skip
    for i, text in enumerate(lines):
        writer.append((72, 80 + 20 * i), text, font=font, fontsize=11)
    writer.write_text(page)
    doc.save(tmp_path / "zw.pdf")
    result = process(tmp_path / "zw.pdf", embedded)
    assert "\u200b" not in result["pages"][0]["markdown"]
    got = fields(result)
    assert (got["invoice_number"], got["total"]) == ("001", "2140.00")


def test_labels_in_a_row_over_their_values_are_read_by_column(embedded, tmp_path):
    """'Invoice Date:  Due Date:  Incoterm:' on a line, each value under its label: a table
    of two rows, so each label finds the value below it (OCA/edi's akretion invoice: no due
    date read)."""
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((30, 60), "Akretion France", fontsize=11)
    page.insert_text((30, 100), "Invoice VT/2022/0001", fontsize=16)
    # the labels' tops a hair apart, the leftmost lowest (as the real page's blocks are)
    for x, dy, label, value in ((30, 0.0, "Invoice Date:", "21/09/2022"),
                                (215, -0.1, "Due Date:", "21/10/2022"),
                                (400, -0.05, "Incoterm:", "DAP")):  # fmt: skip
        page.insert_text((x, 140 + dy), label, fontsize=10)
        page.insert_text((x, 155 + dy), value, fontsize=10)
    page.insert_text((30, 200), "Total: 1,810.80 EUR", fontsize=10)
    doc.save(tmp_path / "vt.pdf")
    (table,) = process(tmp_path / "vt.pdf", embedded)["pages"][0]["tables"]
    labels, values = (
        ["Invoice Date:", "Due Date:", "Incoterm:"],
        ["21/09/2022", "21/10/2022", "DAP"],
    )
    assert [table["headers"], *table["rows"]] == [labels, values]
    got = fields(process(tmp_path / "vt.pdf", embedded))
    assert (got["issue_date"], got["due_date"]) == ("2022-09-21", "2022-10-21")
