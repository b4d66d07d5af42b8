"""The filters of a document listing, one set for the listing and for its count: the
inbox's rows and a saved view's count in the sidebar are the same WHERE clause, so the
count is what the list shows."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

from sqlalchemy import Select, func, or_, select

from docintel.store.mail_schema import DocumentTag
from docintel.store.profiles import Condition, where_fields
from docintel.store.schema import Document, Entity, Relationship


class DocumentFilters(TypedDict, total=False):
    status: str | None
    kind: str | None
    name: str | None
    contains: str | None
    since: datetime | None
    until: datetime | None
    entity: str | None
    entity_type: str | None
    related_to: str | None
    ids: list[int] | None
    doc_type: str | None
    where: list[Condition] | None
    parent: int | None
    before: int | None  # an id: the listing goes on where its last page ended
    tags: list[str] | None  # carrying every one
    trashed: bool  # the trash instead of the documents outside it
    top_level: bool  # only what came in on its own: no attachments, no archive members
    parents: list[int] | None  # the children of these documents
    per_parent: int | None  # with ``parents``: the newest this many children of each
    correspondent: int | None  # a correspondent's id


def like(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, its own ``%`` and ``_`` taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def filtered(query: Select, f: DocumentFilters) -> Select:
    """``query`` (over documents) restricted to the documents ``f`` lets through."""
    gone = Document.deleted_at.is_not(None)
    outside = gone if f.get("trashed") else ~gone
    query = query.where(outside)
    for wanted in f.get("tags") or []:
        query = query.where(
            Document.id.in_(select(DocumentTag.document_id).where(DocumentTag.tag == wanted))
        )
    if (correspondent := f.get("correspondent")) is not None:
        query = query.where(Document.correspondent_id == correspondent)
    if (before := f.get("before")) is not None:
        query = query.where(Document.id < before)
    if (parent := f.get("parent")) is not None:
        query = query.where(Document.parent_id == parent)
    if f.get("top_level"):
        query = query.where(Document.parent_id.is_(None))
    if (parents := f.get("parents")) is not None:
        query = query.where(Document.parent_id.in_(parents))
        if per_parent := f.get("per_parent"):
            # each parent's newest children in one statement, not one query per parent
            ranked = (
                select(
                    Document.id,
                    func.row_number()
                    .over(partition_by=Document.parent_id, order_by=Document.id.desc())
                    .label("n"),
                )
                .where(Document.parent_id.in_(parents), outside)
                .subquery()
            )
            newest = select(ranked.c.id).where(ranked.c.n <= per_parent)
            query = query.where(Document.id.in_(newest))
    if f.get("doc_type") or f.get("where"):
        query = where_fields(query, f.get("doc_type"), f.get("where") or [])
    if (ids := f.get("ids")) is not None:
        query = query.where(Document.id.in_(ids))
    entity, entity_type = f.get("entity"), f.get("entity_type")
    if entity or entity_type:
        sub = select(Entity.document_id)
        if entity:
            sub = sub.where(Entity.name.ilike(like(entity), escape="\\"))
        if entity_type:
            sub = sub.where(Entity.type == entity_type)
        query = query.where(Document.id.in_(sub))
    if related_to := f.get("related_to"):
        named = or_(
            Relationship.source.ilike(like(related_to), escape="\\"),
            Relationship.target.ilike(like(related_to), escape="\\"),
        )
        query = query.where(Document.id.in_(select(Relationship.document_id).where(named)))
    if status := f.get("status"):
        query = query.where(Document.status == status)
    if kind := f.get("kind"):
        query = query.where(or_(Document.kind == kind, Document.media_type.contains(kind)))
    if name := f.get("name"):
        query = query.where(Document.name.ilike(like(name), escape="\\"))
    if contains := f.get("contains"):
        query = query.where(Document.markdown.ilike(like(contains), escape="\\"))
    if since := f.get("since"):
        query = query.where(Document.created_at >= since)
    if until := f.get("until"):
        query = query.where(Document.created_at < until)
    return query
