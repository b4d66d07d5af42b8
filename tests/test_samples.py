"""The README's first command on the bundled samples (made by `docintel dev samples`): each
sample shows what docintel finds in its kind of file, and the result says it."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from docintel.cli import app

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def test_each_sample_shows_what_docintel_finds_in_its_kind(embedded):
    files = sorted(str(p) for p in SAMPLES.iterdir())
    run = CliRunner().invoke(app, ["process", "--json", *files])
    assert run.exit_code == 0, run.output[-2000:]
    results = {r["document"]["name"]: r for r in json.loads(run.stdout)}
    assert all(r["document"]["status"] == "done" for r in results.values())

    def typed(name: str) -> tuple[str, dict[str, str]]:
        profile = results[name]["profile"] or {}
        fields = {k: v["value"] for k, v in (profile.get("fields") or {}).items()}
        return profile.get("doc_type", "other"), fields

    kind, fields = typed("invoice.pdf")
    assert kind == "invoice"
    assert (fields["invoice_number"], fields["due_date"]) == ("INV-2026-0117", "2026-12-02")
    assert (fields["total"], fields["currency"]) == ("5924.00", "EUR")  # on its second page
    assert fields["vendor"] == "Acme Industrial GmbH"
    items = results["invoice.pdf"]["profile"]["tables"]["line_items"]
    assert [i["amount"]["value"] for i in items] == [
        "980.00",
        "2480.00",
        "1020.00",
        "1134.00",
        "310.00",
    ]
    report = results["quarterly-report.pdf"]
    assert typed("quarterly-report.pdf")[0] == "other"  # a report: no profile of docintel's
    (figures,) = report["pages"][1]["tables"]
    assert figures["rows"][0] == ["Revenue (EUR million)", "4.55", "4.82", "+6%"]
    kind, fields = typed("receipt-scan.pdf")  # a scan: read by OCR
    assert kind == "receipt" and fields["merchant"] == "City Hardware"
    assert fields["total"] == "687.45"
    assert results["receipt-scan.pdf"]["pages"][0]["text_source"] == "tesseract"
    form = results["permit-form.pdf"]["pages"][0]["fields"]
    assert form == {"Applicant": "Maria Lopez", "Permit number": "PX-204417"}
    kind, fields = typed("meeting.ogg")
    said = " ".join(s["text"] or "" for s in results["meeting.ogg"]["segments"]).lower()
    assert kind == "meeting_recording" and "office move" in said
    assert "Laura Miller" in fields["attendees"]
    mail = results["mail-with-invoice.eml"]
    assert mail["document"]["kind"] == "mail" and typed("mail-with-invoice.eml")[0] == "other"
    assert [(c["name"], c["doc_type"]) for c in mail["children"]] == [("invoice.pdf", "invoice")]
    kind, fields = typed("contract.docx")
    assert kind == "contract" and fields["title"] == "SERVICES AGREEMENT"
    assert (fields["party_a"], fields["party_b"]) == ("Atlas Metalworks Inc", "Verdant Foods BV")
    members = {c["name"] for c in results["archive.zip"]["children"]}
    assert members == {"bins.csv", "note.txt"}
    assert results["shipments.csv"]["tables"] and results["budget.xlsx"]["tables"]
