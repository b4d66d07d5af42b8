"""A hostile inbox and a failing network: links, FIFOs, two watchers, broker outages, odd
names, huge tables, secrets, markup in user text. Each test names the case it holds."""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from docintel.config import get_settings
from docintel.store.db import session_scope
from docintel.store.schema import Chunk, Document
from docintel.testkit.samples import text_pdf_spec, write_csv, write_pdf
from docintel.watcher.ingest import CLAIMS, NotReady, Refused, copy_and_hash, ingest
from docintel.watcher.watch import InboxWatcher
from tests.helpers import process, wait_for


def _watcher(settings, on_ingested=lambda r, p: None, **kw):
    settings.stable_seconds = 0.3
    settings.inbox_dir.mkdir(parents=True, exist_ok=True)
    watcher = InboxWatcher(settings, on_ingested, **kw)
    thread = threading.Thread(target=watcher.run, kwargs={"tick": 0.05}, daemon=True)
    return watcher, thread


def _docs(settings):
    with session_scope(settings.db_url) as s:
        return [
            (d.name, d.status, d.sha256, d.error)
            for d in s.scalars(select(Document).order_by(Document.id))
        ]


def test_links_out_of_the_inbox_are_refused_and_never_read(embedded, tmp_path):
    """1. A link to a file outside the inbox (or to /etc/passwd) is refused with the reason;
    its target's bytes never reach the database or the archive."""
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("name,password\nroot,hunter2\n")
    watcher, thread = _watcher(embedded)
    (embedded.inbox_dir / "leak.csv").symlink_to(secret)
    (embedded.inbox_dir / "passwd.csv").symlink_to("/etc/passwd")
    thread.start()
    try:
        assert wait_for(lambda: len(_refused(embedded)) == 2)
    finally:
        watcher.stop()
        thread.join(5)
    assert _docs(embedded) == []
    reasons = " ".join(_refused(embedded))
    assert "leak.csv is a symbolic link" in reasons and "links are not followed" in reasons
    archive = embedded.archive_dir
    assert not archive.exists() or not any(p.is_symlink() for p in archive.rglob("*"))
    status = CliRunner().invoke(__import__("docintel.cli", fromlist=["app"]).app, ["status"])
    assert "refused" in status.stdout and "symbolic link" in status.stdout


def _refused(settings):
    from docintel.store.queries import refusals

    with session_scope(settings.db_url) as s:
        return [r["reason"] for r in refusals(s)]


def test_a_fifo_does_not_freeze_the_watcher(embedded, tmp_path):
    """2. A named pipe is refused without being opened; files after it are taken."""
    watcher, thread = _watcher(embedded, polling=True)
    os.mkfifo(embedded.inbox_dir / "pipe.pdf")
    thread.start()
    try:
        assert wait_for(lambda: any("named pipe" in r for r in _refused(embedded)))
        write_pdf(embedded.inbox_dir / "after.pdf", text_pdf_spec(random.Random(2), 1))
        assert wait_for(lambda: [d[0] for d in _docs(embedded)] == ["after.pdf"])
    finally:
        watcher.stop()
        thread.join(5)
    assert not thread.is_alive()


def test_the_watcher_survives_a_broker_outage(embedded, tmp_path, caplog):
    """3. Sending fails (no broker): the watcher says so once, keeps watching, and the
    document stays queued for the recovery sweep."""
    from kombu.exceptions import OperationalError

    sent: list[str] = []

    def unreachable(result, path):
        sent.append(result.sha256)
        raise OperationalError("Error 111 connecting to redis://:pw@127.0.0.1:1. Refused.")

    watcher, thread = _watcher(embedded, unreachable)
    thread.start()
    try:
        for i in range(3):
            write_pdf(embedded.inbox_dir / f"d{i}.pdf", text_pdf_spec(random.Random(i), 1))
        assert wait_for(lambda: len(sent) == 3)
        assert thread.is_alive()
    finally:
        watcher.stop()
        thread.join(5)
    assert [d[1] for d in _docs(embedded)] == ["queued"] * 3
    said = [r.getMessage() for r in caplog.records if "could not send" in r.getMessage()]
    assert len(said) == 1 and "pw@" not in said[0]


