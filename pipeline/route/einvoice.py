"""E-invoices read as what they are: the XML a PDF carries (Factur-X, ZUGFeRD 1 and 2,
XRechnung) or that arrives alone (UN/CEFACT CII, OASIS UBL Invoice and CreditNote, PEPPOL
BIS 3), mapped to the invoice profile's fields and line items. The XML states each value
exactly; the page is still read, and where the two disagree the field says so.

Parsed with defusedxml: a DTD, an entity declaration or an external reference is refused,
never expanded or fetched. Elements are found by their local names, so that CII D16B
(Factur-X, ZUGFeRD 2), the older D13 of ZUGFeRD 1 and UBL 2.x share one reader.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from docintel.pipeline.errors import DocumentError

MAX_XML_BYTES = 20 * 2**20
CII_ROOTS = ("CrossIndustryInvoice", "CrossIndustryDocument")  # D16B; ZUGFeRD 1 (D13)
UBL_ROOTS = ("Invoice", "CreditNote")
UBL_NAMESPACE = "urn:oasis:names:specification:ubl:schema:xsd:"
# The embedded files' names the standards use; any XML whose root is an invoice is read.
EMBEDDED_NAMES = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml", "order-x.xml")
CREDIT_CODES = {"381", "396", "532"}  # UNTDID 1001: credit note and its kin

# Guideline ids (CII GuidelineSpecifiedDocumentContextParameter, UBL CustomizationID) → level
LEVELS = [
    ("xrechnung", "XRECHNUNG"),
    ("extended", "EXTENDED"),
    ("basicwl", "BASIC WL"),
    ("basic", "BASIC"),
    ("minimum", "MINIMUM"),
    ("peppol", "PEPPOL BIS 3"),
    ("en16931", "EN16931"),
    ("comfort", "COMFORT"),
]


@dataclass
class InvoiceLine:
    description: str | None = None
    quantity: str | None = None
    unit_price: str | None = None
    amount: str | None = None


@dataclass
class EInvoice:
    """What an e-invoice states, in the invoice profile's terms: amounts as decimal text,
    dates as ISO."""

    syntax: str  # CII or UBL
    level: str | None  # MINIMUM, BASIC WL, BASIC, EN16931, EXTENDED, XRECHNUNG, PEPPOL BIS 3
    source: str  # the embedded file's name, or "the file"
    doc_type: str = "invoice"  # invoice, credit_note
    type_code: str | None = None
    invoice_number: str | None = None
    issue_date: str | None = None
    due_date: str | None = None
    currency: str | None = None
    total: str | None = None  # grand total, tax included
    due_payable: str | None = None
    net: str | None = None
    tax: str | None = None
    vendor: str | None = None
    vendor_vat: str | None = None
    buyer: str | None = None
    iban: str | None = None
    order_reference: str | None = None
    lines: list[InvoiceLine] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EInvoice:
        lines = [InvoiceLine(**line) for line in data.get("lines") or []]
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**{**known, "lines": lines})

    def markdown(self) -> str:
        """The invoice as a person reads it: who, what, when, how much."""
        kind = "Credit note" if self.doc_type == "credit_note" else "Invoice"
        out = [f"# {kind} {self.invoice_number or ''}".rstrip(), ""]
        for label, value in (
            ("Seller", self.vendor),
            ("Seller VAT ID", self.vendor_vat),
            ("Buyer", self.buyer),
            ("Invoice number", self.invoice_number),
            ("Invoice date", self.issue_date),
            ("Due date", self.due_date),
            ("Order reference", self.order_reference),
            ("IBAN", self.iban),
        ):
            if value:
                out.append(f"{label}: {value}")
        if self.lines:
            out += [
                "",
                "| Description | Quantity | Unit price | Amount |",
                "| --- | --- | --- | --- |",
            ]
            for line in self.lines:
                cells = (line.description, line.quantity, line.unit_price, line.amount)
                out.append("| " + " | ".join(str(c or "").replace("|", "/") for c in cells) + " |")
        out.append("")
        currency = f" {self.currency}" if self.currency else ""
        for label, value in (
            ("Net amount", self.net),
            ("Tax", self.tax),
            ("Total", self.total),
            ("Amount due", self.due_payable),
        ):
            if value:
                out.append(f"{label}: {value}{currency}")
        out.append(f"\n({self.syntax} e-invoice{f', {self.level}' if self.level else ''})")
        return "\n".join(out)


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(node: Any, name: str) -> list[Any]:
    return [c for c in node if local(c.tag) == name]


def _find(node: Any, path: str) -> Any | None:
    """The first element along ``path`` (local names, '/'-separated; '//' before a step
    searches at any depth below)."""
    current = [node]
    for step in path.split("/"):
        if not step:
            continue
        deep = step.startswith("*")
        name = step.lstrip("*")
        found = []
        for element in current:
            candidates = element.iter() if deep else element
            found += [c for c in candidates if c is not element and local(c.tag) == name]
            if found:
                break
        if not found:
            return None
        current = found[:1]
    return current[0]


def _text(node: Any, *paths: str) -> str | None:
    """The text of the first of ``paths`` that is there and not empty."""
    for path in paths:
        element = _find(node, path)
        if element is not None and element.text and element.text.strip():
            return " ".join(element.text.split())
    return None


def _amount(node: Any, *paths: str) -> str | None:
    raw = _text(node, *paths)
    if raw is None:
        return None
    try:
        return f"{Decimal(raw):.2f}"
    except InvalidOperation:
        return None


def _cii_date(node: Any, *paths: str) -> str | None:
    """A CII date: format 102 is YYYYMMDD; an ISO date is taken as it is."""
    raw = _text(node, *paths)
    if raw is None:
        return None
    digits = raw.replace("-", "")
    if len(digits) >= 8 and digits[:8].isdigit():
        return f"{digits[:4]}-{digits[4:6]}-{digits[6:8]}"
    return None


def _level(guideline: str | None) -> str | None:
    low = (guideline or "").lower().replace(" ", "").replace("_", "")
    if "ferd:crossindustrydocument:invoice:1p0" in low:  # ZUGFeRD 1: BASIC, COMFORT, EXTENDED
        return f"ZUGFeRD 1 {low.rsplit(':', 1)[-1].upper()}"
    return next((name for key, name in LEVELS if key in low), None) if low else None


def parse_xml(data: bytes) -> Any:
    """The XML's root element, parsed with no DTD, no entities and no network."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    if len(data) > MAX_XML_BYTES:
        raise DocumentError(
            f"the XML is {len(data) / 2**20:.0f} MB, above the {MAX_XML_BYTES // 2**20} MB an "
            "e-invoice may be; it was not read."
        )
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise DocumentError(
            f"the XML declares a DTD or entities ({type(exc).__name__}), which e-invoices do "
            "not need; it was not read. Export the invoice again."
        ) from exc


