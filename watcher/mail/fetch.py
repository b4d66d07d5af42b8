"""The mail fetcher: every DOCINTEL_MAIL_INTERVAL it polls each account that is due, under
the account's lock (one fetcher per account across the cluster), folder by folder for the
folders its rules name. What it takes goes through the same ingest as a dropped file.

Where the server offers IDLE, ``run`` keeps each account's connection (and its lock)
between polls and waits in IDLE on the folder of the account's first rule: a message
delivered there is fetched at once, the other folders at each interval. Each account has
a thread of its own, so one account's wait or slow server holds no other.

A poll that fails (the server down, a login refused, a connection dropped) is recorded on
the account, where `docintel status` and /metrics show it, and the account is tried again
after a wait that doubles with each failure in a row (up to DOCINTEL_MAIL_BACKOFF_MAX);
the other accounts and the inbox go on."""

from __future__ import annotations

import imaplib
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import policy
from email.parser import BytesParser
from typing import Any

from sqlalchemy.exc import DBAPIError

from docintel.config import Settings, redact_text
from docintel.store.db import session_scope
from docintel.store.mail import (
    DONE,
    DUPLICATE,
    REFUSED,
    SKIPPED,
    STORED,
    MessageKey,
    account_by_name,
    advance_folder,
    claim_message,
    due_accounts,
    folder_place,
    known_uids,
    message_id_taken,
    record_poll_failure,
    record_poll_ok,
    unfinished,
)
from docintel.watcher.ingest import Ingested
from docintel.watcher.mail.idle import idle_once
from docintel.watcher.mail.imap import WIRE_ERRORS, AccountConfig, Imap, MailError, connect
from docintel.watcher.mail.lock import LockLost, account_lock
from docintel.watcher.mail.rules import Rule, RulesError, headers_match, load_rules, rules_hash
from docintel.watcher.mail.take import Taker, header

log = logging.getLogger("docintel.mail")


@dataclass
class PollResult:
    account: str
    ok: bool = True
    error: str | None = None
    busy: bool = False  # another fetcher holds the account
    taken: list[dict[str, Any]] = field(default_factory=list)


def _now() -> datetime:
    return datetime.now(UTC)


