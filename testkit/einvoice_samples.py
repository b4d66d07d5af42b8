# ruff: noqa: E501  (XML templates are written as the standards print them, a line per element)
"""E-invoices as the standards write them, for the tests: UN/CEFACT CII (D16B) at each
Factur-X / ZUGFeRD 2 profile level and as XRechnung, ZUGFeRD 1's CrossIndustryDocument,
OASIS UBL Invoice and CreditNote (PEPPOL BIS 3, XRechnung UBL), and a Factur-X PDF: a page
that prints the invoice, the XML embedded beside it as ``factur-x.xml``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

GUIDELINES = {
    "MINIMUM": "urn:factur-x.eu:1p0:minimum",
    "BASIC WL": "urn:factur-x.eu:1p0:basicwl",
    "BASIC": "urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:basic",
    "EN16931": "urn:cen.eu:en16931:2017",
    "EXTENDED": "urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended",
    "XRECHNUNG": "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0",
}
PEPPOL = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
XRECHNUNG_UBL = GUIDELINES["XRECHNUNG"]
LINES_FROM = ("BASIC", "EN16931", "EXTENDED", "XRECHNUNG")  # MINIMUM and BASIC WL carry none


@dataclass
class Sample:
    number: str = "RE-2026-0417"
    issued: date = date(2026, 3, 9)
    due: date = date(2026, 4, 8)
    seller: str = "Kaltenbach Messtechnik GmbH"
    vat: str = "DE811569869"
    buyer: str = "Brouwerij De Klok B.V."
    currency: str = "EUR"
    iban: str = "DE02120300000000202051"
    order: str = "PO-88412"
    rate: Decimal = Decimal("0.19")
    lines: list[tuple[str, Decimal, Decimal]] = field(
        default_factory=lambda: [
            ("Temperature probe PT100", Decimal("4"), Decimal("86.50")),
            ("Calibration service", Decimal("1"), Decimal("240.00")),
        ]
    )

    @property
    def net(self) -> Decimal:
        return sum((q * p for _, q, p in self.lines), Decimal("0"))

    @property
    def tax(self) -> Decimal:
        return (self.net * self.rate).quantize(Decimal("0.01"))

    @property
    def total(self) -> Decimal:
        return self.net + self.tax


def _d(day: date) -> str:
    return day.strftime("%Y%m%d")


def cii_xml(s: Sample, level: str = "EN16931", type_code: str = "380") -> bytes:
    """Factur-X / ZUGFeRD 2 / XRechnung CII at ``level``."""
    lines = ""
    if level in LINES_FROM:
        for n, (name, qty, price) in enumerate(s.lines, 1):
            lines += f"""
    <ram:IncludedSupplyChainTradeLineItem>
      <ram:AssociatedDocumentLineDocument><ram:LineID>{n}</ram:LineID></ram:AssociatedDocumentLineDocument>
      <ram:SpecifiedTradeProduct><ram:Name>{escape(name)}</ram:Name></ram:SpecifiedTradeProduct>
      <ram:SpecifiedLineTradeAgreement><ram:NetPriceProductTradePrice><ram:ChargeAmount>{price}</ram:ChargeAmount></ram:NetPriceProductTradePrice></ram:SpecifiedLineTradeAgreement>
      <ram:SpecifiedLineTradeDelivery><ram:BilledQuantity unitCode="C62">{qty}</ram:BilledQuantity></ram:SpecifiedLineTradeDelivery>
      <ram:SpecifiedLineTradeSettlement><ram:SpecifiedTradeSettlementLineMonetarySummation><ram:LineTotalAmount>{qty * price:.2f}</ram:LineTotalAmount></ram:SpecifiedTradeSettlementLineMonetarySummation></ram:SpecifiedLineTradeSettlement>
    </ram:IncludedSupplyChainTradeLineItem>"""
    payment = ""
    if level != "MINIMUM":
        payment = f"""
      <ram:SpecifiedTradeSettlementPaymentMeans><ram:TypeCode>58</ram:TypeCode><ram:PayeePartyCreditorFinancialAccount><ram:IBANID>{s.iban}</ram:IBANID></ram:PayeePartyCreditorFinancialAccount></ram:SpecifiedTradeSettlementPaymentMeans>
      <ram:SpecifiedTradePaymentTerms><ram:DueDateDateTime><udt:DateTimeString format="102">{_d(s.due)}</udt:DateTimeString></ram:DueDateDateTime></ram:SpecifiedTradePaymentTerms>"""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100" xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
  <rsm:ExchangedDocumentContext>
    <ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>{GUIDELINES[level]}</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>
  </rsm:ExchangedDocumentContext>
  <rsm:ExchangedDocument>
    <ram:ID>{s.number}</ram:ID>
    <ram:TypeCode>{type_code}</ram:TypeCode>
    <ram:IssueDateTime><udt:DateTimeString format="102">{_d(s.issued)}</udt:DateTimeString></ram:IssueDateTime>
  </rsm:ExchangedDocument>
  <rsm:SupplyChainTradeTransaction>{lines}
    <ram:ApplicableHeaderTradeAgreement>
      <ram:SellerTradeParty>
        <ram:Name>{escape(s.seller)}</ram:Name>
        <ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">{s.vat}</ram:ID></ram:SpecifiedTaxRegistration>
      </ram:SellerTradeParty>
      <ram:BuyerTradeParty><ram:Name>{escape(s.buyer)}</ram:Name></ram:BuyerTradeParty>
      <ram:BuyerOrderReferencedDocument><ram:IssuerAssignedID>{s.order}</ram:IssuerAssignedID></ram:BuyerOrderReferencedDocument>
    </ram:ApplicableHeaderTradeAgreement>
    <ram:ApplicableHeaderTradeDelivery/>
    <ram:ApplicableHeaderTradeSettlement>
      <ram:InvoiceCurrencyCode>{s.currency}</ram:InvoiceCurrencyCode>{payment}
      <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
        <ram:LineTotalAmount>{s.net:.2f}</ram:LineTotalAmount>
        <ram:TaxBasisTotalAmount>{s.net:.2f}</ram:TaxBasisTotalAmount>
        <ram:TaxTotalAmount currencyID="{s.currency}">{s.tax:.2f}</ram:TaxTotalAmount>
        <ram:GrandTotalAmount>{s.total:.2f}</ram:GrandTotalAmount>
        <ram:DuePayableAmount>{s.total:.2f}</ram:DuePayableAmount>
      </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    </ram:ApplicableHeaderTradeSettlement>
  </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>
""".encode()


