"""Learning a correspondent's layout from a person's correction: where on the document the
corrected value stands (in a cell after some words, right of a cell, below one, on the line
after one) becomes a hint: that label, that place. The reader tries a correspondent's hints
before anything else on its next documents (``reader.Reader._taught``).

A correspondent is known by its name, folded (lower case, words only), found in the text of
a new document; the party field of the profile (the invoice's vendor) names it."""

from __future__ import annotations

import re
from collections.abc import Iterator

from docintel.pipeline.profiles.layout import Cell
from docintel.pipeline.profiles.reader import Hint, View
from docintel.pipeline.profiles.spec import FieldSpec, Profile
from docintel.pipeline.profiles.values import MONEY, date_patterns, decimal_of, parse
from docintel.pipeline.types import DocumentContent


def fold(text: str) -> str:
    """A name as it is looked for: lower case, its words only."""
    return " ".join(re.findall(r"\w+", text.lower()))


def party_field(profile: Profile) -> FieldSpec | None:
    """The field that names who the document is from (the correspondent)."""
    return next((f for f in profile.fields if f.format == "party"), None)


def mentioned(keys: list[str], text: str) -> list[str]:
    """The correspondents (folded names) whose name the document's text holds, the longest
    first."""
    folded = f" {fold(text)} "
    return sorted((k for k in keys if k and f" {k} " in folded), key=len, reverse=True)


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
    layout = view.layout
    for cell in layout.cells:
        for start in _occurrences(spec, cell.text, value, want, view.day_first):
            label = cell.text[:start].strip(" :#=-–\t")
            if _stable(label):
                return Hint(field, cell.text[:start].rstrip(" \t"), "same", None, profile.name)
            for place, other in (
                ("right", _left(layout, cell)),
                ("below", _above(layout, cell)),
                ("next_line", _previous_line(layout, cell)),
            ):
                if other is not None and _stable(other.text):
                    return Hint(field, other.text, place, None, profile.name, value)
    return None


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
    at = text.lower().find(value.strip().lower())
    if at >= 0:
        yield at


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
