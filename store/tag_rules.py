"""Rules that tag a document as it finishes: a tag, and conditions that must all hold (the
document's type, a field condition as `docintel query --where` reads it, its correspondent
or mail sender containing some words). The tags go on with ``store.mail.add_tags``, as a
mail rule's do; the worker (``worker.organising``) records which rule added which."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from docintel.store.correspondents import key_of
from docintel.store.organise import EditError, clean_tag
from docintel.store.organise_schema import TagRule
from docintel.store.profiles import Condition, ConditionError, where_fields
from docintel.store.schema import Document


def add_rule(
    s: Session,
    name: str,
    tag: str,
    *,
    doc_type: str | None = None,
    condition: str | None = None,
    correspondent: str | None = None,
) -> TagRule:
    """A new rule; ``ConditionError`` for a condition that cannot be read, ``EditError``
    for a rule without a condition or with a name taken."""
    name = name.strip()
    if not name or len(name) > 128:
        raise EditError("a rule needs a name of 1 to 128 characters")
    if s.scalar(select(TagRule.id).where(TagRule.name == name)) is not None:
        raise EditError(f"there is a rule named {name!r} already")
    doc_type, condition, correspondent = (
        (v or "").strip() or None for v in (doc_type, condition, correspondent)
    )
    if not (doc_type or condition or correspondent):
        raise EditError(
            "a rule needs a condition: a type, a field condition ('total > 1000') or a "
            "correspondent; without one it would tag every document"
        )
    if condition:
        Condition.parse(condition)  # read now: a rule that cannot be read is never stored
    rule = TagRule(
        name=name,
        tag=clean_tag(tag),
        doc_type=doc_type,
        condition=condition,
        correspondent=correspondent,
        enabled=True,
    )
    s.add(rule)
    s.flush()
    return rule


def remove_rule(s: Session, ref: str) -> bool:
    found = rule_by_ref(s, ref)
    if found is None:
        return False
    s.execute(delete(TagRule).where(TagRule.id == found.id))
    return True


def rule_by_ref(s: Session, ref: str) -> TagRule | None:
    if ref.isdigit():
        found = s.get(TagRule, int(ref))
        if found is not None:
            return found
    return s.scalar(select(TagRule).where(TagRule.name == ref))


def all_rules(s: Session) -> list[TagRule]:
    return list(s.scalars(select(TagRule).order_by(TagRule.name)))


def rule_dict(rule: TagRule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "tag": rule.tag,
        "doc_type": rule.doc_type,
        "condition": rule.condition,
        "correspondent": rule.correspondent,
        "enabled": rule.enabled,
    }


def matches(s: Session, rule: TagRule, doc: Document) -> bool:
    """Whether every condition of ``rule`` holds for ``doc`` (its fields as stored, a
    person's corrections counted)."""
    if rule.doc_type and rule.doc_type != doc.doc_type:
        return False
    if rule.correspondent and not _names_match(rule.correspondent, _names_of(s, doc)):
        return False
    if rule.condition:
        query = where_fields(
            select(Document.id).where(Document.id == doc.id),
            None,
            [Condition.parse(rule.condition)],
        )
        if s.scalar(query) is None:
            return False
    return True


def _names_of(s: Session, doc: Document) -> list[str]:
    """Who the document is from: its correspondent, and the sender of the mail it is (or
    that it is an attachment of)."""
    mail = (doc.meta or {}).get("mail")
    if mail is None and doc.parent_id is not None:
        parent = s.get(Document, doc.parent_id)
        mail = (parent.meta or {}).get("mail") if parent is not None else None
    return [n for n in (doc.correspondent, (mail or {}).get("from")) if n]


def _names_match(wanted: str, names: list[str]) -> bool:
    """Words of ``wanted`` (folded as correspondents are) within one of the names."""
    key = key_of(wanted) or wanted.casefold()
    return any(f" {key} " in f" {key_of(n)} " or key in n.casefold() for n in names)


def matching_rules(s: Session, doc: Document) -> tuple[list[TagRule], dict[str, str]]:
    """The enabled rules ``doc`` meets, and the rules that cannot be read any more (their
    field condition), by name, with why: those are skipped, the document still finishes."""
    found, unreadable = [], {}
    for rule in all_rules(s):
        try:
            if rule.enabled and matches(s, rule, doc):
                found.append(rule)
        except ConditionError as exc:
            unreadable[rule.name] = str(exc)
    return found, unreadable
