"""`docintel users` (the people who sign in to the web page, and their roles) and
`docintel views` (saved inbox views). A password is asked for without echo, or read from
standard input with --password-stdin (for scripts); it is never an argument, which would
sit in the shell's history and the process list."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from docintel.cli_common import JsonOpt, _database_settings, _print_json, app, console, err
from docintel.render import safe

users_app = typer.Typer(
    help="Users of the web page and the API: admin, editor or viewer.", no_args_is_help=True
)
views_app = typer.Typer(help="Saved inbox views (filters under a name).", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(views_app, name="views")

StdinOpt = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from standard input.")
]


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return typer.prompt("password", hide_input=True, confirmation_prompt=True)


def _run(action, *args) -> object:  # type: ignore[no-untyped-def]
    """``action(session, *args)`` in one transaction; a mistake said in words, exit 1."""
    from docintel.store.db import session_scope
    from docintel.store.tokens import TokenError
    from docintel.store.users import UserError
    from docintel.store.views import ViewError

    settings = _database_settings()
    try:
        with session_scope(settings.db_url) as s:
            return action(s, *args)
    except (UserError, TokenError, ViewError) as exc:
        err.print(f"[red]{safe(str(exc))}[/]")
        raise typer.Exit(1) from exc


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="The user name they sign in with.")],
    role: Annotated[str, typer.Option("--role", help="admin, editor or viewer.")] = "viewer",
    no_password: Annotated[
        bool, typer.Option("--no-password", help="No password: this user signs in by token.")
    ] = False,
    password_stdin: StdinOpt = False,
) -> None:
    """Add a user (asks for the password twice, without echo)."""
    from docintel.store.users import add_user, check_password, check_role

    _run(lambda s: check_role(role))
    password = None if no_password else _password(password_stdin)
    if password is not None:
        _run(lambda s: check_password(password))
    _run(add_user, name, role, password)
    console.print(f"added {safe(name)} ({safe(role)})")


@users_app.command("list")
def users_list(as_json: JsonOpt = False) -> None:
    """The users: name, role, whether they have a password, their live tokens."""
    from docintel.store.users import list_users

    rows = _run(list_users)
    if as_json:
        _print_json(rows)
        return
    from rich.table import Table

    table = Table("name", "role", "password", "tokens")
    for r in rows:  # type: ignore[attr-defined]
        table.add_row(
            safe(r["name"]), r["role"], "yes" if r["password"] else "", safe(", ".join(r["tokens"]))
        )
    console.print(table)


@users_app.command("remove")
def users_remove(name: Annotated[str, typer.Argument()]) -> None:
    """Remove a user: their tokens and sessions stop working at once."""
    from docintel.store.users import remove_user

    _run(remove_user, name)
    console.print(f"removed {safe(name)}")


@users_app.command("passwd")
def users_passwd(name: Annotated[str, typer.Argument()], password_stdin: StdinOpt = False) -> None:
    """Set a user's password; every browser signed in with the old one is signed out."""
    from docintel.store.users import check_password, get_user, set_password

    _run(get_user, name)
    password = _password(password_stdin)
    _run(lambda s: check_password(password))
    _run(set_password, name, password)
    console.print(f"password of {safe(name)} changed")


@users_app.command("role")
def users_role(
    name: Annotated[str, typer.Argument()],
    role: Annotated[str, typer.Argument(help="admin, editor or viewer.")],
) -> None:
    """Change a user's role (their tokens act with it at once)."""
    from docintel.store.users import set_role

    _run(set_role, name, role)
    console.print(f"{safe(name)} is now a {safe(role)}")


UserOpt = Annotated[str, typer.Option("--user", help="Whose views (a user's or a token's name).")]


@views_app.command("list")
def views_list(user: UserOpt, as_json: JsonOpt = False) -> None:
    """A user's saved views with how many documents each holds."""
    from docintel.api.workspace import counted_views

    rows = counted_views(_database_settings(), user)
    if as_json:
        _print_json(rows)
        return
    from rich.table import Table

    table = Table("name", "documents", "filters")
    for v in rows:
        shown = " ".join(f"{k}={val}" for k, val in v["filters"].items())
        table.add_row(safe(v["name"]), v["count"], safe(shown))
    console.print(table)


@views_app.command("save")
def views_save(
    name: Annotated[str, typer.Argument()],
    user: UserOpt,
    q: Annotated[str | None, typer.Option("--q", help="Words to search for.")] = None,
    similar: Annotated[bool, typer.Option("--similar", help="Search by meaning.")] = False,
    status: Annotated[str | None, typer.Option("--status")] = None,
    kind: Annotated[str | None, typer.Option("--type", help="pdf, image, audio, ...")] = None,
    tag: Annotated[str | None, typer.Option("--tag")] = None,
    trash: Annotated[bool, typer.Option("--trash", help="The trash.")] = False,
) -> None:
    """Save (or replace) a view: the inbox filtered so, one click away in its sidebar."""
    from docintel.store.views import save_view

    filters = {"q": q, "mode": "similar" if similar else None, "status": status}
    filters |= {"type": kind, "tag": tag, "trash": "true" if trash else None}
    saved = _run(save_view, user, name, filters)
    console.print(f"saved view {safe(name)}: {safe(str(saved['filters']))}")  # type: ignore[index]


@views_app.command("remove")
def views_remove(name: Annotated[str, typer.Argument()], user: UserOpt) -> None:
    """Remove a saved view."""
    from docintel.store.views import remove_view

    _run(remove_view, user, name)
    console.print(f"removed view {safe(name)}")
