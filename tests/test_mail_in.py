"""Mail in against a real IMAP server: Dovecot (Debian's dovecot-imapd, installed by
.ci/run), started by the ``dovecot`` fixture from a configuration it writes (a self-signed
certificate, a passwd-file user per test, mailboxes in a folder of their own). Messages are
delivered by APPEND, as a mail client files them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from docintel.cli import app
from docintel.config import Settings, get_settings
from docintel.store.db import session_scope
from docintel.store.mail_schema import MailMessage
from docintel.store.queries import document_result
from docintel.store.schema import Document
from docintel.watcher.mail.fetch import MailFetcher
from docintel.watcher.mail.rules import RulesError, load_rules
from tests.helpers import wait_for
from tests.mailserver import PASSWORD, Cutter, Dovecot, mail

CSV = b"item,amount\n" + b"".join(b"bolts %d,%d.00\n" % (i, i) for i in range(200))  # ~3 KB


@pytest.fixture(scope="module")
def dovecot():
    try:
        server = Dovecot().start()
    except RuntimeError as exc:
        pytest.fail(f"{exc}; .ci/run installs dovecot-imapd")
    yield server
    server.stop()


@pytest.fixture
def mailbox(dovecot: Dovecot, embedded: Settings, monkeypatch: pytest.MonkeyPatch):
    """An empty mailbox of its own, and the account ``office`` on it (added by the CLI)."""
    dovecot.new_user()
    monkeypatch.setenv("DOCINTEL_MAIL_PASSWORD_OFFICE", PASSWORD)
    monkeypatch.setenv("DOCINTEL_EMBEDDING_MODEL", "hashing")
    monkeypatch.setenv("DOCINTEL_ENGINE", "cpu")
    add_account(dovecot, "office", dovecot.imaps_port)
    return dovecot


def add_account(server: Dovecot, name: str, port: int, *extra: str) -> None:
    args = ["mail", "add", name, "--host", "127.0.0.1", "--port", str(port)]
    args += ["--user", server.user, "--ca-file", str(server.cert), *extra]
    added = CliRunner().invoke(app, args)
    assert added.exit_code == 0, added.output
    assert PASSWORD not in added.output


def write_rules(settings: Settings, text: str) -> None:
    settings.mail_rules_dir.mkdir(parents=True, exist_ok=True)
    (settings.mail_rules_dir / "rules.yaml").write_text(text)


INVOICES = """
name: invoices
account: office
match: {subject: invoice, from: acme.example}
attachments: {types: [csv, txt], min_size_kb: 1}
then: mark_read
set: {tags: [invoice, mail], correspondent: ACME Ltd, doc_type: invoice}
"""


def ledger(settings: Settings) -> list[tuple[int, str]]:
    with session_scope(settings.db_url) as s:
        rows = s.execute(select(MailMessage.uid, MailMessage.status).order_by(MailMessage.id))
        return [tuple(r) for r in rows]


def document_count(settings: Settings) -> int:
    with session_scope(settings.db_url) as s:
        return s.scalar(select(func.count()).select_from(Document)) or 0


def sender_of_docs(settings: Settings):
    from docintel.worker.app import enqueue

    return lambda result: enqueue(result.sha256, settings)


def test_attachments_become_documents_with_the_rules_tags(mailbox, embedded):
    """Only the attachments the rule wants (type, minimum size) become documents, processed
    like dropped files, carrying the rule's tags, correspondent and type; the message is
    marked read once they are stored; a message no rule matches is left alone."""
    write_rules(embedded, INVOICES)
    mailbox.append(
        mail(
            "Invoice 2041",
            [
                ("invoice-2041.csv", CSV, "text/csv"),
                ("logo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 300, "image/png"),  # wrong type
                ("note.txt", b"thanks", "text/plain"),  # below min_size_kb
            ],
        )
    )
    mailbox.append(mail("Our newsletter", [("news.csv", CSV, "text/csv")]))
    results = MailFetcher(embedded, sender_of_docs(embedded)).poll_due()
    assert [r.ok for r in results] == [True] and len(results[0].taken) == 1

    with session_scope(embedded.db_url) as s:
        docs = list(s.scalars(select(Document)))
        assert [d.name for d in docs] == ["invoice-2041.csv"]
        result = document_result(s, docs[0], audit=True)
    document = result["document"]
    assert document["status"] == "done", document["error"]
    assert document["tags"] == ["invoice", "mail"]
    assert document["correspondent"] == "ACME Ltd"
    assert document["doc_type"] == "invoice"
    assert any("set by mail rule invoices" in (e["content"] or "") for e in result["audit"])
    assert document["meta"]["mail"]["subject"] == "Invoice 2041"
    assert document["meta"]["mail"]["folder"] == "INBOX"
    on_server = mailbox.messages()
    assert "\\Seen" in on_server["Invoice 2041"]
    assert "\\Seen" not in on_server["Our newsletter"]
    assert ledger(embedded) == [(1, "done")]

    status = json.loads(CliRunner().invoke(app, ["status", "--json"]).stdout)
    (account,) = status["mail"]
    assert account["ok"] and account["messages"] == {"done": 1}
    assert account["rules"] == ["invoices"]


def test_a_whole_message_is_a_document_whose_attachments_inherit_the_rule(mailbox, embedded):
    write_rules(
        embedded,
        INVOICES.replace("then: mark_read", "then: move\nmove_to: Done/2026\ntake: message"),
    )
    mailbox.append(mail("Invoice 7", [("invoice-7.csv", CSV, "text/csv")]))
    (result,) = MailFetcher(embedded, sender_of_docs(embedded)).poll_due()
    assert result.ok, result.error
    with session_scope(embedded.db_url) as s:
        parent = s.scalar(select(Document).where(Document.parent_id.is_(None)))
        assert parent is not None and parent.name == "Invoice 7.eml" and parent.kind == "mail"
        out = document_result(s, parent, audit=False)
        (child_row,) = out["children"]
        child = document_result(s, s.get(Document, child_row["id"]), audit=False)["document"]
    assert out["document"]["tags"] == ["invoice", "mail"]
    assert out["document"]["doc_type"] != "invoice"  # the mail itself is not typed by the rule
    assert child["name"] == "invoice-7.csv" and child["status"] == "done"
    assert child["tags"] == ["invoice", "mail"] and child["correspondent"] == "ACME Ltd"
    assert child["doc_type"] == "invoice"
    assert mailbox.messages() == {}  # moved, after storing
    assert set(mailbox.messages("Done/2026")) == {"Invoice 7"}  # the folder made on the way


def test_a_message_is_never_taken_twice_across_restarts_rule_changes_and_uidvalidity(
    mailbox, embedded
):
    write_rules(embedded, INVOICES.replace("then: mark_read", "folder: Bills"))
    for n in (1, 2):
        mailbox.append(mail(f"Invoice {n}", [(f"i{n}.csv", CSV + b"%d" % n, "text/csv")]), "Bills")
    first = MailFetcher(embedded).poll_due()
    assert [len(r.taken) for r in first] == [2]
    # a restart: a new fetcher (as a new process), the messages still on the server, unread
    again = MailFetcher(embedded)
    assert [len(r.taken) for r in again.poll_due()] == []  # not due yet: the interval
    assert [len(again.poll("office", load_rules(embedded.mail_rules_dir)).taken)] == [0]
    mailbox.append(mail("Invoice 3", [("i3.csv", CSV + b"3", "text/csv")]), "Bills")
    assert len(again.poll("office", load_rules(embedded.mail_rules_dir)).taken) == 1
    # changed rules examine the folder again from its first message: nothing is taken twice
    write_rules(embedded, INVOICES.replace("then: mark_read", "folder: Bills\nthen: flag"))
    assert len(again.poll("office", load_rules(embedded.mail_rules_dir)).taken) == 0
    # the folder made anew (a new UIDVALIDITY, new UIDs): the Message-IDs were taken
    raw = [mail(f"Invoice {n}", [(f"i{n}.csv", CSV + b"%d" % n, "text/csv")],
                message_id=f"<bill-{n}@acme.example>") for n in (4, 5)]  # fmt: skip
    for message in raw:
        mailbox.append(message, "Bills")
    assert len(again.poll("office", load_rules(embedded.mail_rules_dir)).taken) == 2
    mailbox.drop_folder("Bills")
    for message in raw:
        mailbox.append(message, "Bills")
    assert len(again.poll("office", load_rules(embedded.mail_rules_dir)).taken) == 0
    statuses = [status for _uid, status in ledger(embedded)]
    assert statuses.count("done") == 5 and statuses.count("duplicate") == 2
    assert document_count(embedded) == 5


def test_two_fetchers_at_once_take_each_message_once(mailbox, embedded, redis_url):
    """Two `docintel mail fetch` processes at the same moment, as two watchers of a cluster
    (the account's lock on Redis): every message is taken by exactly one of them."""
    env = {**os.environ, "DOCINTEL_BROKER_URL": redis_url, "DOCINTEL_HOME": str(embedded.home)}
    write_rules(embedded, INVOICES)
    for n in range(12):
        mailbox.append(mail(f"Invoice {n}", [(f"i{n}.csv", CSV + b"%d" % n, "text/csv")]))
    command = [sys.executable, "-m", "docintel.cli", "mail", "fetch", "--json"]
    procs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True) for _ in "ab"]
    outs = [json.loads(p.communicate(timeout=120)[0]) for p in procs]
    uids = [t["uid"] for out in outs for t in out[0]["taken"]]
    assert sorted(uids) == list(range(1, 13))  # all, and none twice
    assert sum(out[0]["busy"] for out in outs) <= 1
    assert document_count(embedded) == 12
    assert sorted(ledger(embedded)) == [(u, "done") for u in range(1, 13)]


