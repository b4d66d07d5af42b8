"""A label a person's correction taught, as it is kept and found again: the words printed
before the value, its dates and figures left open ('Détail de la facture du 11/12/2022 N°'
is kept as 'Détail de la facture du {date} N°'), and found by its last words anywhere in a
cell of the correspondent's next document, whatever its layout puts before them ("Détail de
votre facture du 29/01/2021 n° 1012")."""

from __future__ import annotations

import re
from functools import lru_cache

from docintel.pipeline.profiles.values import date_patterns

DATE, FIGURE = "{date}", "{n}"  # a taught label's open places
# what an open place matches on the next document: any date, any figure
_OPEN = {DATE: r".{1,30}?", FIGURE: r"\d[\d\s.,/-]*?"}
NEAR_WORDS = 4  # the words nearest the value that find it again


def abstract(label: str) -> str:
    """A label with its dates and figures left open."""
    for _kind, pattern in date_patterns()[:4]:
        label = pattern.sub(DATE, label)
    return re.sub(r"\d(?:[\d.,/-]|\s(?=\d))*", FIGURE, label)


def worded(label: str) -> bool:
    """Whether the words nearest the value are words enough to be told apart: two of the
    last four have two letters or more."""
    words = label.split()[-NEAR_WORDS:]
    return sum(1 for w in words if re.search(r"[^\W\d_]{2}", w)) >= 2


@lru_cache(maxsize=256)
def near_words(label: str) -> re.Pattern[str] | None:
    """The last words of a taught label as a pattern found anywhere in a cell; None where
    they are too few to be told apart."""
    if not worded(label):
        return None
    parts = [_opened(w) for w in label.split()[-NEAR_WORDS:]]
    return re.compile(r"(?<!\w)" + r"\s*".join(parts), re.IGNORECASE)


def _opened(word: str) -> str:
    """A word as a pattern, its open places ("{n}€") open."""
    pattern = re.escape(word)
    for place, open_pattern in _OPEN.items():
        pattern = pattern.replace(re.escape(place), open_pattern)
    return pattern
