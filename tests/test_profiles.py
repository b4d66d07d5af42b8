"""Document types and their fields: bundled and user profiles, CPU classification and
extraction on different layouts, checks, enums, typed queries on SQLite and PostgreSQL,
export read back, corrections, and re-extraction from the stored text alone."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from docintel.cli import app
from docintel.config import Settings, get_settings
from tests.helpers import process

ROOT = Path(__file__).resolve().parent.parent


def write_doc(path: Path, lines: list[str], table: list[list[str]] = (), after: list[str] = ()):  # type: ignore[assignment]
    """A digital one-page document: lines, an aligned table, closing lines."""
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page()
    y = 60
    for text in lines:
        page.insert_text((60, y), text, fontsize=11)
        y += 20
    y += 10
    for r, row in enumerate(table):
        for c, cell in enumerate(row):
            page.insert_text((60 + c * 120, y + r * 16), cell, fontsize=10)
    y += len(table) * 16 + 20
    for text in after:
        page.insert_text((60, y), text, fontsize=11)
        y += 20
    doc.save(path)
    return path


def us_invoice(path: Path, total: str = "$1,540.50") -> Path:
    return write_doc(
        path,
        ["Northwind Traders Ltd", "12 Harbour Road, Bristol", "INVOICE",
         "Invoice number: INV-2026-0193", "Invoice date: November 2, 2026",
         "Due date: December 2, 2026"],
        [["Description", "Qty", "Unit price", "Amount"],
         ["Consulting hours", "10", "$120.00", "$1,200.00"],
         ["Travel", "1", "$340.50", "$340.50"]],
        [f"Total due: {total}"],
    )  # fmt: skip


def german_invoice(path: Path) -> Path:
    return write_doc(
        path,
        ["Bergmann Buerobedarf GmbH", "Rechnung", "Rechnungsnummer: RE-77812",
         "Rechnungsdatum: 05.11.2026", "Zahlbar bis: 19.11.2026"],
        [["Artikel", "Menge", "Einzelpreis", "Betrag"],
         ["Papier A4", "5", "4,50 EUR", "22,50 EUR"],
         ["Toner", "1", "89,90 EUR", "89,90 EUR"]],
        ["Gesamtbetrag: 112,40 EUR"],
    )  # fmt: skip


def fields_of(result: dict) -> dict[str, str | None]:
    return {k: v["value"] for k, v in result["profile"]["fields"].items()}


def test_invoices_in_two_conventions_are_typed_and_read(embedded, tmp_path):
    us = process(us_invoice(tmp_path / "us.pdf"), embedded)
    de = process(german_invoice(tmp_path / "de.pdf"), embedded)
    assert us["profile"]["doc_type"] == de["profile"]["doc_type"] == "invoice"
    assert fields_of(us) == {
        "vendor": "Northwind Traders Ltd",
        "invoice_number": "INV-2026-0193",
        "issue_date": "2026-11-02",
        "due_date": "2026-12-02",
        "total": "1540.50",
        "currency": "USD",
    }
    assert us["profile"]["fields"]["total"]["currency"] == "USD"
    assert fields_of(de) == {
        "vendor": "Bergmann Buerobedarf GmbH",
        "invoice_number": "RE-77812",
        "issue_date": "2026-11-05",
        "due_date": "2026-11-19",
        "total": "112.40",
        "currency": "EUR",
    }
    items = de["profile"]["tables"]["line_items"]
    assert [(i["description"]["value"], i["amount"]["value"]) for i in items] == [
        ("Papier A4", "22.50"),
        ("Toner", "89.90"),
    ]
    assert all(f["valid"] for f in de["profile"]["fields"].values())
    total = us["profile"]["fields"]["total"]
    assert total["page"] == 1 and "Total due" in total["quote"]


def test_a_wrong_total_is_kept_and_flagged(embedded, tmp_path):
    result = process(us_invoice(tmp_path / "bad.pdf", total="$1,600.00"), embedded)
    total = result["profile"]["fields"]["total"]
    assert total["value"] == "1600.00" and total["valid"] is False
    assert "1540.50" in total["reason"]


def test_an_enum_value_outside_the_allow_list_is_never_stored(embedded, tmp_path):
    path = write_doc(
        tmp_path / "receipt.pdf",
        ["Corner Cafe", "RECEIPT", "Date: 03.11.2026", "Paid by: seashells", "Total: 7,80 EUR"],
    )
    result = process(path, embedded)
    assert result["profile"]["doc_type"] == "receipt"
    assert "payment_method" not in result["profile"]["fields"]
    assert fields_of(result)["total"] == "7.80"


def test_a_user_profile_from_the_folder_is_picked_up(embedded, tmp_path, monkeypatch):
    folder = tmp_path / "profiles"
    folder.mkdir()
    (folder / "delivery_note.yaml").write_text(
        "name: delivery_note\n"
        "description: Goods delivered to a site, signed on receipt.\n"
        "hints:\n  keywords: [delivery note, lieferschein, delivered to]\n"
        "fields:\n"
        "  - {name: note_number, type: string, required: true, labels: [Delivery note no]}\n"
        "  - {name: pallets, type: number, labels: [Pallets]}\n"
    )
    monkeypatch.setenv("DOCINTEL_PROFILES", str(folder))
    get_settings.cache_clear()
    path = write_doc(
        tmp_path / "dn.pdf",
        ["DELIVERY NOTE", "Delivery note no: DN-5531", "Delivered to: Dock 4", "Pallets: 12"],
    )
    result = process(path, get_settings())
    assert result["profile"]["doc_type"] == "delivery_note"
    assert fields_of(result) == {"note_number": "DN-5531", "pallets": "12"}
    listed = CliRunner().invoke(app, ["profiles", "--json"])
    names = [p["name"] for p in json.loads(listed.stdout)["profiles"]]
    assert "delivery_note" in names and "invoice" in names


def test_a_broken_profile_names_its_line_and_the_bundled_ones_carry_on(
    embedded, tmp_path, monkeypatch
):
    folder = tmp_path / "profiles"
    folder.mkdir()
    bad = folder / "bad.yaml"
    bad.write_text(
        "name: bad\nfields:\n  - name: total\n    type: currency\n  - name: kind\n    type: enum\n"
    )
    out = CliRunner().invoke(app, ["profiles", str(bad)])
    assert out.exit_code == 1
    assert "bad.yaml:4:" in out.stderr and "currency" in out.stderr
    assert "bad.yaml:5:" in out.stderr and "enum needs 'values'" in out.stderr
    monkeypatch.setenv("DOCINTEL_PROFILES", str(folder))
    get_settings.cache_clear()
    result = process(us_invoice(tmp_path / "us.pdf"), get_settings())
    assert result["profile"]["doc_type"] == "invoice"
    assert any("bad.yaml:4" in w for w in result["document"]["warnings"])


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_query_where_compares_amounts_and_dates(database, tmp_path, monkeypatch, request):
    from docintel import migrations

    url = (
        request.getfixturevalue("pg_url")
        if database == "postgresql"
        else f"sqlite:///{tmp_path / 'db.sqlite'}"
    )
    migrations.upgrade(url)
    monkeypatch.setenv("DOCINTEL_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DOCINTEL_DATABASE_URL", url)
    monkeypatch.setenv("DOCINTEL_BROKER_URL", "")
    get_settings.cache_clear()
    settings = Settings(home=tmp_path / "home", database_url=url, broker_url="")
    process(us_invoice(tmp_path / "us.pdf"), settings)
    process(german_invoice(tmp_path / "de.pdf"), settings)

    def names(*args: str) -> list[str]:
        out = CliRunner().invoke(app, ["query", "--json", *args])
        assert out.exit_code == 0, out.output
        return sorted(d["name"] for d in json.loads(out.stdout))

    assert names("--doc-type", "invoice") == ["de.pdf", "us.pdf"]
    assert names("--doc-type", "invoice", "--where", "total > 1000") == ["us.pdf"]
    assert names("--where", "total <= 112.40") == ["de.pdf"]
    assert names("--where", "due_date < 2026-12-01") == ["de.pdf"]
    assert names("--where", "due_date >= 2026-12-01", "--where", "total > 1000") == ["us.pdf"]
    assert names("--where", "invoice_number ~ re-77") == ["de.pdf"]
    bad = CliRunner().invoke(app, ["query", "--where", "total is big"])
    assert bad.exit_code == 2 and "FIELD OP VALUE" in bad.stderr
    get_settings.cache_clear()


def test_export_csv_and_xlsx_read_back(embedded, tmp_path):
    import openpyxl

    process(us_invoice(tmp_path / "us.pdf"), embedded)
    process(german_invoice(tmp_path / "de.pdf"), embedded)
    out = CliRunner().invoke(
        app,
        ["export", "--doc-type", "invoice", "--format", "csv", "--out", str(tmp_path / "i.csv")],
    )
    assert out.exit_code == 0, out.output
    with (tmp_path / "i.csv").open() as fh:
        rows = {r["name"]: r for r in csv.DictReader(fh)}
    assert rows["us.pdf"]["total"] == "1540.50" and rows["us.pdf"]["total_currency"] == "USD"
    with (tmp_path / "i-items.csv").open() as fh:
        assert len(list(csv.DictReader(fh))) == 4
    out = CliRunner().invoke(
        app,
        ["export", "--doc-type", "invoice", "--format", "xlsx", "--out", str(tmp_path / "i.xlsx")],
    )
    assert out.exit_code == 0, out.output
    book = openpyxl.load_workbook(tmp_path / "i.xlsx")
    header, *docs = list(book["documents"].values)
    totals = sorted(row[header.index("total")] for row in docs)
    assert totals == [112.4, 1540.5]  # numbers a sheet can add up
    items_header, *items = list(book["items"].values)
    assert len(items) == 4 and "description" in items_header


def test_a_correction_is_kept_beside_the_machine_value_and_queried(embedded, tmp_path):
    result = process(us_invoice(tmp_path / "us.pdf"), embedded)
    doc_id = str(result["document"]["id"])
    out = CliRunner().invoke(app, ["set", doc_id, "invoice_number=INV-2026-0199"])
    assert out.exit_code == 0, out.output
    shown = json.loads(CliRunner().invoke(app, ["show", doc_id, "--json"]).stdout)
    field = shown["profile"]["fields"]["invoice_number"]
    assert field["value"] == "INV-2026-0199" and field["machine_value"] == "INV-2026-0193"
    found = CliRunner().invoke(
        app, ["query", "--json", "--where", "invoice_number = inv-2026-0199"]
    )
    assert [d["name"] for d in json.loads(found.stdout)] == ["us.pdf"]
    assert any(e["step"].startswith("correction:") for e in shown["audit"])
    # the user's corrections are a truth the bench scores the engine against
    scored = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "profiles.py"), "--truth", "corrections"],
        capture_output=True,
        text=True,
        env={**os.environ, "DOCINTEL_HOME": str(embedded.home)},
    )
    assert scored.returncode == 0, scored.stderr
    assert "1 reviewed document(s)" in scored.stdout
    invoice = next(ln for ln in scored.stdout.splitlines() if ln.startswith("invoice"))
    precision, recall = (float(x) for x in invoice.split()[1:3])
    assert 0.5 < precision < 1 and 0.5 < recall < 1  # one field of several was wrong
    assert "'INV-2026-0193' != 'INV-2026-0199'" in scored.stdout


def test_a_label_that_starts_a_sentence_is_not_a_label(embedded):
    """The README's sample invoice: "from the operating costs ..." in its prose is not the
    vendor; the letterhead's name is (before its address), not the "Billed to:" line."""
    fields = process(ROOT / "samples" / "invoice.pdf", embedded)["profile"]["fields"]
    assert fields["vendor"]["value"] == "Acme Industrial GmbH"
    assert fields["invoice_number"]["value"] == "INV-2026-0117"


