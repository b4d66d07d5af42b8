"""`docintel mail`: IMAP accounts (add, list, test, remove), their rules (checked and
listed), and a poll now (fetch). `docintel up` and `docintel watch` poll the accounts in a
thread of their own (``start_fetcher``). No command prints a password or a token."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from docintel.cli_common import JsonOpt, _database_settings, _print_json, app, console, err
from docintel.config import Settings
from docintel.render import account_line, safe

if TYPE_CHECKING:
    from docintel.watcher.ingest import Ingested
    from docintel.watcher.mail.fetch import MailFetcher
    from docintel.watcher.mail.rules import Rule

mail_app = typer.Typer(help="Mail in: IMAP accounts and their rules.", no_args_is_help=True)
app.add_typer(mail_app, name="mail")

NameArg = Annotated[str, typer.Argument(help="The account's name, as the rules name it.")]


@mail_app.command("add")
def mail_add(
    name: NameArg,
    host: Annotated[str, typer.Option(help="IMAP server, e.g. outlook.office365.com.")],
    user: Annotated[str, typer.Option(help="Login name (usually the address).")],
    port: Annotated[int | None, typer.Option(help="Default 993 (tls) or 143 (starttls).")] = None,
    security: Annotated[str, typer.Option(help="tls (IMAPS) or starttls.")] = "tls",
    password_env: Annotated[
        str | None,
        typer.Option(help="Variable holding the password; default DOCINTEL_MAIL_PASSWORD_<NAME>."),
    ] = None,
    password_file: Annotated[
        str | None, typer.Option(help="File holding the password (a Docker secret, say).")
    ] = None,
    token_command: Annotated[
        str | None, typer.Option(help="XOAUTH2: a command printing an OAuth2 access token.")
    ] = None,
    ca_file: Annotated[
        str | None, typer.Option(help="CA bundle to trust (a server with its own CA).")
    ] = None,
) -> None:
    """Add an IMAP account. Its secret is never stored: the password is read from an
    environment variable or a file, an OAuth2 token from a command, when connecting."""
    from docintel.store.db import session_scope
    from docintel.store.mail import add_account
    from docintel.watcher.mail.imap import default_password_env

    if security not in ("tls", "starttls"):
        err.print("[red]--security is tls or starttls[/]: a password is never sent in clear")
        raise typer.Exit(2)
    if sum(x is not None for x in (password_env, password_file, token_command)) > 1:
        err.print("[red]give one of --password-env, --password-file, --token-command[/]")
        raise typer.Exit(2)
    fields: dict[str, Any] = {
        "name": name,
        "host": host,
        "port": port or (993 if security == "tls" else 143),
        "security": security,
        "username": user,
        "auth": "xoauth2" if token_command else "password",
        "password_env": None if (password_file or token_command) else password_env,
        "password_file": password_file,
        "token_command": token_command,
        "ca_file": ca_file,
    }
    settings = _database_settings()
    with session_scope(settings.db_url) as s:
        if add_account(s, **fields) is None:
            err.print(f"[red]an account named {safe(repr(name))} exists[/]")
            raise typer.Exit(1)
    secret = (
        f"an XOAUTH2 token from `{token_command}`"
        if token_command
        else f"the password in {password_file}"
        if password_file
        else f"the password in ${password_env or default_password_env(name)}"
    )
    console.print(
        f"added {safe(name)}: {safe(user)} at {safe(host)}:{fields['port']} over {security}, "
        f"with {safe(secret)}. `docintel mail test {safe(name)}` tries it."
    )


@mail_app.command("list")
def mail_list(as_json: JsonOpt = False) -> None:
    """The accounts: how their last poll went, and the messages taken from each."""
    settings = _database_settings()
    rows = account_rows(settings)
    if as_json:
        _print_json(rows)
        return
    if not rows:
        console.print("no mail accounts; `docintel mail add` adds one")
    for row in rows:
        console.print(account_line(row))


def account_rows(settings: Settings) -> list[dict[str, Any]]:
    from docintel.store.db import session_scope
    from docintel.store.mail import mail_status
    from docintel.watcher.mail.rules import RulesError, load_rules

    with session_scope(settings.db_url) as s:
        rows = mail_status(s)
    try:
        rules = load_rules(settings.mail_rules_dir)
    except RulesError:
        rules = []
    for row in rows:
        row["rules"] = [r.name for r in rules if r.account == row["name"]]
    return rows


@mail_app.command("test")
def mail_test(name: NameArg) -> None:
    """Connect and log in, and look for each folder the account's rules name."""
    from docintel.store.db import session_scope
    from docintel.store.mail import account_by_name
    from docintel.watcher.mail.imap import AccountConfig, MailError, connect
    from docintel.watcher.mail.rules import RulesError, load_rules

    settings = _database_settings()
    with session_scope(settings.db_url) as s:
        row = account_by_name(s, name)
        if row is None:
            err.print(f"[red]no account {safe(repr(name))}[/]; `docintel mail list` lists them")
            raise typer.Exit(1)
        account = AccountConfig.of(row)
    try:
        rules = [r for r in load_rules(settings.mail_rules_dir) if r.account == name]
    except RulesError as exc:
        err.print(f"[yellow]the rules cannot be used:[/] {escape(str(exc))}")
        rules = []
    try:
        imap = connect(account, settings.mail_timeout)
    except MailError as exc:
        err.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(1) from exc
    try:
        folders = imap.folders()
        console.print(f"[green]logged in[/] as {safe(account.username)}; {len(folders)} folder(s)")
        for folder in dict.fromkeys(r.folder for r in rules):
            mark = "[green]found[/]" if folder in folders else "[red]not found[/]"
            console.print(f"  {safe(folder)}: {mark}")
    finally:
        imap.logout()