def test_a_busy_account_is_left_to_its_holder(mailbox, embedded, redis_url, monkeypatch):
    import redis

    monkeypatch.setenv("DOCINTEL_BROKER_URL", redis_url)
    get_settings.cache_clear()
    settings = get_settings()
    write_rules(settings, INVOICES)
    mailbox.append(mail("Invoice 1", [("i1.csv", CSV, "text/csv")]))
    holder = redis.Redis.from_url(redis_url).lock("docintel:mail:lock:office", timeout=60)
    assert holder.acquire(blocking=False)
    fetcher = MailFetcher(settings)
    (busy,) = fetcher.poll_due()
    assert busy.busy and not busy.taken and ledger(settings) == []
    holder.release()
    (done,) = fetcher.poll_due()
    assert len(done.taken) == 1


def test_the_action_happens_only_after_the_documents_are_stored(mailbox, embedded, monkeypatch):
    """The rule deletes; while the archive cannot be written, the message stays on the
    server untouched; once it can, the message is deleted, and at that moment its
    documents are already in the database."""
    from docintel.watcher.mail.imap import Imap

    write_rules(embedded, INVOICES.replace("then: mark_read", "then: delete"))
    mailbox.append(mail("Invoice 9", [("i9.csv", CSV, "text/csv")]))
    embedded.archive_dir.parent.mkdir(parents=True, exist_ok=True)
    embedded.archive_dir.write_text("not a folder")  # the archive's disk, broken
    fetcher = MailFetcher(embedded)
    (failed,) = fetcher.poll_due()
    assert not failed.ok and "could not be stored" in (failed.error or "")
    assert mailbox.messages() == {"Invoice 9": set()}  # not deleted, not even read
    assert document_count(embedded) == 0 and ledger(embedded) == [(1, "taking")]

    seen_at_action: list[tuple[str, int]] = []
    act = Imap.act

    def spying_act(self, uid, action, move_to):
        with session_scope(embedded.db_url) as s:
            row = s.scalar(select(MailMessage).where(MailMessage.uid == uid))
            seen_at_action.append((row.status, document_count(embedded)))
        return act(self, uid, action, move_to)

    monkeypatch.setattr(Imap, "act", spying_act)
    embedded.archive_dir.unlink()
    (ok,) = [fetcher.poll("office", load_rules(embedded.mail_rules_dir))]
    assert ok.ok and len(ok.taken) == 1
    assert seen_at_action == [("stored", 1)]
    assert mailbox.messages() == {}
    assert ledger(embedded) == [(1, "done")]


