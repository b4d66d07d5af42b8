"""CSV and XLSX become tables directly."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from docintel.pipeline.errors import DocumentError
from docintel.pipeline.route.sniff import decode_text
from docintel.pipeline.types import TableData


def read_csv(path: Path) -> list[tuple[str | None, TableData]]:
    text = decode_text(path.read_bytes())
    sample = "\n".join(text.splitlines()[:50])
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    rows = [[c.strip() for c in r] for r in csv.reader(io.StringIO(text), dialect)]
    rows = [r for r in rows if any(r)]
    if not rows:
        raise DocumentError(f"{path.name} has no rows: export the table again with its data.")
    return [(None, TableData(headers=rows[0], rows=rows[1:]))]


def read_xlsx(path: Path) -> list[tuple[str | None, TableData]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise DocumentError(
            f"{path.name} is a damaged or password-protected workbook ({exc}); save it again "
            "as a plain .xlsx."
        ) from exc
    tables: list[tuple[str | None, TableData]] = []
    try:
        for sheet in book.worksheets:
            rows = [[_cell(v) for v in r] for r in sheet.iter_rows(values_only=True)]
            rows = [r for r in rows if any(r)]
            if not rows:
                continue
            width = max(len(r) for r in rows)
            # read_only sheets pad to the used range; trim columns empty everywhere.
            while width and not any(len(r) >= width and r[width - 1] for r in rows):
                width -= 1
            rows = [(r + [""] * width)[:width] for r in rows]
            tables.append((sheet.title, TableData(headers=rows[0], rows=rows[1:])))
    finally:
        book.close()
    if not tables:
        raise DocumentError(f"{path.name} has no filled cells in any sheet.")
    return tables


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()