@mail_app.command("remove")
def mail_remove(
    name: NameArg,
    forget: Annotated[
        bool, typer.Option(help="Also forget which messages were taken (added again: taken again).")
    ] = False,
) -> None:
    """Remove an account (its documents stay)."""
    from docintel.store.db import session_scope
    from docintel.store.mail import remove_account

    settings = _database_settings()
    with session_scope(settings.db_url) as s:
        if not remove_account(s, name, forget=forget):
            err.print(f"[red]no account {safe(repr(name))}[/]")
            raise typer.Exit(1)
    console.print(f"removed {safe(name)}")


def _rules_or_exit(settings: Settings) -> list[Rule]:
    """The rules in DOCINTEL_MAIL_RULES, or the problem printed and exit status 1."""
    from docintel.watcher.mail.rules import RulesError, load_rules

    try:
        return load_rules(settings.mail_rules_dir)
    except RulesError as exc:
        err.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(1) from exc


@mail_app.command("rules")
def mail_rules(as_json: JsonOpt = False) -> None:
    """The rules in DOCINTEL_MAIL_RULES, checked: each problem named with its file, and
    rules naming an unknown account or document type."""
    from docintel.pipeline.profiles import profiles_for
    from docintel.store.db import session_scope
    from docintel.store.mail import all_accounts
    from docintel.watcher.mail.admin import rule_problems

    settings = _database_settings()
    rules = _rules_or_exit(settings)
    with session_scope(settings.db_url) as s:
        accounts = {a.name for a in all_accounts(s)}
    problems = rule_problems(rules, accounts, set(profiles_for(settings)[0]))
    if as_json:
        _print_json({"rules": [r.model_dump(by_alias=True) for r in rules], "problems": problems})
    else:
        for r in rules:
            console.print(
                f"{safe(r.name)}: {safe(r.account)}/{safe(r.folder)} -> take {r.take}, "
                f"then {r.then}{' ' + safe(r.move_to) if r.move_to else ''}"
            )
        for problem in problems:
            err.print(f"[red]{escape(problem)}[/]")
    if problems:
        raise typer.Exit(1)


@mail_app.command("fetch")
def mail_fetch(as_json: JsonOpt = False) -> None:
    """Poll every account now (whatever its wait), once; what is taken is processed here
    (embedded) or sent to the queue (distributed)."""
    from docintel.watcher.mail.fetch import MailFetcher

    settings = _database_settings()
    rules = _rules_or_exit(settings)
    fetcher = MailFetcher(settings, sender(settings))
    results = [fetcher.poll(row["name"], rules) for row in account_rows(settings)]
    if as_json:
        _print_json([r.__dict__ for r in results])
    for r in results:
        if not as_json:
            what = "busy (another fetcher has it)" if r.busy else r.error or "ok"
            console.print(f"{safe(r.account)}: {safe(what)}, {len(r.taken)} message(s) taken")
    if any(not r.ok for r in results):
        raise typer.Exit(1)


def sender(settings: Settings) -> Any:
    """What a document the fetcher stored is handed to: the queue, or (embedded) the
    workflow in this process."""
    from docintel.worker.app import enqueue

    def send(result: Ingested) -> None:
        enqueue(result.sha256, settings)

    return send


def start_fetcher(settings: Settings, send: Any = None) -> MailFetcher:
    """The mail fetcher in a thread of its own, beside the inbox watcher: it polls the
    accounts that exist, those added later included."""
    from docintel.watcher.mail.fetch import MailFetcher

    fetcher = MailFetcher(settings, send or sender(settings))
    threading.Thread(target=fetcher.run, name="docintel-mail", daemon=True).start()
    return fetcher