def test_a_wrong_password_is_reported_and_retried_with_backoff(mailbox, embedded, monkeypatch):
    monkeypatch.setenv("DOCINTEL_MAIL_PASSWORD_OFFICE", "not the password")
    monkeypatch.setenv("DOCINTEL_MAIL_INTERVAL", "60")
    get_settings.cache_clear()
    settings = get_settings()
    write_rules(settings, INVOICES)
    mailbox.append(mail("Invoice 1", [("i1.csv", CSV, "text/csv")]))
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    fetcher = MailFetcher(settings, clock=lambda: now)

    (first,) = fetcher.poll_due()
    assert not first.ok and "refused the login" in (first.error or "")
    assert wait_for(lambda: mailbox.login_failures(mailbox.user) == 1, 10)
    status = CliRunner().invoke(app, ["status", "--json"]).stdout
    (account,) = json.loads(status)["mail"]
    assert account["failures"] == 1 and "refused the login" in account["last_error"]
    assert "not the password" not in status
    assert account["next_try_at"].startswith("2026-12-01T12:02:00")  # 2 x the interval

    now += timedelta(seconds=119)
    assert fetcher.poll_due() == []  # still waiting: no login tried
    assert mailbox.login_failures(mailbox.user) == 1
    now += timedelta(seconds=1)
    (second,) = fetcher.poll_due()
    assert not second.ok
    assert wait_for(lambda: mailbox.login_failures(mailbox.user) == 2, 10)
    with session_scope(settings.db_url) as s:
        from docintel.store.mail import account_by_name

        row = account_by_name(s, "office")
        assert row.failures == 2
        assert row.next_try_at.replace(tzinfo=UTC) == now + timedelta(seconds=240)  # doubled

    from docintel.api.metrics import DatabaseCollector

    metrics = {m.name: m for m in DatabaseCollector(settings).collect()}
    assert metrics["docintel_mail_account_failures"].samples[0].value == 2

    monkeypatch.setenv("DOCINTEL_MAIL_PASSWORD_OFFICE", PASSWORD)
    now += timedelta(seconds=240)
    (fixed,) = fetcher.poll_due()
    assert fixed.ok and len(fixed.taken) == 1
    (account,) = json.loads(CliRunner().invoke(app, ["status", "--json"]).stdout)["mail"]
    assert account["failures"] == 0 and account["last_error"] is None