def test_reextract_uses_the_stored_text_only(embedded, tmp_path, monkeypatch):
    """After a profile changes, reextract reclassifies from the stored content: the
    originals are gone from the archive, so no page or recording can have been read."""
    result = process(us_invoice(tmp_path / "us.pdf"), embedded)
    assert result["profile"]["doc_type"] == "invoice"
    Path(result["document"]["archive_path"]).unlink()
    folder = tmp_path / "profiles"
    folder.mkdir()
    (folder / "consulting.yaml").write_text(
        "name: consulting_bill\ndescription: Hours of consulting billed.\n"
        "hints:\n  titles: [invoice]\n"
        "  keywords: [consulting hours, consulting, northwind traders, travel, invoice]\n"
        "fields:\n  - {name: total, type: money, required: true, labels: [Total due]}\n"
    )
    # the user's own 'invoice' replaces the bundled one: only a freight bill is one now
    (folder / "invoice.yaml").write_text(
        "name: invoice\ndescription: A freight bill.\n"
        "hints:\n  titles: [freight bill]\n  keywords: [bill of lading]\n"
        "fields:\n  - {name: carrier, type: string, labels: [Carrier]}\n"
    )
    monkeypatch.setenv("DOCINTEL_PROFILES", str(folder))
    get_settings.cache_clear()
    out = CliRunner().invoke(app, ["reextract", "--json"])
    assert out.exit_code == 0, out.output
    (changed,) = json.loads(out.stdout)
    assert (changed["before"], changed["after"]) == ("invoice", "consulting_bill")
    shown = json.loads(CliRunner().invoke(app, ["show", str(changed["id"]), "--json"]).stdout)
    assert shown["profile"]["doc_type"] == "consulting_bill"
    assert fields_of(shown) == {"total": "1540.50"}
    assert os.path.exists(result["document"]["archive_path"]) is False


