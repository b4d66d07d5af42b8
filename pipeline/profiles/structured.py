"""Fields from the best evidence first: what an e-invoice's XML states, mapped to a profile's
fields by name, with ``engine: e-invoice``. The page is read as well; where it says
something else, the XML's value stays and is flagged with what the page says."""

from __future__ import annotations

from typing import Any

from docintel.pipeline.profiles.spec import Profile
from docintel.pipeline.profiles.values import parse
from docintel.pipeline.types import Classification, FieldValue

ENGINE = "e-invoice"
# profile field -> the e-invoice's field
SCALARS = {
    "invoice_number": "invoice_number",
    "issue_date": "issue_date",
    "due_date": "due_date",
    "total": "total",
    "currency": "currency",
    "net": "net",
    "tax": "tax",
    "vendor": "vendor",
    "buyer": "buyer",
    "vat_id": "vendor_vat",
    "iban": "iban",
    "order_number": "order_reference",
    "po_number": "order_reference",
}
LINE_COLUMNS = ("description", "quantity", "unit_price", "amount")


def einvoice_type(einvoice: dict[str, Any], profiles: dict[str, Profile]) -> Classification | None:
    """An e-invoice is an invoice (a credit note too: the same fields), certainly."""
    if "invoice" not in profiles:
        return None
    what = "credit note" if einvoice.get("doc_type") == "credit_note" else "invoice"
    level = f", {einvoice['level']}" if einvoice.get("level") else ""
    return Classification(
        "invoice",
        1.0,
        [f"a {einvoice.get('syntax')} e-invoice ({what}{level}) in {einvoice.get('source')}"],
        {"invoice": 1.0},
    )


def einvoice_fields(einvoice: dict[str, Any], profile: Profile) -> list[FieldValue]:
    """The profile's fields the XML states, and its line items."""
    out: list[FieldValue] = []
    source = einvoice.get("source") or "the XML"
    for spec in profile.fields:
        if spec.type == "table":
            if spec.name in ("line_items", "items"):
                out += _lines(einvoice, spec, source)
            continue
        key = SCALARS.get(spec.name)
        raw = einvoice.get(key) if key else None
        if raw in (None, ""):
            continue
        text = f"{raw} {einvoice.get('currency') or ''}".strip() if spec.type == "money" else raw
        value = parse(spec.type, str(text), values=spec.values)
        if value is None:
            continue
        currency = einvoice.get("currency") if spec.type == "money" else value.currency
        out.append(
            FieldValue(
                field=spec.name,
                value=str(raw),
                normalized=value.normalized,
                number=value.number,
                currency=currency,
                day=value.day.isoformat() if value.day else None,
                quote=f"{key} in {source}",
                confidence=1.0,
                engine=ENGINE,
            )
        )
    return out


def _lines(einvoice: dict[str, Any], spec: Any, source: str) -> list[FieldValue]:
    out = []
    columns = {c.name: c for c in spec.columns}
    for n, line in enumerate(einvoice.get("lines") or [], start=1):
        for name in LINE_COLUMNS:
            column, raw = columns.get(name), line.get(name)
            if column is None or raw in (None, ""):
                continue
            value = parse(column.type, str(raw), values=column.values)
            if value is None:
                continue
            out.append(
                FieldValue(
                    field=spec.name,
                    value=str(raw),
                    normalized=value.normalized,
                    number=value.number,
                    currency=einvoice.get("currency") if column.type == "money" else None,
                    row=n,
                    column=name,
                    quote=f"line {n} in {source}",
                    confidence=1.0,
                    engine=ENGINE,
                )
            )
    return out


def _differs(stated: FieldValue, read: FieldValue) -> bool:
    """Amounts and dates by value; texts by their words, one inside the other counting as the
    same ("Muster GmbH" read as "Muster GmbH, Hauptstr. 1")."""
    if stated.number is not None and read.number is not None:
        return abs(stated.number - read.number) > 0.005
    if stated.day or read.day:
        return stated.day != read.day
    a, b = _words(stated.normalized), _words(read.normalized)
    return not (a and b and (a in b or b in a))


def _words(text: str | None) -> str:
    return " ".join("".join(ch if ch.isalnum() else " " for ch in (text or "").lower()).split())


def merge_with_page(stated: list[FieldValue], read: list[FieldValue]) -> list[FieldValue]:
    """The XML's fields, flagged where the page's reading of the same field differs; the
    page's fields the XML does not state are kept as read."""
    by_key = {(f.field, f.row, f.column): f for f in read if f.normalized is not None}
    for field in stated:
        page = by_key.get((field.field, field.row, field.column))
        if field.row or page is None or not _differs(field, page):
            continue
        where = f" (page {page.page})" if page.page else ""
        field.flag(
            f"the page says {page.value!r}{where}, the e-invoice XML says {field.value!r}: "
            "the XML's value is kept; check which is right"
        )
    have = {(f.field, f.row, f.column) for f in stated}
    tables = {f.field for f in stated if f.row}
    return stated + [
        f
        for f in read
        if (f.field, f.row, f.column) not in have and not (f.row and f.field in tables)
    ]
