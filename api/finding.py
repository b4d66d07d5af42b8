"""Finding things in the inbox: a search's passage with the words searched for marked, a
document's small picture (thumbnail) beside its name, and the attachments and archive
members listed under the document they came in."""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, Response
from markupsafe import Markup, escape

from docintel.api.auth import caller
from docintel.api.documents import row
from docintel.api.media import thumbnail_png
from docintel.config import Settings
from docintel.store.db import session_scope
from docintel.store.queries import child_counts, list_documents

router = APIRouter(prefix="/v1/documents", tags=["documents"])


def marked(text: str | None, spans: list[list[int]] | None) -> Markup:
    """``text`` escaped, with each [start, end) span of ``spans`` inside <mark>. Escaping
    comes first, piece by piece: a document's own text never becomes markup, and the
    offsets (into the text as stored, not as escaped) stay right."""
    text = text or ""
    out: list[str] = []
    at = 0
    for start, end in sorted(spans or []):
        if start < at or end > len(text) or start >= end:
            continue  # overlapping or out of range: leave that word unmarked
        out.append(escape(text[at:start]))
        out.append(Markup("<mark>") + escape(text[start:end]) + Markup("</mark>"))
        at = end
    out.append(escape(text[at:]))
    return Markup("").join(out)


def next_page(cursor: int | None, **shown: Any) -> str | None:
    """The link to a listing's next page with the filters it was asked for; a filter not
    set is left out (an empty ``trash=`` was a 422: 'More results' led nowhere)."""
    if cursor is None:
        return None
    return "/?" + urlencode({"cursor": cursor, **{k: v for k, v in shown.items() if v}})


def under_parents(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A page's rows with each child (an attachment, an archive member) moved right after
    its parent where the parent is on the page, keeping the page's order otherwise; a
    child whose parent is elsewhere stays where it is (its row names the parent). Each row
    gets its ``depth``; a parent with children not shown (``more_children``) is followed
    by a row that says how many and links its page."""
    shown = {d["id"] for d in docs}
    children: dict[int, list[dict[str, Any]]] = {}
    for d in docs:
        if d.get("parent_id") in shown:
            children.setdefault(d["parent_id"], []).append(d)
    ordered: list[dict[str, Any]] = []

    def add(d: dict[str, Any], depth: int) -> None:
        ordered.append({**d, "depth": depth})
        for child in sorted(children.get(d["id"], []), key=lambda c: c["id"]):
            add(child, depth + 1)
        if d.get("more_children"):
            ordered.append({"more": d["more_children"], "of": d, "depth": depth + 1})

    for d in docs:
        if d.get("parent_id") not in shown:
            add(d, 0)
    return ordered


def with_children(
    settings: Settings, docs: list[dict[str, Any]], trashed: bool
) -> list[dict[str, Any]]:
    """A page of top-level documents with what came in each (an e-mail's attachments, an
    archive's members, and theirs in turn) listed under it: up to CHILDREN_SHOWN of each,
    then a row that says how many more its own page lists."""
    found = [dict(d) for d in docs]
    level = found
    with session_scope(settings.db_url) as s:
        for _ in range(MAX_DEPTH):
            counts = child_counts(s, [d["id"] for d in level], trashed)
            if not counts:
                break
            for parent in level:
                if parent["id"] in counts:
                    parent["more_children"] = max(0, counts[parent["id"]] - CHILDREN_SHOWN)
            # every parent's newest children in one query: one per level, not per parent
            level = list_documents(
                s,
                parents=list(counts),
                per_parent=CHILDREN_SHOWN,
                trashed=trashed,
                limit=len(counts) * CHILDREN_SHOWN,
            )
            found += level
    return under_parents(found)


# How deep the inbox follows archives inside e-mails inside archives, and how many of one
# document's children it lists under it (the rest are on the document's own page).
MAX_DEPTH = 4
CHILDREN_SHOWN = 10


@router.get(
    "/{ref}/thumbnail",
    dependencies=[Depends(caller)],
    response_class=Response,
    responses={
        200: {
            "description": "A PDF's or an image's first page as a small PNG (made once, then "
            "cached); for any other kind, an SVG icon naming the kind.",
            "content": {"image/png": {}, "image/svg+xml": {}},
        }
    },
)
def thumbnail(request: Request, ref: str) -> Response:
    """The document's small picture for a listing: its first page where it has pages to
    draw, else an icon of its kind."""
    settings = request.app.state.settings
    doc = row(settings, ref)
    if doc.kind in ("pdf", "image"):
        try:
            path = thumbnail_png(settings, doc)
        except ValueError:
            pass  # a page that cannot be drawn: the kind's icon
        else:
            # a document's content never changes under its id: a browser keeps it a week
            return FileResponse(
                path, media_type="image/png", headers={"Cache-Control": "private, max-age=604800"}
            )
    svg = icon(doc.kind)
    # the kind is known once the document was read: asked again each time, answered 304
    tag = '"' + hashlib.sha256(svg.encode()).hexdigest()[:16] + '"'
    headers = {"Cache-Control": "private, no-cache", "ETag": tag}
    if request.headers.get("if-none-match") == tag:
        return Response(status_code=304, headers=headers)
    return Response(svg, media_type="image/svg+xml", headers=headers)


# The label on each kind's icon (a kind not read yet: a blank page).
LABELS = {"audio": "♪", "table": "CSV", "text": "TXT", "mail": "@", "archive": "ZIP"}


def icon(kind: str | None) -> str:
    """A page with a folded corner and the kind's label: an icon for a kind with no page
    image, drawn here so it needs no file and names the kind in its <title>."""
    label = escape(LABELS.get(kind or "", (kind or "").upper()[:4]))
    title = escape(kind or "not read yet")
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="48" height="64" viewBox="0 0 48 64">'
        f"<title>{title}</title>"
        '<path d="M2 2h30l14 14v46H2z" fill="#f4f6f8" stroke="#8795a1" stroke-width="2"/>'
        '<path d="M32 2v14h14" fill="none" stroke="#8795a1" stroke-width="2"/>'
        f'<text x="24" y="46" font-family="sans-serif" font-size="13" font-weight="700" '
        f'text-anchor="middle" fill="#44515e">{label}</text></svg>'
    )