def test_a_connection_dropped_mid_fetch_loses_nothing(mailbox, embedded):
    """The network drops while a 3 MB attachment downloads: the poll fails, and the next
    one takes every message, each once, the large one whole."""
    big = os.urandom(3 * 2**20)
    cutter = Cutter(mailbox.imaps_port, cut_after=2 * 2**20)
    try:
        add_account(mailbox, "flaky", cutter.listen_port, "--password-env",
                    "DOCINTEL_MAIL_PASSWORD_OFFICE")  # fmt: skip
        write_rules(embedded, INVOICES.replace("account: office", "account: flaky"))
        mailbox.append(mail("Invoice small", [("small.csv", CSV, "text/csv")]))
        mailbox.append(mail("Invoice big", [("big.txt", big, "text/plain")]))
        mailbox.append(mail("Invoice last", [("last.csv", CSV + b"x", "text/csv")]))
        fetcher = MailFetcher(embedded)
        rules = load_rules(embedded.mail_rules_dir)
        cut = fetcher.poll("flaky", rules)
        assert not cut.ok and "connection was lost" in (cut.error or "") and cutter.cuts == 1
        assert ledger(embedded) == [(1, "done"), (2, "taking")]
        cutter.cut_after = None
        again = fetcher.poll("flaky", rules)
        assert again.ok, again.error
        assert [t["uid"] for t in again.taken] == [2, 3]
    finally:
        cutter.close()
    assert ledger(embedded) == [(1, "done"), (2, "done"), (3, "done")]
    with session_scope(embedded.db_url) as s:
        sizes = dict(s.execute(select(Document.name, Document.size)).all())
    assert sizes == {"small.csv": len(CSV), "big.txt": len(big), "last.csv": len(CSV) + 1}
    assert all("\\Seen" in flags for flags in mailbox.messages().values())
    assert not list((embedded.home / "mail-tmp").glob("mail-*"))  # no scraps left