def test_where_the_words_evidence_no_type_the_description_decides():
    """A meeting's transcript that never says "meeting", "minutes" or "action items" is
    still a meeting (its opening is most like that profile's description, by the bundled
    embedder); a recipe is like no profile and stays "other"."""
    from docintel.config import Settings
    from docintel.models.embedding import embedder_for
    from docintel.pipeline.profiles.classify import classify
    from docintel.pipeline.profiles.spec import load_profiles
    from docintel.pipeline.types import DocumentContent, Segment

    profiles = load_profiles(None)
    embed = embedder_for(Settings(embedding_model="")).embed  # the MiniLM the package carries
    said = [
        "Anna, Ben and Carla are on the call today.",
        "We agree to move the product launch to March.",
        "Ben will send the revised budget by Friday and Carla books the venue.",
    ]
    talk = DocumentContent(
        "call.wav",
        segments=[Segment(i, i * 5.0, i * 5.0 + 4, text=t) for i, t in enumerate(said)],
    )
    by_words = classify(talk, profiles, "audio")
    assert by_words.doc_type == "other"  # no keyword of the profile is said
    found = classify(talk, profiles, "audio", embed)
    assert found.doc_type == "meeting_recording", found
    assert found.evidence[0].startswith("similar to the meeting_recording profile")
    recipe = DocumentContent(
        "cake.wav",
        segments=[Segment(0, 0.0, 6.0, text="Preheat the oven, mix flour, sugar and eggs.")],
    )
    assert classify(recipe, profiles, "audio", embed).doc_type == "other"


