"""Saved views: the inbox's filters under a name, listed in the inbox's sidebar with how
many documents each holds, opened by a click (a link to the inbox so filtered). One
function turns the inbox's query parameters into the listing's filters, for the inbox and
for the views' counts alike. API: GET /v1/views, PUT and DELETE /v1/views/{name}; the
page's forms: POST /views, POST /views/{name}/remove. A view is its caller's own: a viewer
may save views too (they change no document)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from docintel.api.auth import caller, credential, resolve_caller
from docintel.config import Settings
from docintel.store.db import session_scope
from docintel.store.profiles import ConditionError
from docintel.store.tokens import Caller
from docintel.store.views import ViewError, described, list_views, remove_view, save_view
from docintel.worker.listing import Filters, document_count

router = APIRouter(tags=["views"])
# A view's count stops here ("500+"): the sidebar answers at once however big the inbox.
COUNT_CAP = 500


def listing_filters(
    q: str | None,
    mode: str,
    status: str | None,
    kind: str | None,
    tag: str | None,
    trash: bool,
    correspondent: int | None = None,
) -> Filters:
    """The inbox's query parameters as the listing's filters."""
    filters = Filters(
        status=status or None,
        kind=kind or None,
        tags=[tag] if tag else [],
        trashed=trash,
        correspondent=correspondent,
        # unfiltered, an attachment or an archive member is listed under what it came in
        top_level=not (q or status or kind or tag or correspondent),
    )
    if q and mode == "similar":
        filters.similar = q
    elif q:
        filters.search = q
    return filters


def view_filters(kept: dict[str, str]) -> Filters:
    return listing_filters(
        kept.get("q"),
        kept.get("mode", "text"),
        kept.get("status"),
        kept.get("type"),
        kept.get("tag"),
        kept.get("trash") == "true",
        int(kept["correspondent"]) if kept.get("correspondent", "").isdigit() else None,
    )


def view_url(kept: dict[str, str]) -> str:
    return "/?" + urlencode(kept) if kept else "/"


def counted_views(settings: Settings, owner: str) -> list[dict[str, Any]]:
    """The owner's views, each with its link and its count (text: "12", or "500+")."""
    with session_scope(settings.db_url) as s:
        views = list_views(s, owner)
    for view in views:
        try:
            # a COUNT, not the summaries of up to COUNT_CAP documents per view per page load
            count = document_count(settings, view_filters(view["filters"]), COUNT_CAP)
        except ConditionError:
            count = 0
        view["count"] = f"{COUNT_CAP}+" if count > COUNT_CAP else str(count)
        view["url"] = view_url(view["filters"])
    return views


def sidebar_views(request: Request) -> list[dict[str, Any]]:
    """For the inbox's template: the signed-in caller's views with their counts."""
    state = request.app.state
    who = resolve_caller(state.settings, state.logins, credential(request))
    return counted_views(state.settings, who.name) if who is not None else []


class SavedViewOut(BaseModel):
    name: str
    filters: dict[str, str] = Field(description="the filters kept, any of: " + described())
    count: str = Field(description=f"documents in the view: a number, or {COUNT_CAP}+")
    url: str = Field(description="the inbox so filtered")


class SavedViewSaved(BaseModel):
    name: str
    filters: dict[str, str]


class ViewBody(BaseModel):
    filters: dict[str, Any] = Field(
        default_factory=dict,
        description="any of: " + described(),
    )


@router.get("/v1/views", response_model=list[SavedViewOut])
def views_api(request: Request, who: Caller = Depends(caller)) -> list[dict[str, Any]]:
    """The caller's saved views, each with its filters, inbox link and count."""
    return counted_views(request.app.state.settings, who.name)


@router.put("/v1/views/{name}", response_model=SavedViewSaved)
def save_view_api(
    request: Request, name: str, body: ViewBody, who: Caller = Depends(caller)
) -> dict[str, Any]:
    """Saves the caller's view ``name`` (replacing one of that name)."""
    try:
        with session_scope(request.app.state.settings.db_url) as s:
            return save_view(s, who.name, name, body.filters)
    except ViewError as exc:
        raise HTTPException(422, str(exc)) from exc


@router.delete("/v1/views/{name}")
def remove_view_api(request: Request, name: str, who: Caller = Depends(caller)) -> dict:
    try:
        with session_scope(request.app.state.settings.db_url) as s:
            remove_view(s, who.name, name)
    except ViewError as exc:
        raise HTTPException(404, str(exc)) from exc
    return {"removed": name}


@router.post("/views", include_in_schema=False)
async def save_view_form(request: Request, who: Caller = Depends(caller)) -> Response:
    """The inbox's "Save this view" form: the name and the filters shown; then the view."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    name = form.pop("view_name", "")
    try:
        with session_scope(request.app.state.settings.db_url) as s:
            saved = save_view(s, who.name, name, form)
    except ViewError as exc:
        raise HTTPException(422, str(exc)) from exc
    return RedirectResponse(view_url(saved["filters"]), status_code=303)


@router.post("/views/{name}/remove", include_in_schema=False)
def remove_view_form(request: Request, name: str, who: Caller = Depends(caller)) -> Response:
    remove_view_api(request, name, who)
    return RedirectResponse("/", status_code=303)
