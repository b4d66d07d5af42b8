"""End-to-end throughput: N digital PDFs through watcher → Redis → worker → PostgreSQL.

    python bench/throughput.py [--docs 200] [--pages 5] [--concurrency N] [--mix office]

Prints pages/s end to end, median and p95 seconds from file stable to `done`, and the ratio
of end-to-end pages/s to plain in-process PyMuPDF text extraction of the same pages, with
the per-page overhead of the pipeline. ``--mix office``: a quarter each of PDFs, DOCX,
PPTX and EML (with a PDF attached, itself a document), with documents per second per
kind. Needs Redis and PostgreSQL on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, func, select, text  # noqa: E402

from docintel.store.db import get_engine, session_scope  # noqa: E402
from docintel.store.schema import Chunk, Document, StepRun  # noqa: E402
from docintel.testkit.samples import text_pdf_spec, write_pdf  # noqa: E402


def plain_pymupdf(files: list[Path]) -> tuple[float, int]:
    import pymupdf

    pages = 0
    started = time.perf_counter()
    for f in files:
        with pymupdf.open(f) as doc:
            for page in doc:
                page.get_text("text")
                pages += 1
    return time.perf_counter() - started, pages


def sql_per_document(db_url: str, files: list[Path], home: Path) -> tuple[float, float]:
    """(statements, transactions) per document for the same tasks run in-process on the same
    database: every statement and commit counted by SQLAlchemy events."""
    from sqlalchemy import event

    from docintel.config import Settings
    from docintel.store.db import get_engine as db_engine
    from docintel.watcher.ingest import ingest
    from docintel.worker.app import enqueue

    engine = db_engine(db_url)
    counts = {"statements": 0, "transactions": 0}

    def statement(*_args: object) -> None:
        counts["statements"] += 1

    def commit(*_args: object) -> None:
        counts["transactions"] += 1

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    settings = Settings(home=home, database_url=db_url, broker_url="", embedding_model="hashing")
    try:
        for path in files:  # ingest and the workflow, not a reader of the result
            enqueue(ingest(path, settings).sha256, settings)
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)
    return counts["statements"] / len(files), counts["transactions"] / len(files)


def office_file(src: Path, i: int, pdf: Path, rng: random.Random) -> Path:
    """Document ``i`` of the office mix, written with the real libraries: DOCX, PPTX, or an
    EML carrying ``pdf``."""
    from docintel.testkit.samples import paragraph

    kind = ("docx", "pptx", "eml")[i % 4 - 1]
    path = src / f"d{i:04d}.{kind}"
    if kind == "docx":
        import docx

        document = docx.Document()
        document.add_heading(f"Report {i}", level=1)
        for _ in range(5):
            document.add_paragraph(paragraph(rng, 60))
        document.save(path)
    elif kind == "pptx":
        from pptx import Presentation

        deck = Presentation()
        for n in range(5):
            slide = deck.slides.add_slide(deck.slide_layouts[1])
            slide.shapes.title.text = f"Slide {n + 1} of deck {i}"
            slide.placeholders[1].text_frame.text = paragraph(rng, 30)
        deck.save(path)
    else:
        from email.message import EmailMessage

        message = EmailMessage()
        message["From"], message["To"] = "ops@example.org", "inbox@example.org"
        message["Subject"], message["Date"] = f"Report {i}", "Mon, 02 Nov 2026 09:15:00 +0000"
        message.set_content(paragraph(rng, 80))
        data = pdf.read_bytes()
        message.add_attachment(data, maintype="application", subtype="pdf", filename=pdf.name)
        path.write_bytes(message.as_bytes())
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=200)
    ap.add_argument("--pages", type=int, default=5)
    ap.add_argument(
        "--concurrency", type=int, default=0, help="worker processes (default: the worker's own)"
    )
    ap.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    ap.add_argument("--redis", default="redis://127.0.0.1:6379/12")
    ap.add_argument(
        "--embedding",
        default="",
        help="DOCINTEL_EMBEDDING_MODEL for the agent step ('hashing': no model)",
    )
    ap.add_argument("--mix", choices=["pdf", "office"], default="pdf")
    args = ap.parse_args()
    from docintel.config import Settings
    from docintel.worker.app import pool_size

    processes = args.concurrency or pool_size(Settings())  # what the worker will start

    work = Path(tempfile.mkdtemp(prefix="docintel-bench-"))
    src = work / "src"
    src.mkdir()
    rng = random.Random(0)
    files = [
        write_pdf(src / f"d{i:04d}.pdf", text_pdf_spec(rng, args.pages, with_table=i % 20 == 0))
        for i in range(args.docs)
    ]
    base_s, base_pages = plain_pymupdf(files)
    expected = args.docs
    if args.mix == "office":
        files = [office_file(src, i, f, rng) if i % 4 else f for i, f in enumerate(files)]
        expected += sum(1 for f in files if f.suffix == ".eml")  # each mail's attachment

    name = f"docintel_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    db_url = args.pg.rsplit("/", 1)[0] + "/" + name
    from docintel import migrations

    migrations.upgrade(db_url)
    import redis

    redis.Redis.from_url(args.redis).flushdb()
    env = {
        **os.environ,
        "DOCINTEL_HOME": str(work / "home"),
        "DOCINTEL_DATABASE_URL": db_url,
        "DOCINTEL_BROKER_URL": args.redis,
        "DOCINTEL_STABLE_SECONDS": "0.5",
        "DOCINTEL_LOG_LEVEL": "WARNING",
        "DOCINTEL_EMBEDDING_MODEL": args.embedding,
    }
    inbox = work / "home" / "inbox"
    inbox.mkdir(parents=True)
    procs = []
    try:
        wlog = (work / "worker.log").open("w")
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "docintel.cli",
                    "worker",
                    *(["--concurrency", str(args.concurrency)] if args.concurrency else []),
                    "--loglevel",
                    "WARNING",
                ],
                env=env,
                stdout=wlog,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "docintel.cli", "watch"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        )
        time.sleep(6)  # worker and watcher start
        started = time.time()
        for f in files:
            tmp = inbox / (f.name + ".part")
            shutil.copyfile(f, tmp)
            tmp.rename(inbox / f.name)
        while True:
            with session_scope(db_url) as s:
                finished = s.scalar(
                    select(func.count())
                    .select_from(Document)
                    .where(Document.status.in_(("done", "failed")))
                )
            if finished >= expected:
                break
            if time.time() - started > 1800:
                raise SystemExit(f"timed out with {finished}/{expected} finished")
            time.sleep(0.2)
        done_at = time.time()
        while True:  # the retrieval index follows the documents: wait for it too
            with session_scope(db_url) as s:
                pending = s.scalar(
                    select(func.count()).select_from(Chunk).where(Chunk.embedding.is_(None))
                )
            if not pending or time.time() - done_at > 900:
                break
            time.sleep(0.2)
        indexed_at = time.time()
        with session_scope(db_url) as s:
            rows = s.execute(
                select(
                    Document.created_at,
                    Document.queued_at,
                    Document.finished_at,
                    Document.status,
                    Document.page_count,
                    Document.kind,
                    Document.parent_id,
                )
            ).all()
            # the worker's time per document, and between documents while work waited
            runs = s.execute(
                select(StepRun.started_at, Document.finished_at, Document.queued_at)
                .join(Document, Document.id == StepRun.document_id)
                .where(StepRun.step == "route", Document.finished_at.is_not(None))
                .order_by(StepRun.started_at)
            ).all()
        busy = sum((r.finished_at - r.started_at).total_seconds() for r in runs)
        gaps = [
            (b.started_at - a.finished_at).total_seconds()
            for a, b in zip(runs, runs[1:], strict=False)
            if b.queued_at <= a.finished_at  # the next one was waiting
        ]
        failed = sum(1 for r in rows if r.status != "done")
        last_done = max(r.finished_at.timestamp() for r in rows)
        first_stable = min(r.created_at.timestamp() for r in rows)
        pages = sum(r.page_count or 0 for r in rows)
        latencies = sorted((r.finished_at - r.created_at).total_seconds() for r in rows)
        wall = last_done - started
        pipeline_wall = last_done - first_stable
        ingest_wall = max(r.queued_at.timestamp() for r in rows) - first_stable
    finally:
        for p in procs:
            os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            p.wait(30)
        sql_docs = [
            write_pdf(src / f"sql{i}.pdf", text_pdf_spec(random.Random(100 + i), args.pages))
            for i in range(10)
        ]
        statements, transactions = sql_per_document(db_url, sql_docs, work / "sqlhome")
        get_engine(db_url).dispose()
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        shutil.rmtree(work, ignore_errors=True)

    e2e_rate = pages / wall
    pipe_rate = pages / pipeline_wall
    base_rate = base_pages / base_s
    p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]
    overhead_ms = (pipeline_wall / pages - base_s / base_pages) * 1000
    print(
        f"documents            {args.docs} x {args.pages} pages = {pages} pages "
        f"({failed} not done), worker processes {processes}"
    )
    print(
        f"end to end           {e2e_rate:8.1f} pages/s  (first drop -> last done, {wall:.1f} s;"
        f" includes {env['DOCINTEL_STABLE_SECONDS']} s stability wait)"
    )
    print(f"pipeline             {pipe_rate:8.1f} pages/s  (first file stable -> last done)")
    print(
        f"watcher ingest       {pages / ingest_wall:8.1f} pages/s  (first file stable -> last "
        f"queued, {ingest_wall:.1f} s)"
    )
    print(f"stable -> done       median {statistics.median(latencies):.2f} s, p95 {p95:.2f} s")
    print(
        f"median / batch time  {statistics.median(latencies) / pipeline_wall:8.2f}"
        "   (later steps first: a batch finishes document by document)"
    )
    print(
        f"search index         {pages / (indexed_at - started):8.1f} pages/s  (drop -> every "
        f"chunk embedded, {indexed_at - started:.1f} s; {pending} left)"
    )
    if args.mix == "office":
        for kind in sorted({r.kind or "?" for r in rows}):
            mine = [r for r in rows if (r.kind or "?") == kind]
            span = max(r.finished_at.timestamp() for r in mine) - first_stable
            print(f"{kind + ' documents':20s} {len(mine) / span:8.1f} docs/s  ({len(mine)} done)")
    if runs and args.mix == "pdf":
        # Between tasks is one process's idle time: with more processes the runs overlap.
        between = (
            f"{statistics.mean(gaps or [0.0]) * 1000:.1f} ms between tasks while the next waited"
            if processes == 1
            else f"{processes} processes"
        )
        print(
            f"worker per document  {busy / len(runs) * 1000:8.1f} ms in its task, {between}"
            "  (route runs the whole canvas of a digital PDF)"
        )
    print(f"plain PyMuPDF        {base_rate:8.1f} pages/s  (in-process get_text)")
    print(f"ratio e2e/plain      {e2e_rate / base_rate:8.4f}")
    print(f"pipeline overhead    {overhead_ms:8.2f} ms per page")
    print(
        f"SQL per document     {statements:8.1f} statements, {transactions:.1f} transactions"
        "  (10 documents, the same tasks in-process)"
    )


if __name__ == "__main__":
    main()
