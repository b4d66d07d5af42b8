"""Organising over the HTTP API, against PostgreSQL: a tag rule made over the API tags the
invoice that finishes after it (and the audit trail names the rule); correspondents are
proposed from the documents, merged, renamed and set; notes; a bulk edit of a selection,
with what it could not do said per document; a read-only token changes nothing."""

from __future__ import annotations

from tests.apiserver import make_token, serving
from tests.test_api import SAMPLES, upload
from tests.test_web_workspace import finished


def test_a_rule_tags_a_finishing_document_and_says_so(api_settings):
    token = make_token(api_settings, "editor")
    with serving(api_settings) as served, served.client(token) as c:
        bad = c.post("/v1/tag-rules", json={"name": "x", "tag": "x", "condition": "total big"})
        assert bad.status_code == 422 and "FIELD OP VALUE" in bad.json()["detail"]
        made = c.post(
            "/v1/tag-rules",
            json={
                "name": "big invoices",
                "tag": "approve",
                "doc_type": "invoice",
                "condition": "total > 100",
            },  # fmt: skip
        )
        assert made.status_code == 201, made.text
        c.post("/v1/tag-rules", json={"name": "receipts", "tag": "expenses", "doc_type": "receipt"})
        assert [r["name"] for r in c.get("/v1/tag-rules").json()] == ["big invoices", "receipts"]
        doc_id = upload(c, SAMPLES / "invoice.pdf").json()["id"]
        result = finished(c, doc_id)
        assert result["document"]["tags"] == ["approve"]
        said = [e["content"] for e in result["audit"] if e["step"] == "organise"]
        assert any("tag 'approve' added by rule 'big invoices'" in t for t in said), said
        assert c.delete("/v1/tag-rules/receipts").status_code == 204
        assert c.delete("/v1/tag-rules/receipts").status_code == 404


def test_correspondents_proposed_merged_renamed_and_set(api_settings):
    token = make_token(api_settings, "editor")
    reader = make_token(api_settings, "reader", read_only=True)
    with serving(api_settings) as served, served.client(token) as c:
        invoice = upload(c, SAMPLES / "invoice.pdf").json()["id"]
        receipt = upload(c, SAMPLES / "receipt-scan.pdf").json()["id"]
        assert finished(c, invoice)["document"]["correspondent"] == "Acme Industrial GmbH"
        assert finished(c, receipt)["document"]["correspondent"] == "City Hardware"
        listed = {r["name"]: r for r in c.get("/v1/correspondents").json()}
        acme, city = listed["Acme Industrial GmbH"], listed["City Hardware"]
        assert acme["documents"] == 1

        with served.client(reader) as ro:
            refused = ro.post(f"/v1/correspondents/{city['id']}/merge", json={"into": "1"})
            assert refused.status_code == 403

        merged = c.post(f"/v1/correspondents/{city['id']}/merge", json={"into": str(acme["id"])})
        assert merged.status_code == 200, merged.text
        assert merged.json()["moved"] == 1
        assert merged.json()["into"]["aliases"] == ["City Hardware"]
        assert [d["id"] for d in c.get(
            "/v1/documents", params={"correspondent": acme["id"]}).json()["documents"]
        ] == [receipt, invoice]  # fmt: skip
        again = c.post("/v1/correspondents", json={"name": "CITY HARDWARE Ltd."})
        assert again.json()["id"] == acme["id"]  # the merged name is matched again

        renamed = c.patch(f"/v1/correspondents/{acme['id']}", json={"name": "Acme Group"})
        assert renamed.json()["name"] == "Acme Group"
        assert finished(c, invoice)["document"]["correspondent"] == "Acme Group"

        set_one = c.patch(f"/v1/documents/{receipt}/correspondent", json={"name": "Globex SA"})
        assert set_one.json()["correspondent"] == "Globex SA"
        assert (
            c.get(f"/v1/documents/{receipt}").json()["document"]["correspondent_id"]
            == (set_one.json()["correspondent_id"])
        )
        off = c.patch(f"/v1/documents/{receipt}/correspondent", json={"name": None})
        assert off.json()["correspondent"] is None
        assert c.post("/v1/correspondents/999/merge", json={"into": "1"}).status_code == 404


