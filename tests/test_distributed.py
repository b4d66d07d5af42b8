"""End to end on the real services: inbox → watcher → Redis → `docintel worker` →
PostgreSQL, including a worker killed with SIGKILL and a Redis flushed mid-run."""

from __future__ import annotations

import random
import shutil
import time

import pytest
from sqlalchemy import func, select

from docintel.store.db import session_scope
from docintel.store.schema import DocTable, Document, Page
from docintel.testkit.samples import (
    text_pdf_spec,
    write_csv,
    write_encrypted_pdf,
    write_pdf,
    write_xlsx,
)
from tests.stack import Stack

pytestmark = pytest.mark.slow


@pytest.fixture
def stack(tmp_path, pg_url, redis_url):
    from docintel import migrations

    migrations.upgrade(pg_url)
    s = Stack(tmp_path / "home", pg_url, redis_url)
    yield s
    s.stop()


def _pdfs(folder, count, pages, seed):
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    return [
        write_pdf(
            folder / f"doc-{seed}-{i:03d}.pdf", text_pdf_spec(rng, pages, with_table=(i == 0))
        )
        for i in range(count)
    ]


def _drop(files, inbox):
    for f in files:
        tmp = inbox / (f.name + ".part")  # the usual copy-then-rename
        shutil.copyfile(f, tmp)
        tmp.rename(inbox / f.name)


