"""The shape that speed depends on (the figures themselves are in bench/): the embedding
model is loaded only where chunks are embedded, embedding is batched across documents in
its own step, and later steps of a document go before new documents."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from docintel.store.db import session_scope
from docintel.store.schema import AuditEvent, Chunk, Document
from docintel.testkit.samples import text_pdf_spec, write_csv, write_pdf
from tests.helpers import process


def test_processing_a_small_table_loads_no_model(tmp_path):
    path = write_csv(tmp_path / "four.csv", [["sku", "qty"], ["A1", "3"], ["B2", "5"], ["C3", "1"]])
    code = (
        "import sys, json; from typer.testing import CliRunner; from docintel.cli import app; "
        f"r = CliRunner().invoke(app, ['process', '--json', {str(path)!r}]); "
        "heavy = [m for m in ('torch', 'sentence_transformers', 'transformers', 'librosa') "
        "if m in sys.modules]; print(json.dumps([r.exit_code, heavy]))"
    )
    env = {**os.environ, "DOCINTEL_HOME": str(tmp_path / "home"), "DOCINTEL_BROKER_URL": ""}
    env.pop("DOCINTEL_DATABASE_URL", None)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300
    )
    exit_code, heavy = json.loads(out.stdout.strip().splitlines()[-1])
    assert exit_code == 0, out.stderr[-2000:]
    assert heavy == []


def test_reading_a_pdf_loads_no_layout_model_and_prints_nothing(tmp_path):
    """PyMuPDF 2 loads its layout model (onnxruntime) and pymupdf4llm at import, and
    recommends the layout package on stdout; the pipeline uses neither."""
    path = write_pdf(tmp_path / "a.pdf", text_pdf_spec(random.Random(2), 2, with_table=True))
    code = (
        "import sys, json; from pathlib import Path; from docintel.config import Settings; "
        "from docintel.pipeline.route import route_file; "
        f"r = route_file(Path({str(path)!r}), Settings(home=Path({str(tmp_path / 'h')!r}))); "
        "loaded = [m for m in ('onnxruntime', 'pymupdf4llm') if sys.modules.get(m)]; "
        "sys.stderr.write(json.dumps([len(r.pages), len(r.tables), loaded]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stderr.strip().splitlines()[-1]) == [2, 1, []]
    assert out.stdout == ""


def test_embedding_follows_in_batches_across_documents(embedded, tmp_path):
    from docintel.worker.indexing import index_pending

    rng = random.Random(2)
    for i in range(3):
        process(write_pdf(tmp_path / f"d{i}.pdf", text_pdf_spec(rng, 2)), embedded)
    with session_scope(embedded.db_url) as s:
        stored = s.scalar(select(func.count()).select_from(Chunk))
        waiting = s.scalar(select(func.count()).select_from(Chunk).where(Chunk.embedding.is_(None)))
    assert stored > 0 and waiting == stored  # done, and searchable by full text already
    # a document arriving while the index runs: it stops between batches
    asked: list[int] = []
    assert index_pending(embedded, batch=1, yield_to=lambda: len(asked) > 0 or asked.append(1)) == 1
    assert index_pending(embedded) == stored - 1
    with session_scope(embedded.db_url) as s:
        assert not s.scalar(
            select(func.count()).select_from(Chunk).where(Chunk.embedding.is_(None))
        )
        events = list(s.scalars(select(AuditEvent).where(AuditEvent.step == "index:embed")))
    batched = [e for e in events if f"a batch of {stored - 1} across" in e.content]
    assert len(batched) == 3  # the rest in one batch, across the three documents
    assert index_pending(embedded) == 0


def test_new_documents_wait_behind_later_steps(distributed, redis_url, tmp_path):
    """A new document's route is sent below the later steps and above the index; Redis
    keeps a list per step."""
    import redis
    from typer.testing import CliRunner

    from docintel.cli import app

    path = write_pdf(tmp_path / "a.pdf", text_pdf_spec(random.Random(1), 1))
    assert CliRunner().invoke(app, ["submit", str(path)]).exit_code == 0
    client = redis.Redis.from_url(redis_url)
    assert client.llen("cpu") == 0 and client.llen("cpu\x06\x166") == 1
    status = json.loads(CliRunner().invoke(app, ["status", "--json"]).stdout)
    assert status["queues"]["cpu"] == 1  # the depth counts every priority step


def test_the_index_waits_until_no_document_does(distributed, redis_url, tmp_path):
    """An index task sent before a new document, on another queue, is taken after it: a
    worker reads every queue's higher step before any lower one."""
    import redis
    from kombu import Consumer, Queue

    from docintel.worker.app import app_for
    from docintel.worker.workflow import send_index

    redis.Redis.from_url(redis_url).flushdb()
    celery_app = app_for(distributed)
    send_index(celery_app, "a" * 64)
    path = write_pdf(tmp_path / "a.pdf", text_pdf_spec(random.Random(1), 1))
    from typer.testing import CliRunner

    from docintel.cli import app

    assert CliRunner().invoke(app, ["submit", str(path)]).exit_code == 0
    taken: list[str] = []
    with celery_app.connection_for_read() as conn:
        # the index's queue listed first: the order of the steps decides, not of the queues
        queues = [Queue(name, channel=conn.default_channel) for name in ("agent", "cpu")]
        with Consumer(
            conn, queues, callbacks=[lambda _b, m: taken.append(m.headers["task"])], accept=["json"]
        ):
            while len(taken) < 2:
                conn.drain_events(timeout=5)
    assert taken == ["docintel.route", "docintel.index"]


