"""A profile's document-level checks on the extracted fields: a failing field is kept and
flagged with the reason, never dropped."""

from __future__ import annotations

from docintel.pipeline.profiles.spec import Check, Profile
from docintel.pipeline.types import FieldValue


def apply_checks(profile: Profile, fields: list[FieldValue]) -> None:
    scalars = {f.field: f for f in fields if f.row == 0 and f.value is not None}
    for check in profile.checks:
        if check.kind == "sum":
            _sum(check, scalars, fields)
        elif check.kind == "after":
            _after(check, scalars)
        elif check.kind == "adds":
            _adds(check, scalars)


def flag_missing(profile: Profile, fields: list[FieldValue]) -> None:
    """A required field that was not found is kept, empty, with the reason."""
    have = {f.field for f in fields if f.value is not None}
    for spec in profile.fields:
        if spec.required and spec.type != "table" and spec.name not in have:
            if not any(f.field == spec.name for f in fields):
                missing = FieldValue(spec.name, None, confidence=0.0)
                missing.flag("required, and not found in the document")
                fields.append(missing)


def _sum(check: Check, scalars: dict[str, FieldValue], fields: list[FieldValue]) -> None:
    total = scalars.get(check.field)
    table, _, column = check.items.partition(".")
    cells = [
        f.number
        for f in fields
        if f.field == table and f.column == column and f.row > 0 and f.number is not None
    ]
    if total is None or total.number is None or not cells:
        return
    added = round(sum(cells), 2)
    targets = [total.number] + [
        scalars[name].number for name in check.also if name in scalars and scalars[name].number
    ]
    if all(abs(added - target) > check.tolerance for target in targets if target is not None):
        total.flag(
            f"the {len(cells)} line item(s) add up to {added:.2f}, not {total.number:.2f}: "
            "check the total or the items"
        )


def _adds(check: Check, scalars: dict[str, FieldValue]) -> None:
    """The parts (a net amount and its tax) add up to the field (the gross total)."""
    total = scalars.get(check.field)
    parts = [scalars.get(name) for name in check.parts]
    if total is None or total.number is None or any(p is None or p.number is None for p in parts):
        return
    added = round(sum(p.number for p in parts if p is not None and p.number is not None), 2)
    if abs(added - total.number) > check.tolerance:
        named = " + ".join(check.parts)
        total.flag(f"{named} add up to {added:.2f}, not {total.number:.2f}: check the amounts")


def _after(check: Check, scalars: dict[str, FieldValue]) -> None:
    later, earlier = scalars.get(check.field), scalars.get(check.than)
    if later is None or earlier is None or not later.day or not earlier.day:
        return
    if later.day < earlier.day:
        later.flag(f"{check.field} {later.day} is before {check.than} {earlier.day}")