def test_spoken_labels_take_the_rest_of_the_sentence():
    """In a transcript "We decided to move the launch to March" is the decision (a written
    page's "from the operating costs ..." is prose, but a spoken label is followed by it)."""
    from docintel.pipeline.profiles.rules import extract_fields
    from docintel.pipeline.profiles.spec import load_profiles
    from docintel.pipeline.types import DocumentContent, Segment

    said = (
        "This is the call about the spring launch. Attendee Anna Weber, Ben Ortiz and Carla "
        "Lee. We decided to move the launch to the third of March. Action item, Ben Ortiz "
        "will send the revised budget by the 12th of December. And action item: Carla Lee to "
        "book the venue before January 5th."
    )
    talk = DocumentContent("call.wav", segments=[Segment(0, 0.0, 25.0, text=said)])
    fields = {f.field: f for f in extract_fields(load_profiles(None)["meeting_recording"], talk)}
    assert fields["decisions"].value == "move the launch to the third of March"
    assert fields["decisions"].seconds == 0.0
    assert fields["attendees"].value == "Anna Weber, Ben Ortiz and Carla Lee"
    # action items said aloud: owner before "will"/"to", due date after "by"/"before" (a
    # date said without its year is the nearest such day)
    items = [
        (f.row, f.column, f.normalized)
        for f in extract_fields(load_profiles(None)["meeting_recording"], talk)
        if f.field == "action_items"
    ]
    rows = {r: {c: v for r2, c, v in items if r2 == r} for r, _, _ in items}
    assert rows[1]["owner"] == "Ben Ortiz" and rows[1]["action"] == "send the revised budget"
    assert rows[1]["due_date"][5:] == "12-12" and rows[2]["due_date"][5:] == "01-05"
    assert rows[2]["owner"] == "Carla Lee" and rows[2]["action"] == "book the venue"


