"""Line items said aloud: "Action item: Ben Ortiz will send the revised budget by the 12th
of December." A sentence that starts with a label of the table's first column is a row; the
name before "will" / "is going to" / "to" is its owner (the first other text column), what
follows "by" / "before" / "until" its due date (the first date column), and the rest its
text. Written tables are read by ``rules.table_items`` and ``rules.text_items``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from docintel.pipeline.profiles.spec import FieldSpec
from docintel.pipeline.profiles.values import Value, parse
from docintel.pipeline.types import FieldValue

OWNER = re.compile(
    r"^(?P<owner>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,2})\s*,?\s+"
    r"(?:will|is going,?\s+to|shall|should|needs to|has to|to|wird|soll)[\s,]+(?P<rest>.+)$"
)
# What a due date follows when said: "by", "before", "until", "on" ... The date must still
# read as one, so "book a room for 3 people" keeps its "for".
DUE = re.compile(
    r"[\s,]+(?:by|before|until|till|on|at|for|due(?:\s+(?:on|by))?|no later than|bis|am)"
    r"\s+(?P<due>.+?)$",
    re.IGNORECASE,
)
LEAD_IN = re.compile(r"^(?:and|so|okay|ok|also|then|next)\b[\s,]*", re.IGNORECASE)


def spoken_items(spec: FieldSpec, lines: Sequence[Any], day_first: bool) -> list[FieldValue]:
    """The rows of ``spec`` (a table field) said in a transcript's sentences."""
    if not spec.columns:
        return []
    columns = _columns(spec)
    text_col, owner_col, due_col = columns
    starts = [
        re.compile(rf"^{re.escape(label)}(?!\w)\s*[:,.-]?\s*", re.IGNORECASE)
        for label in sorted(text_col.labels, key=len, reverse=True)
    ]
    ends = [
        re.compile(rf"^(?:[\w'’-]+[\s,]+){{0,3}}{re.escape(label)}$", re.IGNORECASE)
        for label in text_col.labels
    ]
    out: list[FieldValue] = []
    rows = 0
    spoken = [line for line in lines if line.seconds is not None]
    for i, line in enumerate(spoken):
        sentence = LEAD_IN.sub("", line.text.strip()).rstrip(" .!?")
        m = next((p.match(sentence) for p in starts if p.match(sentence)), None)
        rest = sentence[m.end() :].strip() if m else ""
        if not rest and (m or any(p.match(sentence) for p in ends)) and i + 1 < len(spoken):
            # "Next step, action item." and then the item, said as a sentence of its own
            rest = spoken[i + 1].text.strip().rstrip(" .!?")
        if rest:
            rows += 1
            out += _row(spec.name, columns, rest, line, rows, day_first)
            continue
        if owner_col is None or due_col is None:
            continue
        # Unlabelled: "Emma Wilson will call the landlord by the 3rd of January" is a row by
        # its shape (a named owner and a due date), also inside a sentence the recogniser
        # ran on with commas, where the label itself was misheard.
        for clause in re.split(r",\s+", sentence):
            clause = LEAD_IN.sub("", clause.strip())
            who = OWNER.match(clause)
            if who and who["owner"].split()[0] not in PRONOUNS and _due(due_col, clause, day_first):
                rows += 1
                out += _row(spec.name, columns, clause, line, rows, day_first)
    return out


# Capitalised at a sentence's start, but nobody's name: "We will send ... by Friday".
PRONOUNS = frozenset(
    "I We You They He She It This That There Everyone Someone Somebody Nobody Who".split()
)


Columns = tuple[FieldSpec, FieldSpec | None, FieldSpec | None]


def _row(
    field: str, columns: Columns, rest: str, line: Any, row: int, day_first: bool
) -> list[FieldValue]:
    """One row's cells from an item's words: its due date, its owner, and the rest."""
    text_col, owner_col, due_col = columns
    cells = {}
    if due_col is not None and (found := _due(due_col, rest, day_first)):
        cells[due_col], rest = found
    if owner_col is not None and (who := OWNER.match(rest)):
        cells[owner_col] = Value(who["owner"], who["owner"])
        rest = who["rest"]
    cells[text_col] = Value(rest.strip(), rest.strip())
    return [
        FieldValue(
            field=field,
            value=value.text,
            normalized=value.normalized,
            day=value.day.isoformat() if value.day else None,
            row=row,
            column=column.name,
            page=line.page,
            seconds=line.seconds,
            quote=line.text.strip()[:500],
            confidence=0.5,
        )
        for column, value in cells.items()
    ]


