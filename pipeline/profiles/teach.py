"""Learning a correspondent's layout from a person's correction: where on the document the
corrected value stands (in a cell after some words, right of a cell, below one, on the line
after one) becomes a hint: that label, that place. The reader tries a correspondent's hints
before anything else on its next documents (``reader.Reader._taught``).

A correspondent is known by its name, folded (lower case, words only), found in the text of
a new document; the party field of the profile (the invoice's vendor) names it."""

from __future__ import annotations

import re
from collections.abc import Iterator

from docintel.pipeline.profiles.correspondents import fold, names
from docintel.pipeline.profiles.layout import Cell, Layout
from docintel.pipeline.profiles.reader import Hint, View
from docintel.pipeline.profiles.spec import FieldSpec, Profile
from docintel.pipeline.profiles.taught import abstract, worded
from docintel.pipeline.profiles.values import MONEY, date_patterns, decimal_of, parse
from docintel.pipeline.types import DocumentContent


def party_field(profile: Profile) -> FieldSpec | None:
    """The field that names who the document is from (the correspondent)."""
    return next((f for f in profile.fields if f.format == "party"), None)


def mentioned(keys: list[str], text: str) -> list[str]:
    """The correspondents (folded names) whose name the document's text holds, as written
    or as OCR misread it by a letter, the longest first."""
    folded = fold(text)
    return sorted((k for k in keys if names(k, folded)), key=len, reverse=True)


def hint_for(profile: Profile, content: DocumentContent, field: str, value: str) -> Hint | None:
    """Where ``value`` (a person's value for ``field``) stands on the document, as a label
    and a place; None where the page does not hold it."""
    spec = profile.field(field)
    if spec is None or spec.type == "table" or not value.strip():
        return None
    if spec.format == "party":  # the correspondent's own name, wherever it stands
        return Hint(field, "", "name", None, profile.name, value.strip())
    view = View.of(content)
    want = parse(spec.type, value, day_first=view.day_first, values=spec.values)
    found: list[tuple[int, Hint]] = []
    for cell in view.layout.cells:
        for start in _occurrences(spec, cell.text, value, want, view.day_first):
            found += _places(view.layout, cell, start, field, profile.name, value)
    # the words printed before the value carry to the correspondent's other layouts; a
    # place beside another cell only to the same layout: the first of the best kind
    return min(found, key=lambda ranked: ranked[0])[1] if found else None


def _places(
    layout: Layout, cell: Cell, start: int, field: str, profile: str, value: str
) -> list[tuple[int, Hint]]:
    """The hints one occurrence of the value gives, ranked: the words before it in its cell
    (0), those words with their dates and figures left open (1), a label in the cell left
    of it, above it or on the line before (2)."""
    before = cell.text[:start].rstrip(" \t")
    label = before.strip(" :#=-–\t")
    if _stable(label):
        return [(0, Hint(field, before, "same", None, profile))]
    if worded(abstract(label)):
        return [(1, Hint(field, abstract(before), "same", None, profile))]
    for place, other in (
        ("right", _left(layout, cell)),
        ("below", _above(layout, cell)),
        ("next_line", _previous_line(layout, cell)),
    ):
        if other is not None and _stable(other.text):
            return [(2, Hint(field, other.text, place, None, profile, value))]
    return []


def _stable(label: str) -> bool:
    """Text that can be a label on the correspondent's next document too: words, no
    figures (a number or a date beside the value changes from one document to the next)."""
    return (
        bool(re.search(r"[^\W\d_]{2}", label)) and not re.search(r"\d", label) and len(label) <= 80
    )


def _occurrences(
    spec: FieldSpec, text: str, value: str, want: object, day_first: bool
) -> Iterator[int]:
    """Where in ``text`` the value stands, read with the field's type."""
    if spec.type == "money" and want is not None:
        target = getattr(want, "number", None)
        for m in MONEY.finditer(text):
            amount = decimal_of(m.group("amount"))
            if amount is not None and target is not None and abs(float(amount) - target) < 0.005:
                yield m.start()
        return
    if spec.type == "date" and want is not None:
        target = getattr(want, "normalized", None)
        for _kind, pattern in date_patterns()[:4]:
            for m in pattern.finditer(text):
                found = parse("date", m.group(0), day_first=day_first)
                if found is not None and found.normalized == target:
                    yield m.start()
        return
    for m in _written(value).finditer(text):
        yield m.start()


def _written(value: str) -> re.Pattern[str]:
    """A reference as printed: its characters with or without the spaces, dots or dashes
    that group them ("12 345 678 901", "12345678901"), not part of a longer number (a
    meter's "12 345 678 901 234")."""
    text = value.strip()
    chars = [re.escape(ch) for ch in text if ch not in " .-"] or [re.escape(text)]
    body = r"[\s.-]?".join(chars)
    before = r"(?<!\w)" + (r"(?<!\d[\s.-])" if text[:1].isdigit() else "")
    after = r"(?!\w)" + (r"(?![\s.-]\d)" if text[-1:].isdigit() else "")
    return re.compile(before + f"(?:{body})" + after, re.IGNORECASE)


def _left(layout, cell: Cell) -> Cell | None:  # type: ignore[no-untyped-def]
    row = [c for c in layout.rows[cell.line] if c.col < cell.col and c.text]
    return row[-1] if row else None


def _above(layout, cell: Cell) -> Cell | None:  # type: ignore[no-untyped-def]
    if not cell.table:
        return None
    for c in reversed([c for c in layout.cells if c.block == cell.block and c.line < cell.line]):
        if c.col == cell.col and c.text:
            return c
    return None


def _previous_line(layout, cell: Cell) -> Cell | None:  # type: ignore[no-untyped-def]
    earlier = [line for line in layout.rows if line < cell.line]
    if not earlier:
        return None
    return next((c for c in layout.rows[max(earlier)] if c.text), None)
