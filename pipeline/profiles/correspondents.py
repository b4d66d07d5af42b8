"""A correspondent's name as it is looked for on its next documents: folded (lower case,
words only), and found where OCR misread a letter of it ("TED HENG STATIONERY" for "TEO
HENG STATIONERY"): a name long enough to be told apart, one character off at most
(RapidFuzz's partial ratio, which finds the best-matching stretch of the text)."""

from __future__ import annotations

import re

# A name shorter than this is found as written only: one letter off in "EDF" is "EDS".
FUZZY_FROM = 12


def fold(text: str) -> str:
    """A name as it is looked for: lower case, its words only."""
    return " ".join(re.findall(r"\w+", text.lower()))


def names(key: str, text: str) -> bool:
    """Whether ``text`` (folded) holds the folded name ``key``, as written or one
    character off where the name is long enough."""
    if not key:
        return False
    if f" {key} " in f" {text} ":
        return True
    if len(key) < FUZZY_FROM:
        return False
    from rapidfuzz import fuzz

    # one substitution in a name of n characters scores 1 - 1/n; two score 1 - 2/n
    cutoff = 100 * (1 - 1.5 / len(key))
    return fuzz.partial_ratio(key, text, score_cutoff=cutoff) > 0
