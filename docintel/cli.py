"""The `docintel` command. Verbs, `--json` on every listing; heavy modules are imported
inside the commands so `docintel --help` starts in well under a second."""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from docintel.logs import setup_logging
from docintel.settings import Settings, get_settings, settings_table

app = typer.Typer(
    help="docintel: a document-intelligence inbox.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_show_locals=False,
    pretty_exceptions_short=True,
)
db_app = typer.Typer(help="The results database.", no_args_is_help=True)
dev_app = typer.Typer(help="Developer tools.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(dev_app, name="dev")
console = Console()
err = Console(stderr=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
EngineOpt = Annotated[
    str | None, typer.Option("--engine", help="auto, gemma, openai or cpu (DOCINTEL_ENGINE).")
]


def _settings(engine: str | None = None) -> Settings:
    if engine:
        os.environ["DOCINTEL_ENGINE"] = engine
        get_settings.cache_clear()
    return get_settings()


def _embedded_settings(engine: str | None = None) -> Settings:
    """Embedded commands run in-process whatever DOCINTEL_BROKER_URL says."""
    os.environ["DOCINTEL_BROKER_URL"] = ""
    get_settings.cache_clear()
    settings = _settings(engine)
    import migrations

    migrations.upgrade(settings.db_url)
    return settings


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n")


@app.command()
def process(
    files: Annotated[
        list[Path],
        typer.Argument(help="Files to process now, in-process.", exists=True, dir_okay=False),
    ],
    as_json: JsonOpt = False,
    engine: EngineOpt = None,
) -> None:
    """Process files now, in this process, on the embedded database. Exits 1 if any failed."""
    settings = _embedded_settings(engine)
    setup_logging("WARNING")
    from rich.progress import Progress

    from docintel import render
    from docintel.embedded import process_file

    results = []
    with Progress(console=err, transient=True, disable=as_json or not err.is_terminal) as bar:
        job = bar.add_task("processing", total=len(files))
        for path in files:
            bar.update(job, description=f"processing {path.name}")
            results.append(process_file(path, settings))
            bar.advance(job)
    if as_json:
        _print_json(results if len(results) > 1 else results[0])
    else:
        for result in results:
            render.document_panel(console, result)
    if any(r["document"]["status"] == "failed" for r in results):
        raise typer.Exit(1)


@app.command()
def up(
    polling: Annotated[bool, typer.Option(help="Poll instead of inotify.")] = False,
    engine: EngineOpt = None,
) -> None:
    """Embedded all-in-one: watch the inbox and process each file in this process."""
    settings = _embedded_settings(engine)
    setup_logging()
    from store.db import session_scope
    from store.schema import IN_FLIGHT, Document
    from watcher.watch import InboxWatcher
    from worker.app import enqueue

    # Work a previous run left half-done is owed: run it again (steps are idempotent).
    with session_scope(settings.db_url) as s:
        from sqlalchemy import select

        owed = list(s.scalars(select(Document.sha256).where(Document.status.in_(IN_FLIGHT))))
    for sha in owed:
        enqueue(sha)
    err.print(
        f"[bold]docintel up[/]: watching {settings.inbox_dir.resolve()} "
        f"(database {settings.db_url}); Ctrl-C to stop"
    )
    watcher = InboxWatcher(
        settings, lambda r, _p: enqueue(r.sha256) if r.status == "queued" else None, polling=polling
    )
    try:
        watcher.run()
    except KeyboardInterrupt:
        watcher.stop()


@app.command()
def watch(
    polling: Annotated[
        bool, typer.Option(help="Poll instead of inotify (network shares).")
    ] = False,
) -> None:
    """Watch the inbox and send each stable file to the queue (distributed mode)."""
    settings = _settings()
    setup_logging()
    if not settings.distributed:
        err.print(
            "[red]DOCINTEL_BROKER_URL is not set.[/] `docintel watch` feeds Redis; for "
            "the embedded mode use `docintel up`."
        )
        raise typer.Exit(2)
    from watcher.watch import InboxWatcher
    from worker.app import QUEUES, enqueue
    from worker.app import app as celery_app
    from worker.recovery import resend_orphaned_documents

    def recover() -> object:
        return resend_orphaned_documents(celery_app, settings, QUEUES, enqueue)

    watcher = InboxWatcher(
        settings,
        lambda r, _p: enqueue(r.sha256) if r.status == "queued" else None,
        polling=polling,
        recover=recover,
    )
    err.print(f"watching {settings.inbox_dir.resolve()} -> {settings.broker_url}")
    try:
        watcher.run()
    except KeyboardInterrupt:
        watcher.stop()


@app.command()
def worker(
    gpu: Annotated[int | None, typer.Option(help="Pin to this GPU (CUDA_VISIBLE_DEVICES).")] = None,
    queues: Annotated[str, typer.Option(help="Comma-separated queues.")] = "cpu,page,audio,agent",
    concurrency: Annotated[
        int | None, typer.Option(help="Processes (DOCINTEL_WORKER_CONCURRENCY).")
    ] = None,
    loglevel: Annotated[str, typer.Option()] = "INFO",
    name: Annotated[
        str | None, typer.Option(help="Worker name; default gpuN@host or cpu@host.")
    ] = None,
    engine: EngineOpt = None,
) -> None:
    """Run a Celery worker. With --gpu N it sees only that GPU and is named after it."""
    if gpu is not None:
        # Before anything can import torch: CUDA reads this once, at initialisation.
        os.environ["CUDA_VISIBLE_DEVICES"] = str(gpu)
    settings = _settings(engine)
    if not settings.distributed:
        err.print(
            "[red]DOCINTEL_BROKER_URL is not set.[/] Workers take tasks from Redis; "
            "for the embedded mode use `docintel up` or `docintel process`."
        )
        raise typer.Exit(2)
    setup_logging(loglevel)
    from worker.app import app as celery_app

    hostname = name or (f"gpu{gpu}@%h" if gpu is not None else "cpu@%h")
    argv = [
        "worker",
        "-Q",
        queues,
        "-n",
        hostname,
        "-P",
        "prefork",
        "-c",
        str(concurrency or settings.worker_concurrency),
        "--loglevel",
        loglevel,
        "-E",
    ]
    celery_app.worker_main(argv)


@app.command()
def submit(
    files: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False)],
    as_json: JsonOpt = False,
) -> None:
    """Send files to the queue without the watcher (copies them into the archive)."""
    settings = _settings()
    from watcher.ingest import ingest
    from worker.app import enqueue

    out = []
    for path in files:
        taken = ingest(path, settings, move=False)
        if taken.status == "queued":
            enqueue(taken.sha256)
        out.append(
            {
                "file": str(path),
                "document": taken.document_id,
                "sha256": taken.sha256,
                "status": taken.status,
                "duplicate_of": taken.duplicate_of,
            }
        )
    if as_json:
        _print_json(out)
    else:
        for row in out:
            console.print(f"{row['file']}: document {row['document']} {row['status']}")


