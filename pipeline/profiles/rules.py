"""Profiles on the CPU engine: each field from a form's own field, the layout reader's
choice (``reader``), or a spoken label's sentence; line items from the table whose header
names the profile's columns, from aligned text, or from what was said. The type is
``classify``'s."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from docintel.pipeline.profiles.reader import Hint, Reader
from docintel.pipeline.profiles.spec import FieldSpec, Profile
from docintel.pipeline.profiles.spoken import (
    split_at_labels,
    spoken_items,
    transcript_sentences,
)
from docintel.pipeline.profiles.values import (
    AMOUNT_PATTERN,
    CURRENCY_PATTERN,
    Value,
    parse,
    prefers_day_first,
)
from docintel.pipeline.types import DocumentContent, FieldValue, TableData

SPOKEN_LEAD = re.compile(r"^(?:are|is|was|were|will be|that|to)\s+", re.IGNORECASE)

SUMMARY_ROW = re.compile(
    r"^\W*(sub-?total|total|summe|zwischensumme|gesamt|vat|tax|mwst|ust|net|netto|brutto)\b",
    re.IGNORECASE,
)


@dataclass
class Line:
    text: str
    page: int | None = None
    seconds: float | None = None


def document_lines(content: DocumentContent) -> list[Line]:
    """The document's text line by line with where each line is: pages, then sheets'
    rows (cells joined by ' | '), then the transcript sentence by sentence."""
    lines: list[Line] = []
    for page in sorted(content.pages, key=lambda p: p.page):
        for text in (page.markdown or "").splitlines():
            if text.strip() and not re.fullmatch(r"[|\s:-]+", text):
                lines.append(Line(text, page=page.page))
    for sheet in content.sheets:
        for row in [sheet.headers, *sheet.rows]:
            lines.append(Line(" | ".join(str(c) for c in row)))
    lines += [Line(text, seconds=start) for text, start in transcript_sentences(content.speech)]
    return lines


def extract_fields(
    profile: Profile, content: DocumentContent, hints: tuple[Hint, ...] = ()
) -> list[FieldValue]:
    """The profile's fields: a form's own field first, then the layout reader's choice among
    candidates (pages and sheets), then a spoken label's sentence; line items from a table,
    aligned text or what was said."""
    all_labels = [lb for f in profile.fields for lb in f.labels]
    starters = [lb for f in profile.fields if f.columns for lb in f.columns[0].labels]
    lines = split_at_labels(document_lines(content), all_labels + starters)
    written = bool(content.pages or content.sheets)
    reader = Reader(profile, content, hints) if written else None
    day_first = (
        reader.day_first if reader else prefers_day_first("\n".join(line.text for line in lines))
    )
    read = {f.field: f for f in reader.read()} if reader else {}
    forms = [(p.page, p.fields) for p in content.pages if p.fields]
    out: list[FieldValue] = []
    for spec in profile.fields:
        if spec.type == "table":
            out += (
                table_items(spec, content.tables, day_first)
                or text_items(spec, lines, day_first)
                or spoken_items(spec, lines, day_first)
            )
            continue
        found = (
            from_form(spec, forms, day_first)
            or read.get(spec.name)
            or (None if written else labelled(spec, lines, day_first, all_labels))
            or (None if written else first_line(spec, lines))
        )
        if found is not None:
            out.append(found)
    return out


def from_form(spec: FieldSpec, forms: list, day_first: bool) -> FieldValue | None:
    """A filled form's own field whose name is one of the labels."""
    for page, fields in forms:
        for key, raw in fields.items():
            if any(_norm(key) == _norm(label) for label in spec.labels):
                value = _parse(spec, str(raw), day_first)
                if value is not None:
                    return _field(spec, value, Line(f"{key}: {raw}", page=page), 0.9)
    return None


