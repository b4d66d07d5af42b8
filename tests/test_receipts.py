"""Fields from receipts and invoices as real ones are printed and scanned: the currency of
amounts written bare, a receipt's shop and its total, and a correspondent learned across its
layouts and its OCR's misreadings. A test per cause the real documents showed
(``bench/profiles.py --real``), each failing before its fix."""

from __future__ import annotations

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