def test_a_sentence_cut_by_a_window_is_read_whole_and_a_spoken_label_types_the_recording():
    """A recogniser closes each window with a full stop; the item said across the cut is
    one row, a label said as a sentence of its own ("Next step, action item.") heads the
    next one, and labels followed by pauses ("participants, ...") are evidence of the type."""
    from docintel.pipeline.profiles.classify import classify
    from docintel.pipeline.profiles.rules import extract_fields
    from docintel.pipeline.profiles.spec import load_profiles
    from docintel.pipeline.types import DocumentContent, Segment

    talk = DocumentContent(
        "call.wav",
        segments=[
            Segment(
                0,
                0.0,
                20.0,
                text="Welcome everybody, topic, the office move, participants, "
                "Ann Lee and Bo Kim, decision, sign the lease, task, Ann Lee is going,",
            ),
            Segment(
                1,
                20.0,
                29.0,
                text="to call the landlord before June 7. Next step, action "
                "item. Bo Kim will order the new laptops...",
            ),
            Segment(2, 29.0, 35.0, text="on the 3rd of May. Thanks everyone."),
        ],
    )
    profiles = load_profiles(None)
    assert classify(talk, profiles, "audio").doc_type == "meeting_recording"
    fields = extract_fields(profiles["meeting_recording"], talk)
    rows: dict[int, dict[str, str]] = {}
    for f in fields:
        if f.field == "action_items":
            rows.setdefault(f.row or 0, {})[f.column or ""] = f.normalized or ""
    assert (
        rows[1]
        == {"action": "call the landlord", "owner": "Ann Lee", "due_date": rows[1]["due_date"]}
        and rows[1]["due_date"][5:] == "06-07"
    )
    assert rows[2]["owner"] == "Bo Kim" and rows[2]["action"] == "order the new laptops"
    assert rows[2]["due_date"][5:] == "05-03"
    assert rows[2] and fields[0].seconds is not None


def spoken_rows(said: str) -> list[tuple[str | None, str | None, str]]:
    """(owner, action, due MM-DD) of each action item the meeting profile's rules read in a
    transcript of one segment saying ``said``."""
    from docintel.pipeline.profiles.rules import extract_fields
    from docintel.pipeline.profiles.spec import load_profiles
    from docintel.pipeline.types import DocumentContent, Segment

    talk = DocumentContent("call.wav", segments=[Segment(0, 0.0, 25.0, text=said)])
    rows: dict[int, dict[str, str]] = {}
    for f in extract_fields(load_profiles(None)["meeting_recording"], talk):
        if f.field == "action_items":
            rows.setdefault(f.row or 0, {})[f.column or ""] = f.normalized or ""
    return sorted(
        (r.get("owner"), r.get("action"), (r.get("due_date") or "")[5:]) for r in rows.values()
    )


def test_an_item_said_without_its_label_is_a_row_by_its_shape():
    """The recogniser mishears "action item" ("and that should item") and runs sentences on
    with commas; a clause with a named owner and a due date is still a row, and one whose
    subject is a pronoun or that has no date is not."""
    assert spoken_rows(
        "Topic, the office move. Decision, we sign the new lease, and that should item, "
        "David Brown will order the new laptops until the 11th of September. We will meet "
        "again by the 20th of September. Emma Wilson will think about it. Emma Wilson will "
        "call the landlord by the 3rd of January."
    ) == [
        ("David Brown", "order the new laptops", "09-11"),
        ("Emma Wilson", "call the landlord", "01-03"),
    ]


def test_a_due_date_said_in_a_clause_of_its_own_is_the_items_due_date():
    """A "by" left out or misheard ("I August 11") and the next sentence run on: the date in
    a clause of its own is the due date, and what follows it is not the item's text. A
    clause that is more than a date ("I must say") is not one."""
    assert spoken_rows(
        "Topic, the annual budget. Action: Sarah Jones to send the revised budget, I August "
        "11, thanks everyone, talk soon. Action item: Peter Smith will book the meeting room, "
        "the ninth of October. Action item: Emma Wilson will call the landlord, I must say, "
        "soon."
    ) == [
        ("Emma Wilson", "call the landlord, I must say, soon", ""),
        ("Peter Smith", "book the meeting room", "10-09"),
        ("Sarah Jones", "send the revised budget", "08-11"),
    ]


def test_dates_said_without_a_year_or_with_ordinals():
    from datetime import date

    from docintel.pipeline.profiles.values import parse_date

    today = date(2026, 11, 29)
    said = {
        "by the 12th of December": "2026-12-12",
        "the third of March": "2027-03-03",  # nearer than March 2026
        "the twenty-first of June 2026": "2026-06-21",
        "March 3rd": "2027-03-03",
        "am 3. März": "2027-03-03",
        "by the end of October": "2026-10-31",  # nearer than October 2027
        "bis Ende Februar": "2027-02-28",
        "the end of June 2028": "2028-06-30",
    }
    for text, iso in said.items():
        found = parse_date(text, today=today)
        assert found is not None and found.normalized == iso, (text, found)
    for text in ("you may 5 times", "the 31st of February", "in march we met", "the end of it"):
        assert parse_date(text, today=today) is None, text


