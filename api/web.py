"""The web page: the inbox (upload, live status, filters, one search box), a document
(each page image beside its text, tables and fields; a recording's player beside its
transcript; the extraction linked to its pages and seconds; the audit timeline; retry),
and ask. Server-rendered with Jinja2 from the same functions the API answers with; one
small script (static/app.js) does upload, live status, seeking and asking."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from docintel.api.auth import credential, resolve_caller
from docintel.api.finding import marked, next_page, under_parents, with_children
from docintel.store.correspondents import listing as correspondent_listing
from docintel.store.db import session_scope
from docintel.store.notes import notes_of
from docintel.store.organise import tag_counts
from docintel.store.profiles import ConditionError
from docintel.store.queries import parent_names
from docintel.store.tokens import Caller
from docintel.worker.listing import document_listing

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def clock(seconds: float | None) -> str:
    if seconds is None:
        return ""
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes:02d}:{secs:02d}"


def start_of(seconds: Any) -> float | None:
    """Where a field or an entity was said: a time, or a (start, end) span's start; None
    where it was not said (0.0 is the recording's first second, not 'nowhere')."""
    if seconds is None:
        return None
    if isinstance(seconds, list | tuple):
        return start_of(seconds[0]) if seconds else None
    try:
        return float(seconds)
    except (TypeError, ValueError):
        return None


def can_write(request: Request) -> bool:
    """Whether the caller may change things: the header links admin pages for them."""
    state = request.app.state
    found = resolve_caller(state.settings, state.logins, credential(request))
    return found is not None and not found.read_only


def human(slug: str | None) -> str:
    """A profile's or a field's name as a person reads it: purchase_order -> purchase order."""
    return (slug or "").replace("_", " ")


def plain(markdown: str | None) -> str:
    """A model's text without its Markdown marks (``**From:**``, ``# Title``, backticks): the
    page shows words, not the source of them."""
    text = re.sub(r"(\*\*|__|`)", "", markdown or "")
    return re.sub(r"(?m)^\s{0,3}#{1,6}\s+", "", text)


def without_tables(markdown: str | None) -> str:
    """Text with its Markdown tables taken out, where the page shows those tables rendered
    (a table written twice, once as pipes, is noise)."""
    lines = (markdown or "").splitlines()
    kept = [line for line in lines if not line.lstrip().startswith("|")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()


def columns_of(rows: list[dict[str, Any]]) -> list[str]:
    """A line-item table's columns, in the order they first appear."""
    return list(dict.fromkeys(c for cells in rows for c in cells))


templates.env.filters["clock"] = clock
templates.env.globals["can_write"] = can_write
templates.env.filters["start_of"] = start_of
templates.env.filters["human"] = human
templates.env.filters["plain"] = plain
templates.env.filters["columns_of"] = columns_of
templates.env.filters["without_tables"] = without_tables
templates.env.filters["marked"] = marked


def login_page(request: Request, error: str | None = None) -> HTMLResponse:
    return templates.TemplateResponse(
        request, "login.html", {"error": error}, status_code=401 if error else 200
    )


def signed_in(request: Request) -> bool:
    return who_is(request) is not None


def who_is(request: Request) -> Caller | None:
    state = request.app.state
    return resolve_caller(state.settings, state.logins, credential(request))


@router.get("/", response_class=HTMLResponse)
def inbox(
    request: Request,
    q: str | None = None,
    mode: str = "text",
    status: str | None = None,
    type: str | None = None,
    tag: str | None = None,
    correspondent: str | None = None,  # an id; the filter form sends "" for any
    trash: bool = False,
    cursor: int | None = None,
) -> Response:
    if not signed_in(request):
        return RedirectResponse("/login", status_code=303)
    from docintel.api.workspace import listing_filters
    from docintel.worker.editing import document_types

    settings = request.app.state.settings
    who_from = int(correspondent) if (correspondent or "").isdigit() else None
    filters = listing_filters(q, mode, status, type, tag, trash, who_from)
    try:
        docs, next_cursor = document_listing(settings, filters, settings.api_page_size, cursor)
    except ConditionError as exc:
        raise HTTPException(422, str(exc)) from exc
    with session_scope(settings.db_url) as s:
        tags = tag_counts(s)
        correspondents = correspondent_listing(s)
    return templates.TemplateResponse(
        request,
        "inbox.html",
        {
            "docs": with_children(settings, docs, trash)
            if filters.top_level
            else under_parents(docs),
            "tags": tags,
            "tag": tag or "",
            "correspondents": correspondents,
            "correspondent": who_from,
            "types": document_types(settings),
            "trash": trash,
            "trash_days": settings.trash_days,
            "next_page": next_page(
                next_cursor,
                status=status,
                type=type,
                tag=tag,
                correspondent=who_from,
                q=q,
                mode=q and mode,
                trash=trash,
            ),
            "q": q or "",
            "mode": mode,
            "status": status or "",
            "type": type or "",
            "max_mb": settings.max_file_mb,
        },
    )


@router.get("/documents/{ref}", response_class=HTMLResponse)
def document(request: Request, ref: str) -> Response:
    if not signed_in(request):
        return RedirectResponse("/login", status_code=303)
    from docintel.api.documents import load, row
    from docintel.api.media import has_page_image
    from docintel.worker.editing import document_types

    settings = request.app.state.settings
    try:
        result: dict[str, Any] = load(settings, ref)
    except HTTPException as exc:
        if exc.status_code != 404:
            raise
        return templates.TemplateResponse(
            request,
            "not_found.html",
            {
                "message": f"There is no document {ref!r}: it may have been deleted, or the "
                "link is wrong."
            },  # fmt: skip
            status_code=404,
        )
    doc = row(settings, ref)
    images = {p["page"] for p in result["pages"] if has_page_image(doc, p["page"])}
    who = who_is(request)
    with session_scope(settings.db_url) as s:
        known_tags = list(tag_counts(s))
        parent_name = parent_names(s, {doc.parent_id} if doc.parent_id else set())
        notes = notes_of(s, result["document"]["id"])
        known_correspondents = [c["name"] for c in correspondent_listing(s)]
    return templates.TemplateResponse(
        request,
        "document.html",
        {
            "r": result,
            "images": images,
            "can_edit": who is not None and not who.read_only,
            "types": document_types(settings),
            "known_tags": known_tags,
            "notes": notes,
            "known_correspondents": known_correspondents,
            "trash_days": settings.trash_days,
            "parent_name": parent_name.get(doc.parent_id or 0),
        },
    )


@router.get("/ask", response_class=HTMLResponse)
def ask_page(request: Request) -> Response:
    if not signed_in(request):
        return RedirectResponse("/login", status_code=303)
    return templates.TemplateResponse(request, "ask.html", {})