def test_a_digital_document_on_the_cpu_is_one_task_and_few_round_trips(pg_url, tmp_path):
    """Nothing to fan out and no model to wait for: route runs the rest of the canvas in its
    own unit of work. The round trips are counted on PostgreSQL; a retry replaces, never
    doubles, what the first run wrote."""
    from sqlalchemy import event

    from docintel import migrations
    from docintel.config import Settings
    from docintel.store.db import get_engine
    from docintel.store.records import reset_steps, set_status
    from docintel.store.schema import Entity, Status, StepRun
    from docintel.watcher.ingest import ingest
    from docintel.worker.app import enqueue

    migrations.upgrade(pg_url)
    settings = Settings(
        home=tmp_path / "home", database_url=pg_url, broker_url="", embedding_model="hashing"
    )
    path = write_pdf(tmp_path / "a.pdf", text_pdf_spec(random.Random(3), 5, with_table=True))
    counts = {"statements": 0, "transactions": 0}

    def statement(*_: object) -> None:
        counts["statements"] += 1

    def commit(*_: object) -> None:
        counts["transactions"] += 1

    engine = get_engine(pg_url)
    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        taken = ingest(path, settings)
        enqueue(taken.sha256, settings)
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)

    def written() -> tuple[str, int, int, int, list[str]]:
        with session_scope(pg_url) as s:
            doc = s.get(Document, taken.document_id)
            assert doc is not None
            return (
                doc.status,
                s.scalar(select(func.count()).select_from(Chunk)),
                s.scalar(select(func.count()).select_from(AuditEvent)),
                s.scalar(select(func.count()).select_from(Entity)),
                sorted(s.scalars(select(StepRun.step))),
            )

    status, chunks, events, entities, steps = written()
    assert status == "done" and chunks > 0
    assert steps == ["route"]  # merge, agent and finalize ran inside it
    assert counts["transactions"] <= 4, counts  # ingest (2), claim, work
    # 13 to read and write the document, 1 for a correspondent's taught layout, and the
    # organising step's reads as it finishes: the tag rules and the organisations it names
    assert counts["statements"] <= 16, counts
    with session_scope(pg_url) as s:
        reset_steps(s, taken.document_id)
        set_status(s, taken.document_id, Status.queued)
    enqueue(taken.sha256, settings)
    assert written() == (status, chunks, events, entities, steps)


def _pending(url: str) -> int:
    with session_scope(url) as s:
        return s.scalar(select(func.count()).select_from(Chunk).where(Chunk.embedding.is_(None)))


def _done_in_process(pg_url: str, home: Path, count: int, seed: int) -> list[str]:
    """``count`` PDFs done in-process on ``pg_url`` (migrated here): their chunks are stored
    and none embedded. Returns their sha256s."""
    from docintel import migrations
    from docintel.config import Settings
    from docintel.watcher.ingest import ingest
    from docintel.worker.app import enqueue

    migrations.upgrade(pg_url)
    local = Settings(home=home / "h", database_url=pg_url, broker_url="")
    rng = random.Random(seed)
    shas = []
    for i in range(count):
        path = write_pdf(home / f"d{seed}-{i}.pdf", text_pdf_spec(rng, 2))
        shas.append(ingest(path, local).sha256)
        enqueue(shas[-1], local)
    return shas


