"""The admin's mail page (/mail): the accounts and how their polls go, adding one, testing
and removing it, and the rules files in force, read-only, with their problems. Only a
caller allowed to write sees it (a read-only token gets a 403 page in words).

An account added here names where its password is, never the password, as with
`docintel mail add`; and since a web caller is not someone with a shell on the server, it
may only name a variable DOCINTEL_MAIL_PASSWORD_* or a file under
DOCINTEL_MAIL_SECRETS_DIR: otherwise the form could send any variable (the database URL)
or any file of the server as a password to a host of its choosing. A token command (which
runs a program) is for the CLI only. The login cookie is SameSite=strict, so another site
cannot post these forms with it."""

from __future__ import annotations

import os
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from docintel.api.auth import credential, resolve_caller
from docintel.api.web import templates
from docintel.config import Settings, redact_text
from docintel.store.db import session_scope
from docintel.watcher.mail.admin import accounts_view, rules_files

router = APIRouter(include_in_schema=False)
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
PASSWORD_VAR = re.compile(r"^DOCINTEL_MAIL_PASSWORD_[A-Z0-9_]+$")


def _gate(request: Request) -> Response | None:
    """None for an admin; else where to send the caller."""
    state = request.app.state
    who = resolve_caller(state.settings, state.logins, credential(request))
    if who is None:
        return RedirectResponse("/login", status_code=303)
    if not who.may("admin"):
        role = "a viewer (read-only)" if who.read_only else f"an {who.role}"
        message = f"Mail accounts are for admins: {who.name!r} is {role}."
        return templates.TemplateResponse(
            request, "not_found.html", {"message": message, "title": "Not allowed"}, 403
        )
    return None


def _page(request: Request, said: str | None = None, error: str | None = None,
          form: dict[str, str] | None = None, code: int = 200) -> Response:  # fmt: skip
    settings: Settings = request.app.state.settings
    accounts = accounts_view(settings)
    from docintel.pipeline.profiles import profiles_for

    types = set(profiles_for(settings)[0])
    files, overall = rules_files(settings, {a["name"] for a in accounts}, types)
    context = {
        "accounts": accounts,
        "files": files,
        "overall": overall,
        "said": said,
        "error": error,
        "form": form or {"security": "tls", "secret_kind": "env"},
        "rules_dir": settings.mail_rules_dir,
        "secrets_dir": settings.mail_secrets_dir,
    }
    return templates.TemplateResponse(request, "mail.html", context, status_code=code)


@router.get("/mail")
def mail_page(request: Request) -> Response:
    return _gate(request) or _page(request)


@router.post("/mail/accounts")
async def add_account_form(request: Request) -> Response:
    if (gated := _gate(request)) is not None:
        return gated
    form = {k: str(v).strip() for k, v in (await request.form()).items()}
    settings: Settings = request.app.state.settings
    try:
        fields = account_fields(form, settings)
    except ValueError as exc:
        return _page(request, error=str(exc), form=form, code=422)
    from docintel.store.mail import add_account

    with session_scope(settings.db_url) as s:
        if add_account(s, **fields) is None:
            return _page(request, error=f"An account named {fields['name']!r} exists.",
                         form=form, code=409)  # fmt: skip
    return _page(request, said=f"Added {fields['name']}. Test it to see that it logs in.")


def account_fields(form: dict[str, str], settings: Settings) -> dict[str, Any]:
    """The account's row from the form, or ValueError saying what to change."""
    name, host, user = form.get("name", ""), form.get("host", ""), form.get("user", "")
    if not NAME.match(name):
        raise ValueError("The name is letters, digits, '.', '_' or '-' (64 at most).")
    if not host or not user:
        raise ValueError("The server and the user are both needed.")
    security = form.get("security", "tls")
    if security not in ("tls", "starttls"):
        raise ValueError("Security is TLS or STARTTLS: a password is never sent in clear.")
    port_text = form.get("port") or ("993" if security == "tls" else "143")
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"The port {port_text!r} is not a number from 1 to 65535.")
    where, kind = form.get("secret", ""), form.get("secret_kind", "env")
    fields: dict[str, Any] = {"name": name, "host": host, "port": int(port_text),
                              "security": security, "username": user, "auth": "password",
                              "ca_file": form.get("ca_file") or None}  # fmt: skip
    if kind == "file":
        path = os.path.realpath(where)
        inside = os.path.realpath(settings.mail_secrets_dir)
        if not where or os.path.commonpath([path, inside]) != inside:
            raise ValueError(f"The password file must be in {inside} (DOCINTEL_MAIL_SECRETS_DIR).")
        fields["password_file"] = path
    elif kind == "env":
        if where and not PASSWORD_VAR.match(where):
            raise ValueError("The variable's name starts DOCINTEL_MAIL_PASSWORD_ (capitals, "
                             "digits and _); leave it empty for the default.")  # fmt: skip
        fields["password_env"] = where or None
    else:
        raise ValueError("The password is in a variable or in a file.")
    return fields


@router.post("/mail/accounts/{name}/test")
def test_account(request: Request, name: str) -> Response:
    if (gated := _gate(request)) is not None:
        return gated
    from docintel.store.mail import account_by_name
    from docintel.watcher.mail.imap import AccountConfig, MailError, connect

    settings: Settings = request.app.state.settings
    with session_scope(settings.db_url) as s:
        row = account_by_name(s, name)
        if row is None:
            return _page(request, error=f"There is no account {name!r}.", code=404)
        account = AccountConfig.of(row)
    try:
        imap = connect(account, settings.mail_timeout)
    except MailError as exc:
        return _page(request, error=f"{name}: {redact_text(str(exc))}")
    try:
        folders = imap.folders()
    finally:
        imap.logout()
    shown = ", ".join(folders[:20]) + (" …" if len(folders) > 20 else "")
    return _page(request, said=f"{name}: logged in as {account.username}; folders: {shown}")


@router.post("/mail/accounts/{name}/remove")
def remove_account_form(request: Request, name: str) -> Response:
    if (gated := _gate(request)) is not None:
        return gated
    from docintel.store.mail import remove_account

    settings: Settings = request.app.state.settings
    with session_scope(settings.db_url) as s:
        if not remove_account(s, name):
            return _page(request, error=f"There is no account {name!r}.", code=404)
    return _page(request, said=f"Removed {name}; its documents stay.")
