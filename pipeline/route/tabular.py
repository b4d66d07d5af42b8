"""CSV and XLSX become tables directly."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

from docintel.pipeline.errors import DocumentError, input_error
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
        # openpyxl wraps what it met (an entity bomb, damaged XML) in a ValueError of its
        # own: the cause says what to do
        raise DocumentError(
            input_error(exc, path.name)
            or f"{path.name} is a damaged or password-protected workbook ({exc}); save it "
            "again as a plain .xlsx."
        ) from exc
    tables: list[tuple[str | None, TableData]] = []
    try:
        for sheet in book.worksheets:
            if hasattr(sheet, "reset_dimensions"):
                # a writer's stated dimensions ("A1:A1") can be wrong: read to the last row
                sheet.reset_dimensions()
            rows = [[_shown(c) for c in r] for r in sheet.iter_rows()]
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


def _shown(cell: object) -> str:
    """A cell as the spreadsheet shows it: a date or a time through its own number format
    ("2011-09-15 15:22:00", "15/09/2011"), anything else as its value."""
    value = getattr(cell, "value", None)
    fmt = str(getattr(cell, "number_format", "") or "")
    if isinstance(value, dt.datetime | dt.date | dt.time | dt.timedelta) and fmt != "General":
        shown = excel_format(value, fmt)
        if shown is not None:
            return shown
    return _cell(value)


# Excel's date and time codes, longest first, to strftime's ("m" is a month, or a minute
# beside an hour or a second).
_CODES = [("yyyy", "%Y"), ("yy", "%y"), ("mmmm", "%B"), ("mmm", "%b"), ("dddd", "%A"),
          ("ddd", "%a"), ("dd", "%d"), ("d", "%-d"), ("hh", "%H"), ("h", "%-H"), ("ss", "%S"),
          ("s", "%-S")]  # fmt: skip


def excel_format(value: object, fmt: str) -> str | None:
    """``value`` through an Excel date/time number format; None where the format is not
    one (then the value is shown as it is)."""
    pattern = fmt.split(";")[0]
    pattern = re.sub(r'"([^"]*)"', lambda m: m.group(1).replace("%", "%%"), pattern)
    pattern = re.sub(r"\\(.)", r"\1", pattern)
    pattern = re.sub(r"\[\$[^\]]*\]|\[[a-z]+\]|_.|\*.", "", pattern, flags=re.IGNORECASE)
    if isinstance(value, dt.timedelta):
        seconds = int(value.total_seconds())
        if re.search(r"\[h+\]", fmt, re.IGNORECASE):
            return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
        return None
    low = pattern.lower()
    if not re.search(r"[ydhs]|m", low):
        return None
    ampm = re.search(r"am/pm|a/p", low) is not None
    low = re.sub(r"am/pm|a/p", "%p", low)
    low = re.sub(r"(h+[^a-z%]*)mm", r"\1%M", low)  # minutes after an hour
    low = re.sub(r"mm([^a-z%]*s)", r"%M\1", low)  # minutes before a second
    out = ""
    i = 0
    while i < len(low):
        for code, directive in _CODES + [("mm", "%m"), ("m", "%-m")]:
            if low.startswith(code, i):
                out += directive
                i += len(code)
                break
        else:
            out += low[i]
            i += 1
    if ampm:
        out = out.replace("%H", "%I").replace("%-H", "%-I")
    moment = value if isinstance(value, dt.datetime) else (
        dt.datetime.combine(value, dt.time()) if isinstance(value, dt.date) else
        dt.datetime.combine(dt.date(1900, 1, 1), value)  # type: ignore[arg-type]
    )  # fmt: skip
    try:
        return moment.strftime(out).strip()
    except ValueError:
        return None


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
