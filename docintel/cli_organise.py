"""Commands a person organises and corrects documents with, beside `set`: unset, retype,
tag, tags, delete, restore and trash. The API and the web page make the same edits
through the same functions (worker.editing, store.organise)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from docintel.cli_common import (
    JsonOpt,
    _database_settings,
    _print_json,
    app,
    console,
    document_or_exit,
    err,
)
from docintel.render import safe

DocsArg = Annotated[list[str], typer.Argument(help="Document ids, sha256 or names.")]


def _fail(exc: Exception) -> typer.Exit:
    err.print(f"[red]{escape(str(exc))}[/]")
    return typer.Exit(2)


@app.command()
def unset(
    doc: Annotated[str, typer.Argument(help="Document id, sha256 or name.")],
    fields: Annotated[list[str], typer.Argument(help="FIELD (line items: TABLE.ROW.COLUMN).")],
) -> None:
    """Take a person's correction back: the machine's value stands again."""
    from docintel.store.db import session_scope
    from docintel.store.organise import EditError
    from docintel.worker.editing import uncorrect

    settings = _database_settings()
    with session_scope(settings.db_url) as s:
        found = document_or_exit(s, doc)
        for name in fields:
            try:
                row = uncorrect(s, found, name.strip(), "a person")
            except EditError as exc:
                raise _fail(exc) from exc
            console.print(f"{safe(name)}: back to the machine's {safe(repr(row.normalized))}")


@app.command()
def retype(
    doc: Annotated[str, typer.Argument(help="Document id, sha256 or name.")],
    doc_type: Annotated[
        str | None, typer.Argument(help="A profile's type (`docintel profiles`), or other.")
    ] = None,
    machine: Annotated[
        bool, typer.Option("--machine", help="Take a person's type back: classify again.")
    ] = False,
) -> None:
    """Set the document's type and read its fields for that type again from the stored
    text (no page is read again); a person's corrections of fields it also has stay."""
    from docintel.store.db import session_scope
    from docintel.store.organise import EditError
    from docintel.worker.editing import set_type

    if (doc_type is None) == (not machine):
        err.print("[red]give a TYPE, or --machine to take a person's type back[/]")
        raise typer.Exit(2)
    settings = _database_settings()
    with session_scope(settings.db_url) as s:
        found = document_or_exit(s, doc)
        try:
            now = set_type(s, settings, found, None if machine else doc_type, "a person")
        except EditError as exc:
            raise _fail(exc) from exc
    console.print(f"document {found.id} is now of type {safe(now)}")


@app.command()
def tag(
    doc: Annotated[str, typer.Argument(help="Document id, sha256 or name.")],
    tags: Annotated[list[str], typer.Argument(help="Tags to add (or remove, with --remove).")],
    remove: Annotated[bool, typer.Option("--remove", help="Remove the tags.")] = False,
) -> None:
    """Add tags to a document by hand, or remove them."""
    from docintel.store.db import session_scope
    from docintel.store.mail import tags_of
    from docintel.store.organise import EditError, untag
    from docintel.store.organise import tag as add

    settings = _database_settings()
    with session_scope(settings.db_url) as s:
        found = document_or_exit(s, doc)
        try:
            for name in tags:
                if remove:
                    untag(s, found.id, name)
                else:
                    add(s, found.id, name)
        except EditError as exc:
            raise _fail(exc) from exc
        now = tags_of(s, found.id)
    console.print(f"document {found.id}: {safe(', '.join(now)) or 'no tags'}")


@app.command(name="tags")
def list_tags(as_json: JsonOpt = False) -> None:
    """Every tag in use, with how many documents carry it (`query --tag` lists them)."""
    from docintel.store.db import session_scope
    from docintel.store.organise import tag_counts

    settings = _database_settings()
    with session_scope(settings.db_url) as s:
        counts = tag_counts(s)
    if as_json:
        _print_json(counts)
        return
    for name, count in counts.items():
        console.print(f"{count:6d}  {safe(name)}")
    if not counts:
        console.print("no tags yet: `docintel tag DOC TAG`")


@app.command()
def delete(docs: DocsArg) -> None:
    """Put documents in the trash (with their attachments or members): hidden from every
    listing and search, restorable with `docintel restore` for DOCINTEL_TRASH_DAYS."""
    from docintel.store.db import session_scope
    from docintel.store.organise import to_trash

    settings = _database_settings()
    with session_scope(settings.db_url) as s:
        for ref in docs:
            found = document_or_exit(s, ref)
            ids = to_trash(s, found)
            extra = f" (and {len(ids) - 1} inside it)" if len(ids) > 1 else ""
            console.print(f"document {found.id} {safe(found.name)} is in the trash{extra}")
    console.print(
        f"restorable for {settings.trash_days} day(s) with `docintel restore ID`; "
        "then purged, its archived original with it"
    )


@app.command()
def restore(docs: DocsArg) -> None:
    """Take documents out of the trash, with what was deleted with them."""
    from docintel.store.db import session_scope
    from docintel.store.organise import from_trash

    settings = _database_settings()
    with session_scope(settings.db_url) as s:
        for ref in docs:
            found = document_or_exit(s, ref)
            if not from_trash(s, found):
                err.print(f"[yellow]document {found.id} is not in the trash[/]")
                continue
            console.print(f"document {found.id} {safe(found.name)} is back")


@app.command()
def trash(
    purge: Annotated[
        bool, typer.Option("--purge", help="Purge what is older than DOCINTEL_TRASH_DAYS.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """What is in the trash, oldest deletion first; --purge removes what has been there
    DOCINTEL_TRASH_DAYS (rows and archived originals)."""
    from docintel.worker.editing import purge_trash
    from docintel.worker.listing import Filters, document_listing

    settings = _database_settings()
    purged = purge_trash(settings) if purge else []
    docs, _ = document_listing(settings, Filters(trashed=True), 500)
    if as_json:
        _print_json({"purged": purged, "trash": docs})
        return
    for p in purged:
        console.print(f"purged {p['id']} {safe(str(p['name']))}")
    for d in sorted(docs, key=lambda d: d["deleted_at"] or ""):
        console.print(f"{d['id']:6d}  {safe(d['name'])}  deleted {d['deleted_at'][:19]}")
    if not docs:
        console.print("the trash is empty")
