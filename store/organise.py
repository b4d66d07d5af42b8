"""What a person does to organise documents: tags added and removed by hand, and the trash
(a deleted document is kept, restorable, until it is purged). Reads and writes only; the
archived files are removed by the caller (``worker.editing``)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from docintel.store.mail import add_tags
from docintel.store.mail_schema import DocumentTag
from docintel.store.schema import Document, utcnow

TAG_MAX = 128  # document_tags.tag


class EditError(ValueError):
    """An edit a person must change (a tag too long, a type no profile has)."""


def clean_tag(text: str) -> str:
    """A tag as stored: its words joined by one space, at most TAG_MAX characters."""
    tag = re.sub(r"\s+", " ", text).strip()
    if not tag:
        raise EditError("a tag needs at least one character that is not a space")
    if len(tag) > TAG_MAX:
        raise EditError(f"a tag is at most {TAG_MAX} characters; this one has {len(tag)}")
    return tag


def tag(s: Session, doc_id: int, text: str) -> str:
    """Tag the document by hand (a rule may add it again, were it removed before)."""
    name = clean_tag(text)
    add_tags(s, doc_id, [name])
    doc = s.get(Document, doc_id)
    if doc is not None:
        forget_removal(doc, "tags", name)
    return name


def untag(s: Session, doc_id: int, text: str) -> bool:
    """Take a tag off by hand: whether the document had it. The removal is kept on the
    document, so that no rule gives the tag back when the document is read again."""
    name = clean_tag(text)
    done = s.execute(
        delete(DocumentTag).where(DocumentTag.document_id == doc_id, DocumentTag.tag == name)
    )
    doc = s.get(Document, doc_id)
    if done.rowcount and doc is not None:
        keep_removal(doc, "tags", name)
    return bool(done.rowcount)


# What a person took off a document ({"tags": [...], "correspondents": [key, ...]}), in
# its meta: a retry reads the document again and must not propose them again.
REMOVED = "removed_by_person"


def removed(doc: Document, what: str) -> list[str]:
    """The tags (``what="tags"``) or correspondents' keys a person took off ``doc``."""
    return list(((doc.meta or {}).get(REMOVED) or {}).get(what) or [])


def keep_removal(doc: Document, what: str, value: str) -> None:
    if value and value not in removed(doc, what):
        _set_removed(doc, what, [*removed(doc, what), value])


def forget_removal(doc: Document, what: str, *values: str) -> None:
    """A person gave it back: a rule or a proposal may give it too."""
    if set(values) & set(removed(doc, what)):
        _set_removed(doc, what, [v for v in removed(doc, what) if v not in values])


def _set_removed(doc: Document, what: str, values: list[str]) -> None:
    meta = dict(doc.meta or {})  # a new dict: the JSON column sees the change
    gone = {**(meta.get(REMOVED) or {}), what: values}
    meta[REMOVED] = {k: v for k, v in gone.items() if v}
    if not meta[REMOVED]:
        del meta[REMOVED]
    doc.meta = meta


def tag_counts(s: Session) -> dict[str, int]:
    """Every tag in use on a document not in the trash, with how many documents carry it."""
    rows = s.execute(
        select(DocumentTag.tag, func.count())
        .join(Document, Document.id == DocumentTag.document_id)
        .where(Document.deleted_at.is_(None))
        .group_by(DocumentTag.tag)
        .order_by(DocumentTag.tag)
    )
    return {name: count for name, count in rows}


def tags_by_document(s: Session, ids: list[int]) -> dict[int, list[str]]:
    """The tags of each of ``ids``, in one query (a listing's rows show them)."""
    found: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        rows = s.execute(
            select(DocumentTag.document_id, DocumentTag.tag)
            .where(DocumentTag.document_id.in_(ids))
            .order_by(DocumentTag.tag)
        )
        for doc_id, name in rows:
            found[doc_id].append(name)
    return found


def family(s: Session, doc_id: int) -> list[int]:
    """The document and everything that came out of it (a mail's attachments, an archive's
    members, theirs in turn): they go to the trash and come back together."""
    ids, frontier = [doc_id], [doc_id]
    while frontier:
        frontier = list(s.scalars(select(Document.id).where(Document.parent_id.in_(frontier))))
        ids += frontier
    return ids


def to_trash(s: Session, doc: Document, when: datetime | None = None) -> list[int]:
    """Put ``doc`` and its family in the trash (those already there keep their time)."""
    ids = family(s, doc.id)
    s.execute(
        update(Document)
        .where(Document.id.in_(ids), Document.deleted_at.is_(None))
        .values(deleted_at=when or utcnow())
    )
    return ids


def from_trash(s: Session, doc: Document) -> list[int]:
    """Take ``doc`` out of the trash with what was deleted with it (same time)."""
    if doc.deleted_at is None:
        return []
    ids = family(s, doc.id)
    s.execute(
        update(Document)
        .where(Document.id.in_(ids), Document.deleted_at == doc.deleted_at)
        .values(deleted_at=None)
    )
    return ids


def expired(s: Session, days: int, now: datetime | None = None) -> list[Document]:
    """The documents in the trash for ``days`` or longer, children before their parents."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    docs = list(
        s.scalars(
            select(Document)
            .where(Document.deleted_at.is_not(None), Document.deleted_at <= cutoff)
            .order_by(Document.id.desc())
        )
    )
    return docs


def forget(s: Session, doc: Document) -> str | None:
    """Delete the row of ``doc`` (what hangs off it goes by cascade); the archived file it
    leaves behind, where no other document keeps it."""
    s.execute(
        update(Document).where(Document.duplicate_of_id == doc.id).values(duplicate_of_id=None)
    )
    s.execute(update(Document).where(Document.parent_id == doc.id).values(parent_id=None))
    path = doc.archive_path
    s.delete(doc)
    s.flush()
    if path and s.scalar(select(func.count()).where(Document.archive_path == path)):
        return None
    return path
