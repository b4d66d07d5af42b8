"""Organising over HTTP, as `docintel correspondents/note/rules/bulk` do it: correspondents
(list, create, rename, merge; a document's set), a person's notes on a document, the
rules that tag a finishing document, and one edit on a selection of documents. Reading
needs a token; every change one that may write."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field

from docintel.api import organise_schemas as out
from docintel.api.auth import caller, writer
from docintel.api.editing import found, person
from docintel.store import correspondents as corr
from docintel.store.db import session_scope
from docintel.store.notes import add_note, as_dict, delete_note, notes_of
from docintel.store.organise import EditError
from docintel.store.profiles import ConditionError
from docintel.store.queries import find_document
from docintel.store.tag_rules import add_rule, all_rules, remove_rule, rule_dict
from docintel.store.tokens import Caller
from docintel.worker.workspace import (
    BulkAction,
    bulk_edit,
    check_action,
    merge_correspondents,
    set_correspondent,
)

router = APIRouter(tags=["organising"])
CORR = "/v1/correspondents"
DOC = "/v1/documents/{ref}"


def _refused(exc: Exception) -> HTTPException:
    return HTTPException(422, str(exc))


def _one(s: Any, ref: str) -> corr.Correspondent:
    found_one = corr.by_ref(s, ref)
    if found_one is None:
        raise HTTPException(404, f"no correspondent {ref!r}")
    return found_one


def _listed(s: Any, cid: int) -> dict[str, Any]:
    return next(c for c in corr.listing(s) if c["id"] == cid)


# --- correspondents ---------------------------------------------------------------------


class Named(BaseModel):
    name: str = Field(description="The organisation's name, as a person reads it.")


@router.get(CORR, dependencies=[Depends(caller)], response_model=list[out.CorrespondentOut])
def correspondents(request: Request) -> list[dict[str, Any]]:
    """Every correspondent, by name, with its aliases and how many documents it has."""
    with session_scope(request.app.state.settings.db_url) as s:
        return corr.listing(s)


@router.post(CORR, dependencies=[Depends(writer)], response_model=out.CorrespondentOut)
def create_correspondent(request: Request, body: Named) -> dict[str, Any]:
    """The correspondent of that name (one whose name or alias folds the same is it)."""
    with session_scope(request.app.state.settings.db_url) as s:
        try:
            made = corr.get_or_create(s, body.name)
        except EditError as exc:
            raise _refused(exc) from exc
        return _listed(s, made.id)


@router.patch(CORR + "/{ref}", dependencies=[Depends(writer)], response_model=out.CorrespondentOut)
def rename_correspondent(request: Request, ref: str, body: Named) -> dict[str, Any]:
    """Rename it (its documents show the new name; the old one stays an alias)."""
    with session_scope(request.app.state.settings.db_url) as s:
        try:
            renamed = corr.rename(s, _one(s, ref), body.name)
        except EditError as exc:
            raise _refused(exc) from exc
        return _listed(s, renamed.id)


class MergeInto(BaseModel):
    into: str = Field(description="The correspondent (id or name) that stays.")


@router.post(CORR + "/{ref}/merge", response_model=out.Merged)
def merge_correspondent(
    request: Request, ref: str, body: MergeInto, who: Caller = Depends(writer)
) -> dict[str, Any]:
    """Merge ``ref`` into ``into``: its documents move there (each one's audit trail says
    so), its names become aliases (a later document naming them is given ``into``)."""
    with session_scope(request.app.state.settings.db_url) as s:
        gone, kept = _one(s, ref), _one(s, body.into)
        try:
            moved = merge_correspondents(s, gone, kept, person(who))
        except EditError as exc:
            raise _refused(exc) from exc
        return {"into": _listed(s, kept.id), "moved": moved}


class CorrespondentEdit(BaseModel):
    name: str | None = Field(description="The correspondent's name; null takes it off.")


@router.patch(DOC + "/correspondent", response_model=out.DocumentCorrespondent)
def document_correspondent(
    request: Request, ref: str, body: CorrespondentEdit, who: Caller = Depends(writer)
) -> dict[str, Any]:
    """Set the document's correspondent (made where none has the name), or take it off."""
    with session_scope(request.app.state.settings.db_url) as s:
        doc = found(s, ref)
        try:
            set_correspondent(s, doc, body.name, person(who))
        except EditError as exc:
            raise _refused(exc) from exc
        return {
            "id": doc.id,
            "correspondent": doc.correspondent,
            "correspondent_id": doc.correspondent_id,
        }