def test_mixed_inbox_end_to_end(stack, tmp_path):
    src = tmp_path / "src"
    pdfs = _pdfs(src, 20, 3, seed=1)
    extra = [
        write_csv(src / "ledger.csv", [["date", "amount"], ["2026-01-01", "10.00"]]),
        write_xlsx(src / "budget.xlsx", {"s": [["centre", "budget"], ["IT", 5]]}),
        write_encrypted_pdf(src / "locked.pdf"),
    ]
    (src / "empty.pdf").write_bytes(b"")
    (src / "corrupt.pdf").write_bytes(b"%PDF-1.5\n" + bytes(range(256)) * 10)
    stack.start_worker()
    stack.start_watcher()
    _drop(pdfs + extra + [src / "empty.pdf", src / "corrupt.pdf"], stack.inbox)

    def taken(name: str) -> bool:
        with session_scope(stack.db_url) as s:
            return s.scalar(select(func.count()).where(Document.name == name)) == 1

    # a copy of a file already taken is a duplicate (a copy that arrives first is the
    # original: a watcher that starts late finds both in the folder, in no set order)
    stack.wait(lambda: taken(pdfs[3].name), 60, f"{pdfs[3].name} was not taken")
    (stack.inbox / "copy-of-doc.pdf").write_bytes(pdfs[3].read_bytes())
    slow = stack.inbox / "slow.pdf"  # still being written while the watcher sees it
    data = pdfs[5].read_bytes() + b"\n% slow copy\n"
    with slow.open("wb") as fh:
        for i in range(5):
            fh.write(data[i * len(data) // 5 : (i + 1) * len(data) // 5])
            fh.flush()
            time.sleep(0.5)
    total = 20 + 3 + 2 + 1 + 1
    stack.wait(lambda: stack.settled(total), 120, "not every file settled")

    with session_scope(stack.db_url) as s:
        docs = {d.name: d for d in s.scalars(select(Document))}
        assert len(docs) == total
        for pdf in pdfs:
            assert docs[pdf.name].status == "done", docs[pdf.name].error
            assert docs[pdf.name].page_count == 3
        assert docs["slow.pdf"].status == "done"
        assert docs["ledger.csv"].status == docs["budget.xlsx"].status == "done"
        assert "password" in docs["locked.pdf"].error
        assert "empty" in docs["empty.pdf"].error
        assert "damaged" in docs["corrupt.pdf"].error
        dup = docs["copy-of-doc.pdf"]
        assert dup.status == "duplicate" and dup.duplicate_of_id == docs[pdfs[3].name].id
        table = s.scalar(select(DocTable).where(DocTable.document_id == docs[pdfs[0].name].id))
        assert table.headers == ["Item", "Unit price", "Qty", "Amount"]
    # nothing left behind but the running watcher's own lock (watcher.claims)
    left = [p for p in stack.inbox.rglob("*") if p.is_file()]
    assert [p.name.split("-")[0] for p in left] == [".owner"], left
    assert (stack.home / "duplicates").exists()

    import json
    import subprocess
    import sys

    status = subprocess.run(
        [sys.executable, "-m", "docintel.cli", "status", "--json"],
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    info = json.loads(status.stdout)
    assert info["mode"] == "distributed"
    assert info["documents"] == {"done": 23, "failed": 3, "duplicate": 1}
    assert set(info["queues"]) >= {"cpu", "page", "audio", "agent", "unacked"}
    assert [w["name"].split("-")[0] for w in info["workers"]] == ["worker"]

    # a failed document is sent again by `retry --failed` and fails again, with its reason
    retry = subprocess.run(
        [sys.executable, "-m", "docintel.cli", "retry", "--failed"],
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "re-sent 3 document(s)" in retry.stdout
    stack.wait(
        lambda: stack.counts().get("failed", 0) == 3 and stack.settled(total),
        60,
        "retried documents did not settle",
    )


def _assert_each_done_once(stack, files, pages):
    with session_scope(stack.db_url) as s:
        docs = list(s.scalars(select(Document)))
        assert sorted(d.name for d in docs) == sorted(f.name for f in files)
        assert {d.status for d in docs} == {"done"}, [(d.name, d.error) for d in docs]
        assert s.scalar(select(func.count()).select_from(Page)) == len(files) * pages
        assert s.scalar(select(func.count()).select_from(DocTable)) == 1


def test_worker_killed_mid_run_loses_nothing(stack, tmp_path):
    files = _pdfs(tmp_path / "src", 30, 5, seed=2)
    stack.start_worker("w1")
    stack.start_watcher()
    _drop(files, stack.inbox)
    stack.wait(lambda: stack.counts().get("done", 0) >= 5, 60, "nothing got done")
    stack.kill("w1")  # SIGKILL, to the whole process group: no chance to clean up
    done_at_kill = stack.counts().get("done", 0)
    assert done_at_kill < 30, "the run finished before the kill; make it longer"
    stack.start_worker("w2")
    stack.wait(lambda: stack.counts().get("done", 0) == 30, 120, "documents were lost")
    _assert_each_done_once(stack, files, 5)


def test_redis_flushed_mid_run_then_watcher_restarted(stack, tmp_path, redis_url):
    import redis

    files = _pdfs(tmp_path / "src", 30, 5, seed=3)
    stack.start_worker()
    stack.start_watcher()
    _drop(files, stack.inbox)
    stack.wait(lambda: stack.counts().get("done", 0) >= 3, 60, "nothing got done")
    redis.Redis.from_url(redis_url).flushdb()  # every queued task is gone
    stack.kill("watcher")
    stack.start_watcher()
    stack.wait(lambda: stack.counts().get("done", 0) == 30, 120, "flushed work was not re-sent")
    _assert_each_done_once(stack, files, 5)


def test_page_chord_on_redis_with_the_tiny_gemma(tmp_path, pg_url, redis_url, tiny_model):
    """route → chord(page batches on the page queue) → merge → agent → finalize, on Redis,
    with the model loaded once in the worker process."""
    import pymupdf

    from docintel import migrations

    migrations.upgrade(pg_url)
    stack = Stack(
        tmp_path / "home",
        pg_url,
        redis_url,
        DOCINTEL_ENGINE="gemma",
        DOCINTEL_MODEL=str(tiny_model),
        DOCINTEL_MAX_NEW_TOKENS="4",
        DOCINTEL_BATCH_SIZE="2",
        # what is under test is the chord and the model loaded once: the random model's
        # answers are never valid JSON, so retries and a 1120-token pass only cost time
        DOCINTEL_JSON_RETRIES="0",
        DOCINTEL_OCR_VISUAL_TOKENS="280",
        DOCINTEL_AGENT_MAX_TURNS="1",
    )
    try:
        src = tmp_path / "src"
        src.mkdir()
        files = []
        for n in range(2):
            doc = pymupdf.open()
            doc.new_page().insert_text((72, 72), "Digital cover page with a usable text layer.")
            for _ in range(3):
                doc.new_page().draw_rect(pymupdf.Rect(50, 50, 300, 300), fill=(0.5, 0.5, 0.5))
            doc.save(src / f"scan-{n}.pdf")
            files.append(src / f"scan-{n}.pdf")
        stack.start_worker()
        stack.start_watcher()
        _drop(files, stack.inbox)
        stack.wait(lambda: stack.counts().get("done", 0) == 2, 180, "page chord did not finish")
        with session_scope(pg_url) as s:
            pages = list(s.scalars(select(Page).order_by(Page.document_id, Page.page)))
            assert [p.text_source for p in pages] == ["text_layer", "gemma", "gemma", "gemma"] * 2
            assert {p.engine for p in pages[1:4]} == {"gemma"}
        log = (stack.home / "worker.log").read_text()
        assert log.count("loaded ") == 1, "the model must load once per worker process"
    finally:
        stack.stop()
