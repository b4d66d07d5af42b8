"""A person's organising edits, the same from the API, the page and the CLI: a document's
correspondent set (or taken off), and one edit made on a selection of documents (add or
remove a tag, set the type, set the correspondent, retry, move to the trash and back). Each is in
the document's audit trail with who made it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from sqlalchemy import select
from sqlalchemy.orm import Session

from docintel.config import Settings
from docintel.store.correspondents import assign, get_or_create, merge
from docintel.store.organise import (
    EditError,
    forget_removal,
    from_trash,
    keep_removal,
    tag,
    to_trash,
    untag,
)
from docintel.store.organise_schema import Correspondent, CorrespondentAlias
from docintel.store.records import audit, requeue
from docintel.store.schema import IN_FLIGHT, Document
from docintel.worker.editing import edit_step, set_type

BulkAction = Literal["tag", "untag", "type", "correspondent", "retry", "delete", "restore"]
ACTIONS: tuple[str, ...] = get_args(BulkAction)
NEEDS_VALUE = ("tag", "untag", "type")
BULK_MAX = 500  # documents in one edit: a page's selection, not the whole database


def set_correspondent(s: Session, doc: Document, name: str | None, who: str) -> str | None:
    """Give ``doc`` the correspondent ``name`` is (made where there is none), or take its
    correspondent off (``None`` or empty); the name now shown."""
    found = get_or_create(s, name) if name and name.strip() else None
    _assign(s, doc, found, who)
    return doc.correspondent


def _assign(s: Session, doc: Document, found: Correspondent | None, who: str) -> None:
    before = doc.correspondent
    taken_off = s.get(Correspondent, doc.correspondent_id) if doc.correspondent_id else None
    if taken_off is not None and (found is None or found.id != taken_off.id):
        keep_removal(doc, "correspondents", taken_off.key)  # not proposed again on a retry
    if found is not None:  # given back by hand, by any of its names
        aliases = select(CorrespondentAlias.key).where(
            CorrespondentAlias.correspondent_id == found.id
        )
        forget_removal(doc, "correspondents", found.key, *s.scalars(aliases))
    assign(s, doc, found)
    audit(
        s,
        run=doc.sha256,
        document_id=doc.id,
        step=edit_step("correspondent"),
        role="user",
        content=f"correspondent {before!r} -> {doc.correspondent!r} (set by {who})",
    )


def merge_correspondents(s: Session, gone: Correspondent, into: Correspondent, who: str) -> int:
    """Merge ``gone`` into ``into`` (``correspondents.merge``), with an entry in each moved
    document's audit trail that says from what to what and by whom; how many moved."""
    query = select(Document.id, Document.sha256).where(Document.correspondent_id == gone.id)
    moved = list(s.execute(query))
    name = gone.name
    count = merge(s, gone, into)
    step = edit_step("correspondent")
    for doc_id, sha256 in moved:
        audit(
            s,
            run=sha256,
            document_id=doc_id,
            step=step,
            role="user",
            content=f"correspondent {name!r} -> {into.name!r} (merged by {who})",
        )
    return count


@dataclass
class BulkResult:
    done: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)  # id -> why, in words
    to_send: list[str] = field(default_factory=list)  # sha256 of retried documents

    def as_dict(self) -> dict[str, Any]:
        return {"done": self.done, "refused": {str(k): v for k, v in self.refused.items()}}


def check_action(action: str, value: str | None, count: int) -> None:
    """``EditError`` for an edit that cannot be made on any document."""
    if action not in ACTIONS:
        raise EditError(f"no action {action!r}; the actions are: {', '.join(ACTIONS)}")
    if action in NEEDS_VALUE and not (value or "").strip():
        raise EditError(f"{action!r} needs a value (the tag, or the type)")
    if not count:
        raise EditError("select at least one document")
    if count > BULK_MAX:
        raise EditError(f"at most {BULK_MAX} documents in one edit; {count} were selected")


def bulk_edit(
    s: Session, settings: Settings, docs: list[Document], action: str, value: str | None, who: str
) -> BulkResult:
    """Make one edit on every document of ``docs``; a document it cannot be made on is
    refused with the reason, the others are edited. Retried documents are requeued here and
    sent by the caller (``to_send``) once this is committed."""
    check_action(action, value, len(docs))
    result = BulkResult()
    found = get_or_create(s, value) if action == "correspondent" and value else None
    for doc in docs:
        try:
            _one(s, settings, doc, action, value or "", found, who, result)
        except EditError as exc:
            result.refused[doc.id] = str(exc)
        else:
            result.done.append(doc.id)
    return result


def _one(
    s: Session,
    settings: Settings,
    doc: Document,
    action: str,
    value: str,
    found: Correspondent | None,
    who: str,
    result: BulkResult,
) -> None:
    if action == "tag":
        tag(s, doc.id, value)
    elif action == "untag" and not untag(s, doc.id, value):
        raise EditError(f"document {doc.id} has no tag {value!r}")
    elif action == "type":
        set_type(s, settings, doc, value, who)
    elif action == "correspondent":
        _assign(s, doc, found, who)
    elif action == "retry":
        _refuse_retry(doc)
        requeue(s, doc.id)
        result.to_send.append(doc.sha256)
    elif action == "delete":
        to_trash(s, doc)
    elif action == "restore" and not from_trash(s, doc):
        raise EditError(f"document {doc.id} is not in the trash")


def _refuse_retry(doc: Document) -> None:
    if doc.status in IN_FLIGHT:
        raise EditError(f"document {doc.id} is {doc.status}; it is already owed work")
    if doc.deleted_at is not None:
        raise EditError(f"document {doc.id} is in the trash; restore it first")
    if doc.status == "duplicate":
        raise EditError(f"document {doc.id} is a duplicate of {doc.duplicate_of_id}")
