"""Commands a person organises documents with, beside `tag` and `delete`: correspondents
(list, rename, merge, set on a document), notes, the rules that tag a finishing document,
and one edit on several documents (`bulk`). The API and the web page make the same edits
through the same functions (store.correspondents, store.notes, store.tag_rules,
worker.workspace)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape

from docintel.cli_common import (
    JsonOpt,
    _database_settings,
    _embedded_settings,
    _print_json,
    _settings,
    app,
    console,
    document_or_exit,
    err,
)
from docintel.render import safe

corr_app = typer.Typer(help="Correspondents: who documents are from.", no_args_is_help=True)
notes_app = typer.Typer(help="A person's notes on a document.", no_args_is_help=True)
rules_app = typer.Typer(help="Rules that tag a document as it finishes.", no_args_is_help=True)
app.add_typer(corr_app, name="correspondents")
app.add_typer(notes_app, name="notes")
app.add_typer(rules_app, name="tag-rules")

DocArg = Annotated[str, typer.Argument(help="Document id, sha256 or name.")]
CorrArg = Annotated[str, typer.Argument(help="Correspondent id or name.")]


def _fail(exc: Exception) -> typer.Exit:
    err.print(f"[red]{escape(str(exc))}[/]")
    return typer.Exit(2)


def _correspondent_or_exit(s: Any, ref: str) -> Any:
    from docintel.store.correspondents import by_ref

    found = by_ref(s, ref)
    if found is None:
        err.print(f"[red]no correspondent {safe(repr(ref))}[/]; `docintel correspondents list`")
        raise typer.Exit(1)
    return found


# --- correspondents ---------------------------------------------------------------------


@corr_app.command("list")
def corr_list(as_json: JsonOpt = False) -> None:
    """Every correspondent, with how many documents it has and its aliases."""
    from docintel.store.correspondents import listing
    from docintel.store.db import session_scope

    with session_scope(_database_settings().db_url) as s:
        rows = listing(s)
    if as_json:
        _print_json(rows)
        return
    for r in rows:
        also = f"  (also {safe(', '.join(r['aliases']))})" if r["aliases"] else ""
        console.print(f"{r['id']:6d}  {r['documents']:5d} doc(s)  {safe(r['name'])}{also}")
    if not rows:
        console.print("no correspondents yet: they are proposed as documents finish")


@corr_app.command("rename")
def corr_rename(ref: CorrArg, name: Annotated[str, typer.Argument(help="The new name.")]) -> None:
    """Rename a correspondent; its old name stays an alias and is matched again."""
    from docintel.store.correspondents import rename
    from docintel.store.db import session_scope
    from docintel.store.organise import EditError

    with session_scope(_database_settings().db_url) as s:
        found = _correspondent_or_exit(s, ref)
        try:
            rename(s, found, name)
        except EditError as exc:
            raise _fail(exc) from exc
        console.print(f"correspondent {found.id} is now {safe(found.name)}")


@corr_app.command("merge")
def corr_merge(
    gone: Annotated[str, typer.Argument(help="The correspondent merged away (id or name).")],
    into: Annotated[str, typer.Argument(help="The correspondent that stays (id or name).")],
) -> None:
    """Move every document of GONE to INTO; GONE's names become INTO's aliases."""
    from docintel.store.db import session_scope
    from docintel.store.organise import EditError
    from docintel.worker.workspace import merge_correspondents

    with session_scope(_database_settings().db_url) as s:
        a, b = _correspondent_or_exit(s, gone), _correspondent_or_exit(s, into)
        name = a.name
        try:
            moved = merge_correspondents(s, a, b, "a person")
        except EditError as exc:
            raise _fail(exc) from exc
        console.print(f"{safe(name)} merged into {safe(b.name)}: {moved} document(s) moved")


@corr_app.command("set")
def corr_set(
    doc: DocArg,
    name: Annotated[str | None, typer.Argument(help="The correspondent's name.")] = None,
    none: Annotated[bool, typer.Option("--none", help="Take its correspondent off.")] = False,
) -> None:
    """Set a document's correspondent (made where none has the name)."""
    from docintel.store.db import session_scope
    from docintel.store.organise import EditError
    from docintel.worker.workspace import set_correspondent

    if (name is None) == (not none):
        err.print("[red]give a NAME, or --none to take the correspondent off[/]")
        raise typer.Exit(2)
    with session_scope(_database_settings().db_url) as s:
        found = document_or_exit(s, doc)
        try:
            now = set_correspondent(s, found, name, "a person")
        except EditError as exc:
            raise _fail(exc) from exc
    console.print(f"document {found.id}: correspondent {safe(now or 'none')}")


# --- notes ------------------------------------------------------------------------------


@notes_app.command("list")
def notes_list(doc: DocArg, as_json: JsonOpt = False) -> None:
    """A document's notes, oldest first."""
    from docintel.store.db import session_scope
    from docintel.store.notes import notes_of

    with session_scope(_database_settings().db_url) as s:
        rows = notes_of(s, document_or_exit(s, doc).id)
    if as_json:
        _print_json(rows)
        return
    for n in rows:
        console.print(
            f"{n['id']:6d}  {n['created_at'][:16]}  {safe(n['author'])}: {safe(n['text'])}"
        )
    if not rows:
        console.print("no notes")