def labelled(
    spec: FieldSpec, lines: list[Line], day_first: bool, all_labels: list[str]
) -> FieldValue | None:
    """The first line where a label starts a 'label: value' unit, the labels in the
    profile's order (the first is the most specific); the value to its right, else at the
    start of the next line."""
    for label in spec.labels:
        pattern = _word(label.lower())
        for i, line in enumerate(lines):
            for m in pattern.finditer(line.text.lower()):
                if not _unit_start(line.text[: m.start()]):
                    continue
                after = line.text[m.end() :]
                rest = _cut(after, all_labels) if spec.type == "string" else after
                if spec.type == "string" and line.seconds is None and _prose_after(after):
                    # "from the operating costs ..." in a written page is a sentence, not a
                    # label; a spoken "We decided to move the launch" is the value itself
                    continue
                if line.seconds is not None:
                    # the sentence's end is not the value's, nor is "are" in "Attendees are"
                    rest = SPOKEN_LEAD.sub("", rest.lstrip(" ,:")).rstrip(" .!?")
                value = _parse(spec, rest.lstrip(" :#.-|*\t"), day_first)
                if value is not None and (spec.type != "string" or _plausible(value.normalized)):
                    return _field(spec, value, line, 0.8)
                if after.strip(" :#.|*\t"):
                    continue  # something else follows this label: not its value
                below = next((ln for ln in lines[i + 1 : i + 3] if ln.text.strip()), None)
                if below is not None:
                    text = _cut(below.text, all_labels) if spec.type == "string" else below.text
                    if below.seconds is not None:
                        text = SPOKEN_LEAD.sub("", text.lstrip(" ,:")).rstrip(" .!?")
                    value = _parse(spec, text.strip(" |*"), day_first)
                    if value is not None:
                        return _field(spec, value, below, 0.6)
    return None


def first_line(spec: FieldSpec, lines: list[Line]) -> FieldValue | None:
    """A letterhead's first line, where the profile says a field is found there."""
    if spec.fallback != "first_line":
        return None
    for line in lines[:5]:
        # a letterhead line is often the name, then its address: the name is before the comma
        text = line.text.strip(" #*|").split(",", 1)[0].strip()
        if re.match(r"[^:]{1,30}:", text):
            continue  # "Billed to: ...": a labelled line names someone else
        if len(text) > 2 and not re.search(r"\d{3,}", text) and len(text.split()) <= 8:
            return _field(spec, Value(text, text), line, 0.4)
    return None


def table_items(spec: FieldSpec, tables: list[TableData], day_first: bool) -> list[FieldValue]:
    """Each row of the table whose header names the most of the profile's columns (two at
    least), its cells parsed by the columns' types; total and tax rows left out."""
    best: tuple[int, TableData, dict[int, FieldSpec]] | None = None
    for table in tables:
        mapping = _columns(spec.columns, table.headers)
        if len(mapping) >= 2 and (best is None or len(mapping) > best[0]):
            best = (len(mapping), table, mapping)
    if best is None:
        return []
    _, table, mapping = best
    out: list[FieldValue] = []
    n = 0
    for cells in table.rows:
        first = next((str(c) for c in cells if str(c).strip()), "")
        if not first or SUMMARY_ROW.match(first):
            continue
        n += 1
        quote = " | ".join(str(c) for c in cells)
        for index, column in mapping.items():
            raw = str(cells[index]) if index < len(cells) else ""
            value = _parse(column, raw, day_first)
            if value is None:
                continue
            found = _field(column, value, Line(quote, page=table.page or None), 0.8)
            found.field, found.row, found.column = spec.name, n, column.name
            out.append(found)
    return out


# a value at the end of a line: an amount with its currency, or a number
_TAIL = re.compile(
    rf"(?:(?:{CURRENCY_PATTERN})\s?)?(?:{AMOUNT_PATTERN})(?:\s?(?:{CURRENCY_PATTERN}))?\s*$",
    re.IGNORECASE,
)


def text_items(spec: FieldSpec, lines: list[Line], day_first: bool) -> list[FieldValue]:
    """Line items where no table was found (an OCR'd page, columns aligned by spaces): the
    line naming two of the columns is the header; each following line until a total or a
    blank is a row, its values taken from the right in the header's order, the text left
    over being the text column."""
    for i, line in enumerate(lines):
        order = _header_order(spec.columns, line.text)
        if len(order) < 2:
            continue
        out: list[FieldValue] = []
        for n, row_line in enumerate(lines[i + 1 : i + 60], start=1):
            if SUMMARY_ROW.match(row_line.text) or not row_line.text.strip():
                break
            cells = _split_row(row_line.text, order)
            if cells is None:
                break
            for column, raw in cells:
                value = _parse(column, raw, day_first)
                if value is None:
                    continue
                found = _field(column, value, row_line, 0.6)
                found.field, found.row, found.column = spec.name, n, column.name
                out.append(found)
        if out:
            return out
    return []


