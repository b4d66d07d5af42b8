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


# Excel's date and time codes and what strftime writes for them ("m" is a month, or a
# minute after an hour or before a second). Quoted text and a backslash's character are
# written as they are, in their own case; [colours], _padding and *fill are not shown.
_CODES = {"yyyy": "%Y", "yy": "%y", "mmmmm": "%b", "mmmm": "%B", "mmm": "%b", "dddd": "%A",
          "ddd": "%a", "dd": "%d", "d": "%-d", "hh": "%H", "h": "%-H", "ss": "%S", "s": "%-S",
          "am/pm": "%p", "a/p": "%p"}  # fmt: skip
_TOKEN = re.compile(
    r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.|am/pm|a/p|y+|m+|d+|h+|s+|.', re.IGNORECASE | re.DOTALL
)


def excel_format(value: object, fmt: str) -> str | None:
    """``value`` through an Excel date/time number format; None where the format is not
    one (then the value is shown as it is)."""
    section = fmt.split(";")[0]
    if isinstance(value, dt.timedelta):
        seconds = int(value.total_seconds())
        if re.search(r"\[h+\]", section, re.IGNORECASE):
            return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
        return None
    tokens = _TOKEN.findall(section)
    codes = [t.lower() for t in tokens if t[:1].lower() in "ymdhsa" and len(t) < 6]
    if not any(c[0] in "ydhs" or c.startswith("m") for c in codes):
        return None
    twelve = any(c in ("am/pm", "a/p") for c in codes)
    out, seen = [], []
    for k, token in enumerate(tokens):
        low = token.lower()
        if token.startswith('"'):
            out.append(token[1:-1].replace("%", "%%"))
        elif token.startswith("\\"):
            out.append(token[1:].replace("%", "%%"))
        elif token.startswith(("[", "_", "*")):
            continue
        elif low in ("m", "mm"):
            after = [t.lower() for t in tokens[k + 1 :] if t[:1].lower() in "ymdhs"][:1]
            minute = (seen and seen[-1][0] == "h") or (after and after[0][0] == "s")
            month = "%m" if low == "mm" else "%-m"
            out.append(("%M" if low == "mm" else "%-M") if minute else month)
            seen.append(low)
        elif low in _CODES or (low[:1] in "ydhs" and low[:1] == low[-1:]):
            code = (
                low if low in _CODES else {"y": "yyyy", "d": "dddd", "h": "hh", "s": "ss"}[low[0]]
            )
            directive = _CODES[code]
            if twelve:
                directive = directive.replace("%H", "%I").replace("%-H", "%-I")
            out.append(directive)
            seen.append(low)
        elif low.startswith("m"):
            out.append(_CODES.get(low, "%B"))
            seen.append(low)
        else:
            out.append(token.replace("%", "%%"))
    moment = value if isinstance(value, dt.datetime) else (
        dt.datetime.combine(value, dt.time()) if isinstance(value, dt.date) else
        dt.datetime.combine(dt.date(1900, 1, 1), value)  # type: ignore[arg-type]
    )  # fmt: skip
    try:
        return moment.strftime("".join(out)).strip()
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
