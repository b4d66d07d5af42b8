"""The editing commands on an embedded (SQLite) database: unset, retype, tag/tags and
query --tag, delete/restore/trash --purge with DOCINTEL_TRASH_DAYS."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from docintel.cli import app
from tests.helpers import process
from tests.test_api import SAMPLES


def run(*args: str, code: int = 0) -> str:
    done = CliRunner().invoke(app, list(args))
    assert done.exit_code == code, done.output
    return done.output


def show(doc_id: int) -> dict:
    return json.loads(run("show", str(doc_id), "--json"))


def test_unset_retype_tag_delete_restore_and_purge(embedded, monkeypatch):
    invoice = process(SAMPLES / "invoice.pdf", embedded)["document"]["id"]
    table = process(SAMPLES / "shipments.csv", embedded)["document"]["id"]
    machine = show(invoice)["profile"]["fields"]["total"]["value"]

    run("set", str(invoice), "total=1.00")
    run("unset", str(invoice), "total")
    assert show(invoice)["profile"]["fields"]["total"]["value"] == machine
    assert "no correction" in run("unset", str(invoice), "total", code=2)

    assert "no profile 'recipe'" in run("retype", str(invoice), "recipe", code=2)
    run("retype", str(invoice), "receipt")
    assert show(invoice)["document"]["doc_type"] == "receipt"
    run("reextract")  # a person's type is kept over a re-extraction
    assert show(invoice)["document"]["doc_type"] == "receipt"
    run("retype", str(invoice), "--machine")
    assert show(invoice)["document"]["doc_type"] == "invoice"

    run("tag", str(invoice), "to pay", "urgent")
    run("tag", str(table), "to pay")
    run("tag", str(invoice), "urgent", "--remove")
    assert json.loads(run("tags", "--json")) == {"to pay": 2}
    listed = json.loads(run("query", "--tag", "to pay", "--json"))
    assert sorted(d["id"] for d in listed) == sorted([invoice, table])

    archived = Path(show(invoice)["document"]["archive_path"])
    run("delete", str(invoice))
    assert [d["id"] for d in json.loads(run("query", "--json"))] == [table]
    assert [d["id"] for d in json.loads(run("trash", "--json"))["trash"]] == [invoice]
    assert json.loads(run("trash", "--purge", "--json"))["purged"] == []  # not 30 days yet
    run("restore", str(invoice))
    assert sorted(d["id"] for d in json.loads(run("query", "--json"))) == sorted([invoice, table])

    run("delete", str(invoice))
    monkeypatch.setenv("DOCINTEL_TRASH_DAYS", "0")
    from docintel.config import get_settings

    get_settings.cache_clear()
    purged = json.loads(run("trash", "--purge", "--json"))["purged"]
    assert [p["id"] for p in purged] == [invoice] and not archived.exists()
    assert "no document" in run("show", str(invoice), code=1)
    assert json.loads(run("tags", "--json")) == {"to pay": 1}