def _header_order(columns: tuple[FieldSpec, ...], text: str) -> list[FieldSpec]:
    found: list[tuple[int, FieldSpec]] = []
    taken: list[tuple[int, int]] = []
    for column in columns:
        for label in sorted(column.labels, key=len, reverse=True):
            m = _word(label.lower()).search(text.lower())
            if m and not any(a < m.end() and m.start() < b for a, b in taken):
                found.append((m.start(), column))
                taken.append((m.start(), m.end()))
                break
    return [column for _, column in sorted(found, key=lambda f: f[0])]


def _split_row(text: str, order: list[FieldSpec]) -> list[tuple[FieldSpec, str]] | None:
    rest = text.strip(" |")
    cells: list[tuple[FieldSpec, str]] = []
    for column in reversed(order):
        if column.type in ("string", "enum"):
            cells.append((column, rest.strip(" |")))
            rest = ""
            continue
        m = _TAIL.search(rest)
        if not m:
            return None
        cells.append((column, m.group(0).strip()))
        rest = rest[: m.start()].rstrip(" |")
    if not any(raw for column, raw in cells if column.type == "string") and rest:
        return None
    return list(reversed(cells))


def _columns(columns: tuple[FieldSpec, ...], headers: list[str]) -> dict[int, FieldSpec]:
    """Header cell index → column: exact label matches first, then a label inside the
    header ('Amount (EUR)'); each column and each header cell used once."""
    mapping: dict[int, FieldSpec] = {}
    used: set[str] = set()
    for exact in (True, False):
        for index, header in enumerate(headers):
            if index in mapping:
                continue
            h = _norm(str(header))
            for column in columns:
                if column.name in used:
                    continue
                if any(
                    (h == _norm(lb)) if exact else (_norm(lb) and _word(_norm(lb)).search(h))
                    for lb in column.labels
                ):
                    mapping[index] = column
                    used.add(column.name)
                    break
    return mapping


def _parse(spec: FieldSpec, text: str, day_first: bool) -> Value | None:
    return parse(spec.type, text, day_first=day_first, values=spec.values)


def _field(spec: FieldSpec, value: Value, line: Line, confidence: float) -> FieldValue:
    return FieldValue(
        field=spec.name,
        value=value.text,
        normalized=value.normalized,
        number=value.number,
        currency=value.currency,
        day=value.day.isoformat() if value.day else None,
        page=line.page,
        seconds=line.seconds,
        quote=line.text.strip()[:500],
        confidence=confidence,
    )


def _unit_start(before: str) -> bool:
    """Whether a label at this point begins a 'label: value' unit: at the line's start
    (markup aside), after a cell border, or after a wide gap."""
    stripped = before.rstrip(" *#")
    return not stripped.strip(" |-*#>") or stripped.endswith("|") or before.endswith(("  ", "\t"))


def _prose_after(after: str) -> bool:
    """Whether what follows a label reads as the rest of a sentence: no separator (colon,
    hash, dash, cell border, wide gap) and several lower-case words (an IBAN's groups or a
    company's name are not)."""
    if re.match(r"\s*[:#|\u2013-]|\s{2,}|\t|\s*$", after):
        return False
    return sum(w.isalpha() and w.islower() for w in after.split()) >= 4


def _cut(text: str, labels: list[str]) -> str:
    """A text value ends at a cell border, a wide gap, or where another label begins."""
    text = re.split(r"\s*\|\s*|\s{3,}|\t", text.lstrip(" :#.-|*\t"), maxsplit=1)[0]
    for label in labels:
        m = re.search(rf"(?<!\w){re.escape(label)}\s*:", text, re.IGNORECASE)
        if m and m.start() > 0:
            text = text[: m.start()]
    return text.strip(" ,;")


def _plausible(text: str) -> bool:
    return bool(text) and any(ch.isalnum() for ch in text)


LABEL_UNIT = re.compile(r"(?m)^[\W_]*(?P<unit>[^\n:#]{1,80}?)\s*[:#]")


def label_units(text: str) -> set[str]:
    """What starts a line as a label ("Total due:", "# Invoice no:"), lower case: every
    label of every profile is then looked up, instead of searched for in the whole text."""
    return {m["unit"].lower() for m in LABEL_UNIT.finditer(text)}


@lru_cache(maxsize=4096)  # compiled once: the profiles hold hundreds of labels
def _word(phrase: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(phrase)}(?!\w)", re.IGNORECASE)


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w#%]+", " ", text.lower()).split())