def test_a_stored_message_left_by_a_stopped_fetcher_only_gets_its_action(
    mailbox, embedded, monkeypatch
):
    """The connection drops between storing the documents and the rule's action: the next
    poll carries out the action without reading the message again."""
    import imaplib

    from docintel.watcher.mail.imap import Imap

    write_rules(embedded, INVOICES)
    mailbox.append(mail("Invoice 1", [("i1.csv", CSV, "text/csv")]))
    fetcher = MailFetcher(embedded)
    rules = load_rules(embedded.mail_rules_dir)

    def dropped(*_args: object) -> None:
        raise imaplib.IMAP4.abort("socket error: EOF")

    act = Imap.act
    monkeypatch.setattr(Imap, "act", dropped)
    assert not fetcher.poll("office", rules).ok
    assert ledger(embedded) == [(1, "stored")]
    assert "\\Seen" not in mailbox.messages()["Invoice 1"]

    monkeypatch.setattr(Imap, "act", act)
    downloads: list[int] = []
    download = Imap.download

    def counted(self: Imap, uid: int, *args: object) -> None:
        downloads.append(uid)
        download(self, uid, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(Imap, "download", counted)
    assert fetcher.poll("office", rules).ok
    assert downloads == [] and ledger(embedded) == [(1, "done")]
    assert "\\Seen" in mailbox.messages()["Invoice 1"]
    assert document_count(embedded) == 1


def test_starttls_and_an_untrusted_certificate(mailbox, embedded):
    add_account(mailbox, "plain-port", mailbox.imap_port, "--security", "starttls",
                "--password-env", "DOCINTEL_MAIL_PASSWORD_OFFICE")  # fmt: skip
    tested = CliRunner().invoke(app, ["mail", "test", "plain-port"])
    assert tested.exit_code == 0 and "logged in" in tested.output, tested.output
    # without the test CA the self-signed certificate is refused before any login
    added = CliRunner().invoke(app, ["mail", "add", "untrusted", "--host", "127.0.0.1",
        "--port", str(mailbox.imaps_port), "--user", mailbox.user])  # fmt: skip
    assert added.exit_code == 0
    refused = CliRunner().invoke(app, ["mail", "test", "untrusted"])
    assert refused.exit_code == 1 and "CERTIFICATE_VERIFY_FAILED" in refused.output
    assert mailbox.login_failures(mailbox.user) == 0
    listed = CliRunner().invoke(app, ["mail", "list", "--json"]).stdout
    assert PASSWORD not in listed and {a["name"] for a in json.loads(listed)} == {
        "office", "plain-port", "untrusted"}  # fmt: skip


def test_xoauth2_with_a_token_command(mailbox, embedded, tmp_path):
    """Microsoft 365 and Gmail: an OAuth2 access token from a command, sent by XOAUTH2. An
    expired token is refused and reported; the token itself is never shown."""
    token_file = tmp_path / "token"
    token_file.write_text(mailbox.token(mailbox.user) + "\n")
    add_account(mailbox, "m365", mailbox.imaps_port, "--token-command", f"cat {token_file}")
    write_rules(embedded, INVOICES.replace("account: office", "account: m365"))
    mailbox.append(mail("Invoice 1", [("i1.csv", CSV, "text/csv")]))
    fetcher = MailFetcher(embedded)
    rules = load_rules(embedded.mail_rules_dir)
    assert len(fetcher.poll("m365", rules).taken) == 1
    expired = mailbox.token(mailbox.user, expires_in=-60)
    token_file.write_text(expired + "\n")
    refused = fetcher.poll("m365", rules)
    assert not refused.ok and "refused the login" in (refused.error or "")
    token_file.unlink()
    broken = fetcher.poll("m365", rules)
    assert not broken.ok and "the token command failed (exit 1)" in (broken.error or "")
    status = CliRunner().invoke(app, ["status", "--json"]).stdout
    assert expired not in status and expired.split(".")[2] not in status
    account = next(a for a in json.loads(status)["mail"] if a["name"] == "m365")
    assert account["auth"] == "xoauth2" and account["failures"] == 2


def test_folders_named_beyond_ascii(mailbox, embedded):
    """Folder names go to the server in modified UTF-7 (written here by hand, as RFC 3501
    spells them), an ampersand included."""
    write_rules(
        embedded,
        INVOICES.replace("then: mark_read", "folder: Rechnungen & Belege/Größe\n"
                         "then: move\nmove_to: Erledigt/Größe"),
    )  # fmt: skip
    folder = "Rechnungen &- Belege/Gr&APYA3w-e"  # "Rechnungen & Belege/Größe"
    mailbox.append(mail("Invoice 1", [("i1.csv", CSV, "text/csv")]), folder)
    tested = CliRunner().invoke(app, ["mail", "test", "office"])
    assert "Rechnungen & Belege/Größe: found" in tested.output, tested.output
    (result,) = MailFetcher(embedded).poll_due()
    assert result.ok and len(result.taken) == 1, result.error
    assert set(mailbox.messages("Erledigt/Gr&APYA3w-e")) == {"Invoice 1"}
    assert mailbox.messages(folder) == {}


def test_broken_rules_are_named_with_their_file_and_rule(embedded):
    write_rules(
        embedded,
        "- {name: a, account: office, take: everything}\n"
        "- {name: b, account: office, then: move}\n",
    )
    with pytest.raises(RulesError) as caught:
        load_rules(embedded.mail_rules_dir)
    assert "rules.yaml, rule 1: take: Input should be 'attachments' or 'message'" in str(
        caught.value
    )
    assert "rules.yaml, rule 2: rule: Value error, then: move needs move_to" in str(caught.value)
    checked = CliRunner().invoke(app, ["mail", "rules"])
    assert checked.exit_code == 1 and "rule 2" in checked.output


def test_rules_that_cannot_be_used_fail_each_due_account_once_in_both_loops(mailbox, embedded):
    write_rules(embedded, "- {name: a, account: office, take: everything}\n")
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    fetcher = MailFetcher(embedded, clock=lambda: now)

    (polled,) = fetcher.poll_due()
    assert not polled.ok and "the mail rules cannot be used" in (polled.error or "")
    assert "rules.yaml: take: Input should be" in (polled.error or "")
    now += timedelta(days=1)
    assert fetcher.start_due() == []  # no thread started on rules that cannot be used
    with session_scope(embedded.db_url) as s:
        from docintel.store.mail import account_by_name

        row = account_by_name(s, "office")
        assert row.failures == 2 and "rules cannot be used" in (row.last_error or "")
    fetched = CliRunner().invoke(app, ["mail", "fetch"])
    assert fetched.exit_code == 1 and "rules.yaml: take" in fetched.output
