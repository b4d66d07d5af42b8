"""The passage a search shows under a result, and where in it the words searched for are.

A passage is the stretch of a matching chunk around the first word searched for, as a
person reads it (Markdown marks taken out, runs of spaces made one); its highlights are
[start, end) offsets into that passage, so a page (or any client) escapes the text first
and marks the spans after: no markup from a document reaches a page."""

from __future__ import annotations

import re

from docintel.store.search import query_words

_WORDS = re.compile(r"\w+", re.UNICODE)
# Endings a full-text search's stemmer (PostgreSQL's english) takes off: "invoices" finds
# "invoice", so the passage marks it too.
_ENDINGS = ("ing", "ies", "es", "ed", "s")
# Markdown's marks, dropped from what a person reads (tables' pipes and rules included).
_MARKS = re.compile(r"\*\*|__|`|^\s{0,3}#{1,6}\s+|\||-{3,}", re.MULTILINE)
_SPACE = re.compile(r"\s+")


def forms(word: str) -> set[str]:
    """The word lower-cased, and without each common English ending it has (at least 3
    letters kept): "wires" -> {wires, wire, wir}; two words are one where their forms meet."""
    word = word.lower()
    return {word} | {
        word[: -len(e)] for e in _ENDINGS if word.endswith(e) and len(word) - len(e) >= 3
    }


def readable(text: str) -> str:
    """The chunk as a person reads it: no Markdown marks, one space between words."""
    return _SPACE.sub(" ", _MARKS.sub(" ", text)).strip()


def word_spans(text: str, words: list[str]) -> list[tuple[int, int]]:
    """Where in ``text`` a word of ``words`` (or the same word with another ending) stands."""
    wanted = set().union(*(forms(w) for w in words)) if words else set()
    return [(m.start(), m.end()) for m in _WORDS.finditer(text) if forms(m.group()) & wanted]


def passage(text: str, query: str, width: int = 300) -> tuple[str, list[list[int]]]:
    """(about ``width`` characters of ``text`` around the first word of ``query`` found in
    it, the [start, end) spans of every such word in that stretch). Without any, the
    stretch is the chunk's start and the spans are empty (a search by meaning may list a
    passage that shares no word with its query)."""
    text = readable(text)
    spans = word_spans(text, query_words(query))
    start = 0
    if spans and spans[0][1] > width:
        # a little before the first word, from the start of a word
        start = max(0, spans[0][0] - width // 4)
        space = text.find(" ", start, spans[0][0])
        start = space + 1 if space != -1 else start
    end = min(len(text), start + width)
    if end < len(text) and text.rfind(" ", start, end) > start:
        end = text.rfind(" ", start, end)  # not in the middle of a word
    shown = text[start:end]
    prefix = "…" if start else ""
    suffix = "…" if end < len(text) else ""
    offset = len(prefix) - start
    kept = [[a + offset, b + offset] for a, b in spans if a >= start and b <= end]
    return prefix + shown + suffix, kept
