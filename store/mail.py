"""Mail-in records: accounts and how their polls went, each folder's place, the
processed-once ledger, and what a rule sets on the documents it brings (tags,
correspondent, document type)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from docintel.store.db import insert_stmt
from docintel.store.mail_schema import DocumentTag, MailAccount, MailFolder, MailMessage
from docintel.store.schema import Document, utcnow

# Ledger statuses. A message is in the ledger from the moment it is claimed; only
# ``taking`` and ``stored`` rows still owe work (reading it, or the rule's action).
TAKING, STORED, DONE = "taking", "stored", "done"
DUPLICATE, SKIPPED, REFUSED = "duplicate", "skipped", "refused"
UNFINISHED = (TAKING, STORED)


@dataclass(frozen=True)
class MessageKey:
    """A message's name for ever: UIDs are only unique under one UIDVALIDITY."""

    account: str
    folder: str
    uidvalidity: int
    uid: int


# --- accounts --------------------------------------------------------------------------


def account_by_name(s: Session, name: str) -> MailAccount | None:
    return s.scalar(select(MailAccount).where(MailAccount.name == name))


def all_accounts(s: Session) -> list[MailAccount]:
    return list(s.scalars(select(MailAccount).order_by(MailAccount.name)))


def add_account(s: Session, **fields: Any) -> MailAccount | None:
    """The new account, or None where the name is taken."""
    account = MailAccount(failures=0, **fields)
    s.add(account)
    try:
        s.flush()
    except IntegrityError:
        s.rollback()
        return None
    return account


def remove_account(s: Session, name: str, *, forget: bool = False) -> bool:
    """Remove the account; ``forget`` also drops its ledger, so that an account added again
    under this name takes its mailbox again."""
    removed = s.execute(delete(MailAccount).where(MailAccount.name == name)).rowcount
    if forget:
        s.execute(delete(MailMessage).where(MailMessage.account == name))
        s.execute(delete(MailFolder).where(MailFolder.account == name))
    return bool(removed)


def due_accounts(s: Session, now: datetime) -> list[str]:
    """Accounts whose next poll is due (never polled, or their wait is over)."""
    due = (MailAccount.next_try_at.is_(None)) | (MailAccount.next_try_at <= now)
    return list(s.scalars(select(MailAccount.name).where(due).order_by(MailAccount.name)))


def record_poll_ok(s: Session, name: str, now: datetime, interval: float) -> None:
    s.execute(
        update(MailAccount)
        .where(MailAccount.name == name)
        .values(
            last_ok_at=now,
            last_error=None,
            failures=0,
            next_try_at=now + timedelta(seconds=interval),
        )
    )


def record_poll_failure(
    s: Session, name: str, error: str, now: datetime, interval: float, longest: float
) -> float:
    """Count a failed poll and put the next try off: the wait doubles with each failure
    in a row, from twice the interval up to ``longest``. The wait, in seconds."""
    account = account_by_name(s, name)
    if account is None:
        return interval
    account.failures = (account.failures or 0) + 1
    wait = min(longest, interval * 2**account.failures)
    account.last_error, account.last_error_at = error, now
    account.next_try_at = now + timedelta(seconds=wait)
    return wait


def mail_status(s: Session) -> list[dict[str, Any]]:
    """Every account as `docintel status` and /metrics show it: how its polls go and how
    many messages of each ledger status it has."""
    counts: dict[str, dict[str, int]] = {}
    for account, status, n in s.execute(
        select(MailMessage.account, MailMessage.status, func.count()).group_by(
            MailMessage.account, MailMessage.status
        )
    ):
        counts.setdefault(account, {})[status] = n
    return [
        {
            "name": a.name,
            "host": a.host,
            "port": a.port,
            "user": a.username,
            "auth": a.auth,
            "ok": a.failures == 0,
            "failures": a.failures,
            "last_error": a.last_error,
            "last_error_at": _iso(a.last_error_at),
            "last_ok_at": _iso(a.last_ok_at),
            "next_try_at": _iso(a.next_try_at),
            "messages": counts.get(a.name, {}),
        }
        for a in all_accounts(s)
    ]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


# --- folders ---------------------------------------------------------------------------


def folder_place(s: Session, account: str, folder: str, uidvalidity: int, rules: str) -> int:
    """The highest UID examined in ``folder``; 0 (examine every message again) where the
    folder was made anew (another UIDVALIDITY) or its rules changed since. The ledger
    keeps what was taken from being taken again."""
    row = s.scalar(
        select(MailFolder).where(MailFolder.account == account, MailFolder.folder == folder)
    )
    if row is None:
        row = MailFolder(account=account, folder=folder, uidvalidity=uidvalidity, last_uid=0)
        row.rules_hash = rules
        s.add(row)
        s.flush()
    elif (row.uidvalidity, row.rules_hash) != (uidvalidity, rules):
        # what no rule wanted may be wanted by the new rules
        s.execute(
            delete(MailMessage)
            .where(MailMessage.account == account, MailMessage.folder == folder)
            .where(MailMessage.status == SKIPPED)
        )
        row.uidvalidity, row.rules_hash, row.last_uid = uidvalidity, rules, 0
    return int(row.last_uid)


