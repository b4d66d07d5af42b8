"""The CPU extraction engine: deterministic rules fill the same schema as the model, and say
they are rules. Entities by pattern (dates, amounts with currency, e-mail, phone, URL,
IBAN-like and invoice-like identifiers, organisations by legal suffix) and form fields, each
with the pages it came from; relationships only where a form or a table states them; an
extractive summary."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|"
    "December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
CURRENCY = r"(?:EUR|USD|GBP|CHF|JPY|SEK|NOK|DKK|PLN|€|\$|£)"
NUMBER = r"\d{1,3}(?:[,.\u202f ]\d{3})*(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
LEGAL = (
    r"GmbH|AG|KG|SE|Ltd\.?|Limited|Inc\.?|LLC|L\.L\.C\.|plc|PLC|S\.A\.|SA|SAS|SARL|BV|"
    r"B\.V\.|NV|N\.V\.|Corp\.?|Corporation|Co\.|S\.r\.l\.|S\.p\.A\.|Oy|AB|AS|Pty"
)

PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "date",
        re.compile(
            rf"\b(?:(?:19|20)\d{{2}}-\d{{2}}-\d{{2}}|\d{{1,2}}[./]\d{{1,2}}[./]"
            rf"(?:19|20)\d{{2}}|\d{{1,2}} (?:{MONTHS}) (?:19|20)\d{{2}}|"
            rf"(?:{MONTHS}) \d{{1,2}}, (?:19|20)\d{{2}})\b"
        ),
    ),
    ("amount", re.compile(rf"(?:{CURRENCY}\s?(?:{NUMBER})|(?:{NUMBER})\s?{CURRENCY})(?![\w])")),
    ("email", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
    ("url", re.compile(r"\bhttps?://[^\s<>\")]+|\bwww\.[\w-]+(?:\.[\w-]+)+[^\s<>\")]*")),
    (
        "phone",
        re.compile(
            r"(?<![\w+])(?:\+\d{1,3}[\s-]?(?:\(\d{1,4}\)[\s-]?)?\d{1,4}(?:[\s-]"
            r"\d{2,5}){1,4}|\(\d{3}\)\s?\d{3}-\d{4})(?![\w-])"
        ),
    ),
    ("iban", re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){3,7}(?:[ ]?[A-Z0-9]{1,3})?\b")),
    (
        "invoice_number",
        re.compile(
            r"\b(?:INV|INVOICE|PO|ORD|REF|RE|PN)[-/ ]?\d{2,}(?:[-/]\d+)*\b"
            r"|\b[A-Z]{2,4}-\d{4}-\d{2,6}\b"
        ),
    ),
    (
        "organization",
        re.compile(
            rf"\b[A-Z][A-Za-z&'’-]*(?:[ \t]+(?:[A-Z][A-Za-z&'’-]*|&|and|of))"
            rf"{{0,4}}[ \t]+(?:{LEGAL})(?![\w])"
        ),
    ),
]
STOP = set(
    "the a an and or of to in on for with by at from is are was were be this that it as "
    "we our you your their its not no all any each".split()
)


def _form_on(text: str) -> dict[str, str]:
    """A page's `Label: value` pairs, when the page reads as a form (most lines are fields)."""
    from docintel.pipeline.pages.fields import form_fields

    lines = [ln for ln in text.splitlines() if ln.strip()]
    found = {
        k: v
        for k, v in form_fields(text).items()
        if len(k.split()) <= 4 and len(v) <= 60 and v.count(":") == 0
    }
    return found if len(found) >= 3 and len(found) >= 0.7 * len(lines) else {}


def iban_valid(candidate: str) -> bool:
    code = candidate.replace(" ", "")
    if not 15 <= len(code) <= 34:
        return False
    digits = "".join(str(int(c, 36)) for c in code[4:] + code[:4])
    return int(digits) % 97 == 1