def test_two_watchers_take_each_file_exactly_once(pg_url, tmp_path, monkeypatch):
    """4. Two watchers on one inbox: one row per content, none stranded or duplicated."""
    from docintel import migrations

    monkeypatch.setenv("DOCINTEL_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DOCINTEL_DATABASE_URL", pg_url)
    monkeypatch.setenv("DOCINTEL_BROKER_URL", "")
    get_settings.cache_clear()
    migrations.upgrade(pg_url)
    settings = get_settings()
    pairs = [_watcher(settings.model_copy(), polling=i == 1) for i in range(2)]
    rng = random.Random(3)
    for i in range(40):
        write_pdf(settings.inbox_dir / f"f{i:02d}.pdf", text_pdf_spec(rng, 1))
    for _, thread in pairs:
        thread.start()
    try:
        assert wait_for(lambda: len(_docs(settings)) >= 40, timeout=60)
        time.sleep(1.0)
    finally:
        for watcher, thread in pairs:
            watcher.stop()
            thread.join(5)
    docs = _docs(settings)
    assert len(docs) == 40 and {d[1] for d in docs} == {"queued"}
    assert len({d[2] for d in docs}) == 40
    left = [p for p in settings.inbox_dir.rglob("*") if p.is_file()]
    assert left == []
    get_settings.cache_clear()


def test_resubmitting_a_queued_file_sends_nothing_again(distributed, redis_url, tmp_path):
    """5. `submit` of a known, still-queued file does not send `route` again."""
    import redis

    from docintel.cli import app

    path = write_pdf(tmp_path / "a.pdf", text_pdf_spec(random.Random(1), 1))
    for _ in range(3):
        run = CliRunner().invoke(app, ["submit", "--json", str(path)])
        assert run.exit_code == 0, run.output
    client = redis.Redis.from_url(redis_url)
    assert sum(client.llen(k) for k in client.keys("cpu*")) == 1  # every priority step


def test_no_command_prints_a_password(tmp_path, redis_url, pg_url):
    """6. Broker and database passwords and API keys are masked in every command's output
    and log."""
    secret = "s3cretPW-9x"
    env = {
        **os.environ,
        "DOCINTEL_HOME": str(tmp_path / "home"),
        "DOCINTEL_BROKER_URL": f"redis://:{secret}@127.0.0.1:6379/13",
        "DOCINTEL_OPENAI_API_KEY": secret,
        "DOCINTEL_STABLE_SECONDS": "0.2",
    }
    runs = [_output_until(["config"], env), _output_until(["config", "--json"], env)]
    runs.append(_output_until(["watch"], env, "watching"))
    with_password = pg_url.replace("://postgres@", f"://postgres:{secret}@")
    assert secret in with_password
    up_env = {**env, "DOCINTEL_BROKER_URL": "", "DOCINTEL_DATABASE_URL": with_password}
    runs.append(_output_until(["up"], up_env, "watching"))
    assert "watching" in runs[2] and "watching" in runs[3], runs
    for text in runs:
        assert secret not in text


