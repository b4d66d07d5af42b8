"""What a finishing document is given to be found by: its correspondent, proposed from its
profile's party field (the invoice's vendor, the receipt's merchant) or, where the profile
has none, a field named like one or the first organisation it names; and the tags of the
rules it matches. Both are in its audit trail (step ``organise``), each rule by name."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from docintel.config import Settings
from docintel.pipeline.profiles import profiles_for
from docintel.pipeline.profiles.teach import party_field
from docintel.store.correspondents import assign, find, get_or_create, key_of
from docintel.store.mail import add_tags, tags_of
from docintel.store.organise import EditError, removed
from docintel.store.records import audit
from docintel.store.schema import Document, Entity, ProfileField
from docintel.store.tag_rules import matching_rules

# Fields that name who a document is from, where a profile marks no party field.
PARTY_NAMES = ("vendor", "issuer", "sender", "supplier", "seller", "merchant", "company")


def organise_finished(s: Session, settings: Settings, doc: Document, sha256: str) -> None:
    """Give ``doc`` its correspondent (where a person or a mail rule gave none) and the
    tags of the rules it matches."""
    said: list[tuple[str, str]] = []  # (what, audit status)
    if doc.correspondent_id is None and (found := _propose_correspondent(s, settings, doc)):
        said.append((found, "ok"))
    rules, unreadable = matching_rules(s, doc)
    for name, why in unreadable.items():
        said.append((f"rule {name!r} skipped: {why}; correct it: `docintel tag-rules`", "warning"))
    taken_off = removed(doc, "tags")
    for rule in rules:
        when = _conditions(rule.doc_type, rule.condition, rule.correspondent)
        if rule.tag in taken_off:  # a person's removal stands over a rule, retry or not
            why = f"tag {rule.tag!r} of rule {rule.name!r} not added: a person removed it"
            said.append((f"{why}; {'; '.join(when)}", "ok"))
            continue
        had = rule.tag in tags_of(s, doc.id)
        add_tags(s, doc.id, [rule.tag])
        verb = "kept" if had else "added"
        said.append((f"tag {rule.tag!r} {verb} by rule {rule.name!r}; {'; '.join(when)}", "ok"))
    for n, (content, status) in enumerate(said):
        audit(
            s,
            run=sha256,
            document_id=doc.id,
            step="organise",
            seq=n,
            content=content,
            status=status,
        )


def _conditions(doc_type: str | None, condition: str | None, who: str | None) -> list[str]:
    return [
        text
        for text in (
            doc_type and f"type is {doc_type}",
            condition and f"{condition} holds",
            who and f"correspondent names {who!r}",
        )
        if text
    ]


def _propose_correspondent(s: Session, settings: Settings, doc: Document) -> str:
    taken_off = set(removed(doc, "correspondents"))
    for name, source in _candidates(s, settings, doc):
        known = find(s, name)
        if taken_off & {key_of(name), known.key if known else ""}:
            # a person took it off this document (by this name, or one merged into it)
            return f"correspondent {name!r} from {source} not proposed: a person removed it"
        try:
            found = known or get_or_create(s, name)
        except EditError:
            continue  # no letters: the next candidate
        assign(s, doc, found)
        return f"correspondent {found.name!r} (correspondent {found.id}), from {source}"
    return ""


def _candidates(s: Session, settings: Settings, doc: Document) -> list[tuple[str, str]]:
    """Names the document is from, best first, each with where it was read."""
    found: list[tuple[str, str]] = []
    if doc.correspondent:  # a mail rule named it
        found.append((doc.correspondent, "the rule that brought it"))
    profile = profiles_for(settings)[0].get(doc.doc_type or "")
    party = party_field(profile) if profile else None
    wanted = [party.name] if party else list(PARTY_NAMES)
    # a document of no profile's type has no profile fields: no query to learn it
    rows = (
        s.execute(
            select(ProfileField.field, ProfileField.corrected, ProfileField.normalized)
            .where(ProfileField.document_id == doc.id, ProfileField.row == 0)
            .where(ProfileField.field.in_(wanted))
        ).all()
        if profile is not None
        else []
    )
    by_field = {f: corrected or normalized for f, corrected, normalized in rows}
    found += [(by_field[f], f"the field {f}") for f in wanted if by_field.get(f)]
    if party is None:
        orgs = s.scalars(
            select(Entity.name)
            .where(Entity.document_id == doc.id, Entity.type == "organization")
            .order_by(Entity.id)
        )
        found += [(n, "the organisation it names") for n in orgs if key_of(n)]
    return found
