"""A person's notes on a document: free text, who wrote it and when."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from docintel.store.organise import EditError
from docintel.store.organise_schema import DocumentNote

NOTE_MAX = 10_000  # characters: a note, not a document


def add_note(s: Session, doc_id: int, author: str, text: str) -> DocumentNote:
    body = text.strip()
    if not body:
        raise EditError("a note needs some text")
    if len(body) > NOTE_MAX:
        raise EditError(f"a note is at most {NOTE_MAX} characters; this one has {len(body)}")
    note = DocumentNote(document_id=doc_id, author=author[:128], text=body)
    s.add(note)
    s.flush()
    return note


def delete_note(s: Session, doc_id: int, note_id: int) -> bool:
    """Whether the document had the note."""
    done = s.execute(
        delete(DocumentNote).where(DocumentNote.id == note_id, DocumentNote.document_id == doc_id)
    )
    return bool(done.rowcount)


def notes_of(s: Session, doc_id: int) -> list[dict[str, Any]]:
    """The document's notes, oldest first."""
    rows = s.scalars(
        select(DocumentNote)
        .where(DocumentNote.document_id == doc_id)
        .order_by(DocumentNote.created_at, DocumentNote.id)
    )
    return [as_dict(n) for n in rows]


def as_dict(note: DocumentNote) -> dict[str, Any]:
    return {
        "id": note.id,
        "document_id": note.document_id,
        "author": note.author,
        "text": note.text,
        "created_at": note.created_at.isoformat() if note.created_at else None,
    }
