"""Signing in and the people who may: the login form (a user name and password, or a
token), logout, and the admin's Users page (/users: add and remove users, change a role,
make and revoke a user's tokens, each secret shown once). API: GET /v1/me, and for admins
GET and POST /v1/users, DELETE /v1/users/{name}. The page's forms post with the login
cookie, which is SameSite=strict: another site cannot post them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from docintel.api.auth import COOKIE, admin, caller, credential, refusal, resolve_caller
from docintel.api.web import login_page, templates
from docintel.api.workspace import sidebar_views
from docintel.store.db import session_scope
from docintel.store.tokens import ROLES, Caller, TokenError, create_token, list_tokens, revoke_token
from docintel.store.users import (
    NoSuchUser,
    UserError,
    add_user,
    authenticate,
    close_session,
    list_users,
    open_session,
    remove_user,
    set_role,
)

router = APIRouter(tags=["users"])
COOKIE_DAYS = 30


def role_in(request: Request, role: str) -> bool:
    """For the templates: whether the signed-in caller has ``role`` or a stronger one."""
    state = request.app.state
    who = resolve_caller(state.settings, state.logins, credential(request))
    return who is not None and who.may(role)


def signed_in_as(request: Request) -> Caller | None:
    state = request.app.state
    return resolve_caller(state.settings, state.logins, credential(request))


templates.env.globals["role_in"] = role_in
templates.env.globals["signed_in_as"] = signed_in_as
templates.env.globals["sidebar_views"] = sidebar_views


def _signed_in(secret: str) -> Response:
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        COOKIE, secret, httponly=True, samesite="strict", max_age=COOKIE_DAYS * 86400
    )
    return response


@router.post("/login", include_in_schema=False)
async def login_form(request: Request) -> Response:
    """A user name and password become a session; a token pasted instead is kept as is."""
    form = await request.form()
    state = request.app.state
    name = str(form.get("name") or "").strip()
    if name:
        password = str(form.get("password") or "")

        def check() -> str | None:
            with session_scope(state.settings.db_url) as s:
                user = authenticate(s, name, password)
                return open_session(s, user) if user is not None else None

        secret = await run_in_threadpool(check)  # argon2 takes a while: not on the event loop
        if secret is None:
            return login_page(request, "That user name and password do not match.")
        return _signed_in(secret)
    token = str(form.get("token") or "").strip()
    if not token or resolve_caller(state.settings, state.logins, token) is None:
        return login_page(request, "That token is not valid (or was revoked).")
    return _signed_in(token)


@router.get("/logout", include_in_schema=False)
def logout(request: Request) -> Response:
    """Signs out: a password login's session ends here, not only in this browser."""
    secret = request.cookies.get(COOKIE)
    if secret:
        with session_scope(request.app.state.settings.db_url) as s:
            close_session(s, secret)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response


def _users_page(request: Request, status: int = 200, **extra: Any) -> Response:
    who = signed_in_as(request)
    if who is None:
        return RedirectResponse("/login", status_code=303)
    if not who.may("admin"):
        return templates.TemplateResponse(
            request,
            "not_found.html",
            {
                "message": f"Users are managed by admins: {refusal(who, 'admin')}.",
                "title": "Not allowed",
            },  # fmt: skip
            status_code=403,
        )
    with session_scope(request.app.state.settings.db_url) as s:
        users = list_users(s)
        tokens = [t for t in list_tokens(s) if not t["revoked"]]
    context = {"users": users, "tokens": tokens, "roles": ROLES, "me": who, **extra}
    return templates.TemplateResponse(request, "users.html", context, status_code=status)


@router.get("/users", include_in_schema=False)
def users_page(request: Request) -> Response:
    return _users_page(request)


def _admin_form(request: Request) -> Caller | Response:
    who = signed_in_as(request)
    if who is None or not who.may("admin"):
        return _users_page(request)
    return who


