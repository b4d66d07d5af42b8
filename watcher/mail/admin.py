"""What the admin's web page (and `docintel mail rules`) shows of mail in: the accounts
with how their polls go, and the rules files in force, each with its problems."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docintel.config import Settings
from docintel.store.db import session_scope
from docintel.store.mail import mail_status
from docintel.watcher.mail.rules import Rule, RulesError, load_rules, read_rules


@dataclass
class RulesFile:
    name: str
    text: str
    rules: list[Rule] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def rule_problems(rules: list[Rule], accounts: set[str], doc_types: set[str]) -> list[str]:
    """What a rule that reads well still gets wrong: an account or a type that is not."""
    problems = [
        f"{r.name}: no account named {r.account!r}" for r in rules if r.account not in accounts
    ]
    problems += [
        f"{r.name}: doc_type {r.set.doc_type!r} is not a profile in force"
        for r in rules
        if r.set.doc_type and r.set.doc_type not in doc_types
    ]
    return problems


def rules_files(
    settings: Settings, accounts: set[str], types: set[str]
) -> tuple[list[RulesFile], list[str]]:
    """Each rules file with its text and its own problems (``types``: the profiles in force,
    which a rule's doc_type must name); and the problems of the whole (two rules of one
    name: then no rule is used, as the fetcher does)."""
    folder: Path = settings.mail_rules_dir
    paths = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]) if folder.is_dir() else []
    files = []
    for path in paths:
        text = path.read_text(encoding="utf-8", errors="replace")
        found = RulesFile(path.name, text)
        try:
            found.rules = read_rules(path)
        except RulesError as exc:
            found.problems = str(exc).splitlines()
        found.problems += rule_problems(found.rules, accounts, types)
        files.append(found)
    overall: list[str] = []
    try:
        load_rules(folder)
    except RulesError as exc:
        said = {p for f in files for p in f.problems}
        overall = [p for p in str(exc).splitlines() if p not in said]
        overall.append("while a rules file has a problem, no mail is fetched")
    return files, overall


def account_status(row: dict[str, Any], rules: list[str] | None) -> tuple[str, str]:
    """(kind, words) of an account's state: ok, failing, no-rules or waiting; ``rules``
    None where the rules files have a problem (the fetcher then fetches nothing)."""
    if rules is None:
        return "failing", "the rules files have a problem (below): nothing is fetched"
    if row["failures"]:
        return "failing", f"{row['last_error']} (next try {_when(row['next_try_at'])})"
    if not rules:
        return "no-rules", "no rule names this account: nothing is fetched"
    if row["last_ok_at"]:
        return "ok", f"last poll {_when(row['last_ok_at'])}"
    return "waiting", "not polled yet"


def accounts_view(settings: Settings) -> list[dict[str, Any]]:
    from docintel.store.mail import all_accounts
    from docintel.watcher.mail.imap import default_password_env

    with session_scope(settings.db_url) as s:
        rows = mail_status(s)
        secrets = {
            a.name: (
                "an XOAUTH2 token command"
                if a.token_command
                else f"the file {a.password_file}"
                if a.password_file
                else f"${a.password_env or default_password_env(a.name)}"
            )
            for a in all_accounts(s)
        }
        security = {a.name: a.security for a in all_accounts(s)}
    try:
        rules: list[Rule] | None = load_rules(settings.mail_rules_dir)
    except RulesError:
        rules = None
    for row in rows:
        row["rules"] = [r.name for r in rules or [] if r.account == row["name"]]
        mine = None if rules is None else row["rules"]
        row["state"], row["said"] = account_status(row, mine)
        row["secret"], row["security"] = secrets.get(row["name"], ""), security.get(row["name"])
    return rows


def _when(iso: str | None) -> str:
    return (iso or "")[:19].replace("T", " ") + " UTC" if iso else "unknown"