@app.command()
def status(as_json: JsonOpt = False) -> None:
    """Documents by status, queue depth per queue, and live workers."""
    settings = _settings()
    from store.db import session_scope
    from store.queries import status_counts

    with session_scope(settings.db_url) as s:
        counts = status_counts(s)
    info: dict[str, Any] = {
        "mode": "distributed" if settings.distributed else "embedded",
        "database": _redact(settings.db_url),
        "documents": counts,
        "queues": {},
        "workers": [],
    }
    if settings.distributed:
        from worker.app import QUEUES
        from worker.app import app as celery_app

        with celery_app.connection_for_read() as conn:
            client = conn.default_channel.client
            info["queues"] = {q: client.llen(q) for q in QUEUES}
            info["queues"]["unacked"] = client.hlen(conn.default_channel.unacked_key)
        replies = celery_app.control.inspect(timeout=1.0).active() or {}
        info["workers"] = [{"name": w, "active": len(t)} for w, t in sorted(replies.items())]
    if as_json:
        _print_json(info)
    else:
        from docintel import render

        render.status_view(console, info)


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@app.command()
def query(
    status_: Annotated[str | None, typer.Option("--status")] = None,
    type_: Annotated[str | None, typer.Option("--type", help="pdf, image, audio, table.")] = None,
    name: Annotated[str | None, typer.Option(help="Name contains.")] = None,
    contains: Annotated[str | None, typer.Option(help="Text contains.")] = None,
    since: Annotated[datetime | None, typer.Option(help="Received on or after.")] = None,
    until: Annotated[datetime | None, typer.Option(help="Received before.")] = None,
    entity: Annotated[str | None, typer.Option(help="Has an entity named like this.")] = None,
    entity_type: Annotated[str | None, typer.Option(help="Has an entity of this type.")] = None,
    related_to: Annotated[str | None, typer.Option(help="A relationship names this.")] = None,
    search: Annotated[str | None, typer.Option(help="Full-text search of passages.")] = None,
    similar: Annotated[str | None, typer.Option(help="Vector search of passages.")] = None,
    limit: Annotated[int, typer.Option()] = 100,
    as_json: JsonOpt = False,
) -> None:
    """List documents, newest first (best match first with --search or --similar)."""
    settings = _settings()
    from store.db import session_scope
    from store.queries import document_summary, list_documents

    with session_scope(settings.db_url) as s:
        matches = _passage_matches(s, settings, search, similar, limit)
        docs = [
            document_summary(d)
            for d in list_documents(
                s,
                status=status_,
                kind=type_,
                name=name,
                contains=contains,
                since=since,
                until=until,
                limit=limit,
                entity=entity,
                entity_type=entity_type,
                related_to=related_to,
                ids=list(matches) if matches is not None else None,
            )
        ]
    if matches is not None:
        order = list(matches)
        docs.sort(key=lambda d: order.index(d["id"]))
        for d in docs:
            d["match"] = matches[d["id"]]
    if as_json:
        _print_json(docs)
    else:
        from docintel import render

        render.documents_table(console, docs)


