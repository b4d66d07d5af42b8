"""Fields from receipts and invoices as real ones are printed and scanned: the currency of
amounts written bare, a receipt's shop and its total, and a correspondent learned across its
layouts and its OCR's misreadings. A test per cause the real documents showed
(``bench/profiles.py --real``), each failing before its fix."""

from __future__ import annotations

from pathlib import Path

from docintel.pipeline.profiles.country import countries_of
from docintel.pipeline.profiles.locale import document_currency
from tests.helpers import process
from tests.test_invoices import fields
from tests.test_profiles import write_doc


def test_a_receipt_s_bare_amounts_are_in_the_currency_of_its_country(embedded, tmp_path):
    """Malaysian receipts print 'TOTAL 32.70' bare; the country is said by the shop's GST
    number (12 digits), its address or a column's heading '(RM)', not by a '£' or '$' that
    OCR made of a stain beside a whole number (receipts: currency F1 0.64, naive 0.75)."""
    receipt = write_doc(
        tmp_path / "mart.pdf",
        ["ASIA MART", "NO.23 BATU 10, TAMAN SELANGOR", "GST ID : 001609584640",
         "RECEIPT 22/12/2017", "100 PLUS 1 £.", "DELICIA CHOCOLATE 3.55", "TOTAL 32.70"],
    )  # fmt: skip
    got = fields(process(receipt, embedded))
    assert (got["total"], got["currency"]) == ("32.70", "MYR")
    assert document_currency("GST No. 0010 9010 6344\nTotal Gross 86.00") == "MYR"
    assert document_currency("ITEM AMOUNT (RM)\nLAMINATING FILM 26.00\nCHANGE $17") == "MYR"
    assert document_currency("Kedai Buku\nKLANG SELANGOR D.E, MALAYSIA\nTOTAL 73.00") == "MYR"
    # an EU VAT id that validates names its country: Austria's amounts are in euros
    assert countries_of("Bergbahn Alpen\nUID: ATU13585627\nSumme 12,00") == {"AT"}
    assert document_currency("Bergbahn Alpen\nUID: ATU13585627\nSumme 12,00\n$ 3") == "EUR"
    # a country's name in a sentence or an item is no address; a US receipt stays in dollars
    assert countries_of("Turkey sandwich with cheese 4.50\nMade in China for you") == set()
    assert document_currency("Logans 354\nSUBTOTAL $48.50\nTOTAL $53.82") == "USD"


def scanned(path: Path, lines: list[str]) -> Path:
    """The page of ``write_doc`` as a photo's pixels (PNG, 200 dpi): read by OCR."""
    import pymupdf

    pdf = write_doc(path.with_suffix(".pdf"), lines)
    with pymupdf.open(pdf) as doc:
        doc[0].get_pixmap(dpi=200).save(path)
    return path


def test_a_speck_before_a_receipt_s_label_is_no_word_of_it(embedded, tmp_path):
    """OCR read a stain before 'Payé 9,50€' as a 'y': the label no longer started its line,
    and a museum's French receipt was typed other, none of its fields read (receipts: the
    date below the naive reader's, 0.57 against 0.64)."""
    photo = scanned(
        tmp_path / "recu.png",
        ["Musee de la Tour, Place du Marche", "11/12/2022 12h42", "y Payé 9,50 EUR",
         "Entrée plein tarif 6,00 EUR", "Entrée tarif réduit 3,50 EUR"],
    )  # fmt: skip
    result = process(photo, embedded)
    assert result["profile"]["doc_type"] == "receipt"
    got = fields(result)
    assert (got["total"], got["date"], got["currency"]) == ("9.50", "2022-12-11", "EUR")


def test_a_shop_s_legal_form_in_capitals_names_it_and_a_malay_street_does_not(embedded, tmp_path):
    """A till prints 'SDN BHD' in capitals, and the legal form was only known as written
    ('Sdn Bhd'): a neighbourhood printed twice in the address won over the company's name.
    'JALAN KAPAR' (Kapar Street) is an address line, no shop (receipts: merchant F1 0.43)."""
    company = write_doc(
        tmp_path / "book.pdf",
        ["BOOK TA.K (TAMAN DAYA) SDN BHD", "F J, JALAN SAGU 18,", "TAMAN DAYA,",
         "81100 JOHOR BAHRU, JOHOR.", "CASH BILL 25/12/2018", "KF MODELLING CLAY 9.00",
         "TOTAL 9.00"],
    )  # fmt: skip
    assert fields(process(company, embedded))["merchant"] == "BOOK TA.K (TAMAN DAYA) SDN BHD"
    street = write_doc(
        tmp_path / "mart.pdf",
        ["KEDAI RUNCIT MAJU", "NO.23 BATU 10, TAMAN SENTOSA", "JALAN KAPAR, 42200 KLANG, SELANGOR",
         "RECEIPT 22/12/2017", "DELICIA CHOCOLATE 3.55", "TOTAL 3.55"],
    )  # fmt: skip
    assert fields(process(street, embedded))["merchant"] == "KEDAI RUNCIT MAJU"
