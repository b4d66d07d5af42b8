"""A person's corrections teach a correspondent's layout: where the corrected value stands on
its document is kept (``layout_hints``), and that correspondent's next documents are read
there first. The pipeline finds the place (``profiles.teach``); this module loads what it
needs and writes what it found."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from docintel.config import Settings
from docintel.pipeline.profiles import profiles_for
from docintel.pipeline.profiles.reader import Hint
from docintel.pipeline.profiles.teach import fold, hint_for, mentioned, party_field
from docintel.store.records import audit
from docintel.store.schema import Document, LayoutHint, ProfileField, utcnow
from docintel.worker.content import document_content


def learn_from_corrections(
    s: Session, doc: Document, pairs: list[tuple[str, str]], settings: Settings
) -> list[str]:
    """What several corrections of one document teach, the correspondent's own first (a
    corrected vendor names whom the other fields are learned for)."""
    profiles, _ = profiles_for(settings)
    party = party_field(profiles[doc.doc_type]) if doc.doc_type in profiles else None
    ordered = sorted(pairs, key=lambda pair: party is None or pair[0] != party.name)
    said = [learn_from_correction(s, doc, field, value, settings) for field, value in ordered]
    if party is not None and pairs and party.name not in {field for field, _ in pairs}:
        said += _confirmed_name(s, doc, party.name, settings)
    return said


def _confirmed_name(s: Session, doc: Document, field: str, settings: Settings) -> list[str]:
    """A person who corrects a document's other fields and leaves its correspondent's name
    confirms it: the name is kept as written there, so that the correspondent's next
    documents are named so where another layout shows another name first. A name a person
    gave before is kept."""
    who = _party_value(s, doc.id, field)
    if not who or not fold(who):
        return []
    kept = s.scalar(
        select(LayoutHint).where(
            LayoutHint.correspondent == fold(who)[:200],
            LayoutHint.profile == doc.doc_type,
            LayoutHint.field == field,
        )
    )
    return [] if kept is not None else [learn_from_correction(s, doc, field, who, settings)]


def learn_from_correction(
    s: Session, doc: Document, field: str, value: str, settings: Settings
) -> str:
    """Keep where ``value`` (a person's value for ``field``) stands on ``doc``, for its
    correspondent; what was learned, in words."""
    profiles, _ = profiles_for(settings)
    profile = profiles.get(doc.doc_type or "")
    if profile is None or "." in field:
        return "nothing learned (no profile, or a line item)"
    party = party_field(profile)
    if party is None:
        return f"nothing learned (profile {profile.name} names no correspondent)"
    who = value if field == party.name else _party_value(s, doc.id, party.name)
    if not who or not fold(who):
        return "nothing learned: the document's correspondent is not known; correct it first"
    content = document_content(s, doc)
    hint = hint_for(profile, content, field, value)
    if hint is None:
        return f"nothing learned: {value!r} is not on the document as it was read"
    key = fold(who)[:200]
    row = s.scalar(
        select(LayoutHint).where(
            LayoutHint.correspondent == key,
            LayoutHint.profile == profile.name,
            LayoutHint.field == field,
        )
    )
    if row is None:
        row = LayoutHint(correspondent=key, profile=profile.name, field=field)
        s.add(row)
    row.label, row.place, row.example = hint.label[:500], hint.place, value
    row.document_id, row.created_at = doc.id, utcnow()
    where = "named" if hint.place == "name" else f"{hint.place.replace('_', ' ')} '{hint.label}'"
    said = f"learned for {who}: {field} is {where}"
    audit(s, run=doc.sha256, document_id=doc.id, step="correction", content=said)
    return said


def _party_value(s: Session, doc_id: int, field: str) -> str | None:
    row = s.scalar(
        select(ProfileField).where(
            ProfileField.document_id == doc_id, ProfileField.field == field, ProfileField.row == 0
        )
    )
    if row is None:
        return None
    return row.corrected if row.corrected is not None else row.normalized


def taught_hints(s: Session, text: str) -> tuple[Hint, ...]:
    """The hints of every correspondent the text names (the longest name first)."""
    keys = list(s.scalars(select(LayoutHint.correspondent).distinct()))
    found = mentioned(keys, text)
    if not found:
        return ()
    rows = s.scalars(select(LayoutHint).where(LayoutHint.correspondent.in_(found)))
    order = {key: n for n, key in enumerate(found)}
    return tuple(
        Hint(r.field, r.label, r.place, r.document_id, r.profile, r.example or "")
        for r in sorted(rows, key=lambda r: order[r.correspondent])
    )
