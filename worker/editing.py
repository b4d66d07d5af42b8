"""A person's edits, the same from every front door (`docintel set`, the API, the web page):
a field's value kept beside the machine's and taught to the correspondent's layout, the
correction taken back, the document type set (its fields read again for the new type),
and the trash purged of what is older than DOCINTEL_TRASH_DAYS, archived originals with it.
Each edit is in the document's audit trail with who made it."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from docintel.config import Settings
from docintel.pipeline.profiles import profiles_for
from docintel.pipeline.profiles.spec import OTHER
from docintel.store.db import session_scope
from docintel.store.organise import EditError, expired, forget
from docintel.store.profiles import correct_field
from docintel.store.records import audit, save_fields
from docintel.store.schema import IN_FLIGHT, Document, ProfileField
from docintel.worker.content import document_content
from docintel.worker.profiles import save_profile_fields
from docintel.worker.teaching import learn_from_corrections

log = logging.getLogger("docintel.editing")
PERSON_TYPE = "type_by_person"  # meta key: the type a person set, kept over re-extractions


def edit_step(kind: str) -> str:
    # one step name per edit: audit events are unique by (run, step, seq)
    return f"{kind}:{datetime.now().isoformat(timespec='microseconds')}"


def correct(
    s: Session, settings: Settings, doc: Document, pairs: list[tuple[str, str]], who: str
) -> list[str]:
    """Record a person's value for each (field, value); what the layout learned, in words.
    Raises ``ConditionError`` for a line item named wrongly."""
    step = edit_step("correction")
    for n, (name, value) in enumerate(pairs):
        row = correct_field(s, doc.id, name, value)
        audit(
            s,
            run=doc.sha256,
            document_id=doc.id,
            step=step,
            seq=n,
            role="user",
            content=f"{name} set to {value!r} by {who} (the machine read {row.normalized!r})",
        )
    return learn_from_corrections(s, doc, pairs, settings)


def uncorrect(s: Session, doc: Document, name: str, who: str) -> ProfileField:
    """Take a person's value for ``name`` back: the machine's value stands again (a field
    that only a person had is removed). Raises ``EditError`` where there is no correction."""
    row_no, column = 0, ""
    field = name
    if "." in name:
        field, number, column = (name.split(".", 2) + ["", ""])[:3]
        row_no = int(number) if number.isdigit() else -1
    found = s.scalar(
        select(ProfileField).where(
            ProfileField.document_id == doc.id,
            ProfileField.field == field,
            ProfileField.row == row_no,
            ProfileField.column == column,
        )
    )
    if found is None or found.corrected is None:
        raise EditError(f"document {doc.id} has no correction of {name!r} to take back")
    before = found.corrected
    if found.normalized is None and found.value is None and found.valid and not found.reason:
        s.delete(found)  # a field only the person gave
    else:
        found.corrected, found.corrected_at = None, None
    audit(
        s,
        run=doc.sha256,
        document_id=doc.id,
        step=edit_step("correction"),
        role="user",
        content=f"{name}: the correction {before!r} taken back by {who}; "
        f"the machine's {found.normalized!r} stands",
    )
    s.flush()
    return found


def document_types(settings: Settings) -> list[str]:
    """The types a person may give a document: the profiles in force, and 'other'."""
    return [*sorted(profiles_for(settings)[0]), OTHER]


def set_type(s: Session, settings: Settings, doc: Document, doc_type: str | None, who: str) -> str:
    """Give ``doc`` the type ``doc_type`` and read its fields for that type from the stored
    content (no page is read again); ``None`` takes a person's type back, and the rules
    classify it again. Corrections of fields the type also has are kept. The type set, or
    ``EditError`` for a type no profile has or a document still being read."""
    if doc.status in IN_FLIGHT:
        raise EditError(f"document {doc.id} is {doc.status}; set its type once it is done")
    if doc_type is not None and doc_type not in document_types(settings):
        raise EditError(
            f"no profile {doc_type!r}; the types are: {', '.join(document_types(settings))}"
        )
    before = doc.doc_type
    meta = dict(doc.meta or {})
    meta.pop(PERSON_TYPE, None)
    if doc_type is not None:
        meta[PERSON_TYPE] = doc_type
    doc.meta = meta
    if doc_type == OTHER:  # no profile: no fields to read, a person's values stay
        doc.doc_type, doc.doc_type_confidence = OTHER, 1.0
        save_fields(s, doc.id, OTHER, "", [], replace=True)
    else:
        save_profile_fields(s, doc, settings, document_content(s, doc), doc.sha256)
    said = f"set by {who}" if doc_type is not None else f"a person's type taken back by {who}"
    audit(
        s,
        run=doc.sha256,
        document_id=doc.id,
        step=edit_step("type"),
        role="user",
        content=f"type {before} -> {doc.doc_type} ({said}); its fields read again",
    )
    s.flush()
    return doc.doc_type or OTHER


def purge_trash(settings: Settings, now: datetime | None = None) -> list[dict[str, object]]:
    """Remove what has been in the trash for DOCINTEL_TRASH_DAYS: its rows, and its archived
    original (and cached page images) where no other document keeps the file. What was
    purged."""
    purged: list[dict[str, object]] = []
    files: list[Path] = []
    with session_scope(settings.db_url) as s:
        for doc in expired(s, settings.trash_days, now):
            entry = {"id": doc.id, "name": doc.name, "deleted_at": doc.deleted_at}
            sha, path = doc.sha256, forget(s, doc)
            if path:
                files += [Path(path), *(settings.home / "cache" / "pages").glob(f"{sha}-*.png")]
            purged.append({**entry, "file_removed": bool(path)})
    for file in files:  # once the rows are gone for good: a failed commit keeps every file
        try:
            file.unlink(missing_ok=True)
        except OSError as exc:  # the row is gone; the file is only space now
            log.warning("%s could not be removed: %s", file, exc)
    return purged
