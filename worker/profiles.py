"""The agent step's profile part, and re-extraction: the document's type and its profile's
fields from the stored content, so a changed profile is applied without reading a page or
a second of audio again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from docintel.config import Settings
from docintel.models.embedding import embedder_for
from docintel.models.runtime import Engine
from docintel.pipeline.profiles import Profile, profiles_for, read_profile_fields
from docintel.pipeline.types import AuditEntry, Classification, DocumentContent, FieldValue
from docintel.store.db import session_scope
from docintel.store.records import add_warnings, audit, save_fields
from docintel.store.schema import Document, Status
from docintel.worker.content import document_content
from docintel.worker.teaching import taught_hints

if TYPE_CHECKING:
    from docintel.pipeline.agent.loop import Retrieve

# (embedder, text) -> vector: the profiles' descriptions are embedded once per process
_VECTORS: dict[tuple[str, str], list[float]] = {}
KEPT_VECTORS = 256  # then the cache starts again (each document's opening is one more)


def kept_vectors(embedder: Any, texts: list[str]) -> list[list[float]]:
    """The vectors of ``texts``, those embedded before taken from the cache. The answer is
    built from what this call found and embedded, never read back from the cache: the cache
    is emptied when it is full (after ~250 documents in one process), which may happen in
    the middle of a call or in another thread's call (embedded ``up`` runs several)."""
    found = {t: _VECTORS.get((embedder.name, t)) for t in texts}
    missing = [t for t, vector in found.items() if vector is None]
    if missing:
        if len(_VECTORS) + len(missing) > KEPT_VECTORS:
            _VECTORS.clear()
        for text, vector in zip(missing, embedder.embed(missing), strict=True):
            _VECTORS[(embedder.name, text)] = found[text] = vector
    return [found[t] for t in texts]  # type: ignore[misc]


def save_profile_fields(
    s: Session,
    doc: Document,
    settings: Settings,
    content: DocumentContent,
    run: str,
    *,
    replace: bool = True,
    engine: Engine | None = None,
    retrieve: Retrieve | None = None,
) -> None:
    """Classify ``doc``, extract its profile's fields and write both, with the audit; on
    ``engine`` where it is a model, by the rules otherwise."""
    write_profile_fields(
        s, doc, profile_reading(s, doc, settings, content, engine, retrieve)(), run, replace
    )


ProfileRead = tuple[Classification, Profile | None, list[FieldValue], list[AuditEntry]]


def profile_reading(
    s: Session,
    doc: Document,
    settings: Settings,
    content: DocumentContent,
    engine: Engine | None = None,
    retrieve: Retrieve | None = None,
) -> Callable[[], ProfileRead]:
    """What the document's type and fields are read from, gathered from the database now
    (the profiles, a person's corrections, a preset type), and the reading itself to call:
    it touches no session, so the agent step runs it on another thread beside the
    entities (``tasks._agent``)."""
    profiles, broken = profiles_for(settings)
    if broken:
        add_warnings(s, doc, [broken])

    def embed(texts: list[str]) -> list[list[float]]:
        # loaded only when the words leave a doubt; the profiles' own vectors are kept
        return kept_vectors(embedder_for(settings), texts)

    text = "\n".join(p.markdown or "" for p in content.pages) or content.markdown
    hints = taught_hints(s, text)  # a person's corrections of this correspondent first
    kind, set_type = doc.kind or "", preset(doc)

    def read() -> ProfileRead:
        return read_profile_fields(
            content, profiles, kind, engine, retrieve, settings, embed, hints, set_type
        )

    return read


def write_profile_fields(
    s: Session, doc: Document, read: ProfileRead, run: str, replace: bool = True
) -> None:
    found, profile, fields, events = read
    doc.doc_type, doc.doc_type_confidence = found.doc_type, found.confidence
    save_fields(
        s,
        doc.id,
        profile.name if profile else found.doc_type,
        profile.content_hash if profile else "",
        [f.as_row() for f in fields],
        replace=replace,
    )
    for event in events:
        audit(s, run=run, document_id=doc.id, **event)


def preset(doc: Document) -> Classification | None:
    """The type a person set (``meta["type_by_person"]``), else the type a mail rule set on
    the documents it brought (``meta["set"]``). A mail is not typed by a rule: its
    attachments are (they inherit it)."""
    if person := (doc.meta or {}).get("type_by_person"):
        return Classification(person, 1.0, ["set by a person"])
    rule_sets = (doc.meta or {}).get("set") or {}
    if not rule_sets.get("doc_type") or doc.kind == "mail":
        return None
    by = f"set by mail rule {rule_sets.get('rule', '')}".strip()
    return Classification(rule_sets["doc_type"], 1.0, [by])


def reextract(
    settings: Settings, doc_type: str | None = None, since: datetime | None = None
) -> list[dict[str, object]]:
    """Every finished document (of ``doc_type``, received since ``since``) classified and
    extracted again from its stored text and tables; what changed, per document."""
    query = select(Document.id).where(Document.status == Status.done.value)
    if doc_type:
        query = query.where(Document.doc_type == doc_type)
    if since:
        query = query.where(Document.created_at >= since)
    changed = []
    with session_scope(settings.db_url) as s:
        ids = list(s.scalars(query.order_by(Document.id)))
    for doc_id in ids:
        with session_scope(settings.db_url) as s:
            doc = s.get(Document, doc_id)
            assert doc is not None
            before = doc.doc_type
            save_profile_fields(s, doc, settings, document_content(s, doc), doc.sha256)
            after = doc.doc_type
            changed.append({"id": doc.id, "name": doc.name, "before": before, "after": after})
    return changed