def read_einvoice(data: bytes, source: str = "the file") -> EInvoice | None:
    """The e-invoice in ``data``; None where the XML is no invoice."""
    import xml.etree.ElementTree as ET

    try:
        root = parse_xml(data)
    except ET.ParseError:
        return None
    name = local(root.tag)
    if name in CII_ROOTS:
        return _cii(root, source)
    if name in UBL_ROOTS and root.tag.startswith("{" + UBL_NAMESPACE):
        return _ubl(root, source)
    return None


def is_einvoice(head: bytes) -> bool:
    """Whether the start of an XML file names an e-invoice root (for the sniffer)."""
    text = head[:4096].decode("utf-8", "replace")
    return any(f"{root}" in text for root in ("CrossIndustryInvoice", "CrossIndustryDocument")) or (
        UBL_NAMESPACE in text and ("Invoice-2" in text or "CreditNote-2" in text)
    )


def _cii(root: Any, source: str) -> EInvoice:
    header = _find(root, "ExchangedDocument") or _find(root, "HeaderExchangedDocument") or root
    trade = (
        _find(root, "SupplyChainTradeTransaction")
        or _find(root, "SpecifiedSupplyChainTradeTransaction")
        or root
    )
    agreement = _find(trade, "ApplicableHeaderTradeAgreement") or _find(
        trade, "ApplicableSupplyChainTradeAgreement"
    )
    settlement = _find(trade, "ApplicableHeaderTradeSettlement") or _find(
        trade, "ApplicableSupplyChainTradeSettlement"
    )
    totals = (
        _find(settlement, "SpecifiedTradeSettlementHeaderMonetarySummation")
        or _find(settlement, "SpecifiedTradeSettlementMonetarySummation")
        if settlement is not None
        else None
    )
    seller = _find(agreement, "SellerTradeParty") if agreement is not None else None
    buyer = _find(agreement, "BuyerTradeParty") if agreement is not None else None
    type_code = _text(header, "TypeCode")
    invoice = EInvoice(
        syntax="CII",
        level=_level(_text(root, "*GuidelineSpecifiedDocumentContextParameter/ID")),
        source=source,
        type_code=type_code,
        doc_type="credit_note" if type_code in CREDIT_CODES else "invoice",
        invoice_number=_text(header, "ID"),
        issue_date=_cii_date(header, "IssueDateTime/DateTimeString"),
    )
    if settlement is not None:
        invoice.currency = _text(settlement, "InvoiceCurrencyCode")
        invoice.due_date = _cii_date(
            settlement, "*SpecifiedTradePaymentTerms/DueDateDateTime/DateTimeString"
        )
        invoice.iban = _text(settlement, "*PayeePartyCreditorFinancialAccount/IBANID")
    if totals is not None:
        invoice.total = _amount(totals, "GrandTotalAmount")
        invoice.due_payable = _amount(totals, "DuePayableAmount")
        invoice.net = _amount(totals, "TaxBasisTotalAmount", "LineTotalAmount")
        invoice.tax = _amount(totals, "TaxTotalAmount")
    if seller is not None:
        invoice.vendor = _text(seller, "Name")
        invoice.vendor_vat = _vat(seller, "SpecifiedTaxRegistration", "ID")
    if buyer is not None:
        invoice.buyer = _text(buyer, "Name")
    if agreement is not None:
        invoice.order_reference = _text(agreement, "BuyerOrderReferencedDocument/IssuerAssignedID")
    for item in (e for e in trade.iter() if local(e.tag) == "IncludedSupplyChainTradeLineItem"):
        invoice.lines.append(
            InvoiceLine(
                description=_text(item, "SpecifiedTradeProduct/Name"),
                quantity=_number(_text(item, "*BilledQuantity")),
                unit_price=_amount(item, "*NetPriceProductTradePrice/ChargeAmount"),
                amount=_amount(item, "*LineTotalAmount"),
            )
        )
    return invoice


