"""Correspondents: the organisation a document is from or to. A name is folded to a key
(case, accents, punctuation and the legal form gone), so 'ACME GmbH', 'Acme gmbh.' and
'ACME' are one correspondent; the names merged into one, and its names before a rename,
are kept as aliases and found again. ``documents.correspondent`` keeps the name in step
with ``documents.correspondent_id`` (the mail rules and the layout hints read the name)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from docintel.store.organise import EditError
from docintel.store.organise_schema import Correspondent, CorrespondentAlias
from docintel.store.schema import Document

NAME_MAX = 200  # correspondents.name, documents.correspondent

# Legal forms written after a name, folded (words only); the longest are tried first.
LEGAL_FORMS = sorted(
    (
        "gmbh", "gmbh co kg", "co kg", "kg", "ag", "ug", "e k", "ev", "e v", "mbh",
        "ltd", "limited", "plc", "llp", "llc", "inc", "incorporated", "corp", "corporation",
        "co", "company", "sa", "sas", "sarl", "eurl", "sasu", "sca", "snc",
        "bv", "nv", "vof", "srl", "spa", "sl", "slu", "oy", "oyj", "ab", "as", "asa", "aps",
        "kft", "sp z oo", "sro", "ek", "pty ltd", "pty", "lda", "se",
    ),
    key=len,
    reverse=True,
)  # fmt: skip


def clean_name(text: str) -> str:
    """A name as shown: its words joined by one space, without quotes or trailing commas."""
    name = re.sub(r"\s+", " ", text).strip(" \t,;:.\"'")
    if not name:
        raise EditError("a correspondent needs a name with at least one letter or digit")
    if len(name) > NAME_MAX:
        raise EditError(f"a correspondent's name is at most {NAME_MAX} characters")
    return name


def key_of(name: str) -> str:
    """The folded name: lower case, accents and punctuation gone, a legal form at the end
    gone ('ACME GmbH & Co. KG' -> 'acme'). A name that is only a legal form stays."""
    plain = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    plain = re.sub(r"\b(\w)\.(?=\w\b)", r"\1", plain)  # S.A.R.L. -> sarl., e.K. -> ek.
    words = " ".join(re.findall(r"\w+", plain.replace("&", " ")))
    for _ in range(3):  # 'GmbH & Co. KG': KG, then 'co', then GmbH
        for form in LEGAL_FORMS:
            if words.endswith(" " + form):
                words = words[: -len(form) - 1]
                break
        else:
            break
    return words[:NAME_MAX]


def find(s: Session, name: str) -> Correspondent | None:
    """The correspondent ``name`` is (by its key, or one of its aliases)."""
    key = key_of(name)
    if not key:
        return None
    found = s.scalar(select(Correspondent).where(Correspondent.key == key))
    if found is None:
        alias = select(CorrespondentAlias.correspondent_id).where(CorrespondentAlias.key == key)
        found = s.scalar(select(Correspondent).where(Correspondent.id.in_(alias)))
    return found


def get_or_create(s: Session, name: str) -> Correspondent:
    name = clean_name(name)
    found = find(s, name)
    if found is not None:
        return found
    if not key_of(name):
        raise EditError(f"{name!r} has no letter or digit to know a correspondent by")
    try:
        # two documents of a new correspondent finishing at once: one makes it, the
        # other's insert fails on the unique key and finds the one made
        with s.begin_nested():
            found = Correspondent(name=name, key=key_of(name))
            s.add(found)
    except IntegrityError:
        found = find(s, name)
        if found is None:
            raise
    return found


def by_ref(s: Session, ref: str | int) -> Correspondent | None:
    """A correspondent by its id, or by any of its names."""
    if isinstance(ref, int) or str(ref).isdigit():
        found = s.get(Correspondent, int(ref))
        if found is not None:
            return found
    return find(s, str(ref))


def assign(s: Session, doc: Document, correspondent: Correspondent | None) -> None:
    doc.correspondent_id = correspondent.id if correspondent else None
    doc.correspondent = correspondent.name if correspondent else None


def rename(s: Session, found: Correspondent, name: str) -> Correspondent:
    """Rename; the old name stays an alias (documents naming it are still matched)."""
    name = clean_name(name)
    other = find(s, name)
    if other is not None and other.id != found.id:
        raise EditError(
            f"{name!r} is correspondent {other.id} ({other.name}): merge the two instead"
        )
    _keep_alias(s, found.id, found.name)
    new_key = key_of(name) or found.key
    s.query(CorrespondentAlias).filter(CorrespondentAlias.key == new_key).delete()
    found.name, found.key = name, new_key
    s.execute(
        update(Document).where(Document.correspondent_id == found.id).values(correspondent=name)
    )
    s.flush()
    return found


def merge(s: Session, gone: Correspondent, into: Correspondent) -> int:
    """Move every document of ``gone`` to ``into``; ``gone``'s names become aliases of
    ``into``. The number of documents moved."""
    if gone.id == into.id:
        raise EditError("a correspondent cannot be merged into itself")
    moved = s.execute(
        update(Document)
        .where(Document.correspondent_id == gone.id)
        .values(correspondent_id=into.id, correspondent=into.name)
    ).rowcount
    s.execute(
        update(CorrespondentAlias)
        .where(CorrespondentAlias.correspondent_id == gone.id)
        .values(correspondent_id=into.id)
    )
    name, key = gone.name, gone.key
    s.delete(gone)
    s.flush()
    s.add(CorrespondentAlias(correspondent_id=into.id, name=name, key=key))
    s.flush()
    return moved


def _keep_alias(s: Session, correspondent_id: int, name: str) -> None:
    key = key_of(name)
    taken = s.scalar(select(CorrespondentAlias.id).where(CorrespondentAlias.key == key))
    if key and taken is None:
        s.add(CorrespondentAlias(correspondent_id=correspondent_id, name=name, key=key))


def listing(s: Session) -> list[dict[str, Any]]:
    """Every correspondent with its aliases and how many documents (outside the trash)
    it has, by name."""
    counts = dict(
        s.execute(
            select(Document.correspondent_id, func.count())
            .where(Document.correspondent_id.is_not(None), Document.deleted_at.is_(None))
            .group_by(Document.correspondent_id)
        ).all()
    )
    aliases: dict[int, list[str]] = {}
    for cid, name in s.execute(
        select(CorrespondentAlias.correspondent_id, CorrespondentAlias.name).order_by(
            CorrespondentAlias.name
        )
    ):
        aliases.setdefault(cid, []).append(name)
    rows = s.scalars(select(Correspondent).order_by(func.lower(Correspondent.name)))
    return [
        {
            "id": c.id,
            "name": c.name,
            "aliases": aliases.get(c.id, []),
            "documents": counts.get(c.id, 0),
        }
        for c in rows
    ]