class MailFetcher:
    def __init__(
        self,
        settings: Settings,
        send: Callable[[Ingested], None] = lambda _result: None,
        *,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.settings = settings
        self.send = send
        self.clock = clock
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.stopping = threading.Event()
        self._said: str | None = None  # the last trouble logged, said once
        self._sessions: dict[str, threading.Thread] = {}  # run's thread of each account
        self.idling: dict[str, str] = {}  # account -> the folder it waits in IDLE on

    # --- the loop --------------------------------------------------------------------

    def run(self) -> None:
        """Poll what is due, each account in a thread of its own that stays in IDLE where
        it can, until ``stop()``; a failure here never ends the loop."""
        tick = min(self.settings.mail_interval, 5.0)
        while not self.stopping.is_set():
            try:
                self.start_due()
            except Exception as exc:  # the database away, say: said once, tried again
                self._say(f"mail fetching failed ({type(exc).__name__}: {redact_text(str(exc))})")
            self.stopping.wait(tick)

    def stop(self) -> None:
        self.stopping.set()

    def join(self, timeout: float) -> None:
        """Wait for the accounts' threads to end (after ``stop()``)."""
        end = time.monotonic() + timeout
        for thread in list(self._sessions.values()):
            thread.join(max(0.0, end - time.monotonic()))

    def start_due(self) -> list[str]:
        """A thread for each account whose turn it is and that has none running yet."""
        with session_scope(self.settings.db_url) as s:
            names = due_accounts(s, self.clock())
        names = [n for n in names if not (n in self._sessions and self._sessions[n].is_alive())]
        if not names:
            return []
        rules, _failures = self._rules_for(names)
        if rules is None:
            return []
        for name in names:
            thread = threading.Thread(
                target=self._session, args=(name, rules), name=f"docintel-mail-{name}", daemon=True
            )
            self._sessions[name] = thread
            thread.start()
        return names

    def _session(self, name: str, rules: list[Rule]) -> None:
        try:
            self.poll(name, rules, idle=self.settings.mail_idle)
        except Exception as exc:  # the database away: said once, tried again when due
            self._say(f"mail {name} failed ({type(exc).__name__}: {redact_text(str(exc))})")

    def _say(self, message: str) -> None:
        if message != self._said:
            log.warning("%s", message[:500])
        self._said = message

    def poll_due(self) -> list[PollResult]:
        """Poll every account whose turn it is."""
        with session_scope(self.settings.db_url) as s:
            names = due_accounts(s, self.clock())
        if not names:
            return []
        rules, failures = self._rules_for(names)
        if rules is None:
            return failures
        return [self.poll(name, rules) for name in names if not self.stopping.is_set()]

    def _rules_for(self, names: list[str]) -> tuple[list[Rule] | None, list[PollResult]]:
        """The rules; or None when they cannot be used, with the problem said once and
        recorded as a failed poll of each account due (the page and `docintel mail list`
        show it there)."""
        try:
            return load_rules(self.settings.mail_rules_dir), []
        except RulesError as exc:
            problem = f"the mail rules cannot be used: {exc}"
            self._say(problem)
            return None, [self._failed(name, problem) for name in names]

    # --- one account -----------------------------------------------------------------

    def poll(self, name: str, rules: list[Rule], *, idle: bool = False) -> PollResult:
        """Poll the account's folders once; with ``idle`` (and a server that offers it),
        then wait in IDLE and poll again, until ``stop()`` or a failure."""
        lock = account_lock(self.settings, name)
        if not lock.acquire():
            return PollResult(name, busy=True)
        try:
            with session_scope(self.settings.db_url) as s:
                row = account_by_name(s, name)
                if row is None:
                    return PollResult(name, ok=False, error="no such account")
                account = AccountConfig.of(row)
            mine = [r for r in rules if r.account == name]
            result = PollResult(name)
            if mine:
                self._poll_folders(account, mine, lock.keep, result, idle)
            self._record_ok(name)
            return result
        except (MailError, LockLost) as exc:
            return self._failed(name, str(exc))
        except WIRE_ERRORS as exc:
            return self._failed(name, f"the connection was lost ({type(exc).__name__}: {exc})")
        except imaplib.IMAP4.error as exc:
            return self._failed(name, f"the server answered with an error: {exc}")
        except DBAPIError:
            raise  # nowhere to record it: the loop says it once
        except Exception as exc:
            log.exception("mail %s: unexpected error", name)
            return self._failed(name, f"unexpected error ({type(exc).__name__}); see the log")
        finally:
            lock.release()

    def _record_ok(self, name: str) -> None:
        with session_scope(self.settings.db_url) as s:
            record_poll_ok(s, name, self.clock(), self.settings.mail_interval)

    def _failed(self, name: str, error: str) -> PollResult:
        error = redact_text(error)[:1000]
        with session_scope(self.settings.db_url) as s:
            wait = record_poll_failure(
                s,
                name,
                error,
                self.clock(),
                self.settings.mail_interval,
                self.settings.mail_backoff_max,
            )
        log.warning("mail %s: %s; tried again in %.0f s", name, error, wait)
        return PollResult(name, ok=False, error=error)

    def _poll_folders(
        self,
        account: AccountConfig,
        rules: list[Rule],
        keep_lock: Callable[[], None],
        result: PollResult,
        idle: bool = False,
    ) -> None:
        imap = connect(account, self.settings.mail_timeout)
        try:
            while rules and not self.stopping.is_set():
                taker = Taker(self.settings, imap, self.send, keep_lock, self.clock())
                for folder in dict.fromkeys(r.folder for r in rules):
                    if self.stopping.is_set():
                        break
                    mine = [r for r in rules if r.folder == folder]
                    FolderPoll(self, taker, account.name, folder, mine).run()
                result.taken += taker.taken
                if not idle or not imap.has("IDLE"):
                    return  # polled again when due: DOCINTEL_MAIL_INTERVAL
                self._record_ok(account.name)
                self._wait_in_idle(imap, account.name, rules[0].folder, keep_lock)
                rules = self._rules_of(account.name)  # changed meanwhile, maybe
        finally:
            imap.logout()

    def _wait_in_idle(
        self, imap: Imap, name: str, folder: str, keep_lock: Callable[[], None]
    ) -> None:
        """Until a message arrives in ``folder``, or the interval passes (then the other
        folders are due too); IDLE is issued anew every DOCINTEL_MAIL_IDLE_RENEW seconds,
        before the server's 30-minute limit."""
        imap.select(folder)
        end = time.monotonic() + self.settings.mail_interval
        self.idling[name] = folder
        try:
            while not self.stopping.is_set() and (left := end - time.monotonic()) > 0:
                wait = min(left, self.settings.mail_idle_renew)
                if idle_once(imap, wait, self.stopping, keep_lock):
                    return
        finally:
            self.idling.pop(name, None)

    def _rules_of(self, name: str) -> list[Rule]:
        try:
            return [r for r in load_rules(self.settings.mail_rules_dir) if r.account == name]
        except RulesError as exc:
            raise MailError(f"the mail rules cannot be used: {exc}") from exc


class FolderPoll:
    """One folder of one account: finish what a stopped fetcher left, then examine the
    messages above the folder's place, in UID order."""

    def __init__(
        self, fetcher: MailFetcher, taker: Taker, account: str, folder: str, rules: list[Rule]
    ) -> None:
        self.fetcher, self.taker, self.imap = fetcher, taker, taker.imap
        self.settings = fetcher.settings
        self.account, self.folder, self.rules = account, folder, rules

    def run(self) -> None:
        uidvalidity = self.imap.select(self.folder)
        with session_scope(self.settings.db_url) as s:
            place = folder_place(s, self.account, self.folder, uidvalidity, rules_hash(self.rules))
            leftovers = [
                (r.uid, r.status, r.rule)
                for r in unfinished(s, self.account, self.folder, uidvalidity)
            ]
        for uid, status, rule in leftovers:
            self.finish(MessageKey(self.account, self.folder, uidvalidity, uid), status, rule)
        uids = self.imap.search(place, self._since())
        with session_scope(self.settings.db_url) as s:
            known = known_uids(s, self.account, self.folder, uidvalidity, place)
        for start in range(0, len(uids), 100):
            batch = uids[start : start + 100]
            heads = self.imap.headers([u for u in batch if u not in known])
            for uid in batch:
                if self.fetcher.stopping.is_set():
                    return
                if uid in heads:
                    key = MessageKey(self.account, self.folder, uidvalidity, uid)
                    self.examine(key, *heads[uid])
            # Only an optimisation: what was taken is in the ledger, so a batch cut short
            # by a failure is examined again and its taken messages are skipped.
            with session_scope(self.settings.db_url) as s:
                advance_folder(s, self.account, self.folder, batch[-1])

    def _since(self) -> Any:
        """SINCE for the server's search, where every rule of the folder has an age."""
        ages = [r.match.max_age_days for r in self.rules]
        if not ages or any(a is None for a in ages):
            return None
        # a day more: SINCE compares dates in the server's time zone
        return (self.taker.now - timedelta(days=max(a for a in ages if a) + 1)).date()

    def examine(self, key: MessageKey, size: int, head: bytes) -> None:
        headers = BytesParser(policy=policy.default).parsebytes(head, headersonly=True)
        candidates = [r for r in self.rules if headers_match(r, headers, self.taker.now)]
        if not candidates:
            return
        message_id, subject = header(headers, "message-id"), header(headers, "subject")
        claim = {
            "rule": candidates[0].name,
            "message_id": message_id,
            "subject": subject,
            "owner": self.fetcher.owner,
        }
        with session_scope(self.settings.db_url) as s:
            if message_id_taken(s, key.account, message_id):
                claim_message(s, key, status=DUPLICATE, error="Message-ID taken before", **claim)
                return
            if size > self.settings.max_file_mb * 2**20:
                too_big = f"{size} bytes, above DOCINTEL_MAX_FILE_MB"
                claim_message(s, key, status=REFUSED, error=too_big, **claim)
                log.warning("mail %s: %s #%s: %s", key.account, key.folder, key.uid, too_big)
                return
            if not claim_message(s, key, **claim):
                return  # another fetcher has it
        self.taker.take(key, size, candidates)

    def finish(self, key: MessageKey, status: str, rule_name: str) -> None:
        """A message a stopped fetcher left: a stored one gets its action; a claimed one
        is read again (its bytes, if stored before, are the same documents)."""
        rule = next((r for r in self.rules if r.name == rule_name), None)
        if status == STORED:
            if rule is None:  # the rule is gone: its action is no longer wanted
                self.taker.record(key, DONE, error="its rule was removed before its action")
            else:
                self.taker.act(key, rule)
            return
        heads = self.imap.headers([key.uid])
        if key.uid not in heads:
            self.taker.record(key, SKIPPED, error="gone from the server before it was read")
            return
        self.taker.take(key, heads[key.uid][0], self.rules)
