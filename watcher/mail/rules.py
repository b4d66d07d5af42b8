"""Mail rules: YAML files in DOCINTEL_MAIL_RULES (one rule, or a list of rules, per file)
saying which messages of which account and folder become documents, what is taken from
them, what is done with them once their documents are stored, and what is set on those
documents. Rules are read in file-name order; the first rule of a folder that matches a
message takes it.

    name: invoices
    account: office
    folder: INBOX
    match: {from: billing@, subject: [invoice, rechnung], max_age_days: 30}
    take: attachments              # or message: the .eml, its attachments as children
    attachments: {types: [pdf, image/*], min_size_kb: 20}
    then: move                     # nothing, mark_read, flag, move, delete
    move_to: Archive/Invoices
    set: {tags: [invoice, mail], correspondent: ACME Ltd, doc_type: invoice}
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from email.message import Message
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from docintel.watcher.mail.parts import attachments, body_text, type_matches

Action = Literal["nothing", "mark_read", "flag", "move", "delete"]


class RulesError(ValueError):
    """A rules file that cannot be used, with every problem found in it."""


def _listed(value: Any) -> Any:
    """A single string where a list is expected is a list of one."""
    return [value] if isinstance(value, str) else value


# a single string where a list is expected is a list of one
Texts = Annotated[list[str], BeforeValidator(_listed)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class Match(_Strict):
    """Which messages: each condition given must hold; a list holds when any item does.
    Text conditions are case-insensitive 'contains'."""

    sender: Texts = Field(default_factory=list, alias="from")
    to: Texts = Field(default_factory=list, description="To or Cc contains")
    subject: Texts = Field(default_factory=list)
    body: Texts = Field(default_factory=list)
    attachment_types: Texts = Field(default_factory=list)
    max_age_days: float | None = Field(default=None, gt=0)


class Attachments(_Strict):
    """Which attachments are taken (``take: attachments``): signatures and logos are
    small images, so a minimum size and a type filter leave them out."""

    types: Texts = Field(default_factory=list)
    min_size_kb: float = Field(default=0, ge=0)


class Sets(_Strict):
    tags: Texts = Field(default_factory=list)
    correspondent: str | None = None
    doc_type: str | None = None


class Rule(_Strict):
    name: str = Field(min_length=1, max_length=128)
    account: str = Field(min_length=1)
    folder: str = "INBOX"
    match: Match = Field(default_factory=Match)
    take: Literal["attachments", "message"] = "attachments"
    attachments: Attachments = Field(default_factory=Attachments)
    then: Action = "nothing"
    move_to: str | None = None
    set: Sets = Field(default_factory=Sets)

    @model_validator(mode="after")
    def _move_has_a_target(self) -> Rule:
        if self.then == "move" and not self.move_to:
            raise ValueError("then: move needs move_to (the folder to move messages to)")
        return self

    @property
    def needs_body(self) -> bool:
        """Whether matching needs more than the headers."""
        return bool(self.match.body or self.match.attachment_types)

    def sets(self) -> dict[str, Any]:
        return {**self.set.model_dump(), "rule": self.name}


def load_rules(folder: Path) -> list[Rule]:
    """Every rule in ``folder`` (``*.yaml``, ``*.yml``), in file-name order. Raises
    RulesError naming each file and problem; no rule of a broken folder is used."""
    if not folder.is_dir():
        return []
    files = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
    rules: list[Rule] = []
    problems: list[str] = []
    for path in files:
        try:
            rules += read_rules(path)
        except RulesError as exc:
            problems.append(str(exc))
    seen: set[str] = set()
    for rule in rules:
        if rule.name in seen:
            problems.append(f"two rules are named {rule.name!r}; names must be unique")
        seen.add(rule.name)
    if problems:
        raise RulesError("\n".join(problems))
    return rules


def read_rules(path: Path) -> list[Rule]:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise RulesError(f"{path.name}: not readable YAML ({exc})") from exc
    items = data if isinstance(data, list) else [data]
    rules, problems = [], []
    for n, item in enumerate(items, 1):
        where = f"{path.name}, rule {n}" if len(items) > 1 else path.name
        if not isinstance(item, dict):
            problems.append(f"{where}: a rule is a mapping (name, account, folder, match, ...)")
            continue
        try:
            rules.append(Rule.model_validate(item))
        except ValidationError as exc:
            for error in exc.errors():
                field = ".".join(str(p) for p in error["loc"]) or "rule"
                problems.append(f"{where}: {field}: {error['msg']}")
    if problems:
        raise RulesError("\n".join(problems))
    return rules


def rules_hash(rules: list[Rule]) -> str:
    """What a folder's rules are, in 16 hex digits: when it changes, the folder's messages
    are examined again (the ledger still keeps any from being taken twice)."""
    text = json.dumps([r.model_dump(mode="json") for r in rules], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _contains(haystack: str, needles: list[str]) -> bool:
    folded = haystack.casefold()
    return any(n.casefold() in folded for n in needles)


def _header(message: Message, *names: str) -> str:
    return " ".join(str(v) for name in names for v in (message.get_all(name) or []))


def sent_at(message: Message) -> datetime | None:
    try:
        moment = parsedate_to_datetime(str(message.get("date", "")))
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def headers_match(rule: Rule, message: Message, now: datetime) -> bool:
    """The conditions the headers decide (from, to, subject, age)."""
    m = rule.match
    if m.sender and not _contains(_header(message, "from", "sender"), m.sender):
        return False
    if m.to and not _contains(_header(message, "to", "cc", "delivered-to"), m.to):
        return False
    if m.subject and not _contains(_header(message, "subject"), m.subject):
        return False
    if m.max_age_days is not None:
        moment = sent_at(message)
        if moment is not None and moment < now - timedelta(days=m.max_age_days):
            return False
    return True


def matches(rule: Rule, message: Message, now: datetime) -> bool:
    """Every condition of the rule, on the whole message."""
    if not headers_match(rule, message, now):
        return False
    if rule.match.body and not _contains(body_text(message), rule.match.body):
        return False
    if rule.match.attachment_types:
        return any(
            type_matches(rule.match.attachment_types, a.content_type, a.name)
            for a in attachments(message)
        )
    return True
