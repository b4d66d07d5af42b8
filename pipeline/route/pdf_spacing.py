"""Spaces between words of Korean, Chinese or Japanese text drawn as gaps, not as space
characters. MuPDF infers a space from a gap between Latin letters, never between CJK ones
(Chinese and Japanese set none), so '위원회의  설치', its words set half an em apart, reads
'위원회의설치', and a table's two cells set apart the same way read as one word: '령령' at
the end of one cell and '제34045호' at the start of the next. Such words are cut where
their characters stand apart by more than their own spacing, the characters' boxes read
from the page's raw text (asked only where a word holds CJK characters: 2-4 ms a page)."""

from __future__ import annotations

import re
import statistics
from typing import Any

CJK = re.compile(
    "[\u1100-\u11ff\u2e80-\u2fdf\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf"
    "\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]"
)
GAP = 0.2  # of the font size, beyond the span's usual spacing: a word space

Char = tuple[float, float, float, str]  # x0, x1, vertical middle, character


def spaced_words(textpage: Any, words: list[Any]) -> list[Any]:
    """``words`` (PyMuPDF's word tuples), those holding CJK characters cut where a gap
    between two of their characters is a space; each line's words numbered again."""
    if not any(CJK.search(w[4]) for w in words):
        return words
    chars, cuts = _chars_and_cuts(textpage)
    out: list[Any] = []
    for w in words:
        out += _split(w, chars, cuts) if CJK.search(w[4]) else [w]
    if len(out) == len(words):
        return words
    numbered: list[Any] = []
    count: dict[tuple[int, int], int] = {}
    for w in out:  # in PyMuPDF's order: block, line, word
        key = (w[5], w[6])
        numbered.append((*w[:7], count.get(key, 0)))
        count[key] = count.get(key, 0) + 1
    return numbered


def _chars_and_cuts(textpage: Any) -> tuple[list[Char], list[tuple[float, float]]]:
    """Every character (x0, x1, middle, text), and every place (x, middle) where two
    characters of a line stand a word space apart: their gap wider than the line's usual
    one (its tracking, tight or loose) by ``GAP`` of the larger one's size. A line's spans
    are taken together: a word's syllables set in two fonts ('령령' in one, '제' in the
    next) are one span each."""
    chars: list[Char] = []
    cuts: list[tuple[float, float]] = []
    for block in textpage.extractRAWDICT()["blocks"]:
        for line in block.get("lines", ()):
            row = [
                (
                    (c["bbox"][0], c["bbox"][2], (c["bbox"][1] + c["bbox"][3]) / 2, c["c"]),
                    span["size"],
                )
                for span in line["spans"]
                for c in span["chars"]
            ]
            chars += [c for c, _ in row]
            gaps = [b[0][0] - a[0][1] for a, b in zip(row, row[1:], strict=False)]
            if not gaps:
                continue
            usual = statistics.median(gaps)
            for (a, size_a), (b, size_b), gap in zip(row, row[1:], gaps, strict=False):
                if gap - usual >= GAP * max(size_a, size_b) and not (a[3] + b[3]).isspace():
                    cuts.append(((a[1] + b[0]) / 2, (a[2] + b[2]) / 2))
    return chars, cuts


def _split(word: Any, chars: list[Char], cuts: list[tuple[float, float]]) -> list[Any]:
    x0, y0, x1, y1, text = word[:5]
    inner = [x for x, y in cuts if x0 < x < x1 and y0 <= y <= y1]
    if not inner:
        return [word]
    mine = sorted(
        (c for c in chars if x0 <= (c[0] + c[1]) / 2 <= x1 and y0 <= c[2] <= y1 and c[3].strip()),
        key=lambda c: c[0],
    )
    if "".join(c[3] for c in mine) != text:
        return [word]  # the characters do not spell the word (a glyph drawn twice): keep it
    pieces: list[list[Char]] = [[]]
    for c in mine:
        last = pieces[-1][-1] if pieces[-1] else None
        if last and any(abs(x - (last[1] + c[0]) / 2) < 0.01 for x in inner):
            pieces.append([])
        pieces[-1].append(c)
    return [(p[0][0], y0, p[-1][1], y1, "".join(c[3] for c in p), *word[5:]) for p in pieces]
