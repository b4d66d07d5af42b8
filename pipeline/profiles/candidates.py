"""What the field reader weighs: a value found for a field, where and how (``Candidate``),
and where a person's correction found one before (``Hint``)."""

from __future__ import annotations

from dataclasses import dataclass

from docintel.pipeline.profiles.layout import Cell
from docintel.pipeline.profiles.spec import FieldSpec
from docintel.pipeline.profiles.values import Value


@dataclass(frozen=True)
class Hint:
    """Where a person's correction found a field's value on a correspondent's document: the
    label beside it and the place from it."""

    field: str
    label: str
    place: str  # same, right, below, next_line
    document_id: int | None = None
    profile: str = ""  # the profile the field is of ("" for any)
    example: str = ""  # the corrected value (place "name": the correspondent's own name)


@dataclass
class Candidate:
    spec: FieldSpec
    value: Value
    cell: Cell
    score: float
    how: str
