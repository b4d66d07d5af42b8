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


def write_samples(folder: Path) -> list[Path]:
    """The bundled samples that README's first command processes."""
    rng = random.Random(2026)
    folder.mkdir(parents=True, exist_ok=True)
    pages = [
        "INVOICE INV-2026-0117\nAcme Industrial GmbH, Hafenstrasse 12, 20457 Hamburg\n"
        "Billed to: Northwind Traders Ltd, 4 Quay Street, Dublin\n"
        "Invoice date: 2026-11-02    Due date: 2026-12-02\n\n" + paragraph(rng, 40),
        "Payment terms: 30 days net. IBAN DE89 3704 0044 0532 0130 00.\n"
        "Questions: billing@acme-industrial.example, +49 40 1234 5678.\n\n" + paragraph(rng, 80),
    ]
    grid = invoice_grid(rng, 5)
    total = sum(float(row[3].replace(",", "")) for row in grid[1:])
    pages[1] = f"Total due: EUR {total:,.2f}\n\n" + pages[1]
    invoice = PdfSpec(pages, tables={0: grid})
    return [
        write_pdf(folder / "invoice.pdf", invoice),
        write_pdf(folder / "quarterly-report.pdf", text_pdf_spec(rng, 3)),
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
