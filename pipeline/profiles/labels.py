"""How a profile's labels are found in a document: one pattern of every field's labels,
the longest first, looked up by a key that does not care how a label's words are joined;
where a label may start a 'label: value' unit; and what OCR leaves before one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from docintel.pipeline.profiles.spec import FieldSpec


@dataclass(frozen=True)
class Labels:
    pattern: re.Pattern[str]
    fields: dict[str, list[tuple[FieldSpec, int]]]  # label, lower case -> (field, its rank)
    long: tuple[str, ...]  # the labels long enough to be told apart when misspelt


# A money label qualified by a count noun labels a count ("Total Qty: 2", "Summe Artikel 3").
COUNTED = re.compile(
    r"\s*(?:qty|quantity|items?|units?|pcs|pieces|articles?|menge|anzahl|stück|artikel|"
    r"qté|quantité|nombre|aantal|stuks|cantidad|unidades|quantità|pezzi)\b",
    re.IGNORECASE,
)


@lru_cache(maxsize=32)
def label_index(specs: tuple[FieldSpec, ...]) -> Labels:
    """One pattern of all the fields' labels, the longest first; a label shared by two
    fields leads to both."""
    fields: dict[str, list[tuple[FieldSpec, int]]] = {}
    for spec in specs:
        for rank, label in enumerate(spec.labels):
            fields.setdefault(label_key(label), []).append((spec, rank))
    alternatives = sorted(fields, key=len, reverse=True)
    # a space in a label is a space or a hyphen in the document: "Invoice-ID", "Rechnungs Nr."
    body = "|".join(re.escape(label).replace(r"\ ", r"[\s\-]+") for label in alternatives)
    body = body or "(?!)"
    pattern = re.compile(rf"(?<![\w])(?:{body})(?![\w])", re.IGNORECASE)
    return Labels(pattern, fields, tuple(label for label in fields if len(label) >= 5))


def label_key(text: str) -> str:
    """A label as looked up: lower case, its words apart by one space whatever joined them."""
    return re.sub(r"(?<=\w)[\s\-]+(?=\w)|\s+", " ", text.lower()).strip()


def label_weight(rank: int, label: str) -> float:
    """A label's weight: the profile lists the specific ones first; a label of several
    words is more specific than one word ("Numéro de facture" beats "Numéro")."""
    return round(1.0 - min(0.45, 0.012 * rank) + (0.05 if " " in label else 0.0), 3)


def unit_start(before: str) -> bool:
    """A label begins a unit at a cell's start (markup aside) or after a separator."""
    stripped = before.rstrip()
    return not stripped.strip(" |-*#>") or stripped.endswith((":", ";", "|", ")", "/", ","))


# a time of day after a date: "07-04-2017 18:49", "11/12/2022 12h42", "19/10/2018 20:49:59"
TIMED = re.compile(r"[\s,|-]{1,4}(?:[01]?\d|2[0-3])[:h][0-5]\d\b")


def speck(before: str) -> bool:
    """What OCR makes of a speck or a stain before a line: one character, no figure (a
    figure may be a quantity, "2 Total")."""
    mark = before.strip()
    return len(mark) == 1 and not mark.isdigit()