def _output_until(args: list[str], env: dict[str, str], word: str | None = None) -> str:
    """What `docintel ARGS` prints (stdout and stderr), to its end, or until it has printed
    ``word`` and a moment more (then it is stopped): a long-running command is read until
    it says it is up, however slow the machine, not for a fixed time."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "docintel.cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    seen = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if word and word in line:
                seen.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    if word:
        seen.wait(90)
        time.sleep(1.0)  # what it prints right after
        proc.terminate()
    proc.wait(timeout=60)
    reader.join(10)
    return "".join(lines)


def test_a_huge_table_is_indexed_within_bounds(embedded, tmp_path):
    """7. A table of 60,000 rows is stored whole but not embedded row by row: the chunks
    are capped and a warning says how many rows are searchable."""
    rows = [["id", "customer", "amount"]] + [
        [str(i), f"Customer {i % 977}", f"{i * 1.5:.2f}"] for i in range(60_000)
    ]
    path = write_csv(tmp_path / "big.csv", rows)
    started = time.monotonic()
    result = process(path, embedded)
    elapsed = time.monotonic() - started
    assert result["document"]["status"] == "done", result["document"]["error"]
    assert len(result["tables"][0]["rows"]) == 60_000
    with session_scope(embedded.db_url) as s:
        chunks = s.scalar(select(func.count()).select_from(Chunk))
    assert chunks <= embedded.max_table_chunks
    assert any("60,000 rows" in w for w in result["document"]["warnings"])
    assert elapsed < 120


def test_markup_and_control_characters_in_user_text_are_shown_as_written(embedded, tmp_path):
    """8. A name or field holding Rich markup or an ESC sequence is printed as text."""
    from docintel.cli import app

    name = "[/b]q3[link=https://evil.example]x[/link]\x1b[31mred.csv"
    path = tmp_path / name.replace("/", "_")
    write_csv(path, [["field", "value"], ["[/b]", "[bold red]boom[/]"], ["\x1b]0;title\x07", "1"]])
    result = process(path, embedded)
    shown = CliRunner().invoke(app, ["show", str(result["document"]["id"])])
    assert shown.exit_code == 0, shown.output
    assert "[bold red]boom[/]" in shown.stdout and "\x1b" not in shown.stdout
    listed = CliRunner().invoke(app, ["query"])
    assert listed.exit_code == 0 and "\x1b" not in listed.stdout


def test_odd_names_leave_the_inbox(embedded, tmp_path):
    """9. A non-UTF-8 name is stored with a safe display name; a duplicate of a very long
    name is moved aside under a name that fits."""
    watcher, thread = _watcher(embedded)
    data = write_pdf(tmp_path / "x.pdf", text_pdf_spec(random.Random(5), 1)).read_bytes()
    raw = os.fsencode(str(embedded.inbox_dir)) + b"/caf\xe9-" + b"x" * 3 + b".pdf"
    with open(raw, "wb") as fh:
        fh.write(data)
    thread.start()
    try:
        assert wait_for(lambda: len(_docs(embedded)) == 1)
        long = "q" * 240 + ".pdf"
        (embedded.inbox_dir / long).write_bytes(data)
        assert wait_for(lambda: len(_docs(embedded)) == 2)
    finally:
        watcher.stop()
        thread.join(5)
    (first, second) = _docs(embedded)
    assert first[0] == "caf\ufffd-xxx.pdf" and first[1] == "queued"
    assert second[1] == "duplicate"
    assert not any(p.is_file() for p in embedded.inbox_dir.iterdir())
    assert len(list(embedded.duplicates_dir.iterdir())) == 1


def test_a_file_written_while_it_is_read_is_never_archived_under_a_wrong_sha(embedded, tmp_path):
    """11. A writer that goes on writing while the file is taken: the copy is thrown away
    and the file waits, or the archive holds exactly the bytes its sha256 names."""
    path = tmp_path / "growing.bin"
    path.write_bytes(os.urandom(4 << 20))
    stop = threading.Event()

    def writer():
        with path.open("ab") as fh:
            while not stop.is_set():
                fh.write(os.urandom(1 << 16))
                fh.flush()
                time.sleep(0.001)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    outcomes = []
    try:
        for _ in range(5):
            try:
                fd = os.open(path, os.O_RDONLY)
                try:
                    sha, tmp, _size = copy_and_hash(fd, path.name, embedded.archive_dir / "tmp")
                finally:
                    os.close(fd)
            except NotReady:
                outcomes.append("waits")
                continue
            assert hashlib.sha256(tmp.read_bytes()).hexdigest() == sha
            outcomes.append("consistent")
    finally:
        stop.set()
        thread.join(5)
    assert "waits" in outcomes


def test_flower_refuses_an_empty_user_or_password(monkeypatch):
    """13. `admin:` and `:` are no password."""
    from docintel.cli import app

    monkeypatch.setenv("DOCINTEL_BROKER_URL", "redis://127.0.0.1:6379/13")
    for auth in (":", "admin:", ":secret", " : "):
        monkeypatch.setenv("DOCINTEL_FLOWER_BASIC_AUTH", auth)
        get_settings.cache_clear()
        run = CliRunner().invoke(app, ["flower"])
        assert run.exit_code == 2, auth
    get_settings.cache_clear()


def test_leading_magic_beats_a_pdf_marker_later_in_the_header(tmp_path):
    """14. A PNG whose text chunk says %PDF- is a PNG; a ZIP holding a PDF is a ZIP."""
    import io
    import zipfile

    from PIL import Image, PngImagePlugin

    from docintel.pipeline.route.sniff import sniff_file

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "%PDF-1.7 not really")
    Image.new("RGB", (10, 10)).save(tmp_path / "a.png", pnginfo=info)
    assert sniff_file(tmp_path / "a.png").media_type == "image/png"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr("inner.pdf", b"%PDF-1.4\n%EOF")
    (tmp_path / "b.pdf").write_bytes(buf.getvalue())
    assert sniff_file(tmp_path / "b.pdf").kind == "archive"  # a ZIP, whatever its name


def test_name_and_contains_take_percent_and_underscore_literally(embedded, tmp_path):
    """15. `--name %` matches names with a percent sign, not everything."""
    from docintel.cli import app

    for name in ("plain.pdf", "100%_done.pdf"):
        process(write_pdf(tmp_path / name, text_pdf_spec(random.Random(len(name)), 1)), embedded)
    runner = CliRunner()
    names = [
        d["name"] for d in json.loads(runner.invoke(app, ["query", "--json", "--name", "%"]).stdout)
    ]
    assert names == ["100%_done.pdf"]
    names = [
        d["name"] for d in json.loads(runner.invoke(app, ["query", "--json", "--name", "_"]).stdout)
    ]
    assert names == ["100%_done.pdf"]


def test_errors_name_the_users_file_and_active_pdf_content_is_flagged(embedded, tmp_path):
    """16. An empty file's error names it, not its archive copy; JavaScript and an embedded
    file in a PDF are recorded as warnings."""
    import pymupdf

    (tmp_path / "quarterly.pdf").write_bytes(b"")
    result = process(tmp_path / "quarterly.pdf", embedded)
    assert result["document"]["status"] == "failed"
    assert "quarterly.pdf is empty" in result["document"]["error"]
    assert result["document"]["sha256"][:12] not in result["document"]["error"]
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "A page with enough text on it to be trusted as is.")
    doc.embfile_add("payload.exe", b"MZ\x90\x00")
    xref = doc.get_new_xref()
    doc.update_object(xref, "<< /Type /Action /S /JavaScript /JS (app.alert(1);) >>")
    doc.xref_set_key(doc.pdf_catalog(), "OpenAction", f"{xref} 0 R")
    doc.save(tmp_path / "active.pdf", garbage=3, deflate=True, use_objstms=1)
    warnings = " ".join(process(tmp_path / "active.pdf", embedded)["document"]["warnings"])
    assert "embedded file(s) (payload.exe)" in warnings and "JavaScript" in warnings


def test_refused_is_said_once_and_a_claimed_file_is_never_left_behind(embedded, tmp_path):
    """Preflight errors say what to do; a refused file stays where it was."""
    fifo = embedded.inbox_dir / "p.pdf"
    embedded.inbox_dir.mkdir(parents=True, exist_ok=True)
    os.mkfifo(fifo)
    with pytest.raises(Refused, match="named pipe"):
        ingest(fifo, embedded, inbox=embedded.inbox_dir)
    assert fifo.exists()
    assert (
        not any((embedded.inbox_dir / CLAIMS).glob("*"))
        if (embedded.inbox_dir / CLAIMS).exists()
        else True
    )


def test_a_full_archive_disk_is_reported_and_the_file_kept(embedded, tmp_path):
    """10. The archive on a full disk: the file is refused with the reason, stays in the
    inbox, and no partial copy is left behind."""
    disk = tmp_path / "small-disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"this machine cannot mount a small tmpfs: {mounted.stderr.decode()[:200]}")
    try:
        embedded.archive = disk / "archive"
        big = embedded.inbox_dir / "scan.pdf"
        embedded.inbox_dir.mkdir(parents=True, exist_ok=True)
        big.write_bytes(b"%PDF-1.4\n" + os.urandom(1 << 20))
        with pytest.raises(Refused, match="archive disk is full") as refused:
            ingest(big, embedded, inbox=embedded.inbox_dir)
        # the user's file is named, not its claim in the inbox's claim folder
        assert "taking scan.pdf;" in str(refused.value) and "__" not in str(refused.value)
        assert big.exists() and big.stat().st_size > 1 << 20
        assert not list((disk / "archive").rglob("*.incoming"))
        assert _docs(embedded) == []
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_the_sweep_reads_a_document_again_before_it_sends_it(distributed, pg_url):
    """12. A document that finishes while the sweep looks at Redis is not sent again."""
    from datetime import timedelta

    from docintel.store.schema import AuditEvent, utcnow
    from docintel.worker.app import QUEUES, app_for
    from docintel.worker.recovery import resend_orphaned_documents

    settings = distributed
    old = utcnow() - timedelta(minutes=5)
    with session_scope(pg_url) as s:
        for sha in ("a" * 64, "b" * 64, "c" * 64):
            s.add(
                Document(
                    sha256=sha,
                    name=f"{sha[0]}.pdf",
                    size=1,
                    status="queued" if sha[0] != "c" else "done",
                    warnings=[],
                    meta={},
                    updated_at=old,
                    created_at=old,
                )
            )
    sent: list[str] = []

    def enqueue(sha: str) -> None:
        sent.append(sha)
        with session_scope(pg_url) as s:  # b finishes while the sweep is busy with a
            doc = s.scalar(select(Document).where(Document.sha256 == "b" * 64))
            doc.status = "done"

    resent = resend_orphaned_documents(app_for(settings), settings, QUEUES, enqueue)
    assert resent == sent == ["a" * 64]
    with session_scope(pg_url) as s:
        runs = set(s.scalars(select(AuditEvent.run).where(AuditEvent.step.like("recover:%"))))
    assert runs == {"a" * 64}


def test_embedded_mode_honours_the_soft_time_limit(embedded, tmp_path, monkeypatch):
    """7. In-process runs stop a step that runs past its (scaled) soft limit, with the
    reason, as a worker would; nothing waits forever."""
    from docintel.testkit.forcing import SlowEngine

    monkeypatch.setenv("DOCINTEL_TIME_LIMIT_SCALE", "0.001")  # the agent step: 1.8 s
    get_settings.cache_clear()
    settings = get_settings()
    started = time.monotonic()
    path = write_pdf(tmp_path / "slow.pdf", text_pdf_spec(random.Random(6), 1))
    result = process(path, settings, SlowEngine(30))
    assert time.monotonic() - started < 20
    assert result["document"]["status"] == "failed"
    assert "ran past its time limit" in result["document"]["error"]
    get_settings.cache_clear()