def _ubl(root: Any, source: str) -> EInvoice:
    credit = local(root.tag) == "CreditNote"
    type_code = _text(root, "CreditNoteTypeCode" if credit else "InvoiceTypeCode")
    supplier = _find(root, "AccountingSupplierParty/Party")
    customer = _find(root, "AccountingCustomerParty/Party")
    totals = _find(root, "LegalMonetaryTotal")
    invoice = EInvoice(
        syntax="UBL",
        level=_level(_text(root, "CustomizationID")),
        source=source,
        type_code=type_code,
        doc_type="credit_note" if credit or type_code in CREDIT_CODES else "invoice",
        invoice_number=_text(root, "ID"),
        issue_date=_text(root, "IssueDate"),
        due_date=_text(root, "DueDate", "PaymentMeans/PaymentDueDate"),
        currency=_text(root, "DocumentCurrencyCode"),
        iban=_text(root, "PaymentMeans/PayeeFinancialAccount/ID"),
        order_reference=_text(root, "OrderReference/ID"),
        tax=_amount(root, "TaxTotal/TaxAmount"),
    )
    if totals is not None:
        invoice.total = _amount(totals, "TaxInclusiveAmount")
        invoice.due_payable = _amount(totals, "PayableAmount")
        invoice.net = _amount(totals, "TaxExclusiveAmount", "LineExtensionAmount")
    if supplier is not None:
        invoice.vendor = _text(supplier, "PartyName/Name", "PartyLegalEntity/RegistrationName")
        invoice.vendor_vat = _text(supplier, "PartyTaxScheme/CompanyID")
    if customer is not None:
        invoice.buyer = _text(customer, "PartyName/Name", "PartyLegalEntity/RegistrationName")
    for item in _children(root, "CreditNoteLine" if credit else "InvoiceLine"):
        invoice.lines.append(
            InvoiceLine(
                description=_text(item, "Item/Name", "Item/Description"),
                quantity=_number(_text(item, "CreditedQuantity", "InvoicedQuantity")),
                unit_price=_amount(item, "Price/PriceAmount"),
                amount=_amount(item, "LineExtensionAmount"),
            )
        )
    return invoice


def _vat(party: Any, registration: str, id_tag: str) -> str | None:
    """The party's VAT id (the registration whose scheme is VA), else its first."""
    regs = _children(party, registration)
    for reg in regs:
        ident = _find(reg, id_tag)
        if ident is not None and ident.get("schemeID") == "VA" and ident.text:
            return ident.text.strip()
    return _text(regs[0], id_tag) if regs else None


def _number(raw: str | None) -> str | None:
    if raw is None:
        return None
    try:
        return f"{Decimal(raw).normalize():f}"
    except InvalidOperation:
        return None


def embedded_einvoice(doc: Any) -> EInvoice | None:
    """The e-invoice among a PyMuPDF document's embedded files: the standards' names
    first, then any XML file whose root is an invoice."""
    try:
        names = [str(n) for n in doc.embfile_names()]
    except Exception:
        return None
    ordered = sorted(names, key=lambda n: (n.lower() not in EMBEDDED_NAMES, n))
    for name in ordered:
        if not name.lower().endswith(".xml"):
            continue
        try:
            info = doc.embfile_info(name)
            if int(info.get("size") or info.get("length") or 0) > MAX_XML_BYTES:
                continue
            data = doc.embfile_get(name)
        except Exception:
            continue
        try:
            found = read_einvoice(data, name)
        except DocumentError:
            continue
        if found is not None:
            return found
    return None
