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
    r"(?:will|is going to|shall|should|needs to|has to|to|wird|soll)\s+(?P<rest>.+)$"
)
DUE = re.compile(r"\s+(?:by|before|until|no later than|bis)\s+(?P<due>.+?)$", re.IGNORECASE)
LEAD_IN = re.compile(r"^(?:and|so|okay|ok|also|then|next)\b[\s,]*", re.IGNORECASE)


def spoken_items(spec: FieldSpec, lines: Sequence[Any], day_first: bool) -> list[FieldValue]:
    """The rows of ``spec`` (a table field) said in a transcript's sentences."""
    if not spec.columns:
        return []
    text_col = spec.columns[0]
    owner_col = next((c for c in spec.columns[1:] if c.type == "string"), None)
    due_col = next((c for c in spec.columns if c.type == "date"), None)
    starts = [
        re.compile(rf"^{re.escape(label)}(?!\w)\s*[:,.-]?\s*", re.IGNORECASE)
        for label in sorted(text_col.labels, key=len, reverse=True)
    ]
    out: list[FieldValue] = []
    for line in lines:
        if line.seconds is None:
            continue
        sentence = LEAD_IN.sub("", line.text.strip()).rstrip(" .!?")
        m = next((p.match(sentence) for p in starts if p.match(sentence)), None)
        if m is None or not sentence[m.end() :].strip():
            continue
        rest, cells = sentence[m.end() :].strip(), {}
        if due_col is not None and (due := DUE.search(rest)):
            value = parse(due_col.type, due["due"], day_first=day_first)
            if value is not None:
                cells[due_col] = value
                rest = rest[: due.start()]
        if owner_col is not None and (who := OWNER.match(rest)):
            cells[owner_col] = Value(who["owner"], who["owner"])
            rest = who["rest"]
        cells[text_col] = Value(rest.strip(), rest.strip())
        row = len({f.row for f in out}) + 1
        for column, value in cells.items():
            out.append(
                FieldValue(
                    field=spec.name,
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
            )
    return out


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
