"""The `docintel` command. Verbs, `--json` on every listing; heavy modules are imported
inside the commands so `docintel --help` starts in well under a second. The commands that
read results live in ``docintel.cli_read``."""

from __future__ import annotations

# First: before pydantic makes a model, and the collector off while the modules are imported.
from docintel import _cli_env  # isort: skip

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from docintel.cli_common import (
    EngineOpt,
    JsonOpt,
    _database_settings,
    _embedded_settings,
    _print_json,
    _redact,
    _settings,
    app,
    console,
    db_app,
    dev_app,
    document_or_exit,
    err,
)
from docintel.logs import setup_logging
from docintel.render import safe

__all__ = ["app"]


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
    from docintel import render
    from docintel.embedded import process_files

    shown = not as_json and err.is_terminal
    with _progress(len(files), shown) as done:
        results = process_files(files, settings, on_done=done)
    if as_json:
        _print_json(results if len(results) > 1 else results[0])
    else:
        said = render.shared_reason(results)
        for result in results:
            render.document_panel(console, result, said_below=said)
        if said:
            console.print(f"[bold]extraction[/] (each document above, unless it says its own): "
                          f"{render.safe('; '.join(said))}")  # fmt: skip
    _wait_for_webhooks()
    if any(r["document"]["status"] == "failed" for r in results):
        raise typer.Exit(1)


def _wait_for_webhooks() -> None:
    """Deliveries to DOCINTEL_WEBHOOK_URLS end before the command does (their retries
    included): said on stderr where they are still under way."""
    if "docintel.worker.webhooks" not in sys.modules:
        return  # no document was sent anywhere
    from docintel.worker.webhooks import deliveries_under_way

    if pending := deliveries_under_way():
        err.print(f"delivering {len(pending)} webhook(s) (DOCINTEL_WEBHOOK_URLS)…")
        for thread in pending:
            thread.join()


@contextmanager
def _progress(total: int, shown: bool) -> Iterator[Callable[[Path], object]]:
    """What to call as each file ends, under a progress bar where one is shown (rich's
    progress is imported only then: a command piped or asked for JSON does not pay for
    it). The files are worked side by side: the bar counts the ones that have ended."""
    if not shown:
        yield lambda _path: None
        return
    from rich.progress import Progress

    with Progress(console=err, transient=True) as bar:
        job = bar.add_task(f"processing {total} file(s)", total=total)

        def done(path: Path) -> None:
            bar.update(job, advance=1, description=f"done {path.name}")

        yield done


