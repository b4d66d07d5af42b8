"""The organise page: the correspondents (their documents, aliases; renamed and merged in
the page) and the rules that tag a finishing document (added and removed in the page).
The page's script makes the edits through the API (/v1/correspondents, /v1/tag-rules)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from docintel.api.web import signed_in, templates, who_is
from docintel.store.correspondents import listing
from docintel.store.db import session_scope
from docintel.store.tag_rules import all_rules, rule_dict

router = APIRouter(include_in_schema=False)


@router.get("/organise", response_class=HTMLResponse)
def organise_page(request: Request) -> Response:
    if not signed_in(request):
        return RedirectResponse("/login", status_code=303)
    from docintel.worker.editing import document_types

    settings = request.app.state.settings
    who = who_is(request)
    with session_scope(settings.db_url) as s:
        correspondents = listing(s)
        rules = [rule_dict(r) for r in all_rules(s)]
    return templates.TemplateResponse(
        request,
        "organise.html",
        {
            "correspondents": correspondents,
            "rules": rules,
            "types": document_types(settings),
            "can_edit": who is not None and not who.read_only,
        },
    )
