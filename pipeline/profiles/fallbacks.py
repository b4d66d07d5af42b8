"""Where no label leads to a field's value, the profile's fallback for it: the letterhead's
first line, the issuer, the currency the amounts are written in, or the first date."""

from __future__ import annotations

import re
from typing import Protocol

from docintel.pipeline.profiles.candidates import Candidate
from docintel.pipeline.profiles.labels import TIMED, Labels
from docintel.pipeline.profiles.layout import Layout
from docintel.pipeline.profiles.locale import document_currency
from docintel.pipeline.profiles.parties import issuer
from docintel.pipeline.profiles.spec import FieldSpec, Profile
from docintel.pipeline.profiles.values import Value, parse_date


class Reader(Protocol):
    """What a fallback reads of the document and the profile (``reader.Reader`` has it)."""

    profile: Profile
    titles: tuple[str, ...]
    labels: Labels
    layout: Layout
    text: str
    language: str
    currency: str | None
    day_first: bool


def fallback(r: Reader, spec: FieldSpec, chosen: dict[str, Candidate]) -> Candidate | None:
    if spec.fallback == "first_line":
        return first_line(r, spec)
    if spec.fallback == "issuer" or spec.format == "party":
        columns = [c for f in r.profile.fields for c in f.columns]
        # a title, a label or a column's header is no name
        words = (
            *r.titles,
            *r.labels.fields,
            *(lb.lower() for c in columns for lb in c.labels),
        )
        found = issuer(r.layout, r.text, words)
        if found is not None:
            cell, name, reason = found
            return Candidate(spec, Value(name, cell.text), cell, 0.4, reason)
        return None
    if spec.fallback == "document_currency" and r.currency:
        # the currency the amounts are written in, where no label names it: the first
        # place it is written
        for cell in r.layout.cells:
            if document_currency(cell.text, r.language) == r.currency:
                value = Value(r.currency, cell.text)
                return Candidate(spec, value, cell, 0.5, "the currency of the amounts")
        return None
    if spec.fallback == "first_date":
        return first_date(r, spec)
    return None


def first_date(r: Reader, spec: FieldSpec) -> Candidate | None:
    """The first date with its time beside it (when a till printed the sale: another
    date on a receipt may be a card's expiry or an offer's end), else the first date."""
    first: Candidate | None = None
    for cell in r.layout.cells:
        value = parse_date(cell.text, day_first=r.day_first)
        if value is None:
            continue
        after = cell.text[cell.text.find(value.text) + len(value.text) :]
        if TIMED.match(after):
            return Candidate(spec, value, cell, 0.3, "the date the sale was made at")
        first = first or Candidate(spec, value, cell, 0.3, "the document's first date")
    return first


def first_line(r: Reader, spec: FieldSpec) -> Candidate | None:
    """A letterhead's or a title's line: the first of the first five that is no label
    and no number (its name before a comma)."""
    lines = list(r.layout.lines())[:5]
    for line, text in lines:
        name = text.strip(" #*|").split(",", 1)[0].split(" | ")[0].strip()
        if re.match(r"[^:]{1,30}:", name) or len(name) <= 2 or re.search(r"\d{3,}", name):
            continue
        if len(name.split()) <= 8:
            cell = r.layout.rows[line][0]
            return Candidate(spec, Value(name, name), cell, 0.4, "the first line")
    return None
