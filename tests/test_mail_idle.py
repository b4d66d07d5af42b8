"""IMAP IDLE against the real Dovecot of the mail-in tests: with a poll every five minutes,
a message delivered while the fetcher waits in IDLE becomes a document within seconds; IDLE
is issued anew before the server's limit; a server that does not offer IDLE is polled; a
connection dropped during IDLE is a failure like any other (recorded, backed off)."""

from __future__ import annotations

import imaplib
import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

import docintel.watcher.mail.fetch as fetch_module
from docintel.cli import app
from docintel.config import Settings, get_settings
from docintel.store.db import session_scope
from docintel.store.mail import account_by_name
from docintel.watcher.mail.fetch import MailFetcher
from tests import test_mail_in
from tests.helpers import wait_for
from tests.mailserver import PASSWORD, WITHOUT_IDLE, Cutter, Dovecot, mail
from tests.test_mail_in import CSV, INVOICES, add_account, document_count, ledger, write_rules

# the mail-in tests' fixtures: a Dovecot for this module, a mailbox of its own for each test
dovecot, mailbox = test_mail_in.dovecot, test_mail_in.mailbox


def settings_with(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for key, value in env.items():
        monkeypatch.setenv(f"DOCINTEL_MAIL_{key.upper()}", value)
    get_settings.cache_clear()
    return get_settings()


class Running:
    """``MailFetcher.run`` in a thread, counting the IDLE commands it issues."""

    def __init__(self, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
        self.idles = 0
        real = fetch_module.idle_once

        def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
            self.idles += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(fetch_module, "idle_once", counted)
        self.fetcher = MailFetcher(settings)
        self.thread = threading.Thread(target=self.fetcher.run, daemon=True)

    def __enter__(self) -> MailFetcher:
        self.thread.start()
        return self.fetcher

    def __exit__(self, *_exc: object) -> None:
        started = time.monotonic()
        self.fetcher.stop()
        self.fetcher.join(10)
        self.thread.join(10)
        # a stop is heard within IDLE's one-second slices, not at the end of the wait
        assert not self.thread.is_alive() and time.monotonic() - started < 5


def account_row(settings: Settings, name: str) -> dict[str, object]:
    with session_scope(settings.db_url) as s:
        row = account_by_name(s, name)
        assert row is not None
        return {c: getattr(row, c) for c in ("failures", "last_error", "last_ok_at", "next_try_at")}


def test_a_message_delivered_during_idle_is_a_document_within_seconds(mailbox, monkeypatch):
    settings = settings_with(monkeypatch, interval="300")
    write_rules(settings, INVOICES)
    with Running(settings, monkeypatch) as fetcher:
        assert wait_for(lambda: fetcher.idling.get("office") == "INBOX", 20)
        for n in (1, 2):  # the second after IDLE was entered again
            delivered = time.monotonic()
            mailbox.append(mail(f"Invoice {n}", [(f"i{n}.csv", CSV + b"%d" % n, "text/csv")]))
            assert wait_for(lambda n=n: document_count(settings) == n, 10)
            took = time.monotonic() - delivered
            assert took < 5, f"{took:.1f} s: not woken by IDLE (the interval is 300 s)"
            assert wait_for(lambda: "office" in fetcher.idling, 10)
    assert ledger(settings) == [(1, "done"), (2, "done")]
    assert all("\\Seen" in flags for flags in mailbox.messages().values())
    assert account_row(settings, "office")["failures"] == 0


def test_idle_is_issued_anew_and_still_wakes(mailbox, monkeypatch):
    """Each renewal is DONE, the server's tagged OK and a new IDLE on the same connection:
    a mistake in that exchange would fail the account instead of waking it."""
    settings = settings_with(monkeypatch, interval="300", idle_renew="0.4")
    write_rules(settings, INVOICES)
    running = Running(settings, monkeypatch)
    with running as fetcher:
        assert wait_for(lambda: running.idles >= 5, 20)
        assert "office" in fetcher.idling
        delivered = time.monotonic()
        mailbox.append(mail("Invoice 1", [("i1.csv", CSV, "text/csv")]))
        assert wait_for(lambda: document_count(settings) == 1, 10)
        assert time.monotonic() - delivered < 5
    row = account_row(settings, "office")
    assert row["failures"] == 0 and row["last_error"] is None


@pytest.fixture(scope="module")
def no_idle_server() -> Iterator[Dovecot]:
    server = Dovecot(capability=WITHOUT_IDLE).start()
    yield server
    server.stop()


def test_a_server_without_idle_is_polled(no_idle_server, embedded, monkeypatch):
    server = no_idle_server
    server.new_user()
    client = server.client()
    try:
        typ, data = client.capability()
        assert typ == "OK" and b"IDLE" not in data[-1].split(), data  # not offered
    finally:
        client.logout()
    monkeypatch.setenv("DOCINTEL_MAIL_PASSWORD_OFFICE", PASSWORD)
    settings = settings_with(monkeypatch, interval="1")
    add_account(server, "office", server.imaps_port)
    write_rules(settings, INVOICES)
    running = Running(settings, monkeypatch)
    with running as fetcher:
        assert wait_for(lambda: account_row(settings, "office")["last_ok_at"] is not None, 20)
        server.append(mail("Invoice 1", [("i1.csv", CSV, "text/csv")]))
        assert wait_for(lambda: document_count(settings) == 1, 15)  # a later poll took it
        assert fetcher.idling == {}
    assert running.idles == 0
    assert ledger(settings) == [(1, "done")]


def test_a_connection_dropped_during_idle_is_recorded_and_backed_off(
    mailbox, embedded, monkeypatch
):
    settings = settings_with(monkeypatch, interval="300")
    cutter = Cutter(mailbox.imaps_port)
    try:
        add_account(mailbox, "flaky", cutter.listen_port, "--password-env",
                    "DOCINTEL_MAIL_PASSWORD_OFFICE")  # fmt: skip
        write_rules(settings, INVOICES.replace("account: office", "account: flaky"))
        with Running(settings, monkeypatch) as fetcher:
            assert wait_for(lambda: "flaky" in fetcher.idling, 20)
            cut_at = datetime.now(UTC)
            cutter.cut_now()
            assert wait_for(lambda: account_row(settings, "flaky")["failures"] == 1, 10)
            assert "flaky" not in fetcher.idling
            row = account_row(settings, "flaky")
            assert "connection was lost" in str(row["last_error"])
            waited = row["next_try_at"].replace(tzinfo=UTC) - cut_at  # type: ignore[union-attr]
            assert 590 <= waited.total_seconds() <= 610  # twice the interval: backed off
            # the other accounts and the watcher go on
            assert fetcher.stopping.is_set() is False
    finally:
        cutter.close()
    status = json.loads(CliRunner().invoke(app, ["status", "--json"]).stdout)
    flaky = next(a for a in status["mail"] if a["name"] == "flaky")
    assert not flaky["ok"] and "connection was lost" in flaky["last_error"]


def test_idle_answers_a_closed_connection_with_an_abort(mailbox, embedded):
    """The wait itself: a server gone during IDLE raises imaplib's abort (what the poll
    treats as a lost connection), it does not spin or wait out the timeout."""
    from docintel.watcher.mail.idle import idle_once
    from docintel.watcher.mail.imap import AccountConfig, connect

    cutter = Cutter(mailbox.imaps_port)
    try:
        account = AccountConfig(
            name="x", host="127.0.0.1", port=cutter.listen_port, security="tls",
            username=mailbox.user, auth="password", password_env="DOCINTEL_MAIL_PASSWORD_OFFICE",
            ca_file=str(mailbox.cert),
        )  # fmt: skip
        imap = connect(account, 10)
        imap.select("INBOX")
        threading.Timer(0.5, cutter.cut_now).start()
        started = time.monotonic()
        with pytest.raises(imaplib.IMAP4.abort):
            idle_once(imap, 30, threading.Event())
        assert time.monotonic() - started < 5
    finally:
        cutter.close()