def _passage_matches(
    s: Any, settings: Settings, search: str | None, similar: str | None, limit: int
) -> dict[int, dict[str, Any]] | None:
    """document id -> its best passage, in rank order; None when not searching."""
    if not (search or similar):
        return None
    from store.search import text_search, vector_search
    from worker.retrieval import citation, embedder_for

    hits = (
        text_search(s, search, limit * 3)
        if search
        else vector_search(s, embedder_for(settings).embed([similar or ""])[0], limit * 3)
    )
    matches: dict[int, dict[str, Any]] = {}
    for h in hits:
        matches.setdefault(
            h.document_id, {**citation(h), "score": round(h.score, 4), "text": h.text[:300]}
        )
    return matches


@app.command()
def show(
    doc: Annotated[str, typer.Argument(help="Document id, sha256 (prefix) or name.")],
    as_json: JsonOpt = False,
    audit: Annotated[bool, typer.Option("--audit", help="Show the audit trail.")] = False,
) -> None:
    """One document: pages, tables, extraction and (with --audit) its audit trail."""
    settings = _settings()
    from store.db import session_scope
    from store.queries import document_result, find_document

    with session_scope(settings.db_url) as s:
        found = find_document(s, doc)
        if found is None:
            err.print(f"[red]no document {doc!r}[/]; `docintel query` lists them.")
            raise typer.Exit(1)
        result = document_result(s, found)
    if as_json:
        _print_json(result)
    else:
        from docintel import render

        render.document_panel(console, result, audit=audit, full=True)