@app.command()
def up(
    polling: Annotated[bool, typer.Option(help="Poll instead of inotify.")] = False,
    engine: EngineOpt = None,
    port: Annotated[
        int | None, typer.Option("--port", help="Web page and API port (DOCINTEL_API_PORT).")
    ] = None,
    web: Annotated[bool, typer.Option(help="Serve the web page and the API.")] = True,
) -> None:
    """Embedded all-in-one: watch the inbox, process each file in this process, and serve
    the web page and the API on 127.0.0.1 (a one-time login link is printed)."""
    settings = _embedded_settings(engine)
    setup_logging()
    from docintel.embedded import local_queues
    from docintel.store.db import session_scope
    from docintel.store.schema import IN_FLIGHT, Document
    from docintel.watcher.watch import InboxWatcher

    # Files are worked by threads up to the cores, light ones beside heavy ones
    # (worker.local); the watcher only takes them in.
    queues = local_queues(settings)
    # Work a previous run left half-done is owed: run it again (steps are idempotent),
    # beside new files: the inbox is watched at once.
    with session_scope(settings.db_url) as s:
        from sqlalchemy import select

        owed = list(s.scalars(select(Document.sha256).where(Document.status.in_(IN_FLIGHT))))
    if owed:
        queues.send_documents(owed)
        err.print(f"resuming {len(owed)} document(s) left from an earlier run")
    err.print(
        f"[bold]docintel up[/]: watching {safe(settings.inbox_dir.resolve())} "
        f"(database {safe(_redact(settings.db_url))}); Ctrl-C to stop"
    )
    if web:
        from docintel.cli_serve import start_api

        port = settings.api_port if port is None else port
        link = start_api(settings, settings.api_host, port, queues)
        if link:
            err.print(f"  web page and API: {safe(link)}", soft_wrap=True)

    def work(taken: object, _path: object) -> None:
        if getattr(taken, "status", None) == "queued":
            queues.send_document(taken.sha256)  # type: ignore[attr-defined]

    from docintel.cli_mail import start_fetcher

    watcher = InboxWatcher(settings, work, polling=polling)
    fetcher = start_fetcher(settings, lambda taken: work(taken, None))  # mail in, beside
    try:
        watcher.run()
    except KeyboardInterrupt:
        watcher.stop()
    finally:
        fetcher.stop()
        queues.close(timeout=0)  # what is in flight is owed, resumed at the next start


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
    from docintel.watcher.watch import InboxWatcher
    from docintel.worker.app import QUEUES, app_for, enqueue
    from docintel.worker.recovery import resend_index, resend_orphaned_documents
    from docintel.worker.workflow import send_index

    celery_app = app_for(settings)

    def recover() -> object:
        resend_index(celery_app, settings, lambda: send_index(celery_app, "recover"))
        return resend_orphaned_documents(
            celery_app, settings, QUEUES, lambda sha: enqueue(sha, settings)
        )

    watcher = InboxWatcher(
        settings,
        lambda r, _p: enqueue(r.sha256, settings) if r.status == "queued" else None,
        polling=polling,
        recover=recover,
    )
    err.print(
        f"watching {safe(settings.inbox_dir.resolve())} -> {safe(_redact(settings.broker_url))}"
    )
    from docintel.cli_mail import start_fetcher

    fetcher = start_fetcher(settings)  # mail in: one fetcher per account across the watchers
    try:
        watcher.run()
    except KeyboardInterrupt:
        watcher.stop()
    finally:
        fetcher.stop()


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
    from docintel.worker.app import app_for, worker_pool

    celery_app = app_for(settings)
    pool, processes = worker_pool(settings, gpu, queues.split(","))
    processes = concurrency or processes
    # Share the cores between the pool's processes: torch and OpenMP default to every core in
    # each process, and N processes x all cores is slower than either alone.
    threads = str(max(1, (os.cpu_count() or 1) // (1 if pool == "threads" else processes)))
    for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, threads)
    hostname = name or (f"gpu{gpu}@%h" if gpu is not None else "cpu@%h")
    argv = [
        "worker",
        "-Q",
        queues,
        "-n",
        hostname,
        "-P",
        pool,
        "-c",
        str(processes),
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
    settings = _database_settings()
    from docintel.watcher.ingest import ingest
    from docintel.worker.app import enqueue

    out = []
    for path in files:
        taken = ingest(path, settings)
        if taken.status == "queued" and not taken.known:
            # A known document is already owed to the queue (or done): sending it again
            # would only count as another attempt of a task that is waiting its turn.
            enqueue(taken.sha256, settings)
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
            console.print(f"{safe(row['file'])}: document {row['document']} {safe(row['status'])}")


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

    from docintel.store.db import session_scope
    from docintel.store.records import requeue
    from docintel.store.schema import Document, Status
    from docintel.worker.app import enqueue

    with session_scope(settings.db_url) as s:
        if failed:
            docs = list(s.scalars(select(Document).where(Document.status == Status.failed.value)))
        else:
            docs = [document_or_exit(s, doc or "")]
        shas = []
        for d in docs:
            requeue(s, d.id)
            d.error = None
            shas.append(d.sha256)
    for sha in shas:
        enqueue(sha, settings)
    console.print(f"re-sent {len(shas)} document(s)")


@app.command()
def flower(
    port: Annotated[int | None, typer.Option(help="DOCINTEL_FLOWER_PORT")] = None,
) -> None:
    """Start Flower on the same broker, behind basic auth (DOCINTEL_FLOWER_BASIC_AUTH)."""
    settings = _settings()
    if not settings.distributed:
        err.print("[red]Flower watches Redis: set DOCINTEL_BROKER_URL.[/]")
        raise typer.Exit(2)
    user, _, password = settings.flower_basic_auth.partition(":")
    if not user.strip() or not password.strip():
        err.print(
            "[red]Set DOCINTEL_FLOWER_BASIC_AUTH=user:password[/]; Flower can revoke "
            "tasks and is not started open."
        )
        raise typer.Exit(2)
    from docintel.worker.app import app_for

    app_for(settings).start(
        [
            "flower",
            f"--port={port or settings.flower_port}",
            f"--basic-auth={settings.flower_basic_auth}",
        ]
    )


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Apply migrations (the compose file's one-shot `migrate` service runs this)."""
    settings = _settings()

    started = time.perf_counter()
    from docintel import migrations

    migrations.upgrade(settings.db_url, revision)
    console.print(
        f"database at {revision} ({_redact(settings.db_url)}) in "
        f"{time.perf_counter() - started:.1f}s"
    )


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument()]) -> None:
    """Revert migrations down to REVISION (`base` empties the database)."""
    settings = _settings()

    from docintel import migrations

    migrations.downgrade(settings.db_url, revision)
    console.print(f"database at {revision}")


@dev_app.command("tiny-model")
def dev_tiny_model(
    folder: Annotated[Path, typer.Argument(help="Where to write the checkpoint.")],
) -> None:
    """Build the tiny random-weight Gemma 4 checkpoint (offline) for tests and trials:
    DOCINTEL_ENGINE=gemma DOCINTEL_MODEL=FOLDER docintel process FILE."""
    from docintel.testkit.tiny import build_tiny_checkpoint

    build_tiny_checkpoint(folder)
    console.print(f"tiny Gemma 4 checkpoint (random weights) written to {folder}")


@dev_app.command("samples")
def dev_samples(folder: Annotated[Path, typer.Argument()] = Path("samples")) -> None:
    """Write the bundled sample files again."""
    from docintel.testkit.samples import write_samples
    from docintel.testkit.showcase import write_showcase

    for path in [*write_samples(folder), *write_showcase(folder)]:
        console.print(str(path))


@dev_app.command("schema")
def dev_schema() -> None:
    """Write migrations/sqlite_head.sql again from the migrations (after adding one): new
    SQLite databases are made from it."""
    from docintel import migrations

    console.print(f"{migrations.write_snapshot()} at revision {migrations.head_revision()}")


@dev_app.command("layers")
def dev_layers(as_json: JsonOpt = False) -> None:
    """Check that every import points down the layers of DESIGN.md, and that no import
    circle exists. Exits 1 on any problem."""
    from docintel.testkit.layers import check_layers, module_files

    files = module_files()
    problems = check_layers(files)
    if as_json:
        _print_json({"modules": len(files), "problems": [str(p) for p in problems]})
    else:
        for problem in problems:
            console.print(escape(str(problem)))
        verdict = "[red]problems[/]" if problems else "[green]ok[/]"
        console.print(f"{len(files)} modules, {len(problems)} problem(s): {verdict}")
    if problems:
        raise typer.Exit(1)


# Registered last so `docintel --help` lists the pipeline verbs first.
import docintel.cli_mail  # noqa: E402,F401  (mail add/list/test/remove/rules/fetch)
import docintel.cli_organise  # noqa: E402,F401  (unset, retype, tag, tags, delete, restore, trash)
import docintel.cli_profiles  # noqa: E402,F401  (profiles, export, set, reextract)
import docintel.cli_read  # noqa: E402,F401  (status, query, show, ask, config)
import docintel.cli_serve  # noqa: E402,F401  (serve, token)
import docintel.cli_users  # noqa: E402,F401  (users, views)
import docintel.cli_workspace  # noqa: E402,F401  (correspondents, notes, tag-rules, bulk)

_cli_env.imported()  # the collector back on (off while the modules above were imported)

if __name__ == "__main__":  # pragma: no cover
    app()
