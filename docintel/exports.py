"""Exports a spreadsheet opens safely: every value that a spreadsheet would run as a formula
(a text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, as OWASP's
CSV-injection guidance lists them) is written as inert text. In CSV it gets a leading
apostrophe, which spreadsheets show as text; in XLSX it is a string cell, never a formula.
A plain number (``-12.50``) is no formula and is written as it is."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import IO, Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def inert(value: Any) -> Any:
    """``value`` as a CSV cell that no spreadsheet runs."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def columns_of(rows: list[dict[str, Any]]) -> list[str]:
    return list(dict.fromkeys(k for row in rows for k in row))


def write_csv(fh: IO[str], rows: list[dict[str, Any]]) -> None:
    columns = columns_of(rows)
    writer = csv.writer(fh)
    writer.writerow([inert(c) for c in columns])
    for row in rows:
        writer.writerow([inert(row.get(c)) for c in columns])


def write_xlsx(
    target: Path | IO[bytes], documents: list[dict[str, Any]], items: list[dict[str, Any]]
) -> None:
    """Documents on one sheet, line items on another; numbers (a number field's
    ``Decimal``) as numbers, so a sheet can add them up; every text a string cell, never a
    number guessed from its digits (an invoice number stays as printed)."""
    import openpyxl

    book = openpyxl.Workbook()
    for sheet, rows, title in (
        (book.active, documents, "documents"),
        (book.create_sheet("items"), items, "items"),
    ):
        sheet.title = title
        columns = columns_of(rows)
        for r, values in enumerate([columns, *([row.get(c) for c in columns] for row in rows)]):
            for c, value in enumerate(values):
                cell = sheet.cell(row=r + 1, column=c + 1)
                cell.value = value
                if isinstance(value, str):
                    cell.data_type = "s"  # openpyxl takes a text starting with '=' as a formula
    book.save(target)
