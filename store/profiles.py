"""Reading documents by their profile fields: a document's fields as the result shows them,
typed conditions for `docintel query --where`, and the rows `docintel export` writes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from docintel.store.schema import Document, ProfileField, utcnow

OPERATORS = ("<=", ">=", "!=", "=", "<", ">", "~")
_CONDITION = re.compile(r"^\s*(?P<field>[\w.]+)\s*(?P<op><=|>=|!=|=|<|>|~)\s*(?P<value>.+?)\s*$")


class ConditionError(ValueError):
    pass


@dataclass(frozen=True)
class Condition:
    """``field op value``: a date (YYYY-MM-DD) compares dates, a number compares amounts
    and numbers, anything else the normalised text (``~``: contains). A person's correction
    counts where there is one."""

    field: str
    op: str
    value: str

    @classmethod
    def parse(cls, text: str) -> Condition:
        m = _CONDITION.match(text)
        if not m:
            raise ConditionError(
                f"cannot read the condition {text!r}: write FIELD OP VALUE, with OP one of "
                f"{' '.join(OPERATORS)}, e.g. 'total > 1000' or 'due_date < 2026-12-01'"
            )
        return cls(m.group("field"), m.group("op"), m.group("value").strip("'\""))

    def clause(self) -> Any:
        """The documents that have the field, holding a value that meets the condition."""
        column, value = self._typed()
        ops = {
            "=": column == value,
            "!=": column != value,
            "<": column < value,
            "<=": column <= value,
            ">": column > value,
            ">=": column >= value,
        }
        test = column.contains(value) if self.op == "~" else ops[self.op]
        return select(ProfileField.document_id).where(
            ProfileField.field == self.field, ProfileField.row == 0, test
        )

    def _typed(self) -> tuple[Any, Any]:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", self.value):
            return ProfileField.day, date.fromisoformat(self.value)
        number = _number(self.value)
        if number is not None and self.op != "~":
            return ProfileField.number, number
        text = func.lower(func.coalesce(ProfileField.corrected, ProfileField.normalized))
        return text, self.value.lower()


def where_fields(query: Select, doc_type: str | None, conditions: list[Condition]) -> Select:
    if doc_type:
        query = query.where(Document.doc_type == doc_type)
    for condition in conditions:
        query = query.where(Document.id.in_(condition.clause()))
    return query


def profile_result(session: Session, doc: Document) -> dict[str, Any] | None:
    """The document's type and its profile's fields, with line items as rows."""
    if doc.doc_type is None:
        return None
    rows = list(
        session.scalars(
            select(ProfileField)
            .where(ProfileField.document_id == doc.id)
            .order_by(ProfileField.field, ProfileField.row, ProfileField.column)
        )
    )
    fields: dict[str, Any] = {}
    tables: dict[str, dict[int, dict[str, Any]]] = {}
    for f in rows:
        item = {
            "value": f.corrected if f.corrected is not None else f.normalized,
            "text": f.value,
            "currency": f.currency,
            "page": f.page,
            "seconds": f.seconds,
            "quote": f.quote,
            "confidence": f.confidence,
            "engine": f.engine,
            "valid": f.valid,
            "reason": f.reason,
            "machine_value": f.normalized,
            "corrected": f.corrected,
        }
        if f.row == 0:
            fields[f.field] = item
        else:
            tables.setdefault(f.field, {}).setdefault(f.row, {})[f.column] = item
    return {
        "doc_type": doc.doc_type,
        "confidence": doc.doc_type_confidence,
        "profile_hash": rows[0].profile_hash if rows else None,
        "fields": fields,
        "tables": {name: [cells for _, cells in sorted(r.items())] for name, r in tables.items()},
    }


def export_rows(
    session: Session,
    doc_type: str,
    conditions: list[Condition] = (),  # type: ignore[assignment]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One row per document (its fields' values, corrections winning) and one per line
    item (the document's id and name, the table, the row, its cells)."""
    query = where_fields(select(Document).order_by(Document.id), doc_type, list(conditions))
    docs = list(session.scalars(query))
    by_doc: dict[int, list[ProfileField]] = {d.id: [] for d in docs}
    if docs:
        for f in session.scalars(
            select(ProfileField)
            .where(ProfileField.document_id.in_(list(by_doc)))
            .order_by(ProfileField.document_id, ProfileField.field, ProfileField.row)
        ):
            by_doc[f.document_id].append(f)
    documents, items = [], []
    for doc in docs:
        row: dict[str, Any] = {"id": doc.id, "name": doc.name, "doc_type": doc.doc_type}
        lines: dict[tuple[str, int], dict[str, Any]] = {}
        for f in by_doc[doc.id]:
            value = _typed(f)
            if f.row == 0:
                row[f.field] = value
                if f.currency:
                    row[f"{f.field}_currency"] = f.currency
                if not f.valid:
                    row[f"{f.field}_check"] = f.reason
            else:
                line = lines.setdefault(
                    (f.field, f.row),
                    {"document_id": doc.id, "document": doc.name, "table": f.field, "row": f.row},
                )
                line[f.column] = value
        documents.append(row)
        items += [lines[key] for key in sorted(lines)]
    return documents, items


def _typed(f: ProfileField) -> Any:
    """The value an export carries: a number field's as a ``Decimal`` (a sheet adds it up;
    text formats print it as written), any other as its text; a correction wins."""
    value = f.corrected if f.corrected is not None else f.normalized
    if f.number is not None and value is not None:
        try:
            return Decimal(value.replace(",", "") if f.corrected is not None else value)
        except InvalidOperation:
            return value
    return value


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def correct_field(session: Session, doc_id: int, name: str, value: str) -> ProfileField:
    """A person's value for a field, kept beside the machine's (which is not changed)."""
    row, column = 0, ""
    if "." in name:  # line_items.2.amount
        table, number, column = (name.split(".", 2) + ["", ""])[:3]
        if not number.isdigit() or not column:
            raise ConditionError(
                f"{name!r}: a line item is TABLE.ROW.COLUMN, e.g. line_items.2.amount"
            )
        name, row = table, int(number)
    found = session.scalar(
        select(ProfileField).where(
            and_(
                ProfileField.document_id == doc_id,
                ProfileField.field == name,
                ProfileField.row == row,
                ProfileField.column == column,
            )
        )
    )
    if found is None:
        doc = session.get(Document, doc_id)
        found = ProfileField(
            document_id=doc_id,
            profile=(doc.doc_type if doc else None) or "other",
            field=name,
            row=row,
            column=column,
            valid=True,
        )
        session.add(found)
    found.corrected, found.corrected_at = value, utcnow()
    session.flush()
    return found
