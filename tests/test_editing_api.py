"""A person's edits over the HTTP API, against PostgreSQL: fields corrected beside the
machine's values and taken back (seen by `docintel show`), the type set and the fields of
the new type read, tags and the listing filtered by them, the trash and its purge; a
read-only token is refused every edit."""

from __future__ import annotations

from pathlib import Path

from tests.apiserver import make_token, serving
from tests.test_api import SAMPLES, upload
from tests.test_web_workspace import finished, show_json


def test_fields_and_type_corrected_and_taken_back(api_settings):
    token = make_token(api_settings, "editor")
    reader = make_token(api_settings, "reader", read_only=True)
    with serving(api_settings) as served, served.client(token) as c:
        doc_id = upload(c, SAMPLES / "invoice.pdf").json()["id"]
        first = finished(c, doc_id)["profile"]
        machine_total = first["fields"]["total"]["value"]
        assert first["doc_type"] == "invoice" and machine_total

        with served.client(reader) as ro:
            refused = ro.patch(f"/v1/documents/{doc_id}/fields", json={"total": "1.00"})
            assert refused.status_code == 403 and "read-only" in refused.json()["detail"]
            assert (
                ro.patch(f"/v1/documents/{doc_id}", json={"doc_type": "receipt"}).status_code == 403
            )

        done = c.patch(f"/v1/documents/{doc_id}/fields", json={"total": "1250.00"})
        assert done.status_code == 200, done.text
        total = done.json()["profile"]["fields"]["total"]
        assert (total["value"], total["corrected"], total["machine_value"]) == (
            "1250.00",
            "1250.00",
            machine_total,
        )
        shown = show_json(doc_id)
        assert shown["profile"]["fields"]["total"]["value"] == "1250.00"
        assert any(
            "total set to '1250.00' by a person (editor)" in (e["content"] or "")
            for e in shown["audit"]
        )
        bad = c.patch(f"/v1/documents/{doc_id}/fields", json={"line_items.x": "3"})
        assert bad.status_code == 422 and "TABLE.ROW.COLUMN" in bad.json()["detail"]

        undone = c.patch(f"/v1/documents/{doc_id}/fields", json={"total": None})
        assert undone.json()["profile"]["fields"]["total"]["value"] == machine_total
        again = c.patch(f"/v1/documents/{doc_id}/fields", json={"total": None})
        assert again.status_code == 422 and "no correction" in again.json()["detail"]

        wrong = c.patch(f"/v1/documents/{doc_id}", json={"doc_type": "recipe"})
        assert wrong.status_code == 422 and "receipt" in wrong.json()["detail"]
        retyped = c.patch(f"/v1/documents/{doc_id}", json={"doc_type": "receipt"}).json()
        assert retyped["document"]["doc_type"] == "receipt"
        assert "merchant" in retyped["profile"]["fields"]  # the receipt's fields were read
        assert "invoice_number" not in retyped["profile"]["fields"]
        assert show_json(doc_id)["document"]["doc_type"] == "receipt"
        back = c.patch(f"/v1/documents/{doc_id}", json={"doc_type": None}).json()
        assert back["document"]["doc_type"] == "invoice"
        assert back["profile"]["fields"]["invoice_number"]["value"]
        assert c.patch("/v1/documents/999999", json={"doc_type": None}).status_code == 404


def test_tags_filter_the_listing(api_settings):
    token = make_token(api_settings, "organiser")
    with serving(api_settings) as served, served.client(token) as c:
        ids = [
            upload(c, SAMPLES / name).json()["id"]
            for name in ("shipments.csv", "invoice.pdf", "contract.docx")
        ]
        for doc_id in ids:
            finished(c, doc_id)
        assert c.put(f"/v1/documents/{ids[0]}/tags/paid").json()["tags"] == ["paid"]
        c.put(f"/v1/documents/{ids[1]}/tags/paid")
        assert c.put(f"/v1/documents/{ids[1]}/tags/tax 2026").json()["tags"] == [
            "paid",
            "tax 2026",
        ]
        assert c.put(f"/v1/documents/{ids[2]}/tags/%20%20").status_code == 422

        listed = c.get("/v1/documents", params={"tag": "paid"}).json()["documents"]
        assert sorted(d["id"] for d in listed) == sorted(ids[:2])
        both = c.get("/v1/documents", params=[("tag", "paid"), ("tag", "tax 2026")]).json()
        assert [d["id"] for d in both["documents"]] == [ids[1]]
        assert {d["id"]: d["tags"] for d in c.get("/v1/documents").json()["documents"]} == {
            ids[0]: ["paid"],
            ids[1]: ["paid", "tax 2026"],
            ids[2]: [],
        }
        assert c.get("/v1/tags").json() == {"paid": 2, "tax 2026": 1}

        assert c.delete(f"/v1/documents/{ids[0]}/tags/paid").json()["tags"] == []
        assert c.delete(f"/v1/documents/{ids[0]}/tags/paid").status_code == 404
        assert c.get("/v1/tags").json() == {"paid": 1, "tax 2026": 1}


def test_the_trash_keeps_the_original_until_purged(api_settings):
    token = make_token(api_settings, "tidy")
    reader = make_token(api_settings, "looker", read_only=True)
    with serving(api_settings) as served, served.client(token) as c:
        doc_id = upload(c, SAMPLES / "mail-with-invoice.eml").json()["id"]
        mail = finished(c, doc_id)
        child = mail["children"][0]["id"]
        finished(c, child)
        original = Path(mail["document"]["archive_path"])
        assert original.is_file()

        with served.client(reader) as ro:
            assert ro.delete(f"/v1/documents/{doc_id}").status_code == 403
        gone = c.delete(f"/v1/documents/{doc_id}")
        assert gone.status_code == 200 and sorted(gone.json()["trashed"]) == [doc_id, child]
        assert c.get("/v1/documents").json()["documents"] == []  # the attachment went too
        trash = c.get("/v1/trash").json()
        assert sorted(d["id"] for d in trash["documents"]) == [doc_id, child]
        assert trash["trash_days"] == 30
        assert c.get(f"/v1/documents/{doc_id}").json()["document"]["deleted_at"]
        assert c.post(f"/v1/documents/{doc_id}/retry").status_code == 409
        assert original.is_file()  # kept while it is in the trash
        assert c.post("/v1/trash/purge").json()["purged"] == []

        assert sorted(c.post(f"/v1/documents/{doc_id}/restore").json()["restored"]) == [
            doc_id,
            child,
        ]
        assert sorted(d["id"] for d in c.get("/v1/documents").json()["documents"]) == [
            doc_id,
            child,
        ]
        assert c.post(f"/v1/documents/{doc_id}/restore").status_code == 409

        c.delete(f"/v1/documents/{doc_id}")
    # a server started with DOCINTEL_TRASH_DAYS=0 purges the trash as it starts
    later = api_settings.model_copy(update={"trash_days": 0})
    with serving(later) as served, served.client(token) as c:
        assert c.get("/v1/trash").json()["documents"] == []
        assert c.get(f"/v1/documents/{doc_id}").status_code == 404
        assert c.get(f"/v1/documents/{child}").status_code == 404
        assert not original.exists()
        assert c.post("/v1/trash/purge").json()["purged"] == []