# --- notes ------------------------------------------------------------------------------


class NoteIn(BaseModel):
    text: str = Field(description="Free text, up to 10,000 characters.")


@router.get(DOC + "/notes", dependencies=[Depends(caller)], response_model=list[out.NoteOut])
def notes(request: Request, ref: str) -> list[dict[str, Any]]:
    """The document's notes, oldest first, each with who wrote it and when."""
    with session_scope(request.app.state.settings.db_url) as s:
        return notes_of(s, found(s, ref).id)


@router.post(DOC + "/notes", response_model=out.NoteOut, status_code=201)
def add_a_note(
    request: Request, ref: str, body: NoteIn, who: Caller = Depends(writer)
) -> dict[str, Any]:
    with session_scope(request.app.state.settings.db_url) as s:
        try:
            return as_dict(add_note(s, found(s, ref).id, who.name, body.text))
        except EditError as exc:
            raise _refused(exc) from exc


@router.delete(DOC + "/notes/{note_id}", dependencies=[Depends(writer)], status_code=204)
def delete_a_note(request: Request, ref: str, note_id: int) -> None:
    with session_scope(request.app.state.settings.db_url) as s:
        doc = found(s, ref)
        if not delete_note(s, doc.id, note_id):
            raise HTTPException(404, f"document {doc.id} has no note {note_id}")


# --- tag rules --------------------------------------------------------------------------


class RuleIn(BaseModel):
    name: str
    tag: str
    doc_type: str | None = Field(default=None, description="A profile's type.")
    condition: str | None = Field(default=None, examples=["total > 1000", "currency = EUR"])
    correspondent: str | None = Field(default=None, description="Words its correspondent holds.")


@router.get("/v1/tag-rules", dependencies=[Depends(caller)], response_model=list[out.TagRuleOut])
def tag_rules(request: Request) -> list[dict[str, Any]]:
    """The rules that tag a document as it finishes, by name."""
    with session_scope(request.app.state.settings.db_url) as s:
        return [rule_dict(r) for r in all_rules(s)]


@router.post(
    "/v1/tag-rules", dependencies=[Depends(writer)], response_model=out.TagRuleOut, status_code=201
)
def add_tag_rule(request: Request, body: RuleIn) -> dict[str, Any]:
    """A rule: documents finishing from now on that meet every condition get the tag."""
    with session_scope(request.app.state.settings.db_url) as s:
        try:
            rule = add_rule(
                s,
                body.name,
                body.tag,
                doc_type=body.doc_type,
                condition=body.condition,
                correspondent=body.correspondent,
            )
        except (EditError, ConditionError) as exc:
            raise _refused(exc) from exc
        return rule_dict(rule)


@router.delete("/v1/tag-rules/{ref}", dependencies=[Depends(writer)], status_code=204)
def delete_tag_rule(request: Request, ref: str) -> None:
    with session_scope(request.app.state.settings.db_url) as s:
        if not remove_rule(s, ref):
            raise HTTPException(404, f"no tag rule {ref!r}")


# --- bulk -------------------------------------------------------------------------------


class BulkIn(BaseModel):
    ids: list[int] = Field(description="The documents selected.")
    action: BulkAction = Field(description="What to do to each of them.")
    value: str | None = Field(
        default=None, description="The tag, the type, or the correspondent (null: none)."
    )


@router.post("/v1/documents/bulk", response_model=out.BulkDone)
def bulk(request: Request, body: BulkIn, who: Caller = Depends(writer)) -> dict[str, Any]:
    """One edit on each selected document; those it cannot be made on are refused, each
    with the reason, and the others edited."""
    settings = request.app.state.settings
    try:
        check_action(body.action, body.value, len(body.ids))
    except EditError as exc:
        raise _refused(exc) from exc
    with session_scope(settings.db_url) as s:
        docs = [find_document(s, str(i)) for i in dict.fromkeys(body.ids)]
        missing = [i for i, d in zip(dict.fromkeys(body.ids), docs, strict=True) if d is None]
        if missing:
            raise HTTPException(404, f"no document {', '.join(map(str, missing))}")
        try:
            result = bulk_edit(
                s, settings, [d for d in docs if d], body.action, body.value, person(who)
            )
        except EditError as exc:
            raise _refused(exc) from exc
    for sha in result.to_send:  # once the requeue is committed
        request.app.state.work.send(sha)
    return result.as_dict()