def test_notes_and_a_bulk_edit(api_settings):
    token = make_token(api_settings, "editor")
    with serving(api_settings) as served, served.client(token) as c:
        ids = [upload(c, SAMPLES / n).json()["id"]
               for n in ("invoice.pdf", "shipments.csv", "contract.docx")]  # fmt: skip
        for i in ids:
            finished(c, i)
        note = c.post(f"/v1/documents/{ids[0]}/notes", json={"text": "ask about the discount"})
        assert note.status_code == 201 and note.json()["author"] == "editor"
        assert c.post(f"/v1/documents/{ids[0]}/notes", json={"text": " "}).status_code == 422
        assert [n["text"] for n in c.get(f"/v1/documents/{ids[0]}/notes").json()] == [
            "ask about the discount"
        ]
        gone = c.delete(f"/v1/documents/{ids[0]}/notes/{note.json()['id']}")
        assert gone.status_code == 204 and c.get(f"/v1/documents/{ids[0]}/notes").json() == []

        tagged = c.post("/v1/documents/bulk", json={"ids": ids, "action": "tag", "value": "q3"})
        assert tagged.json() == {"done": ids, "refused": {}}
        assert c.get("/v1/tags").json() == {"q3": 3}
        c.post("/v1/documents/bulk", json={"ids": ids[:1], "action": "untag", "value": "q3"})
        untag = c.post("/v1/documents/bulk", json={"ids": ids, "action": "untag", "value": "q3"})
        assert untag.json()["refused"] == {str(ids[0]): f"document {ids[0]} has no tag 'q3'"}
        who = c.post("/v1/documents/bulk",
                     json={"ids": ids, "action": "correspondent", "value": "Initech"})  # fmt: skip
        assert who.json()["done"] == ids
        assert {d["correspondent"] for d in c.get("/v1/documents").json()["documents"]} == {
            "Initech"
        }
        typed = c.post(
            "/v1/documents/bulk", json={"ids": ids[1:], "action": "type", "value": "receipt"}
        )
        assert typed.json()["done"] == ids[1:]
        retried = c.post("/v1/documents/bulk", json={"ids": ids[:1], "action": "retry"})
        assert retried.json()["done"] == ids[:1]
        assert finished(c, ids[0])["document"]["status"] == "done"
        no_value = c.post("/v1/documents/bulk", json={"ids": ids, "action": "tag"})
        assert no_value.status_code == 422 and "needs a value" in no_value.json()["detail"]
        missing = c.post("/v1/documents/bulk", json={"ids": [999999], "action": "delete"})
        assert missing.status_code == 404
        deleted = c.post("/v1/documents/bulk", json={"ids": ids[:2], "action": "delete"})
        assert deleted.json()["done"] == ids[:2]
        assert [d["id"] for d in c.get("/v1/documents").json()["documents"]] == ids[2:]
        back = c.post("/v1/documents/bulk", json={"ids": ids, "action": "restore"})
        assert back.json() == {
            "done": ids[:2],
            "refused": {str(ids[2]): f"document {ids[2]} is not in the trash"},
        }


