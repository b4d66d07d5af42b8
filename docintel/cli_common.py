"""What every `docintel` command shares: the typer apps, consoles, options and settings."""

from __future__ import annotations

import json
import os
import sys
from typing import Annotated, Any

import typer
from rich.console import Console

from docintel.config import Settings, get_settings

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


@app.callback()
def _each_command() -> None:
    # The consoles are made at import and read COLUMNS then; a process that runs several
    # commands (an embedding program, a test runner) may have a different width by the
    # time this one runs, and a table drawn at a stale width cuts its columns.
    fit_consoles(os.environ.get("COLUMNS", ""))


def fit_consoles(columns: str) -> None:
    """Both consoles at ``columns`` characters, or the terminal's width where it is unset."""
    for each in (console, err):
        each._width = int(columns) if columns.isdigit() else None  # None: ask the terminal


JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
EngineOpt = Annotated[
    str | None, typer.Option("--engine", help="auto, gemma, openai or cpu (DOCINTEL_ENGINE).")
]


def _settings(engine: str | None = None) -> Settings:
    if engine:
        os.environ["DOCINTEL_ENGINE"] = engine
        get_settings.cache_clear()
    return get_settings()


def _database_settings(engine: str | None = None) -> Settings:
    """For the commands that read results: in the embedded mode the database is created (or
    brought up to date) first, so a new home answers 'no documents', not a traceback."""
    settings = _settings(engine)
    if not settings.distributed:
        from docintel import migrations

        migrations.upgrade(settings.db_url)
    return settings


def _embedded_settings(engine: str | None = None) -> Settings:
    """Embedded commands run in-process whatever DOCINTEL_BROKER_URL says."""
    os.environ["DOCINTEL_BROKER_URL"] = ""
    get_settings.cache_clear()
    settings = _settings(engine)
    from docintel import migrations

    migrations.upgrade(settings.db_url)
    return settings


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n")


def _redact(url: str) -> str:
    from docintel.config import redact_url

    return redact_url(url)


def document_or_exit(session: Any, ref: str) -> Any:
    """The document ``ref`` names (id, sha256 or name), or a message and exit code 1."""
    from docintel.render import safe
    from docintel.store.queries import find_document

    found = find_document(session, ref)
    if found is None:
        err.print(f"[red]no document {safe(repr(ref))}[/]; `docintel query` lists them.")
        raise typer.Exit(1)
    return found
