"""What a page's text says besides its prose: `Label: value` fields and checkboxes, and
the Markdown tables a model writes. Engine-independent: the CPU and the model paths read
their text with the same rules."""

from __future__ import annotations

import re

from docintel.pipeline.types import TableData

FIELD = re.compile(r"^\s*([A-Za-z][\w .'/()#-]{0,40}?)\s*:\s*(\S.*?)\s*$")
# OCR reads an empty "[ ]" as "{ ]" or "( )" as often as not.
CHECKBOX = re.compile(
    r"^\s*(?:[\[({|]\s*(?P<box>[xX✓✔]?)\s*[\])}|]|(?P<glyph>[☐☑☒]))\s*(?P<label>\S.*?)\s*$"
)


def form_fields(text: str) -> dict[str, str]:
    """`Label: value` lines and checkbox marks ([x] / [ ] / ☒ / ☐) as key/value pairs."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        box = CHECKBOX.match(line)
        if box:
            mark = box.group("box") if box.group("box") is not None else box.group("glyph")
            fields[box.group("label")] = (
                "yes" if mark.strip() in ("x", "X", "✓", "☑", "☒") else "no"
            )
            continue
        match = FIELD.match(line)
        if match and not match.group(1).lower().startswith(("http", "https")):
            fields[match.group(1).strip()] = match.group(2)
    return fields


_ROW = re.compile(r"^\s*\|(.*)\|\s*$")
_RULE = re.compile(r"^\s*:?-{2,}:?\s*$")


def _cells(line: str) -> list[str]:
    inner = _ROW.match(line)
    assert inner is not None
    parts = re.split(r"(?<!\\)\|", inner.group(1))
    return [" ".join(p.replace("\\|", "|").split()) for p in parts]


def markdown_tables(markdown: str) -> list[TableData]:
    """Every pipe table in ``markdown`` (a header row, a ``---`` rule, body rows), as a
    table; a caption in ``*italics*`` on the line above is kept."""
    lines = markdown.splitlines()
    tables: list[TableData] = []
    i = 0
    while i < len(lines) - 1:
        if _ROW.match(lines[i]) and _ROW.match(lines[i + 1]):
            rule = _cells(lines[i + 1])
            if rule and all(_RULE.match(c) for c in rule):
                headers = _cells(lines[i])
                rows = []
                j = i + 2
                while j < len(lines) and _ROW.match(lines[j]):
                    rows.append(_cells(lines[j]))
                    j += 1
                above = lines[i - 1].strip() if i else ""
                caption = above[1:-1] if len(above) > 2 and above[0] == above[-1] == "*" else None
                if rows:
                    tables.append(TableData(headers, rows, caption))
                i = j
                continue
        i += 1
    return tables


def page_fields(text: str, kind: str | None) -> dict[str, str]:
    """The form fields of a page: on a form, or wherever three or more `Label: value` lines
    or checkboxes stand (a letter's one "Date: ..." line is prose, not a form)."""
    found = form_fields(text)
    return found if kind == "form" or len(found) >= 3 else {}
