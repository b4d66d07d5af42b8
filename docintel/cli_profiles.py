"""Commands about document types and their fields: profiles, export, set, reextract."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from docintel.cli_common import (
    JsonOpt,
    _database_settings,
    _print_json,
    _settings,
    app,
    console,
    document_or_exit,
    err,
)
from docintel.exports import write_csv, write_xlsx
from docintel.render import safe

WhereOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--where",
        help="FIELD OP VALUE on a profile field, e.g. 'total > 1000', 'due_date < 2026-12-01' "
        "(OP: = != < <= > >= ~). Repeatable; all must hold.",
    ),
]


@app.command()
def profiles(
    files: Annotated[
        list[Path] | None, typer.Argument(help="Profile files to check instead of listing.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """The document types in force (bundled and DOCINTEL_PROFILES), or check profile files."""
    from docintel.pipeline.profiles import ProfileError, profiles_for
    from docintel.pipeline.profiles.spec import read_profile

    if files:
        failed = False
        for path in files:
            try:
                profile = read_profile(path)
            except (ProfileError, OSError) as exc:
                failed = True
                err.print(f"[red]{escape(str(exc))}[/]")
                continue
            console.print(
                f"[green]ok[/] {escape(str(path))}: {profile.name}, {len(profile.fields)} field(s)"
            )
        raise typer.Exit(1 if failed else 0)
    settings = _settings()
    found, broken = profiles_for(settings)
    rows = [
        {
            "name": p.name,
            "description": p.description,
            "fields": [f"{f.name}:{f.type}{'*' if f.required else ''}" for f in p.fields],
            "checks": len(p.checks),
            "source": p.source,
            "hash": p.content_hash,
        }
        for p in found.values()
    ]
    if as_json:
        _print_json({"profiles": rows, "folder": str(settings.profiles_dir), "error": broken})
        return
    from rich.table import Table

    table = Table("type", "fields (* required)", "checks", "source")
    for row in rows:
        table.add_row(
            safe(row["name"]),
            safe(", ".join(row["fields"])),
            str(row["checks"]),
            safe(Path(str(row["source"])).name),
        )
    console.print(table)
    console.print(f"your profiles: {escape(str(settings.profiles_dir))}")
    if broken:
        err.print(f"[red]{escape(broken)}[/]")


@app.command()
def export(
    doc_type: Annotated[str, typer.Option("--doc-type", help="The document type to export.")],
    fmt: Annotated[str, typer.Option("--format", help="csv, xlsx or jsonl.")] = "csv",
    out: Annotated[
        Path | None, typer.Option("--out", help="File to write; default <type>.<format>.")
    ] = None,
    where: WhereOpt = None,
) -> None:
    """One row per document with its fields; line items in a second sheet (xlsx) or file."""
    from docintel.store.db import session_scope
    from docintel.store.profiles import Condition, ConditionError, export_rows

    if fmt not in ("csv", "xlsx", "jsonl"):
        err.print(f"[red]unknown format {safe(fmt)!r}: use csv, xlsx or jsonl[/]")
        raise typer.Exit(2)
    try:
        conditions = [Condition.parse(w) for w in where or []]
    except ConditionError as exc:
        err.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(2) from exc
    settings = _database_settings()
    with session_scope(settings.db_url) as s:
        documents, items = export_rows(s, doc_type, conditions)
    if out is not None and str(out) == "-":
        _export_to_stdout(fmt, documents, items)
        return
    path = out or Path(f"{doc_type}.{fmt}")
    written = [path]
    if fmt == "xlsx":
        write_xlsx(path, documents, items)
    elif fmt == "jsonl":
        with path.open("w", encoding="utf-8") as fh:
            _write_jsonl(fh, documents, items)
    else:
        with path.open("w", newline="", encoding="utf-8") as fh:
            write_csv(fh, documents)
        if items:
            written.append(path.with_name(f"{path.stem}-items.csv"))
            with written[-1].open("w", newline="", encoding="utf-8") as fh:
                write_csv(fh, items)
    console.print(
        f"{len(documents)} document(s), {len(items)} line item(s) -> "
        + ", ".join(escape(str(p)) for p in written)
    )


def _export_to_stdout(fmt: str, documents: list[dict], items: list[dict]) -> None:
    """``--out -``: the export on standard output (XLSX as bytes); a CSV carries the
    documents only, and says on standard error where the line items are."""
    if fmt == "xlsx":
        import io

        buffer = io.BytesIO()
        write_xlsx(buffer, documents, items)
        sys.stdout.buffer.write(buffer.getvalue())
    elif fmt == "jsonl":
        _write_jsonl(sys.stdout, documents, items)
    else:
        write_csv(sys.stdout, documents)
        if items:
            err.print(
                f"{len(items)} line item(s) left out of the CSV on standard output; "
                "`--format jsonl` carries them, or `--out FILE.csv` writes FILE-items.csv"
            )
    sys.stdout.flush()


def _write_jsonl(fh: Any, documents: list[dict], items: list[dict]) -> None:
    for row in documents:
        mine = [i for i in items if i["document_id"] == row["id"]]
        fh.write(json.dumps({**row, "items": mine}, ensure_ascii=False, default=str))
        fh.write("\n")


@app.command(name="set")
def set_field(
    doc: Annotated[str, typer.Argument(help="Document id, sha256 or name.")],
    assignments: Annotated[
        list[str], typer.Argument(help="FIELD=VALUE (line items: TABLE.ROW.COLUMN=VALUE).")
    ],
) -> None:
    """Record a person's value for a field; the machine's value is kept beside it."""
    from docintel.store.db import session_scope
    from docintel.store.profiles import ConditionError
    from docintel.worker.editing import correct

    settings = _database_settings()
    pairs = []
    for assignment in assignments:
        name, sep, value = assignment.partition("=")
        if not sep or not name.strip():
            err.print(f"[red]{safe(repr(assignment))}: write FIELD=VALUE[/]")
            raise typer.Exit(2)
        pairs.append((name.strip(), value.strip()))
    with session_scope(settings.db_url) as s:
        found = document_or_exit(s, doc)
        try:
            learned = correct(s, settings, found, pairs, "a person")
        except ConditionError as exc:
            err.print(f"[red]{escape(str(exc))}[/]")
            raise typer.Exit(2) from exc
    console.print(f"{len(assignments)} correction(s) recorded on document {found.id}")
    for line in learned:
        console.print(f"  {safe(line)}")


@app.command()
def reextract(
    doc_type: Annotated[
        str | None, typer.Option("--doc-type", help="Only documents of this type.")
    ] = None,
    since: Annotated[datetime | None, typer.Option(help="Received on or after.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Classify and extract fields again from the stored text, after a profile changed; no
    page or recording is read again."""
    from docintel.worker.profiles import reextract as run

    settings = _database_settings()
    changed = run(settings, doc_type, since)
    if as_json:
        _print_json(changed)
        return
    moved = [c for c in changed if c["before"] != c["after"]]
    for c in moved:
        console.print(f"{c['id']} {safe(str(c['name']))}: {c['before']} -> {c['after']}")
    console.print(f"{len(changed)} document(s) extracted again, {len(moved)} changed type")
