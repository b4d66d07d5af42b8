"""Who may call: an API token as ``Authorization: Bearer``, or the web page's login cookie
(which holds a token, a session made by signing in with a user name and password, or one
made from ``docintel up``'s one-time login link). A caller acts with a role: viewers read,
editors also correct and organise, admins also manage users, tokens and mail. A revoked
token stops working within TOKEN_CHECK_S. ``DOCINTEL_API_AUTH=none`` lets everyone in as
an admin, and only when set on purpose."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field

from fastapi import Depends, HTTPException, Request, status

from docintel.config import Settings
from docintel.store.db import session_scope
from docintel.store.tokens import Caller, caller_for

COOKIE = "docintel_login"
# A token is looked up again after this long, so a revoked one stops working within it.
TOKEN_CHECK_S = 2.0
ANONYMOUS = Caller("anonymous", "admin")


@dataclass
class Logins:
    """One-time login codes and the sessions they became, kept in this process only: a
    restart logs the browser out, and a code works once."""

    codes: set[str] = field(default_factory=set)
    sessions: dict[str, Caller] = field(default_factory=dict)
    # tokens found valid lately: a request does not wait for a query to learn it again
    checked: dict[str, tuple[Caller, float]] = field(default_factory=dict)

    def new_code(self) -> str:
        code = secrets.token_urlsafe(24)
        self.codes.add(code)
        return code

    def redeem(self, code: str) -> str | None:
        """A session id for a code never used before, else None."""
        if code not in self.codes:
            return None
        self.codes.discard(code)
        session = "s_" + secrets.token_urlsafe(32)
        self.sessions[session] = Caller("login link", "admin")
        return session


def credential(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(COOKIE)


def resolve_caller(settings: Settings, logins: Logins, secret: str | None) -> Caller | None:
    if settings.api_auth == "none":
        return ANONYMOUS
    if not secret:
        return None
    if secret in logins.sessions:
        return logins.sessions[secret]
    known = logins.checked.get(secret)
    now = time.monotonic()
    if known is not None and now - known[1] < TOKEN_CHECK_S:
        return known[0]
    with session_scope(settings.db_url) as s:
        found = caller_for(s, secret)
    if found is not None:
        if len(logins.checked) > 10_000:
            logins.checked.clear()
        logins.checked[secret] = (found, now)
    return found


def caller(request: Request) -> Caller:
    """Any valid credential; 401 with what to do otherwise."""
    found = resolve_caller(
        request.app.state.settings, request.app.state.logins, credential(request)
    )
    if found is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "an API token is needed: `docintel token create NAME`, then send "
            "'Authorization: Bearer <token>' (or log in on the web page)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return found


def refusal(who: Caller, role: str) -> str:
    """Why ``who`` may not do what needs ``role``, in a sentence a person can act on."""
    if role == "editor":
        return (
            f"{who.name!r} is a viewer (read-only): correcting and organising documents needs "
            "an editor or an admin; ask an admin for that role (the Users page, or "
            "`docintel users add NAME --role editor`)"
        )
    return (
        f"{who.name!r} is an {who.role}: managing users and tokens needs an admin "
        "(`docintel users add NAME --role admin`)"
    )


def writer(who: Caller = Depends(caller)) -> Caller:
    """A caller who may change documents (an editor or an admin); 403 for a viewer."""
    if not who.may("editor"):
        raise HTTPException(status.HTTP_403_FORBIDDEN, refusal(who, "editor"))
    return who


def admin(who: Caller = Depends(caller)) -> Caller:
    """A caller who may manage users and tokens; 403 for anyone else."""
    if not who.may("admin"):
        raise HTTPException(status.HTTP_403_FORBIDDEN, refusal(who, "admin"))
    return who
