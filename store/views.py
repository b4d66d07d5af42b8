"""Saved inbox views: a filter set (what the inbox's filter form sends) under a name, one
list per owner (a user's name, or a token's for a token made before users)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from docintel.store.users_schema import SavedView

# The inbox's filters a view keeps, in the order its link carries them, with what each
# means: the API's schemas describe a view's filters from this, so a key added here is
# documented there too.
FILTERS = {
    "q": "the words searched for",
    "mode": "how q is searched: text (the default) or similar (by meaning)",
    "status": "the document's status (done, failed, queued, ...)",
    "type": "the document's kind (pdf, image, audio, table, text, mail, archive, ...)",
    "tag": "a tag the document carries",
    "correspondent": "a correspondent's id",
    "trash": "true: the documents in the trash instead",
}
KEYS = tuple(FILTERS)


def described() -> str:
    """Every filter a view keeps, with its meaning, in words (for the API's schemas)."""
    return "; ".join(f"{key}: {meaning}" for key, meaning in FILTERS.items())


NAME_MAX = 128  # saved_views.name


class ViewError(ValueError):
    """A view request a person can correct (no name, an unknown filter, no such view)."""


def clean(filters: dict[str, Any]) -> dict[str, str]:
    """The filters a view keeps: the known ones that are set, as text; an unknown one is
    refused by name rather than dropped without a word."""
    unknown = sorted(set(filters) - set(KEYS))
    if unknown:
        raise ViewError(f"unknown filter(s) {', '.join(unknown)}: a view keeps {', '.join(KEYS)}")
    kept = {k: str(filters[k]).strip() for k in KEYS if filters.get(k) not in (None, "", False)}
    if kept.get("mode") == "text" or not kept.get("q"):
        kept.pop("mode", None)  # the default, or nothing to search
    if kept.get("trash") not in (None, "true", "True", "1"):
        kept.pop("trash")
    elif "trash" in kept:
        kept["trash"] = "true"
    return kept


def save_view(session: Session, owner: str, name: str, filters: dict[str, Any]) -> dict:
    """Saves (or replaces) ``owner``'s view ``name``."""
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise ViewError(f"a view needs a name of 1 to {NAME_MAX} characters")
    kept = clean(filters)
    row = session.scalar(select(SavedView).where(SavedView.owner == owner, SavedView.name == name))
    if row is None:
        session.add(SavedView(owner=owner, name=name, filters=kept))
    else:
        row.filters = kept
    session.flush()
    return {"name": name, "filters": kept}


def list_views(session: Session, owner: str) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(SavedView).where(SavedView.owner == owner).order_by(SavedView.name)
    )
    return [{"name": v.name, "filters": dict(v.filters)} for v in rows]


def remove_view(session: Session, owner: str, name: str) -> None:
    done = session.execute(
        delete(SavedView).where(SavedView.owner == owner, SavedView.name == name)
    )
    if not done.rowcount:  # type: ignore[attr-defined]
        raise ViewError(f"no saved view named {name!r}")