def zugferd1_xml(s: Sample) -> bytes:
    """ZUGFeRD 1.0 (COMFORT): the older CrossIndustryDocument schema."""
    lines = "".join(
        f"""
    <ram:IncludedSupplyChainTradeLineItem>
      <ram:SpecifiedSupplyChainTradeAgreement><ram:NetPriceProductTradePrice><ram:ChargeAmount currencyID="{s.currency}">{price}</ram:ChargeAmount></ram:NetPriceProductTradePrice></ram:SpecifiedSupplyChainTradeAgreement>
      <ram:SpecifiedSupplyChainTradeDelivery><ram:BilledQuantity unitCode="C62">{qty}</ram:BilledQuantity></ram:SpecifiedSupplyChainTradeDelivery>
      <ram:SpecifiedSupplyChainTradeSettlement><ram:SpecifiedTradeSettlementMonetarySummation><ram:LineTotalAmount currencyID="{s.currency}">{qty * price:.2f}</ram:LineTotalAmount></ram:SpecifiedTradeSettlementMonetarySummation></ram:SpecifiedSupplyChainTradeSettlement>
      <ram:SpecifiedTradeProduct><ram:Name>{escape(name)}</ram:Name></ram:SpecifiedTradeProduct>
    </ram:IncludedSupplyChainTradeLineItem>"""
        for name, qty, price in s.lines
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryDocument xmlns:rsm="urn:ferd:CrossIndustryDocument:invoice:1p0" xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:12" xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:15">
  <rsm:SpecifiedExchangedDocumentContext>
    <ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>urn:ferd:CrossIndustryDocument:invoice:1p0:comfort</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>
  </rsm:SpecifiedExchangedDocumentContext>
  <rsm:HeaderExchangedDocument>
    <ram:ID>{s.number}</ram:ID>
    <ram:TypeCode>380</ram:TypeCode>
    <ram:IssueDateTime><udt:DateTimeString format="102">{_d(s.issued)}</udt:DateTimeString></ram:IssueDateTime>
  </rsm:HeaderExchangedDocument>
  <rsm:SpecifiedSupplyChainTradeTransaction>
    <ram:ApplicableSupplyChainTradeAgreement>
      <ram:SellerTradeParty><ram:Name>{escape(s.seller)}</ram:Name><ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">{s.vat}</ram:ID></ram:SpecifiedTaxRegistration></ram:SellerTradeParty>
      <ram:BuyerTradeParty><ram:Name>{escape(s.buyer)}</ram:Name></ram:BuyerTradeParty>
    </ram:ApplicableSupplyChainTradeAgreement>
    <ram:ApplicableSupplyChainTradeSettlement>
      <ram:InvoiceCurrencyCode>{s.currency}</ram:InvoiceCurrencyCode>
      <ram:SpecifiedTradePaymentTerms><ram:DueDateDateTime><udt:DateTimeString format="102">{_d(s.due)}</udt:DateTimeString></ram:DueDateDateTime></ram:SpecifiedTradePaymentTerms>
      <ram:SpecifiedTradeSettlementMonetarySummation>
        <ram:LineTotalAmount currencyID="{s.currency}">{s.net:.2f}</ram:LineTotalAmount>
        <ram:TaxBasisTotalAmount currencyID="{s.currency}">{s.net:.2f}</ram:TaxBasisTotalAmount>
        <ram:TaxTotalAmount currencyID="{s.currency}">{s.tax:.2f}</ram:TaxTotalAmount>
        <ram:GrandTotalAmount currencyID="{s.currency}">{s.total:.2f}</ram:GrandTotalAmount>
        <ram:DuePayableAmount currencyID="{s.currency}">{s.total:.2f}</ram:DuePayableAmount>
      </ram:SpecifiedTradeSettlementMonetarySummation>
    </ram:ApplicableSupplyChainTradeSettlement>{lines}
  </rsm:SpecifiedSupplyChainTradeTransaction>
</rsm:CrossIndustryDocument>
""".encode()


def ubl_xml(s: Sample, *, credit: bool = False, customization: str = PEPPOL) -> bytes:
    """OASIS UBL 2.1: an Invoice (PEPPOL BIS 3 by default, or XRechnung UBL) or a
    CreditNote."""
    root = "CreditNote" if credit else "Invoice"
    line_tag, qty_tag = (
        ("CreditNoteLine", "CreditedQuantity")
        if credit
        else (
            "InvoiceLine",
            "InvoicedQuantity",
        )
    )
    lines = "".join(
        f"""
  <cac:{line_tag}><cbc:ID>{n}</cbc:ID><cbc:{qty_tag} unitCode="C62">{qty}</cbc:{qty_tag}><cbc:LineExtensionAmount currencyID="{s.currency}">{qty * price:.2f}</cbc:LineExtensionAmount><cac:Item><cbc:Name>{escape(name)}</cbc:Name></cac:Item><cac:Price><cbc:PriceAmount currencyID="{s.currency}">{price}</cbc:PriceAmount></cac:Price></cac:{line_tag}>"""
        for n, (name, qty, price) in enumerate(s.lines, 1)
    )
    due = "" if credit else f"\n  <cbc:DueDate>{s.due.isoformat()}</cbc:DueDate>"
    code = (
        "<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>"
        if credit
        else ("<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>")
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<{root} xmlns="urn:oasis:names:specification:ubl:schema:xsd:{root}-2" xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>{customization}</cbc:CustomizationID>
  <cbc:ID>{s.number}</cbc:ID>
  <cbc:IssueDate>{s.issued.isoformat()}</cbc:IssueDate>{due}
  {code}
  <cbc:DocumentCurrencyCode>{s.currency}</cbc:DocumentCurrencyCode>
  <cac:OrderReference><cbc:ID>{s.order}</cbc:ID></cac:OrderReference>
  <cac:AccountingSupplierParty><cac:Party>
    <cac:PartyName><cbc:Name>{escape(s.seller)}</cbc:Name></cac:PartyName>
    <cac:PartyTaxScheme><cbc:CompanyID>{s.vat}</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>
    <cac:PartyLegalEntity><cbc:RegistrationName>{escape(s.seller)}</cbc:RegistrationName></cac:PartyLegalEntity>
  </cac:Party></cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty><cac:Party>
    <cac:PartyLegalEntity><cbc:RegistrationName>{escape(s.buyer)}</cbc:RegistrationName></cac:PartyLegalEntity>
  </cac:Party></cac:AccountingCustomerParty>
  <cac:PaymentMeans><cbc:PaymentMeansCode>30</cbc:PaymentMeansCode><cac:PayeeFinancialAccount><cbc:ID>{s.iban}</cbc:ID></cac:PayeeFinancialAccount></cac:PaymentMeans>
  <cac:TaxTotal><cbc:TaxAmount currencyID="{s.currency}">{s.tax:.2f}</cbc:TaxAmount></cac:TaxTotal>
  <cac:LegalMonetaryTotal>
    <cbc:LineExtensionAmount currencyID="{s.currency}">{s.net:.2f}</cbc:LineExtensionAmount>
    <cbc:TaxExclusiveAmount currencyID="{s.currency}">{s.net:.2f}</cbc:TaxExclusiveAmount>
    <cbc:TaxInclusiveAmount currencyID="{s.currency}">{s.total:.2f}</cbc:TaxInclusiveAmount>
    <cbc:PayableAmount currencyID="{s.currency}">{s.total:.2f}</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>{lines}
</{root}>
""".encode()


def factur_x_pdf(path: Path, s: Sample, xml: bytes, printed_total: str | None = None) -> Path:
    """A one-page invoice as Factur-X: the page prints it (in German), the XML rides along
    as an embedded file. ``printed_total`` prints another total than the XML's."""
    import pymupdf

    total = printed_total or f"{s.total:.2f}".replace(".", ",")
    text = [
        f"{s.seller} · Industriestraße 4 · 70565 Stuttgart",
        "",
        s.buyer,
        "Keizersgracht 12, 1015 CS Amsterdam",
        "",
        "RECHNUNG",
        f"Rechnungsnummer: {s.number}",
        f"Rechnungsdatum: {s.issued:%d.%m.%Y}",
        f"Zahlbar bis: {s.due:%d.%m.%Y}",
        "",
    ]
    for name, qty, price in s.lines:
        text.append(f"{name}    {qty} x {price} EUR    {qty * price:.2f} EUR".replace(".", ","))
    text += ["", f"Nettobetrag: {s.net:.2f} EUR".replace(".", ","), f"Gesamtbetrag: {total} EUR"]
    doc = pymupdf.open()
    page = doc.new_page()
    y = 60.0
    for line in text:
        page.insert_text((56, y), line, fontsize=10)
        y += 16
    doc.embfile_add("factur-x.xml", xml, filename="factur-x.xml", desc="Factur-X invoice")
    doc.save(path)
    return path


# An invoice laid out by a design tool: every region a white-filled box (invisible on the
# page, but drawn, so a table finder takes the boxes' edges for a grid of a few big cells).
_BOXES = [(50, 54, 562, 67), (50, 67, 120, 208), (315, 67, 562, 121), (120, 121, 562, 160),
          (120, 160, 494, 208), (315, 208, 562, 234), (50, 234, 562, 247),
          (50, 247, 120, 452), (315, 247, 562, 260), (120, 260, 562, 273),
          (315, 273, 562, 287), (120, 287, 562, 413), (120, 413, 494, 452),
          (494, 426, 562, 452), (119, 66, 315, 121), (493, 159, 562, 208),
          (50, 207, 315, 234), (119, 247, 315, 260), (119, 273, 315, 287),
          (493, 412, 562, 426)]  # fmt: skip
_BOXED_TEXT = [(121, 80, "Stanford Plumbing & Heating"), (510, 80, "INVOICE"),
               (121, 93, "123 Madison drive, Seattle, WA"), (121, 171, "BILL TO"),
               (424, 171, "Invoice No:"), (507, 171, "#INV03051"),
               (121, 184, "Christopher Rodriguez"), (424, 184, "Invoice Date:"),
               (510, 184, "10/18/18"), (121, 197, "2558 Michael Mills"),
               (121, 206, "East Steven, MI 89330"), (424, 206, "Due Date:"),
               (512, 206, "12/17/18"), (192, 258, "DESCRIPTION"), (352, 258, "QTY/HR"),
               (434, 258, "UNIT PRICE"), (515, 258, "TOTAL"),
               (121, 272, "Installed new kitchen sink"), (415, 272, "8"), (482, 272, "90"),
               (546, 272, "720"), (121, 285, "Nest smart thermostat"), (415, 285, "8"),
               (482, 285, "90"), (546, 285, "720"), (449, 376, "SUBTOTAL"),
               (542, 376, "1440"), (453, 424, "TAX RATE"), (538, 424, "7.00%"),
               (449, 437, "TOTAL TAX"), (535, 437, "100.80"), (434, 450, "BALANCE DUE"),
               (524, 450, "$1,540.80")]  # fmt: skip


def boxed_invoice(path: Path) -> Path:
    """A US invoice whose regions are white boxes: its labels and values fall in different
    boxes ('BILL TO ... Invoice No:' in one, '#INV03051' in the next)."""
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    for box in _BOXES:
        page.draw_rect(pymupdf.Rect(*box), color=None, fill=(1, 1, 1))
    for x in (119, 314, 422, 493, 562):  # the line items' grid, drawn
        page.draw_line((x, 247), (x, 365), width=0.5)
    for y in range(247, 366, 13):
        page.draw_line((119, y), (562, y), width=0.5)
    for x, y, text in _BOXED_TEXT:
        page.insert_text((x, y), text, fontsize=8)
    doc.save(path)
    return path