@app.command()
def retry(
    doc: Annotated[str | None, typer.Argument(help="Document id, sha256 or name.")] = None,
    failed: Annotated[bool, typer.Option("--failed", help="Retry every failed document.")] = False,
) -> None:
    """Send a document (or every failed one) through the workflow again."""
    if not doc and not failed:
        err.print("give a document, or --failed")
        raise typer.Exit(2)
    settings = _settings()
    if not settings.distributed:
        settings = _embedded_settings()
    from sqlalchemy import select

    from store.db import session_scope
    from store.queries import find_document
    from store.records import reset_steps, set_status
    from store.schema import Document, Status
    from worker.app import enqueue

    with session_scope(settings.db_url) as s:
        if failed:
            docs = list(s.scalars(select(Document).where(Document.status == Status.failed.value)))
        else:
            one = find_document(s, doc or "")
            if one is None:
                err.print(f"[red]no document {doc!r}[/]")
                raise typer.Exit(1)
            docs = [one]
        shas = []
        for d in docs:
            reset_steps(s, d.id)
            set_status(s, d.id, Status.queued, error=None)
            d.error = None
            shas.append(d.sha256)
    for sha in shas:
        enqueue(sha)
    console.print(f"re-sent {len(shas)} document(s)")


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="A question about the documents.")],
    engine: EngineOpt = None,
    top_k: Annotated[int, typer.Option("--top-k", help="Passages to retrieve.")] = 5,
    as_json: JsonOpt = False,
) -> None:
    """Answer a question over the corpus, citing document and page or seconds."""
    settings = _settings(engine)
    from worker.ask import ask as ask_corpus

    answer = ask_corpus(question, settings, top_k)
    if as_json:
        _print_json(answer)
        return
    from rich.markup import escape

    console.print(f"[bold]{escape(answer['answer'])}[/]")
    for c in answer["citations"]:
        where = (
            f"p. {c['page']}"
            if c.get("page")
            else (f"{c['seconds'][0]}-{c['seconds'][1]} s" if c.get("seconds") else "")
        )
        quote = c.get("quote") or c.get("text") or ""
        console.print(
            f"  [cyan]{escape(c['document'])}[/] {where}: {escape(' '.join(quote.split())[:200])}"
        )
    console.print(f"[dim]audit run {answer['run']}[/]")


@app.command()
def flower(
    port: Annotated[int | None, typer.Option(help="DOCINTEL_FLOWER_PORT")] = None,
) -> None:
    """Start Flower on the same broker, behind basic auth (DOCINTEL_FLOWER_BASIC_AUTH)."""
    settings = _settings()
    if not settings.distributed:
        err.print("[red]Flower watches Redis: set DOCINTEL_BROKER_URL.[/]")
        raise typer.Exit(2)
    if ":" not in settings.flower_basic_auth:
        err.print(
            "[red]Set DOCINTEL_FLOWER_BASIC_AUTH=user:password[/]; Flower can revoke "
            "tasks and is not started open."
        )
        raise typer.Exit(2)
    from worker.app import app as celery_app

    celery_app.start(
        [
            "flower",
            f"--port={port or settings.flower_port}",
            f"--basic-auth={settings.flower_basic_auth}",
        ]
    )


@app.command()
def config(as_json: JsonOpt = False) -> None:
    """Every setting: its variable, default and meaning."""
    rows = settings_table()
    if as_json:
        _print_json([{"variable": v, "default": d, "description": t} for v, d, t in rows])
        return
    from rich.table import Table

    table = Table("variable", "default", "meaning")
    for row in rows:
        table.add_row(*row)
    console.print(table)


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Apply migrations (the compose file's one-shot `migrate` service runs this)."""
    settings = _settings()
    import migrations

    started = time.perf_counter()
    migrations.upgrade(settings.db_url, revision)
    console.print(
        f"database at {revision} ({_redact(settings.db_url)}) in "
        f"{time.perf_counter() - started:.1f}s"
    )


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument()]) -> None:
    """Revert migrations down to REVISION (`base` empties the database)."""
    settings = _settings()
    import migrations

    migrations.downgrade(settings.db_url, revision)
    console.print(f"database at {revision}")


@dev_app.command("tiny-model")
def dev_tiny_model(
    folder: Annotated[Path, typer.Argument(help="Where to write the checkpoint.")],
) -> None:
    """Build the tiny random-weight Gemma 4 checkpoint (offline) for tests and trials:
    DOCINTEL_ENGINE=gemma DOCINTEL_MODEL=FOLDER docintel process FILE."""
    from models.tiny import build_tiny_checkpoint

    build_tiny_checkpoint(folder)
    console.print(f"tiny Gemma 4 checkpoint (random weights) written to {folder}")


@dev_app.command("samples")
def dev_samples(folder: Annotated[Path, typer.Argument()] = Path("samples")) -> None:
    """Write the bundled sample files again."""
    from docintel.samples import write_samples

    for path in write_samples(folder):
        console.print(str(path))


if __name__ == "__main__":  # pragma: no cover
    app()
