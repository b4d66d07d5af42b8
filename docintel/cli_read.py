"""Commands that read results: status, query, show, ask, config."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.markup import escape

from docintel.cli_common import (
    EngineOpt,
    JsonOpt,
    _database_settings,
    _print_json,
    _redact,
    app,
    console,
    document_or_exit,
    err,
)
from docintel.cli_profiles import WhereOpt
from docintel.config import Settings, settings_table
from docintel.render import safe


@app.command()
def status(as_json: JsonOpt = False) -> None:
    """Documents by status, queue depth per queue, and live workers."""
    settings = _database_settings()
    from docintel.cli_mail import account_rows
    from docintel.pipeline.pages.reader import ocr_choice
    from docintel.store.db import session_scope
    from docintel.store.queries import refusals, status_counts

    with session_scope(settings.db_url) as s:
        counts = status_counts(s)
        refused = refusals(s)
    info: dict[str, Any] = {
        "mode": "distributed" if settings.distributed else "embedded",
        "database": _redact(settings.db_url),
        "documents": counts,
        "queues": {},
        "workers": [],
        "refused": refused,
        "mail": account_rows(settings),
        "ocr": ocr_choice(settings),
    }
    if settings.distributed:
        from docintel.worker.app import QUEUES, app_for
        from docintel.worker.recovery import queue_depths

        celery_app = app_for(settings)
        info["queues"] = queue_depths(celery_app, QUEUES)
        replies = celery_app.control.inspect(timeout=1.0).active() or {}
        info["workers"] = [{"name": w, "active": len(t)} for w, t in sorted(replies.items())]
    if as_json:
        _print_json(info)
    else:
        from docintel import render

        render.status_view(console, info)


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
    doc_type: Annotated[
        str | None, typer.Option("--doc-type", help="A profile's type, e.g. invoice.")
    ] = None,
    where: WhereOpt = None,
    parent: Annotated[
        int | None, typer.Option("--parent", help="Attachments or members of this document.")
    ] = None,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", help="Carrying this tag; repeatable: all.")
    ] = None,
    limit: Annotated[int, typer.Option()] = 100,
    as_json: JsonOpt = False,
) -> None:
    """List documents, newest first (best match first with --search or --similar)."""
    settings = _database_settings()
    from docintel.store.profiles import ConditionError
    from docintel.worker.listing import Filters, document_listing

    filters = Filters(
        status=status_,
        kind=type_,
        name=name,
        contains=contains,
        since=since,
        until=until,
        entity=entity,
        entity_type=entity_type,
        related_to=related_to,
        search=search,
        similar=similar,
        doc_type=doc_type,
        where=list(where or []),
        parent=parent,
        tags=list(tag or []),
    )
    if similar:
        bring_index_up_to_date(settings)
    try:
        docs, _ = document_listing(settings, filters, limit)
    except ConditionError as exc:
        err.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(2) from exc
    if as_json:
        _print_json(docs)
    else:
        from docintel import render

        render.documents_table(console, docs)


@app.command()
def show(
    doc: Annotated[str, typer.Argument(help="Document id, sha256 (prefix) or name.")],
    as_json: JsonOpt = False,
    audit: Annotated[bool, typer.Option("--audit", help="Show the audit trail.")] = False,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format", help="srt, vtt or txt: print a recording's transcript as captions."
        ),
    ] = None,
) -> None:
    """One document: pages, tables, extraction and (with --audit) its audit trail."""
    settings = _database_settings()
    from docintel.store.db import session_scope
    from docintel.store.queries import document_result

    with session_scope(settings.db_url) as s:
        found = document_or_exit(s, doc)
        result = document_result(s, found)
    if fmt:
        from docintel.pipeline.audio.captions import FORMATS, captions

        if fmt not in FORMATS:
            err.print(f"[red]--format {escape(fmt)}[/]: use one of {', '.join(FORMATS)}")
            raise typer.Exit(2)
        if not result["segments"]:
            err.print("this document has no transcript (it is not a recording)")
            raise typer.Exit(1)
        sys.stdout.write(captions(result["segments"], fmt))
        return
    if as_json:
        _print_json(result)
    else:
        from docintel import render

        render.document_panel(console, result, audit=audit, full=True)


def bring_index_up_to_date(settings: Settings) -> None:
    """Embed what is still pending before a search by meaning, with progress on stderr."""
    from docintel.worker.indexing import index_pending, pending_count

    pending = pending_count(settings)
    if not pending:
        return
    from rich.progress import Progress

    with Progress(console=err, transient=True, disable=not err.is_terminal) as bar:
        job = bar.add_task("indexing passages for search", total=pending)
        index_pending(settings, progress=lambda n: bar.advance(job, n))


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="A question about the documents.")],
    engine: EngineOpt = None,
    top_k: Annotated[int, typer.Option("--top-k", help="Passages to retrieve.")] = 5,
    as_json: JsonOpt = False,
) -> None:
    """Answer a question over the corpus, citing document and page or seconds."""
    settings = _database_settings(engine)
    from docintel.worker.ask import ask as ask_corpus

    bring_index_up_to_date(settings)
    answer = ask_corpus(question, settings, top_k)
    if as_json:
        _print_json(answer)
        return

    console.print(f"[bold]{safe(answer['answer'])}[/]")
    for c in answer["citations"]:
        where = (
            f"p. {c['page']}"
            if c.get("page")
            else (f"{c['seconds'][0]}-{c['seconds'][1]} s" if c.get("seconds") else "")
        )
        quote = c.get("quote") or c.get("text") or ""
        console.print(
            f"  [cyan]{safe(c['document'])}[/] {where}: {safe(' '.join(quote.split())[:200])}"
        )
    console.print(f"[dim]audit run {answer['run']}[/]")


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
        table.add_row(*(safe(cell) for cell in row))
    console.print(table)