async def _run(request: Request, action: Any, said: Callable[[dict[str, str]], str]) -> Response:
    """One admin action from the page; its error, in words, on the page (422). A secret the
    action returns (a new token) is shown this once."""
    gate = _admin_form(request)
    if isinstance(gate, Response):
        return gate
    form = {k: str(v) for k, v in (await request.form()).items()}

    def run() -> Any:
        with session_scope(request.app.state.settings.db_url) as s:
            return action(s, form)

    try:
        shown = await run_in_threadpool(run)  # argon2 takes a while: not on the event loop
    except (UserError, TokenError) as exc:
        return _users_page(request, error=str(exc), status=422)
    return _users_page(request, said=said(form), secret=shown)


@router.post("/users", include_in_schema=False)
async def add_user_form(request: Request) -> Response:
    def act(s: Any, f: dict[str, str]) -> None:
        add_user(s, f.get("name", ""), f.get("role", "viewer"), f.get("password") or None)

    return await _run(request, act, lambda f: f"Added {f.get('name')} ({f.get('role')}).")


@router.post("/users/{name}/role", include_in_schema=False)
async def role_form(request: Request, name: str) -> Response:
    return await _run(
        request,
        lambda s, f: set_role(s, name, f.get("role", "")),
        lambda f: f"{name} is now a {f.get('role')}.",
    )


@router.post("/users/{name}/remove", include_in_schema=False)
async def remove_form(request: Request, name: str) -> Response:
    return await _run(request, lambda s, f: remove_user(s, name), lambda f: f"Removed {name}.")


@router.post("/users/{name}/tokens", include_in_schema=False)
async def token_form(request: Request, name: str) -> Response:
    def act(s: Any, f: dict[str, str]) -> str:
        label = f.get("token_name", "").strip()
        if not label:
            raise TokenError("a token needs a name (what or who it is for)")
        return create_token(s, label, read_only=f.get("read_only") == "on", user=name)

    return await _run(
        request, act, lambda f: f"Token {f.get('token_name')} made for {name}: copy it now."
    )


@router.post("/tokens/{name}/revoke", include_in_schema=False)
async def revoke_form(request: Request, name: str) -> Response:
    return await _run(request, lambda s, f: revoke_token(s, name), lambda f: f"Revoked {name}.")


class Me(BaseModel):
    name: str
    role: str = Field(description="admin, editor or viewer")


class UserOut(BaseModel):
    name: str
    role: str = Field(description="admin, editor or viewer")
    password: bool = Field(description="whether they may sign in with a password")
    tokens: list[str] = Field(description="their live tokens' names")
    created_at: str | None


class NewUser(BaseModel):
    name: str
    role: str = "viewer"
    password: str | None = None


@router.get("/v1/me", response_model=Me)
def me(who: Caller = Depends(caller)) -> dict[str, str]:
    """Who this credential acts for, and with which role."""
    return {"name": who.name, "role": who.role}


@router.get("/v1/users", dependencies=[Depends(admin)], response_model=list[UserOut])
def users_api(request: Request) -> list[dict[str, Any]]:
    """The users: name, role, whether they have a password, their live tokens."""
    with session_scope(request.app.state.settings.db_url) as s:
        return list_users(s)


@router.post("/v1/users", dependencies=[Depends(admin)], status_code=201, response_model=Me)
def add_user_api(request: Request, body: NewUser) -> dict[str, str]:
    try:
        with session_scope(request.app.state.settings.db_url) as s:
            add_user(s, body.name, body.role, body.password)
    except UserError as exc:
        raise HTTPException(422, str(exc)) from exc
    return {"name": body.name.strip(), "role": body.role}


@router.delete("/v1/users/{name}", dependencies=[Depends(admin)])
def remove_user_api(request: Request, name: str) -> dict[str, str]:
    try:
        with session_scope(request.app.state.settings.db_url) as s:
            remove_user(s, name)
    except UserError as exc:
        raise HTTPException(404 if isinstance(exc, NoSuchUser) else 422, str(exc)) from exc
    return {"removed": name}
