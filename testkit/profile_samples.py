"""Documents of every bundled profile in visibly different layouts, with the fields they
hold: label wording and order, 'label: value' lines, values below their labels, wide-gap
columns, key-value tables, English and German, both decimal conventions and the common date
forms. For bench/profiles.py and the tests; digital, or scanned (rendered, tilted, noisy)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

COMPANIES = ["Northwind Traders Ltd", "Harbor Compliance Partners", "Bergmann Buerobedarf GmbH",
             "Atlas Metalworks Inc", "Verdant Foods BV", "Orion Textiles SA", "Sable Insurance AG",
             "Quantum Freight LLC", "Cedar Pine Legal LLP", "Tidewell Energy Ltd"]  # fmt: skip
PEOPLE = ["Maria Keller", "John Whitfield", "Aiko Tanaka", "Luis Ortega", "Fatima Benali",
          "Peter Novak", "Grace Liu", "Tomas Berg"]  # fmt: skip
ITEMS = ["Consulting hours", "Travel expenses", "Paper A4 box", "Toner cartridge", "Licence fee",
         "Support plan", "Cable set", "Desk lamp", "Coffee beans", "Training day"]  # fmt: skip
CONVENTIONS = ["us", "eu", "de", "uk", "iso"]  # one per layout, so each layout differs in it


@dataclass
class Sample:
    profile: str
    layout: int
    lines: list[str]
    table: list[list[str]] = field(default_factory=list)
    after: list[str] = field(default_factory=list)
    truth: dict[str, str] = field(default_factory=dict)  # field -> normalised value
    items: list[dict[str, str]] = field(default_factory=list)  # line items' normalised cells


def money(rng: random.Random, convention: str, amount: float) -> str:
    whole, cents = f"{amount:,.2f}".split(".")
    if convention == "us":
        return f"${whole}.{cents}"
    if convention == "uk":
        return f"GBP {whole}.{cents}"
    if convention == "iso":
        return f"{whole}.{cents} EUR"
    de = whole.replace(",", ".")
    return f"{de},{cents} EUR" if convention == "de" else f"EUR {de},{cents}"


def currency(convention: str) -> str:
    return {"us": "USD", "uk": "GBP"}.get(convention, "EUR")


def day_text(convention: str, d: date) -> str:
    months = ["January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December"]  # fmt: skip
    return {
        "us": f"{months[d.month - 1]} {d.day}, {d.year}",
        "uk": f"{d.day} {months[d.month - 1]} {d.year}",
        "iso": d.isoformat(),
    }.get(convention, f"{d.day:02d}.{d.month:02d}.{d.year}")


def pair(layout: int, label: str, value: str) -> list[str]:
    """A label and its value as this layout writes them."""
    if layout == 1:
        return [label, value]  # the value below its label
    if layout == 2:
        return [f"{label}        {value}"]  # a wide gap, no colon
    if layout == 3:
        return [f"{label} | {value}"]  # a key-value table row
    return [f"{label}: {value}"]


def invoice(rng: random.Random, layout: int) -> Sample:
    conv = CONVENTIONS[layout % 5]
    german = conv == "de"
    vendor = rng.choice(COMPANIES)
    number = f"{'RE' if german else 'INV'}-{rng.randint(2024, 2027)}-{rng.randint(100, 9999)}"
    issued = date(2026, rng.randint(1, 11), rng.randint(1, 28))
    due = issued + timedelta(days=rng.choice([14, 30, 45]))
    rows, items = _items(rng, conv, german)
    total = round(sum(float(i["amount"]) for i in items), 2)
    labels = (
        ["Rechnungsnummer", "Rechnungsdatum", "Zahlbar bis", "Gesamtbetrag"]
        if german
        else rng.choice(
            [
                ["Invoice number", "Invoice date", "Due date", "Total due"],
                ["Invoice No.", "Date of issue", "Payment due", "Amount due"],
                ["Invoice #", "Issue date", "Due", "Balance due"],
            ]
        )
    )
    head = [vendor, f"{rng.randint(1, 99)} Harbour Street", "RECHNUNG" if german else "INVOICE"]
    body = pair(layout, labels[0], number) + pair(layout, labels[1], day_text(conv, issued))
    body += pair(layout, labels[2], day_text(conv, due))
    if layout == 4:
        body = body[2:] + body[:2]  # another order
    return Sample(
        "invoice",
        layout,
        head + body,
        rows,
        pair(layout if layout != 1 else 0, labels[3], money(rng, conv, total)),
        {
            "vendor": vendor,
            "invoice_number": number,
            "issue_date": issued.isoformat(),
            "due_date": due.isoformat(),
            "total": f"{total:.2f}",
        },
        items,
    )


def receipt(rng: random.Random, layout: int) -> Sample:
    conv = CONVENTIONS[layout % 5]
    german = conv == "de"
    merchant = rng.choice(["Corner Cafe", "Baeckerei Sonne", "City Hardware", "Green Grocer"])
    when = date(2026, rng.randint(1, 11), rng.randint(1, 28))
    rows, items = _items(rng, conv, german, columns=("description", "quantity", "amount"))
    total = round(sum(float(i["amount"]) for i in items), 2)
    method = rng.choice(["cash", "card"])
    labels = (
        ["Datum", "Bezahlt mit", "Summe", "Kassenbon"]
        if german
        else rng.choice(
            [["Date", "Paid by", "Total", "RECEIPT"], ["Date", "Payment", "Total paid", "Receipt"]]
        )
    )
    head = [merchant, labels[3]]
    body = pair(layout, labels[0], day_text(conv, when))
    after = pair(layout if layout != 1 else 0, labels[2], money(rng, conv, total))
    after += pair(
        layout if layout != 1 else 0,
        labels[1],
        {"cash": "Bar" if german else "Cash", "card": "Card"}[method],
    )
    truth = {"merchant": merchant, "date": when.isoformat(), "total": f"{total:.2f}"}
    if not german or method == "card":
        truth["payment_method"] = method
    return Sample("receipt", layout, head + body, rows, after, truth, items)


def purchase_order(rng: random.Random, layout: int) -> Sample:
    conv = CONVENTIONS[layout % 5]
    german = conv == "de"
    buyer, supplier = rng.sample(COMPANIES, 2)
    number = f"PO-{rng.randint(10000, 99999)}"
    ordered = date(2026, rng.randint(1, 10), rng.randint(1, 28))
    deliver = ordered + timedelta(days=rng.choice([7, 21, 30]))
    rows, items = _items(rng, conv, german)
    total = round(sum(float(i["amount"]) for i in items), 2)
    labels = (
        ["Bestellnummer", "Bestelldatum", "Liefertermin", "Lieferant", "Gesamtbetrag", "BESTELLUNG"]
        if german
        else [
            "PO number",
            "Order date",
            "Delivery date",
            "Supplier",
            "Order total",
            "PURCHASE ORDER",
        ]
    )
    head = [buyer, labels[5]]
    body = pair(layout, labels[0], number) + pair(layout, labels[1], day_text(conv, ordered))
    body += pair(layout, labels[2], day_text(conv, deliver)) + pair(layout, labels[3], supplier)
    truth = {
        "buyer": buyer,
        "supplier": supplier,
        "po_number": number,
        "order_date": ordered.isoformat(),
        "delivery_date": deliver.isoformat(),
        "total": f"{total:.2f}",
    }
    after = pair(layout if layout != 1 else 0, labels[4], money(rng, conv, total))
    return Sample("purchase_order", layout, head + body, rows, after, truth, items)


def contract(rng: random.Random, layout: int) -> Sample:
    conv = CONVENTIONS[layout % 5]
    german = conv == "de"
    a, b = rng.sample(COMPANIES, 2)
    start = date(2026, rng.randint(1, 10), rng.randint(1, 28))
    end = start + timedelta(days=365 * rng.choice([1, 2, 3]))
    law = rng.choice(["England and Wales", "Germany", "the State of New York", "the Netherlands"])
    title = (
        "DIENSTLEISTUNGSVERTRAG"
        if german
        else rng.choice(["SERVICES AGREEMENT", "MASTER SERVICES CONTRACT"])
    )
    labels = (
        ["Auftragnehmer", "Auftraggeber", "Beginn", "Ende", "Anwendbares Recht"]
        if german
        else ["Provider", "Client", "Effective date", "End date", "Governing law"]
    )
    body = pair(layout, labels[0], a) + pair(layout, labels[1], b)
    body += pair(layout, labels[2], day_text(conv, start)) + pair(
        layout, labels[3], day_text(conv, end)
    )
    body += pair(layout, labels[4], law)
    prose = [
        "The parties agree to the terms of this agreement as set out below.",
        "Termination requires ninety days written notice by either party.",
        "In witness whereof the parties have signed this contract.",
    ]
    truth = {
        "title": title,
        "party_a": a,
        "party_b": b,
        "effective_date": start.isoformat(),
        "end_date": end.isoformat(),
        "governing_law": law,
    }
    return Sample("contract", layout, [title, *body], [], prose, truth)


def insurance_claim(rng: random.Random, layout: int) -> Sample:
    conv = CONVENTIONS[layout % 5]
    german = conv == "de"
    who = rng.choice(PEOPLE)
    policy = f"POL-{rng.randint(100000, 999999)}"
    claim = f"CLM-{rng.randint(1000, 9999)}"
    when = date(2026, rng.randint(1, 11), rng.randint(1, 28))
    amount = round(rng.uniform(200, 20000), 2)
    kind = rng.choice(["property", "vehicle", "health", "travel"])
    labels = (
        [
            "Versicherungsnehmer",
            "Versicherungsnummer",
            "Schadennummer",
            "Schadendatum",
            "Schadenart",
            "Schadenhoehe",
            "SCHADENMELDUNG",
        ]
        if german
        else [
            "Policyholder",
            "Policy number",
            "Claim number",
            "Date of loss",
            "Type of claim",
            "Amount claimed",
            "INSURANCE CLAIM FORM",
        ]
    )
    kinds_de = {
        "property": "Property",
        "vehicle": "Vehicle",
        "health": "Health",
        "travel": "Travel",
    }
    body = (
        pair(layout, labels[0], who)
        + pair(layout, labels[1], policy)
        + pair(layout, labels[2], claim)
    )
    body += pair(layout, labels[3], day_text(conv, when)) + pair(layout, labels[4], kinds_de[kind])
    body += pair(layout, labels[5], money(rng, conv, amount))
    truth = {
        "claimant": who,
        "policy_number": policy,
        "claim_number": claim,
        "incident_date": when.isoformat(),
        "claim_type": kind,
        "amount_claimed": f"{amount:.2f}",
    }
    return Sample("insurance_claim", layout, [labels[6], *body], [], [], truth)


def bank_statement(rng: random.Random, layout: int) -> Sample:
    conv = CONVENTIONS[layout % 5]
    german = conv == "de"
    bank = rng.choice(["Harbour Savings Bank", "Rhein Volksbank", "First Coastal Bank"])
    holder = rng.choice(PEOPLE)
    iban = rng.choice(
        ["DE89 3704 0044 0532 0130 00", "GB29 NWBK 6016 1331 9268 19", "NL91 ABNA 0417 1643 00"]
    )
    start = date(2026, rng.randint(1, 10), 1)
    end = start + timedelta(days=29)
    opening = round(rng.uniform(500, 9000), 2)
    closing = round(opening + rng.uniform(-400, 900), 2)
    labels = (
        [
            "Kontoinhaber",
            "IBAN",
            "Zeitraum von",
            "Zeitraum bis",
            "Anfangssaldo",
            "Endsaldo",
            "KONTOAUSZUG",
        ]
        if german
        else [
            "Account holder",
            "IBAN",
            "Period from",
            "Period to",
            "Opening balance",
            "Closing balance",
            "ACCOUNT STATEMENT",
        ]
    )
    body = pair(layout, labels[0], holder) + pair(layout, labels[1], iban)
    body += pair(layout, labels[2], day_text(conv, start)) + pair(
        layout, labels[3], day_text(conv, end)
    )
    body += pair(layout, labels[4], money(rng, conv, opening))
    after = pair(layout if layout != 1 else 0, labels[5], money(rng, conv, closing))
    truth = {
        "bank": bank,
        "account_holder": holder,
        "iban": iban,
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "opening_balance": f"{opening:.2f}",
        "closing_balance": f"{closing:.2f}",
    }
    return Sample("bank_statement", layout, [bank, labels[6], *body], [], after, truth)


MAKERS = {
    "invoice": invoice,
    "receipt": receipt,
    "purchase_order": purchase_order,
    "contract": contract,
    "insurance_claim": insurance_claim,
    "bank_statement": bank_statement,
}


def _items(
    rng: random.Random,
    conv: str,
    german: bool,
    columns: tuple[str, ...] = ("description", "quantity", "unit_price", "amount"),
) -> tuple[list[list[str]], list[dict[str, str]]]:
    names = {
        "description": "Artikel" if german else rng.choice(["Description", "Item"]),
        "quantity": "Menge" if german else rng.choice(["Qty", "Quantity"]),
        "unit_price": "Einzelpreis" if german else "Unit price",
        "amount": "Betrag" if german else rng.choice(["Amount", "Line total"]),
    }
    rows = [[names[c] for c in columns]]
    items = []
    for name in rng.sample(ITEMS, rng.randint(2, 4)):
        qty = rng.randint(1, 12)
        price = round(rng.uniform(2, 400), 2)
        amount = round(qty * price, 2)
        cells = {
            "description": name,
            "quantity": str(qty),
            "unit_price": money(rng, conv, price),
            "amount": money(rng, conv, amount),
        }
        rows.append([cells[c] for c in columns])
        items.append({"description": name, "amount": f"{amount:.2f}"})
    return rows, items


def write_sample(sample: Sample, path: Path, scanned_copy: bool = False, seed: int = 0) -> Path:
    """The sample as a digital PDF, or as a scan of it (rendered at 200 dpi, tilted,
    noisy, JPEG) in a PDF of images."""
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page()
    y = 60.0
    for i, text in enumerate(sample.lines):
        size = 15 if i == 0 else 11
        page.insert_text((60, y), text, fontsize=size, fontname="hebo" if i == 0 else "helv")
        y += size + 9
    y += 12
    widths = [200, 70, 110, 110][: max((len(r) for r in sample.table), default=0)]
    for r, row in enumerate(sample.table):
        x = 60.0
        for c, cell in enumerate(row):
            page.insert_text(
                (x, y + r * 18), cell, fontsize=10, fontname="hebo" if r == 0 else "helv"
            )
            x += widths[c] if c < len(widths) else 110
    y += len(sample.table) * 18 + 18
    for text in sample.after:
        page.insert_text((60, y), text, fontsize=11)
        y += 20
    if not scanned_copy:
        doc.save(path)
        return path
    from PIL import Image

    from docintel.testkit.page_samples import images_to_pdf, scanned

    pix = page.get_pixmap(dpi=200)
    image: Any = Image.frombytes("RGB", (pix.width, pix.height), pix.samples)
    return images_to_pdf(path, [scanned(image, random.Random(seed), quality=80)], dpi=200)
