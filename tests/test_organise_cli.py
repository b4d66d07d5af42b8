"""The organising commands on an embedded (SQLite) database: tag-rules add/list/remove and a
document processed after gets the tag; correspondents list/merge/rename/set; notes
add/list/delete; bulk tag and delete over several documents."""

from __future__ import annotations

import json

from tests.helpers import process
from tests.test_api import SAMPLES
from tests.test_editing_cli import run, show


def test_rules_correspondents_notes_and_bulk(embedded):
    assert "FIELD OP VALUE" in run("tag-rules", "add", "x", "x", "--where", "total", code=2)
    assert "needs a condition" in run("tag-rules", "add", "x", "x", code=2)
    run("tag-rules", "add", "acme", "supplier-acme", "--correspondent", "acme industrial")
    assert "correspondent ~ acme industrial" in run("tag-rules", "list")
    invoice = process(SAMPLES / "invoice.pdf", embedded)["document"]["id"]
    receipt = process(SAMPLES / "receipt-scan.pdf", embedded)["document"]["id"]
    table = process(SAMPLES / "shipments.csv", embedded)["document"]["id"]
    assert show(invoice)["document"]["tags"] == ["supplier-acme"]
    assert show(receipt)["document"]["tags"] == []
    run("tag-rules", "remove", "acme")
    assert json.loads(run("tag-rules", "list", "--json")) == []

    listed = {r["name"]: r for r in json.loads(run("correspondents", "list", "--json"))}
    assert set(listed) == {"Acme Industrial GmbH", "City Hardware"}
    out = run("correspondents", "merge", "City Hardware", "Acme Industrial GmbH")
    assert "1 document(s) moved" in out
    assert show(receipt)["document"]["correspondent"] == "Acme Industrial GmbH"
    run("correspondents", "rename", "acme industrial", "Acme Group")
    [row] = json.loads(run("correspondents", "list", "--json"))
    assert row["name"] == "Acme Group" and row["documents"] == 2
    assert sorted(row["aliases"]) == ["Acme Industrial GmbH", "City Hardware"]
    assert "no correspondent" in run("correspondents", "merge", "Nobody", "Acme Group", code=1)
    run("correspondents", "set", str(table), "city hardware ltd")  # an alias: the same one
    assert show(table)["document"]["correspondent"] == "Acme Group"

    run("notes", "add", str(invoice), "ask about the discount", "--author", "ann")
    [note] = json.loads(run("notes", "list", str(invoice), "--json"))
    assert (note["author"], note["text"]) == ("ann", "ask about the discount")
    run("notes", "delete", str(invoice), str(note["id"]))
    assert "no notes" in run("notes", "list", str(invoice))

    ids = [str(i) for i in (invoice, receipt, table)]
    done = json.loads(run("bulk", "tag", *ids, "--value", "q3", "--json"))
    assert done == {"done": [invoice, receipt, table], "refused": {}}
    assert json.loads(run("tags", "--json")) == {"q3": 3, "supplier-acme": 1}
    assert "needs a value" in run("bulk", "tag", *ids, code=2)
    run("bulk", "delete", ids[0], ids[1])
    assert [d["id"] for d in json.loads(run("query", "--json"))] == [table]


def test_a_rule_that_cannot_be_read_is_skipped_and_said_the_document_finishes(embedded):
    from sqlalchemy import update

    from docintel.store.db import session_scope
    from docintel.store.organise_schema import TagRule

    run("tag-rules", "add", "big", "approve", "--where", "total > 5")
    run("tag-rules", "add", "invoices", "invoice", "--type", "invoice")
    with session_scope(embedded.db_url) as s:  # as if the reading of conditions changed
        s.execute(update(TagRule).where(TagRule.name == "big").values(condition="total >"))
    result = process(SAMPLES / "invoice.pdf", embedded)
    assert result["document"]["status"] == "done"
    assert result["document"]["tags"] == ["invoice"]
    said = {e["content"]: e["status"] for e in show(result["document"]["id"])["audit"]
            if e["step"] == "organise"}  # fmt: skip
    [skipped] = [c for c in said if c.startswith("rule 'big' skipped")]
    assert said[skipped] == "warning" and "cannot read the condition" in skipped