@notes_app.command("add")
def notes_add(
    doc: DocArg,
    text: Annotated[str, typer.Argument(help="The note.")],
    author: Annotated[str, typer.Option(help="Who writes it.")] = "a person",
) -> None:
    from docintel.store.db import session_scope
    from docintel.store.notes import add_note
    from docintel.store.organise import EditError

    with session_scope(_database_settings().db_url) as s:
        found = document_or_exit(s, doc)
        try:
            note = add_note(s, found.id, author, text)
        except EditError as exc:
            raise _fail(exc) from exc
        console.print(f"note {note.id} on document {found.id}")


@notes_app.command("delete")
def notes_delete(doc: DocArg, note: Annotated[int, typer.Argument(help="The note's id.")]) -> None:
    from docintel.store.db import session_scope
    from docintel.store.notes import delete_note

    with session_scope(_database_settings().db_url) as s:
        found = document_or_exit(s, doc)
        if not delete_note(s, found.id, note):
            err.print(f"[red]document {found.id} has no note {note}[/]")
            raise typer.Exit(1)
    console.print(f"note {note} deleted")


# --- tag rules --------------------------------------------------------------------------


@rules_app.command("list")
def rules_list(as_json: JsonOpt = False) -> None:
    """The rules, by name."""
    from docintel.store.db import session_scope
    from docintel.store.tag_rules import all_rules, rule_dict

    with session_scope(_database_settings().db_url) as s:
        rows = [rule_dict(r) for r in all_rules(s)]
    if as_json:
        _print_json(rows)
        return
    for r in rows:
        when = " and ".join(
            w
            for w in (
                r["doc_type"] and f"type {r['doc_type']}",
                r["condition"],
                r["correspondent"] and f"correspondent ~ {r['correspondent']}",
            )
            if w
        )
        console.print(f"{safe(r['name'])}: tag {safe(r['tag'])} where {safe(when)}")
    if not rows:
        console.print("no tag rules: `docintel tag-rules add NAME TAG --type invoice`")


@rules_app.command("add")
def rules_add(
    name: Annotated[str, typer.Argument(help="The rule's name.")],
    tag: Annotated[str, typer.Argument(help="The tag it adds.")],
    doc_type: Annotated[str | None, typer.Option("--type", help="The document's type.")] = None,
    where: Annotated[
        str | None, typer.Option("--where", help="A field condition: 'total > 1000'.")
    ] = None,
    correspondent: Annotated[
        str | None, typer.Option("--correspondent", help="Words its correspondent holds.")
    ] = None,
) -> None:
    """A rule: each document finishing from now on that meets every condition gets TAG."""
    from docintel.store.db import session_scope
    from docintel.store.organise import EditError
    from docintel.store.profiles import ConditionError
    from docintel.store.tag_rules import add_rule

    with session_scope(_database_settings().db_url) as s:
        try:
            add_rule(s, name, tag, doc_type=doc_type, condition=where, correspondent=correspondent)
        except (EditError, ConditionError) as exc:
            raise _fail(exc) from exc
    console.print(f"rule {safe(name)} added")


@rules_app.command("remove")
def rules_remove(ref: Annotated[str, typer.Argument(help="The rule's name or id.")]) -> None:
    from docintel.store.db import session_scope
    from docintel.store.tag_rules import remove_rule

    with session_scope(_database_settings().db_url) as s:
        if not remove_rule(s, ref):
            err.print(f"[red]no tag rule {safe(repr(ref))}[/]")
            raise typer.Exit(1)
    console.print(f"rule {safe(ref)} removed")


# --- bulk -------------------------------------------------------------------------------


@app.command()
def bulk(
    action: Annotated[
        str, typer.Argument(help="tag, untag, type, correspondent, retry, delete or restore.")
    ],
    docs: Annotated[list[str], typer.Argument(help="Document ids, sha256 or names.")],
    value: Annotated[
        str | None, typer.Option("--value", help="The tag, the type or the correspondent.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """One edit on several documents; those it cannot be made on are listed with why."""
    from docintel.store.db import session_scope
    from docintel.store.organise import EditError
    from docintel.worker.workspace import bulk_edit

    settings = _settings()
    settings = _embedded_settings() if not settings.distributed else _database_settings()
    with session_scope(settings.db_url) as s:
        found = [document_or_exit(s, d) for d in docs]
        try:
            result = bulk_edit(s, settings, found, action, value, "a person")
        except EditError as exc:
            raise _fail(exc) from exc
    if result.to_send:
        from docintel.worker.app import enqueue

        for sha in result.to_send:
            enqueue(sha, settings)
    if as_json:
        _print_json(result.as_dict())
        return
    console.print(f"{action}: {len(result.done)} document(s) done")
    for doc_id, why in result.refused.items():
        err.print(f"[yellow]document {doc_id}: {safe(why)}[/]")