def test_a_long_document_is_typed_from_its_opening_pages_and_rows():
    """Typing read every page of a 500-page report with every profile's labels (5 ms a
    page); it reads the opening: the first pages and a sheet's first rows. An invoice of 40
    pages is still an invoice by its first page; what page 30 says does not type it."""
    from docintel.pipeline.profiles.classify import OPENING_PAGES, OPENING_ROWS, classify, opening
    from docintel.pipeline.profiles.spec import load_profiles
    from docintel.pipeline.types import DocumentContent, PageResult, TableData

    profiles = load_profiles(None)
    head = (
        "INVOICE\nInvoice number: INV-4410\nInvoice date: 2026-03-01\nDue date: 2026-03-31\n"
        "Vendor: Harbor Compliance Partners Ltd"
    )
    filler = "The warehouse stock was counted by bay and shelf, as every quarter."
    pages = [PageResult(1, "done", markdown=head)]
    pages += [PageResult(n, "done", markdown=filler) for n in range(2, 41)]
    pages[29] = PageResult(30, "done", markdown="RECEIPT\nMerchant: City Hardware\nTotal: 9.99")
    long_invoice = DocumentContent("invoice.pdf", pages=pages)
    assert classify(long_invoice, profiles, "pdf").doc_type == "invoice"
    assert [p.page for p in opening(long_invoice).pages] == list(range(1, OPENING_PAGES + 1))
    sheet = TableData(["sku", "qty"], [[f"S{i}", str(i)] for i in range(5000)])
    book = DocumentContent("stock.csv", tables=[sheet])
    assert len(opening(book).sheets[0].rows) == OPENING_ROWS and len(sheet.rows) == 5000
    short = DocumentContent("note.pdf", pages=pages[:3])
    assert opening(short) is short  # nothing cut, nothing copied


def test_profile_vectors_survive_the_cache_filling_up():
    """The cache of profile vectors is emptied when full; a call that fills it still gets
    every vector it asked for (before, the 257th distinct text emptied the cache in the
    middle of the call, and reading back its own vectors raised KeyError: embedded `up`
    failed documents after ~250 files), and the profiles' descriptions are embedded again
    only after the cache was emptied."""
    from docintel.worker import profiles as worker_profiles

    class Counting:
        name = "counting"

        def __init__(self) -> None:
            self.asked: list[str] = []

        def embed(self, texts: list[str]) -> list[list[float]]:
            self.asked += texts
            return [[float(len(t)), float(sum(map(ord, t)))] for t in texts]

    worker_profiles._VECTORS.clear()
    embedder = Counting()
    descriptions = [f"profile {i} description" for i in range(7)]
    for n in range(300):
        texts = [f"opening of document {n}", *descriptions]
        assert worker_profiles.kept_vectors(embedder, texts) == Counting().embed(texts)
    fills = 300 // (worker_profiles.KEPT_VECTORS - len(descriptions)) + 1
    assert embedder.asked.count(descriptions[0]) <= fills
    worker_profiles._VECTORS.clear()


def test_a_label_not_said_is_not_looked_for_with_a_pattern_of_its_own(monkeypatch):
    """A transcript is typed against every profile's labels (~700): each label's pattern
    was compiled anew for each (more than re's cache holds), 0.25 s of a 20 s recording's
    typing. A label that is not in the transcript at all is told apart by a substring test;
    the labels said are found as before."""
    import re as real_re

    from docintel.pipeline.profiles import load_profiles, spoken

    searched: list[str] = []

    class Counting:
        def __getattr__(self, name: str) -> object:
            return getattr(real_re, name)

        def search(self, pattern: str, text: str, *args: object) -> object:
            searched.append(pattern)
            return real_re.search(pattern, text, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(spoken, "re", Counting())
    labels = {
        label
        for profile in load_profiles().values()
        for spec in profile.fields
        for label in (spec.columns[0].labels if spec.columns else spec.labels)
    }
    said = "the spring launch. participants, laura miller and tom. attendees are the sales team."
    found = {label.lower() for label in labels if spoken.spoken_label(label, said)}
    assert found == {"participants", "attendees"}
    assert len(labels) > 100 and len(searched) == len({lb for lb in labels if lb.lower() in said})
