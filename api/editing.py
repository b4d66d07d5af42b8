"""A person's edits over HTTP, as `docintel set/unset/retype/tag/delete/restore/trash` make
them: the document's type (its fields read again for it), its fields' values beside the
machine's, tags, and the trash. Every edit needs a token that may write."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from docintel.api import schemas
from docintel.api.auth import caller, writer
from docintel.api.documents import as_json, load
from docintel.store.db import session_scope
from docintel.store.organise import EditError, from_trash, tag, tag_counts, to_trash, untag
from docintel.store.profiles import ConditionError
from docintel.store.queries import find_document
from docintel.store.schema import Document
from docintel.store.tokens import Caller
from docintel.worker.editing import correct, purge_trash, set_type, uncorrect
from docintel.worker.listing import Filters, document_listing

router = APIRouter(tags=["editing"])
DOC = "/v1/documents/{ref}"


def person(who: Caller) -> str:
    return f"a person ({who.name})"


def found(s: Any, ref: str) -> Document:
    doc = find_document(s, ref)
    if doc is None:
        raise HTTPException(404, f"no document {ref!r}")
    return doc


class DocumentEdit(BaseModel):
    doc_type: str | None = Field(
        description="A profile's type (or 'other'): the fields are read again for it; null "
        "takes a person's type back and the document is classified again."
    )


@router.patch(DOC, response_model=None)
def edit_document(
    request: Request, ref: str, body: DocumentEdit, who: Caller = Depends(writer)
) -> Response:
    """Set the document's type; answers the document as `GET` does."""
    settings = request.app.state.settings
    with session_scope(settings.db_url) as s:
        doc = found(s, ref)
        try:
            set_type(s, settings, doc, body.doc_type, person(who))
        except EditError as exc:
            raise HTTPException(422, str(exc)) from exc
        doc_id = doc.id
    return as_json(load(settings, str(doc_id)))


FieldValues = Annotated[
    dict[str, str | None],
    Body(
        description="FIELD (or TABLE.ROW.COLUMN for a line item) -> a person's value; null "
        "takes the person's value back (the machine's stands again).",
        examples=[{"total": "1250.00", "line_items.2.amount": "80.00", "due_date": None}],
    ),
]


@router.patch(DOC + "/fields", response_model=None)
def edit_fields(
    request: Request, ref: str, values: FieldValues, who: Caller = Depends(writer)
) -> Response:
    """Correct fields (kept beside the machine's values, as `docintel set`), or take
    corrections back; answers the document's profile with what the layout learned."""
    settings = request.app.state.settings
    if not values:
        raise HTTPException(422, 'send at least one field: {"total": "1250.00"}')
    with session_scope(settings.db_url) as s:
        doc = found(s, ref)
        pairs = [(k.strip(), v.strip()) for k, v in values.items() if v is not None]
        try:
            for name in (k.strip() for k, v in values.items() if v is None):
                uncorrect(s, doc, name, person(who))
            learned = correct(s, settings, doc, pairs, person(who)) if pairs else []
        except (EditError, ConditionError) as exc:
            raise HTTPException(422, str(exc)) from exc
        doc_id = doc.id
    return as_json({"profile": load(settings, str(doc_id))["profile"], "learned": learned})


@router.put(
    DOC + "/tags/{name:path}", dependencies=[Depends(writer)], response_model=schemas.Tagged
)
def add_tag(request: Request, ref: str, name: str) -> dict[str, Any]:
    """Tag the document (a tag it has already is no change); answers its tags."""
    return _tags(request, ref, name, add=True)


@router.delete(
    DOC + "/tags/{name:path}", dependencies=[Depends(writer)], response_model=schemas.Tagged
)
def remove_tag(request: Request, ref: str, name: str) -> dict[str, Any]:
    """Take a tag off the document; 404 where it does not carry it."""
    return _tags(request, ref, name, add=False)


def _tags(request: Request, ref: str, name: str, *, add: bool) -> dict[str, Any]:
    from docintel.store.mail import tags_of

    with session_scope(request.app.state.settings.db_url) as s:
        doc = found(s, ref)
        try:
            if add:
                tag(s, doc.id, name)
            elif not untag(s, doc.id, name):
                raise HTTPException(404, f"document {doc.id} has no tag {name!r}")
        except EditError as exc:
            raise HTTPException(422, str(exc)) from exc
        return {"id": doc.id, "tags": tags_of(s, doc.id)}


@router.get("/v1/tags", dependencies=[Depends(caller)])
def tags(request: Request) -> dict[str, int]:
    """Every tag in use, with how many documents (outside the trash) carry it."""
    with session_scope(request.app.state.settings.db_url) as s:
        return tag_counts(s)


@router.delete(DOC, dependencies=[Depends(writer)], response_model=schemas.Trashed)
def delete(request: Request, ref: str) -> dict[str, Any]:
    """Put the document (and its attachments or members) in the trash: out of listings and
    searches, restorable for DOCINTEL_TRASH_DAYS, its archived original kept until then."""
    settings = request.app.state.settings
    with session_scope(settings.db_url) as s:
        doc = found(s, ref)
        ids = to_trash(s, doc)
        doc_id = doc.id
    purge_trash(settings)  # what is older than the setting goes now, not at some later time
    return {"id": doc_id, "trashed": ids, "trash_days": settings.trash_days}


@router.post(DOC + "/restore", dependencies=[Depends(writer)], response_model=schemas.Restored)
def restore(request: Request, ref: str) -> dict[str, Any]:
    """Take the document out of the trash, with what was deleted with it."""
    with session_scope(request.app.state.settings.db_url) as s:
        doc = found(s, ref)
        ids = from_trash(s, doc)
        if not ids:
            raise HTTPException(409, f"document {doc.id} is not in the trash")
        return {"id": doc.id, "restored": ids}


@router.get("/v1/trash", dependencies=[Depends(caller)], response_model=schemas.TrashListing)
def trash(request: Request) -> Response:
    """What is in the trash, newest first, each with ``deleted_at``."""
    settings = request.app.state.settings
    docs, _ = document_listing(settings, Filters(trashed=True), 500)
    return as_json({"documents": docs, "trash_days": settings.trash_days})


@router.post("/v1/trash/purge", dependencies=[Depends(writer)], response_model=schemas.Purged)
def purge(request: Request) -> Response:
    """Purge what has been in the trash DOCINTEL_TRASH_DAYS (rows and archived originals)."""
    return as_json({"purged": purge_trash(request.app.state.settings)})
