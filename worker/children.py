"""Documents inside documents: an e-mail's attachments and an archive's members, stored
content-addressed and recorded as children of the document they came out of. A member whose
bytes are already known is linked to that document, not processed again; a refused member
is named on the parent with the reason."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from docintel.config import Settings
from docintel.pipeline.route import Routed
from docintel.pipeline.route.archives import Entry, Limits, archive_entries
from docintel.store.archive import TooLarge, store_stream
from docintel.store.mail import inherit_from_parent
from docintel.store.records import add_warnings, document_by_sha
from docintel.store.schema import IN_FLIGHT, Document, Extraction, Status, utcnow


def register_children(s: Session, doc: Document, routed: Routed, settings: Settings) -> list[str]:
    """Store and record ``doc``'s members; the sha256s of the new ones, to be sent."""
    if routed.kind not in ("mail", "archive"):
        return []
    depth = int((doc.meta or {}).get("depth", 0))
    limits = Limits(
        depth,
        settings.archive_max_depth,
        settings.archive_max_members,
        settings.archive_max_total_mb * 2**20,
        settings.archive_max_ratio,
    )
    known = {
        name for (name,) in s.execute(select(Document.member).where(Document.parent_id == doc.id))
    }  # a re-delivered route records each member once
    new: list[str] = []
    refused: list[str] = []
    budget = limits.max_total
    for entry in _entries(doc, routed, limits):
        if entry.refused:
            refused.append(f"{entry.name}: refused, {entry.refused}")
            continue
        if entry.name in known:
            continue
        assert entry.stream is not None
        try:
            sha, path, size = store_stream(settings.archive_dir, entry.name, entry.stream, budget)
        except TooLarge:
            refused.append(f"{entry.name}: refused, more bytes than the archive's limits allow")
            continue
        budget -= size
        child = _child(s, doc, entry.name, sha, path, size, depth + 1)
        if child.status == Status.queued.value:
            new.append(sha)
    if refused:
        add_warnings(s, doc, refused)
    return new


def _entries(doc: Document, routed: Routed, limits: Limits) -> Iterator[Entry]:
    if routed.kind == "mail":
        if limits.depth >= limits.max_depth:
            name = routed.members[0].name if routed.members else "attachments"
            yield Entry(name, 0, refused=f"nested {limits.depth} deep, at the depth limit")
            return
        for member in routed.members:
            yield Entry(member.name, len(member.data), io.BytesIO(member.data))
        return
    yield from archive_entries(Path(doc.archive_path or ""), routed.media_type, limits)


def _child(
    s: Session, parent: Document, member: str, sha: str, path: Path, size: int, depth: int
) -> Document:
    name = PurePosixPath(member.replace("\\", "/")).name or member
    existing = document_by_sha(s, sha)
    child = Document(
        sha256=sha,
        name=name,
        size=size,
        source_path=f"{parent.name}/{member}",
        parent_id=parent.id,
        member=member,
        archive_path=str(path.resolve()),
        warnings=[],
        meta={"depth": depth},
    )
    if existing is not None:
        child.status, child.duplicate_of_id = Status.duplicate.value, existing.id
        child.kind, child.media_type = existing.kind, existing.media_type
        child.finished_at = utcnow()
        child.warnings = [f"same content as document {existing.id} ({existing.name})"]
    else:
        child.status, child.queued_at = Status.queued.value, utcnow()
    s.add(child)
    s.flush()
    inherit_from_parent(s, parent, child)  # a mail rule's tags, correspondent and type
    return child


def known_children(s: Session, doc: Document) -> list[str]:
    """The sha256s of ``doc``'s members whose bytes another document brought first."""
    return list(
        s.scalars(
            select(Document.sha256).where(
                Document.parent_id == doc.id, Document.status == Status.duplicate.value
            )
        )
    )


def attachment_summaries(s: Session, doc: Document) -> str:
    """A mail's attachments as its agent step reads them: name, type and summary of each;
    an attachment whose bytes another document brought first is read as that document.
    What is said is what is known: read (with its summary, or that it has none), failed
    (and why), or not read yet (still in flight)."""
    if doc.kind != "mail":
        return ""
    original = aliased(Document)
    rows = s.execute(
        select(
            Document.name,
            func.coalesce(original.doc_type, Document.doc_type),
            func.coalesce(original.status, Document.status),
            func.coalesce(original.error, Document.error),
            Extraction.summary,
        )
        .outerjoin(original, original.id == Document.duplicate_of_id)
        .outerjoin(
            Extraction,
            Extraction.document_id == func.coalesce(Document.duplicate_of_id, Document.id),
        )
        .where(Document.parent_id == doc.id)
        .order_by(Document.id)
    ).all()
    if not rows:
        return ""
    lines = [
        f"- {name} ({doc_type or status}): {_what_is_known(status, error, summary)}"
        for name, doc_type, status, error, summary in rows
    ]
    return "## Attachments\n\n" + "\n".join(lines)


def _what_is_known(status: str, error: str | None, summary: str | None) -> str:
    if status == Status.failed.value:
        return f"could not be read: {error}" if error else "could not be read"
    if summary:
        return summary
    if status in IN_FLIGHT or status == Status.received.value:
        return "not read yet"
    # said "not read yet" before, as of one still in flight: 19 attachments of the 48 real
    # mails of bench/real/email, and 8 more that had failed, misled the mail's reader
    return "read; nothing to sum up"
