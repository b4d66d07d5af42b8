"""Truth from an e-invoice's XML (CII D16B / Factur-X / ZUGFeRD 2, ZUGFeRD 1, UBL 2.x).

Written for this data set (independent of docintel's reader): the grand total with tax
(CII GrandTotalAmount, UBL TaxInclusiveAmount), the amount due as an accepted alternative
where it differs (and is not zero, i.e. already paid), the seller's name (and its trading
name / registration name as alternatives), ISO dates."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from lxml import etree


def _local(el: Any) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _kids(node: Any, name: str) -> list[Any]:
    return [c for c in node if isinstance(c.tag, str) and _local(c) == name]


def _path(node: Any, path: str) -> list[Any]:
    """Children by local names, 'A/B/C'; '**' as a step means any descendant."""
    nodes = [node]
    for step in path.split("/"):
        nxt: list[Any] = []
        for n in nodes:
            if step.startswith("**"):
                nxt += [d for d in n.iter() if isinstance(d.tag, str) and _local(d) == step[2:]]
            else:
                nxt += _kids(n, step)
        nodes = nxt
    return nodes


def _first_text(node: Any, *paths: str) -> str | None:
    for p in paths:
        for n in _path(node, p):
            if n.text and n.text.strip():
                return " ".join(n.text.split())
    return None


def _cii_date(text: str | None) -> str | None:
    if not text:
        return None
    t = text.strip()
    if len(t) == 8 and t.isdigit():
        return f"{t[:4]}-{t[4:6]}-{t[6:]}"
    if len(t) >= 10 and t[4] == "-":
        return t[:10]
    return None


def _amount(text: str | None) -> str | None:
    if text is None:
        return None
    return f"{Decimal(text.strip()):.2f}"


def read(data: bytes) -> dict[str, Any] | None:
    """{'syntax', 'truth': {...}, 'alternatives': {...}, 'type_code'} or None."""
    root = etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    name = _local(root)
    if name in ("CrossIndustryInvoice", "CrossIndustryDocument"):
        return _cii(root, name)
    if name in ("Invoice", "CreditNote"):
        return _ubl(root, name)
    return None


def _cii(root: Any, name: str) -> dict[str, Any]:
    if name == "CrossIndustryInvoice":  # D16B: Factur-X / ZUGFeRD 2 / XRechnung CII
        header = _path(root, "ExchangedDocument")[0]
        trade = _path(root, "SupplyChainTradeTransaction")[0]
        agreement = (_path(trade, "ApplicableHeaderTradeAgreement") or [None])[0]
        settlement = (_path(trade, "ApplicableHeaderTradeSettlement") or [None])[0]
        totals_path = "SpecifiedTradeSettlementHeaderMonetarySummation"
        syntax = "CII"
    else:  # ZUGFeRD 1.0
        header = _path(root, "HeaderExchangedDocument")[0]
        trade = _path(root, "SpecifiedSupplyChainTradeTransaction")[0]
        agreement = (_path(trade, "ApplicableSupplyChainTradeAgreement") or [None])[0]
        settlement = (_path(trade, "ApplicableSupplyChainTradeSettlement") or [None])[0]
        totals_path = "SpecifiedTradeSettlementMonetarySummation"
        syntax = "ZUGFeRD1"
    seller = (_path(agreement, "SellerTradeParty") or [None])[0] if agreement is not None else None
    totals = (_path(settlement, totals_path) or [None])[0] if settlement is not None else None
    grand = _amount(_first_text(totals, "GrandTotalAmount")) if totals is not None else None
    due_payable = _amount(_first_text(totals, "DuePayableAmount")) if totals is not None else None
    due = None
    if settlement is not None:
        due = _cii_date(
            _first_text(settlement, "SpecifiedTradePaymentTerms/DueDateDateTime/DateTimeString")
        )
    vendor = _first_text(seller, "Name") if seller is not None else None
    alt_vendor = []
    if seller is not None:
        trading = _first_text(seller, "SpecifiedLegalOrganization/TradingBusinessName")
        if trading and trading != vendor:
            alt_vendor.append(trading)
    truth = {
        "invoice_number": _first_text(header, "ID"),
        "issue_date": _cii_date(_first_text(header, "IssueDateTime/DateTimeString")),
        "due_date": due,
        "total": grand if grand is not None else due_payable,
        "currency": _first_text(settlement, "InvoiceCurrencyCode")
        if settlement is not None
        else None,
        "vendor": vendor,
    }
    alts: dict[str, list[str]] = {}
    if due_payable and grand and due_payable != grand and Decimal(due_payable) != 0:
        alts["total"] = [due_payable]
    if alt_vendor:
        alts["vendor"] = alt_vendor
    guideline = _first_text(
        root,
        "ExchangedDocumentContext/GuidelineSpecifiedDocumentContextParameter/ID",
        "SpecifiedExchangedDocumentContext/GuidelineSpecifiedDocumentContextParameter/ID",
    )
    return {
        "syntax": syntax,
        "truth": truth,
        "alternatives": alts,
        "type_code": _first_text(header, "TypeCode"),
        "guideline": guideline,
    }


def _ubl(root: Any, name: str) -> dict[str, Any]:
    supplier = (_path(root, "AccountingSupplierParty/Party") or [None])[0]
    totals = (_path(root, "LegalMonetaryTotal") or [None])[0]
    incl = _amount(_first_text(totals, "TaxInclusiveAmount")) if totals is not None else None
    payable = _amount(_first_text(totals, "PayableAmount")) if totals is not None else None
    names = []
    if supplier is not None:
        for p in ("PartyName/Name", "PartyLegalEntity/RegistrationName"):
            v = _first_text(supplier, p)
            if v and v not in names:
                names.append(v)
    truth = {
        "invoice_number": _first_text(root, "ID"),
        "issue_date": (_first_text(root, "IssueDate") or "")[:10] or None,
        "due_date": _first_text(root, "DueDate", "PaymentMeans/PaymentDueDate"),
        "total": incl if incl is not None else payable,
        "currency": _first_text(root, "DocumentCurrencyCode"),
        "vendor": names[0] if names else None,
    }
    alts: dict[str, list[str]] = {}
    if payable and incl and payable != incl and Decimal(payable) != 0:
        alts["total"] = [payable]
    if len(names) > 1:
        alts["vendor"] = names[1:]
    return {
        "syntax": "UBL-" + name,
        "truth": truth,
        "alternatives": alts,
        "type_code": _first_text(root, "InvoiceTypeCode", "CreditNoteTypeCode"),
        "guideline": _first_text(root, "CustomizationID"),
    }