def find_entities(pages: list[tuple[int | None, str]]) -> dict[tuple[str, str], set[int]]:
    """(type, name) -> pages it occurs on."""
    found: dict[tuple[str, str], set[int]] = defaultdict(set)
    for page, text in pages:
        # Lines wrapped by the layout are one sentence: "Stark\nComponents AG" is one name.
        text = re.sub(r"(?<=\S)[ \t]*\n(?=[ \t]*\S)", " ", text)
        taken: list[tuple[int, int]] = []
        for kind, pattern in PATTERNS:
            for match in pattern.finditer(text):
                span = match.span()
                if any(a < span[1] and span[0] < b for a, b in taken):
                    continue  # a date is not also a phone number
                value = " ".join(match.group(0).split()).rstrip(".,;")
                if kind == "iban" and not iban_valid(value):
                    continue
                if kind == "phone" and sum(c.isdigit() for c in value) < 7:
                    continue
                taken.append(span)
                found[(kind, value)].update([page] if page else [])
    return found


def extractive_summary(
    text: str,
    sentences: int = 3,
    limit: int = 500,
    tables: Sequence[tuple[int, list[str], list[list[str]]]] = (),
) -> str:
    """The document's most telling sentences; where it has no prose (a workbook, a CSV), its
    tables described in words: never a table's Markdown source flattened into a line."""
    prose = "\n".join(
        line for line in text.splitlines() if not line.lstrip().startswith(("|", "<!--", "#"))
    )
    parts = [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n{2,}", prose) if len(s.split()) >= 4]
    if not parts:
        return (tables_in_words(tables) or " ".join(prose.split()))[:limit]
    freq = Counter(w for s in parts for w in re.findall(r"[a-z]{3,}", s.lower()) if w not in STOP)

    def score(sentence: str) -> float:
        words = [w for w in re.findall(r"[a-z]{3,}", sentence.lower()) if w not in STOP]
        return sum(freq[w] for w in words) / (len(words) + 3)

    best = sorted(
        sorted(range(len(parts)), key=lambda i: score(parts[i]), reverse=True)[:sentences]
    )
    return " ".join(" ".join(parts[i].split()) for i in best)[:limit]


def tables_in_words(tables: Sequence[tuple[int, list[str], list[list[str]]]]) -> str:
    """'2 tables: cost centre, budget, spent (2 rows); owner, comment (1 row).'"""
    described = [
        f"{', '.join(h for h in headers if h.strip()) or 'no header'} "
        f"({len(rows)} row{'s' if len(rows) != 1 else ''})"
        for _, headers, rows in tables
    ]
    if not described:
        return ""
    head = "A table" if len(described) == 1 else f"{len(described)} tables"
    return f"{head}: {'; '.join(described)}."


def extract(
    name: str,
    pages: list[tuple[int | None, str]],
    fields: list[tuple[int, dict[str, str]]],
    tables: list[tuple[int, list[str], list[list[str]]]],
) -> dict[str, Any]:
    """The extraction schema, filled by rules."""
    entities = find_entities(pages)
    relationships: list[dict[str, str]] = []
    if not fields:  # a digital form: its text layer has the `Label: value` lines
        fields = [(page, f) for page, text in pages if page and (f := _form_on(text))]
    for page, form in fields:
        subject = form.get("Name") or form.get("name") or name
        for key, value in form.items():
            entities[("form_field", f"{key}: {value}")].add(page)
            if value and key.lower() != "name":
                relationships.append(
                    {
                        "source": subject,
                        "target": value,
                        "type": re.sub(r"\W+", "_", key.lower()).strip("_"),
                        "evidence": f"form field on page {page}: {key}: {value}",
                    }
                )
    for page, headers, rows in tables:
        if len(rows) > 50 or len(headers) < 2:
            continue
        for i, row in enumerate(rows, 1):
            if not row or not row[0].strip():
                continue
            for header, cell in zip(headers[1:], row[1:], strict=False):
                if cell.strip() and header.strip():
                    relationships.append(
                        {
                            "source": row[0].strip(),
                            "target": cell.strip(),
                            "type": re.sub(r"\W+", "_", header.lower()).strip("_"),
                            "evidence": f"table {'on page ' + str(page) if page else ''} row {i}: "
                            f"{header} = {cell}".replace("  ", " "),
                        }
                    )
    text = "\n\n".join(t for _, t in pages)
    return {
        "entities": [
            {"name": n, "type": t, "pages": sorted(p)} for (t, n), p in sorted(entities.items())
        ],
        "relationships": relationships,
        "summary": extractive_summary(text, tables=tables),
        "confidence": 0.5,
        "method": "rules",
    }