def test_one_process_indexes_at_a_time(pg_url, redis_url, tmp_path):
    """Every document that ends sends an index task; one taken while another process holds
    the index embeds nothing (the holder reads what is pending until nothing is), and only
    the holder frees the lock."""
    import redis

    from docintel.config import Settings
    from docintel.worker.app import app_for
    from docintel.worker.indexing import LOCK_KEY, IndexLock
    from docintel.worker.runtime import injected

    shas = _done_in_process(pg_url, tmp_path, 2, seed=3)
    stored = _pending(pg_url)
    assert stored > 0

    shared = Settings(home=tmp_path / "h", database_url=pg_url, broker_url=redis_url)
    app = app_for(shared)
    app.loader.import_default_modules()
    client = redis.Redis.from_url(redis_url)
    holder = IndexLock(client)
    assert holder.acquire()
    with injected(shared, None):
        app.tasks["docintel.index"].run(shas[0])
    assert _pending(pg_url) == stored
    other = IndexLock(client)
    assert not other.acquire()
    other.release()  # not the holder's: nothing freed
    assert client.get(LOCK_KEY) == holder.token.encode()

    holder.release()
    with injected(shared, None):
        app.tasks["docintel.index"].run(shas[1])
    assert _pending(pg_url) == 0
    assert client.get(LOCK_KEY) is None


def test_chunks_left_pending_with_nobody_indexing_get_an_index_task(pg_url, redis_url, tmp_path):
    """The watcher's sweep: a worker that died holding the index, or a flushed Redis, must
    not leave chunks unembedded until the next document ends."""
    import redis

    from docintel import migrations
    from docintel.config import Settings
    from docintel.worker.app import app_for
    from docintel.worker.indexing import IndexLock
    from docintel.worker.recovery import resend_index
    from docintel.worker.workflow import send_index

    migrations.upgrade(pg_url)
    shared = Settings(home=tmp_path / "h", database_url=pg_url, broker_url=redis_url)
    app = app_for(shared)
    client = redis.Redis.from_url(redis_url)
    index_step = "agent\x06\x169"

    def sweep() -> bool:
        return resend_index(app, shared, lambda: send_index(app, "recover"))

    assert not sweep()  # nothing pending
    _done_in_process(pg_url, tmp_path, 1, seed=4)
    assert _pending(pg_url) > 0

    holder = IndexLock(client)
    assert holder.acquire()
    assert not sweep()  # somebody is indexing
    holder.release()
    assert sweep() and client.llen(index_step) == 1
    assert not sweep() and client.llen(index_step) == 1  # one waits already


def test_a_worker_imports_before_it_forks_and_opens_nothing(pg_url):
    """What each pool process would import on its first document is imported by the parent,
    and the parent holds no database connection that its children would share."""
    code = (
        "import sys, json; from celery.signals import worker_init; "
        "import docintel.worker.lifecycle; from docintel.config import get_settings; "
        "from docintel.store.db import get_engine; worker_init.send(sender=None); "
        "pool = get_engine(get_settings().db_url).pool; "
        "print(json.dumps([m in sys.modules for m in ('pymupdf', 'psycopg')] "
        "+ [pool.checkedin() + pool.checkedout()]))"
    )
    env = {**os.environ, "DOCINTEL_DATABASE_URL": pg_url, "DOCINTEL_BROKER_URL": ""}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [True, True, 0]


def test_image_coverage_is_measured_only_on_pages_with_few_characters(tmp_path):
    """A page's image coverage costs a textpage of its own, and decides only where the page
    has fewer than IMAGE_PAGE_CHARS characters (a scan with a stamp's words drawn over it
    goes to OCR): a page of text is not measured, the sparse one still is and still goes
    to OCR, and a page of text over a full-page image keeps its text layer."""
    import pymupdf

    from docintel.config import Settings
    from docintel.pipeline.route import route_file
    from docintel.pipeline.route.pdf import IMAGE_PAGE_CHARS, read_pdf

    picture = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 60, 80), False)
    picture.set_rect(picture.irect, (200, 210, 220))
    prose = " ".join(f"word{i}" for i in range(80))  # well over IMAGE_PAGE_CHARS
    doc = pymupdf.open()
    for words, image in (("PAID 12.03.2026 by transfer", True), (prose, False), (prose, True)):
        page = doc.new_page()
        if image:
            page.insert_image(page.rect, pixmap=picture)
        page.insert_textbox(pymupdf.Rect(40, 40, 560, 800), words, fontsize=11)
    doc.save(tmp_path / "mixed.pdf")

    sparse, text, text_on_image = read_pdf(tmp_path / "mixed.pdf").pages
    assert sparse.chars < IMAGE_PAGE_CHARS and sparse.image_coverage > 0.9
    assert text.chars >= IMAGE_PAGE_CHARS and text.image_coverage is None
    assert text_on_image.image_coverage is None
    routed = route_file(tmp_path / "mixed.pdf", Settings(home=tmp_path / "h"))
    assert [p.status for p in routed.pages] == ["needs_ocr", "done", "done"]
    assert "mostly image" in routed.pages[0].decision