def advance_folder(s: Session, account: str, folder: str, uid: int) -> None:
    """Every UID up to ``uid`` is examined; never moves back."""
    s.execute(
        update(MailFolder)
        .where(MailFolder.account == account, MailFolder.folder == folder)
        .where(MailFolder.last_uid < uid)
        .values(last_uid=uid)
    )


# --- the ledger ------------------------------------------------------------------------


def _key_filter(key: MessageKey) -> tuple[Any, ...]:
    return (
        MailMessage.account == key.account,
        MailMessage.folder == key.folder,
        MailMessage.uidvalidity == key.uidvalidity,
        MailMessage.uid == key.uid,
    )


def known_uids(s: Session, account: str, folder: str, uidvalidity: int, above: int) -> set[int]:
    """UIDs above ``above`` that the ledger already holds (taken, or being taken)."""
    rows = s.scalars(
        select(MailMessage.uid).where(
            MailMessage.account == account,
            MailMessage.folder == folder,
            MailMessage.uidvalidity == uidvalidity,
            MailMessage.uid > above,
        )
    )
    return set(rows)


def unfinished(s: Session, account: str, folder: str, uidvalidity: int) -> list[MailMessage]:
    """Messages a stopped fetcher left claimed or stored but not acted on."""
    return list(
        s.scalars(
            select(MailMessage)
            .where(MailMessage.account == account, MailMessage.folder == folder)
            .where(MailMessage.uidvalidity == uidvalidity)
            .where(MailMessage.status.in_(UNFINISHED))
            .order_by(MailMessage.uid)
        )
    )


def message_id_taken(s: Session, account: str, message_id: str | None) -> bool:
    """Whether a message with this Message-ID was already taken from ``account`` (in
    another folder, or before the folder's UIDVALIDITY changed)."""
    if not message_id:
        return False
    return (
        s.scalar(
            select(MailMessage.id)
            .where(MailMessage.account == account, MailMessage.message_id == message_id)
            .where(MailMessage.status.in_((TAKING, STORED, DONE)))
            .limit(1)
        )
        is not None
    )


def claim_message(
    s: Session,
    key: MessageKey,
    *,
    rule: str,
    message_id: str | None,
    subject: str | None,
    owner: str,
    status: str = TAKING,
    error: str | None = None,
) -> bool:
    """Put the message in the ledger; False where it already is (another fetcher claimed
    it first): the unique key makes the claim atomic on every database."""
    stmt = insert_stmt(s, MailMessage).values(
        account=key.account,
        folder=key.folder,
        uidvalidity=key.uidvalidity,
        uid=key.uid,
        message_id=(message_id or None) and message_id[:512],
        rule=rule,
        status=status,
        subject=subject,
        documents=[],
        owner=owner,
        error=error,
        taken_at=utcnow(),
    )
    stmt = stmt.on_conflict_do_nothing(index_elements=["account", "folder", "uidvalidity", "uid"])
    return s.execute(stmt).rowcount == 1


def mark(s: Session, key: MessageKey, status: str, **values: Any) -> None:
    s.execute(update(MailMessage).where(*_key_filter(key)).values(status=status, **values))


# --- what a rule sets on a document ----------------------------------------------------


def add_tags(s: Session, document_id: int, tags: Iterable[str]) -> None:
    rows = [{"document_id": document_id, "tag": t} for t in dict.fromkeys(tags) if t]
    if rows:
        stmt = insert_stmt(s, DocumentTag).values(rows)
        s.execute(stmt.on_conflict_do_nothing(index_elements=["document_id", "tag"]))


def tags_of(s: Session, document_id: int) -> list[str]:
    return list(
        s.scalars(
            select(DocumentTag.tag)
            .where(DocumentTag.document_id == document_id)
            .order_by(DocumentTag.tag)
        )
    )


def set_by_rule(
    s: Session, doc: Document, rule_sets: dict[str, Any], origin: dict[str, Any] | None
) -> None:
    """What a mail rule sets on ``doc``: its tags, its correspondent (where none is known
    yet) and, in ``meta["set"]``, the document type its attachments are given. ``origin``
    (the message it came from) is recorded on a new document only: a known one keeps
    where it first came from."""
    add_tags(s, doc.id, rule_sets.get("tags") or [])
    if rule_sets.get("correspondent") and not doc.correspondent:
        doc.correspondent = rule_sets["correspondent"]
    if origin is not None:
        doc.meta = {**(doc.meta or {}), "mail": origin, "set": rule_sets}


def inherit_from_parent(s: Session, parent: Document, child: Document) -> None:
    """A mail's attachment carries what the rule set on the mail (the children route)."""
    add_tags(s, child.id, tags_of(s, parent.id))
    if parent.correspondent and not child.correspondent:
        child.correspondent = parent.correspondent
    rule_sets = (parent.meta or {}).get("set")
    if rule_sets:
        child.meta = {**(child.meta or {}), "set": rule_sets}
