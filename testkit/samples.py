"""Files of known content: the bundled samples, the tests' fixtures and the benchmarks'
inputs are all made here, so each knows its ground truth."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from pathlib import Path

LOREM = (
    "The quarterly review covers revenue, operating costs and the outlook for the next "
    "period. Shipments from the Rotterdam warehouse arrived on schedule, and the supplier "
    "confirmed the revised delivery terms. Customer support resolved most tickets within "
    "two business days."
).split()


@dataclass
class PdfSpec:
    pages: list[str]
    tables: dict[int, list[list[str]]] = field(default_factory=dict)  # 0-based page -> grid


def paragraph(rng: random.Random, words: int = 60) -> str:
    return " ".join(rng.choice(LOREM) for _ in range(words)).capitalize() + "."


def write_pdf(path: Path, spec: PdfSpec, *, compress: bool = True) -> Path:
    import pymupdf

    doc = pymupdf.open()
    for i, text in enumerate(spec.pages):
        page = doc.new_page(width=595, height=842)
        page.insert_textbox(pymupdf.Rect(56, 56, 539, 420), text, fontsize=11, fontname="helv")
        if i in spec.tables:
            draw_table(page, spec.tables[i], top=440)
    doc.save(path, garbage=3 if compress else 0, deflate=compress, use_objstms=1 if compress else 0)
    doc.close()
    return path


def draw_table(page, grid: list[list[str]], top: float, left: float = 56) -> None:  # type: ignore[no-untyped-def]
    import pymupdf

    widths = [483 / len(grid[0])] * len(grid[0])
    y = top
    for r, row in enumerate(grid):
        x = left
        for c, cell in enumerate(row):
            rect = pymupdf.Rect(x, y, x + widths[c], y + 22)
            page.draw_rect(rect, color=(0, 0, 0), width=0.6)
            page.insert_text(
                (rect.x0 + 4, rect.y1 - 7), cell, fontsize=9, fontname="hebo" if r == 0 else "helv"
            )
            x += widths[c]
        y += 22


def invoice_grid(rng: random.Random, rows: int = 4) -> list[list[str]]:
    items = [
        "Steel bolts M8",
        "Unit price review",
        "Hydraulic pump",
        "Freight Rotterdam",
        "Safety gloves",
        "Service hours",
        "Cable 3x2.5 mm",
        "Pallet wrap",
    ]
    grid = [["Item", "Unit price", "Qty", "Amount"]]
    for _ in range(rows):
        price = rng.randint(100, 90000)
        qty = rng.randint(1, 40)
        grid.append([rng.choice(items), f"{price:,}", str(qty), f"{price * qty:,}.00"])
    return grid


def text_pdf_spec(rng: random.Random, pages: int, with_table: bool = False) -> PdfSpec:
    spec = PdfSpec([f"Page {i + 1}. " + paragraph(rng) for i in range(pages)])
    if with_table:
        spec.tables[0] = invoice_grid(rng)
    return spec


def write_csv(path: Path, grid: list[list[str]], delimiter: str = ",") -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, delimiter=delimiter).writerows(grid)
    return path


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, grid in sheets.items():
        sheet = book.create_sheet(title)
        for row in grid:
            sheet.append(row)
    book.save(path)
    return path


def write_encrypted_pdf(path: Path, password: str = "s3cret") -> Path:
    import pymupdf

    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "Confidential salary table for the board.")
    doc.save(path, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw=password, owner_pw=password)
    doc.close()
    return path


def write_truncated_pdf(path: Path, pages: int = 6, keep: float = 0.55) -> Path:
    """A PDF cut short, as an interrupted download leaves it: the first pages survive."""
    rng = random.Random(7)
    full = write_pdf(path, text_pdf_spec(rng, pages), compress=False).read_bytes()
    path.write_bytes(full[: int(len(full) * keep)])
    return path


INVOICE_ITEMS = [
    ["Item", "Unit price", "Qty", "Amount"],
    ["Steel bolts M8, box of 200", "24.50", "40", "980.00"],
    ["Hydraulic pump HP-220", "1,240.00", "2", "2,480.00"],
    ["Safety gloves, pair", "6.80", "150", "1,020.00"],
    ["Cable 3x2.5 mm, 100 m", "189.00", "6", "1,134.00"],
    ["Freight to Rotterdam", "310.00", "1", "310.00"],
]
INVOICE_PAGES = [
    "INVOICE INV-2026-0117\n"
    "Acme Industrial GmbH, Hafenstrasse 12, 20457 Hamburg, Germany\n"
    "VAT ID DE811907980\n"
    "Billed to: Northwind Traders Ltd, 4 Quay Street, Dublin D02 XK51, Ireland\n"
    "Invoice date: 2026-11-02    Due date: 2026-12-02\n"
    "Your order: PO-88213\n\n"
    "Thank you for your order. The items below were delivered to your Rotterdam warehouse "
    "on 28 October 2026, as agreed with Ms. Byrne; freight is charged at the contract rate.",
    "Subtotal: EUR 5,924.00\n"
    "VAT 0% (intra-EU supply, reverse charge): EUR 0.00\n"
    "Total due: EUR 5,924.00\n\n"
    "Payment terms: 30 days net. Please pay to IBAN DE89 3704 0044 0532 0130 00 "
    "(BIC COBADEFFXXX), quoting INV-2026-0117.\n"
    "Questions: billing@acme-industrial.example, +49 40 1234 5678.\n\n"
    "Acme Industrial GmbH, registered in Hamburg, HRB 123456. Managing director: Jonas Weber.",
]
REPORT_PAGES = [
    "Northwind Traders Ltd\nOperations report, third quarter 2026\n\n"
    "Summary\n"
    "Revenue for the quarter was EUR 4.82 million, 6% above the second quarter, as the new "
    "Rotterdam warehouse took over the Benelux orders in August. Operating costs rose by 3%, "
    "mostly for the warehouse's first two months of rent and staff.\n\n"
    "Shipments arrived on schedule in 96% of cases, against 91% a year ago. Customer support "
    "resolved 88% of tickets within two business days; the backlog of September's system "
    "migration was cleared by 14 October 2026.",
    "Key figures\n"
    "The table compares the quarter with the previous one. Stock turnover improved after the "
    "slow-moving items were sold to Verdant Foods BV at cost.",
    "Outlook\n"
    "For the fourth quarter we expect revenue between EUR 4.9 and 5.1 million. The supplier "
    "agreement with Acme Industrial GmbH is renewed until December 2027 on the revised delivery "
    "terms. The board will review the warehouse lease in January.\n\n"
    "Prepared by Laura Miller, Head of Operations, Dublin, 20 October 2026.",
]
REPORT_FIGURES = [
    ["Measure", "Q2 2026", "Q3 2026", "Change"],
    ["Revenue (EUR million)", "4.55", "4.82", "+6%"],
    ["Operating costs (EUR million)", "3.91", "4.03", "+3%"],
    ["Shipments on time", "93%", "96%", "+3 pts"],
    ["Tickets solved in 2 days", "84%", "88%", "+4 pts"],
]


def write_samples(folder: Path) -> list[Path]:
    """The bundled samples that README's first command processes: an invoice of two pages
    (its line items on the first, its total on the second) and a quarterly report, written
    as such documents are, so what docintel finds in them can be checked by reading them."""
    folder.mkdir(parents=True, exist_ok=True)
    return [
        write_pdf(folder / "invoice.pdf", PdfSpec(INVOICE_PAGES, tables={0: INVOICE_ITEMS})),
        write_pdf(folder / "quarterly-report.pdf", PdfSpec(REPORT_PAGES, {1: REPORT_FIGURES})),
        write_csv(
            folder / "shipments.csv",
            [
                ["date", "carrier", "pallets", "destination"],
                ["2026-10-01", "Maersk", "12", "Rotterdam"],
                ["2026-10-03", "DHL Freight", "4", "Hamburg"],
                ["2026-10-09", "Kuehne+Nagel", "7", "Antwerp"],
            ],
        ),
        write_xlsx(
            folder / "budget.xlsx",
            {
                "2026": [
                    ["cost centre", "budget", "spent"],
                    ["Operations", 120000, 98500.5],
                    ["IT", 64000, 71200],
                ],
                "notes": [["owner", "comment"], ["Finance", "IT overspend approved"]],
            },
        ),
    ]