def test_a_read_only_token_sees_no_organising_control_and_is_refused(api_settings):
    token = make_token(api_settings, "editor")
    reader = make_token(api_settings, "reader", read_only=True)
    with serving(api_settings) as served, served.client(token) as c:
        doc_id = upload(c, SAMPLES / "invoice.pdf").json()["id"]
        finished(c, doc_id)
        with served.client(reader) as ro:
            for url, controls in (
                ("/", ('id="bulk"', 'type="checkbox" class="pick"', 'id="pick-all"')),
                (f"/documents/{doc_id}", ('id="note-form"', 'id="correspondent-form"')),
                ("/organise", ('class="merge', 'class="rename', 'id="rule-form"')),
            ):
                page = ro.get(url)
                assert page.status_code == 200, url
                assert not [k for k in controls if k in page.text], url
                assert all(k in c.get(url).text for k in controls), url  # a writer has them
            for method, url, body in (
                ("POST", "/v1/documents/bulk", {"ids": [doc_id], "action": "delete"}),
                ("POST", f"/v1/documents/{doc_id}/notes", {"text": "x"}),
                ("POST", "/v1/tag-rules", {"name": "x", "tag": "x", "doc_type": "invoice"}),
                ("PATCH", f"/v1/documents/{doc_id}/correspondent", {"name": "x"}),
            ):
                assert ro.request(method, url, json=body).status_code == 403, url
        assert c.get("/v1/documents").json()["documents"][0]["id"] == doc_id


def test_a_persons_removals_stick_across_a_retry(api_settings):
    """A person took the proposed correspondent and a rule's tag off an invoice; a retry
    read it again and gave both back. Now the removals are kept on the document and the
    retry's audit trail says why neither came back; given back by hand, they are the
    person's again (the removal forgotten)."""
    token = make_token(api_settings, "editor")
    with serving(api_settings) as served, served.client(token) as c:
        c.post("/v1/tag-rules", json={"name": "invoices", "tag": "approve", "doc_type": "invoice"})
        invoice = upload(c, SAMPLES / "invoice.pdf").json()["id"]
        first = finished(c, invoice)["document"]
        assert (first["correspondent"], first["tags"]) == ("Acme Industrial GmbH", ["approve"])
        c.patch(f"/v1/documents/{invoice}/correspondent", json={"name": None})
        assert c.delete(f"/v1/documents/{invoice}/tags/approve").status_code == 200
        assert c.post(f"/v1/documents/{invoice}/retry").status_code == 200
        again = finished(c, invoice)
        assert again["document"]["status"] == "done"
        assert (again["document"]["correspondent"], again["document"]["tags"]) == (None, [])
        said = [e["content"] for e in again["audit"] if e["step"] == "organise"]
        assert any(
            t.startswith("correspondent 'Acme Industrial GmbH' from the field")
            and t.endswith("not proposed: a person removed it")
            for t in said
        ), said
        assert any("tag 'approve' of rule 'invoices' not added: a person removed it" in t
                   for t in said), said  # fmt: skip
        c.put(f"/v1/documents/{invoice}/tags/approve")
        c.patch(f"/v1/documents/{invoice}/correspondent", json={"name": "ACME Industrial"})
        meta = c.get(f"/v1/documents/{invoice}").json()["document"]["meta"]
        assert "removed_by_person" not in meta


def test_a_merge_is_in_each_moved_documents_audit_trail(api_settings):
    token = make_token(api_settings, "editor")
    with serving(api_settings) as served, served.client(token) as c:
        invoice = upload(c, SAMPLES / "invoice.pdf").json()["id"]
        receipt = upload(c, SAMPLES / "receipt-scan.pdf").json()["id"]
        for doc_id in (invoice, receipt):
            finished(c, doc_id)
        listed = {r["name"]: r["id"] for r in c.get("/v1/correspondents").json()}
        merged = c.post(
            f"/v1/correspondents/{listed['City Hardware']}/merge",
            json={"into": str(listed["Acme Industrial GmbH"])},
        )
        assert merged.json()["moved"] == 1
        trail = c.get(f"/v1/documents/{receipt}").json()["audit"]
        [entry] = [e for e in trail if e["step"].startswith("correspondent:")]
        assert entry["role"] == "user"
        assert entry["content"] == (
            "correspondent 'City Hardware' -> 'Acme Industrial GmbH' (merged by a person (editor))"
        )
        # the document that stayed did not move: nothing in its trail
        assert not [
            e for e in c.get(f"/v1/documents/{invoice}").json()["audit"]
            if e["step"].startswith("correspondent:")
        ]  # fmt: skip