def _columns(spec: FieldSpec) -> Columns:
    """A line-item table's text column (the first), owner (the next text column) and due
    date (the first date column)."""
    owner = next((c for c in spec.columns[1:] if c.type == "string"), None)
    return spec.columns[0], owner, next((c for c in spec.columns if c.type == "date"), None)


def _due(column: FieldSpec, rest: str, day_first: bool) -> tuple[Value, str] | None:
    """The due date said at the end of an item and the item without it; of the connecting
    words the first whose remainder reads as a date ("until the 12th of May"). Failing
    that, a date said in a clause of its own after the item, its connecting word left out
    or misheard ("send the budget, August 11", "..., I August 11, thanks everyone"): a
    recogniser writes the pause before it as a comma. What follows that clause is not the
    item's (the recogniser ran on into the next sentence)."""
    for due in DUE.finditer(rest):
        value = parse(column.type, due["due"], day_first=day_first)
        if value is not None:
            return value, rest[: due.start()]
    clauses = re.split(r",\s+", rest)
    for k in range(1, len(clauses)):
        words = clauses[k].split()
        for said in (clauses[k], " ".join(words[1:])):
            value = parse(column.type, said, day_first=day_first) if said else None
            if value is not None and _only_date(said):
                return value, ", ".join(clauses[:k])
    return None


def _only_date(said: str) -> bool:
    """Whether ``said`` is a date and nothing more: at most four words, each a number, an
    ordinal, a month or "the"/"of" ("the 3rd of May", "August 11", "the ninth of May")."""
    words = said.split()
    return 0 < len(words) <= 4 and all(DATE_WORD.fullmatch(w.strip(".,")) for w in words)


DATE_WORD = re.compile(
    r"\d{1,4}(?:st|nd|rd|th|\.)?|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|the|of|[a-z-]+(?:st|nd|rd|th)|"
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|Mär|Mai|Okt|Dez)[a-zä]*\.?",
)


def transcript_sentences(segments: Sequence[Any]) -> list[tuple[str, float]]:
    """The transcript's sentences, each with the second its segment starts. A window cut is
    not a sentence's end: the recogniser closes every window with a full stop or an
    ellipsis, so where the next window begins in lower case or a digit, or the last ended without a
    stop, the sentence goes on across the cut."""
    out: list[tuple[str, float]] = []
    ended = True
    for seg in segments:
        text = (seg.text or "").strip()
        if not text:
            continue
        parts = [p for p in re.split(r"(?<=[.!?])\s+", text) if p.strip()]
        if out and (not ended or not parts[0][:1].isupper()):
            head, start = out.pop()
            parts[0] = re.sub(r"(?:\.\.\.|…|\.)$", "", head).rstrip() + " " + parts[0]
            out.append((parts.pop(0), start))
        out += [(part, seg.start_s) for part in parts]
        ended = bool(re.search(r"[.!?…]$", text))
    return out


def spoken_label(label: str, said: str) -> bool:
    """Whether ``label`` is said as one in ``said`` (a transcript in lower case): at a
    sentence's or a clause's start, followed by a pause or "are"/"is" ("participants, laura
    miller", "attendees are ...")."""
    label = label.lower()
    if label not in said:
        # most labels are not said at all: a substring test, where each pattern compiled
        # anew (the profiles' ~700 labels are more than re's cache holds) took a 20 s
        # recording's typing 0.25 s
        return False
    pattern = rf"(?:^|[,.!?]\s+){re.escape(label)}(?:\s*[:,.]|\s+(?:are|is)\b)"
    return re.search(pattern, said) is not None


def split_at_labels(lines: Sequence[Any], labels: Sequence[str]) -> list[Any]:
    """Spoken sentences cut again before each label: a recogniser often writes a pause as a
    comma ("the spring launch, attendees are ..."), and a label said starts a new unit. Short
    labels ("by", "who") are left alone: they are said inside sentences."""
    names = sorted({lb for lb in labels if len(lb) >= 4}, key=len, reverse=True)
    if not names:
        return list(lines)
    cut = re.compile(
        r",\s+(?=(?:" + "|".join(re.escape(lb) for lb in names) + r")(?!\w))", re.IGNORECASE
    )
    out = []
    for line in lines:
        if line.seconds is None:
            out.append(line)
            continue
        out += [replace(line, text=part) for part in cut.split(line.text) if part.strip()]
    return out
