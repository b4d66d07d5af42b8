"""The whole workflow in the embedded mode: real files, real PyMuPDF, real SQLite."""

import json
import random

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from docintel.cli import app
from docintel.store.db import session_scope
from docintel.store.schema import DocTable, Document, Page, StepRun
from docintel.testkit.samples import (
    PdfSpec,
    invoice_grid,
    text_pdf_spec,
    write_csv,
    write_encrypted_pdf,
    write_pdf,
    write_truncated_pdf,
    write_xlsx,
)
from docintel.worker.runtime import injected
from tests.helpers import cell_f1, process


def test_digital_pdf_pages_and_table(embedded, tmp_path):
    rng = random.Random(1)
    spec = text_pdf_spec(rng, 3, with_table=True)
    result = process(write_pdf(tmp_path / "report.pdf", spec), embedded)
    assert result["document"]["status"] == "done", result["document"]["error"]
    assert result["document"]["media_type"] == "application/pdf"
    assert [p["text_source"] for p in result["pages"]] == ["text_layer"] * 3
    assert spec.pages[1][:40] in result["pages"][1]["markdown"].replace("\n", " ")
    (table,) = result["pages"][0]["tables"]
    assert [table["headers"]] + table["rows"] == spec.tables[0]
    assert "<!-- page 3 -->" in result["markdown"]
    assert result["extraction"]["status"] == "complete"
    assert result["extraction"]["engine"] == "rules"
    assert {e["step"] for e in result["audit"]} >= {"route", "merge", "agent", "finalize"}


def test_table_cell_f1_on_tables_of_known_content(embedded, tmp_path):
    """Cells like '40,900' or 'Unit price' must come back whole, in order, in place."""
    rng = random.Random(42)
    scores = []
    for i in range(8):
        grid = invoice_grid(rng, rows=rng.randint(2, 8))
        grid[1][1] = "40,900"
        path = write_pdf(tmp_path / f"t{i}.pdf", PdfSpec(["Invoice lines"], {0: grid}))
        result = process(path, embedded)
        tables = result["pages"][0]["tables"]
        found = [tables[0]["headers"]] + tables[0]["rows"] if tables else []
        scores.append(cell_f1(grid, found))
    mean = sum(scores) / len(scores)
    assert mean >= 0.99, scores


def test_csv_and_xlsx_become_tables(embedded, tmp_path):
    grid = [
        ["date", "amount", "note"],
        ["2026-01-02", "12.50", "taxi, airport"],
        ["2026-01-03", "40,900", "laptop"],
    ]
    csv_result = process(write_csv(tmp_path / "x.csv", grid), embedded)
    (table,) = csv_result["tables"]
    assert [table["headers"]] + table["rows"] == grid
    semi = process(write_csv(tmp_path / "y.csv", grid, delimiter=";"), embedded)
    assert [semi["tables"][0]["headers"]] + semi["tables"][0]["rows"] == grid

    book = write_xlsx(
        tmp_path / "b.xlsx",
        {"costs": [["centre", "budget"], ["IT", 64000], ["Ops", 98500.5]], "empty": []},
    )
    result = process(book, embedded)
    assert result["document"]["status"] == "done"
    (sheet,) = result["tables"]
    assert sheet["sheet"] == "costs"
    assert sheet["rows"] == [["IT", "64000"], ["Ops", "98500.5"]]


@pytest.mark.parametrize(
    "make, needle",
    [
        (lambda p: write_encrypted_pdf(p), "password-protected"),
        (lambda p: p.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 20), "damaged PDF"),
        (lambda p: p.write_bytes(b""), "empty"),
        (lambda p: p.write_bytes(b"MZ\x90\x00" + b"\x00" * 500), "Windows executable"),
    ],
    ids=["encrypted", "corrupt", "empty", "renamed-exe"],
)
def test_bad_files_fail_with_a_reason_and_keep_the_original(embedded, tmp_path, make, needle):
    path = tmp_path / "bad.pdf"
    make(path)
    result = process(path, embedded)
    doc = result["document"]
    assert doc["status"] == "failed"
    assert needle in doc["error"]
    from pathlib import Path

    assert Path(doc["archive_path"]).read_bytes() == path.read_bytes()
    # and the pipeline goes on with the next document
    ok = process(write_pdf(tmp_path / "ok.pdf", text_pdf_spec(random.Random(3), 1)), embedded)
    assert ok["document"]["status"] == "done"


def test_jpeg_named_pdf_is_routed_as_an_image(embedded, tmp_path):
    import pymupdf

    pix = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 64, 64), False)
    path = tmp_path / "scan.pdf"
    path.write_bytes(pix.tobytes("jpg"))
    result = process(path, embedded)
    assert result["document"]["media_type"] == "image/jpeg"
    assert result["document"]["status"] == "done"
    assert result["pages"][0]["text_source"] == "tesseract"  # read as the image it is


def test_truncated_pdf_is_processed_in_part_and_names_lost_pages(embedded, tmp_path):
    result = process(write_truncated_pdf(tmp_path / "cut.pdf", pages=6, keep=0.55), embedded)
    doc = result["document"]
    assert doc["status"] == "done"
    warning = doc["warnings"][0]
    assert "pages lost: 5-6" in warning
    statuses = {p["page"]: p["status"] for p in result["pages"]}
    assert statuses[1] == statuses[2] == statuses[3] == "done"
    assert statuses[5] == statuses[6] == "failed"


def test_page_without_text_layer_goes_to_the_page_step(embedded, tmp_path):
    import pymupdf

    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "A digital page with plenty of text on it, enough.")
    doc.new_page()  # nothing: a scan without OCR looks like this to the text layer
    doc.save(tmp_path / "mixed.pdf")
    result = process(tmp_path / "mixed.pdf", embedded)
    assert [p["text_source"] for p in result["pages"]] == ["text_layer", "tesseract"]
    assert result["pages"][1]["kind"] == "blank"
    assert result["pages"][1]["decision"].startswith("no text layer; read by Tesseract")


def _tasks(settings):
    """The in-process app for ``settings``, its tasks registered."""
    from docintel.worker.app import app_for

    app = app_for(settings)
    app.loader.import_default_modules()
    return app


def test_steps_are_idempotent(embedded, tmp_path):
    """A task delivered twice writes once."""
    result = process(
        write_pdf(tmp_path / "a.pdf", text_pdf_spec(random.Random(5), 4, True)), embedded
    )
    sha = result["document"]["sha256"]
    with session_scope(embedded.db_url) as s:
        doc = s.scalar(select(Document).where(Document.sha256 == sha))
        doc.status = "processing"  # as if the worker died before finishing
    app = _tasks(embedded)
    with injected(embedded):
        for name in ("docintel.route", "docintel.merge", "docintel.agent", "docintel.finalize"):
            app.tasks[name].apply(args=[sha])
    with session_scope(embedded.db_url) as s:
        doc = s.scalar(select(Document).where(Document.sha256 == sha))
        assert doc.status == "done"
        assert (
            s.scalar(select(func.count()).select_from(Page).where(Page.document_id == doc.id)) == 4
        )
        assert (
            s.scalar(
                select(func.count()).select_from(DocTable).where(DocTable.document_id == doc.id)
            )
            == 1
        )


def test_poison_document_fails_after_max_attempts(embedded, tmp_path):
    """A step that never finishes (its worker killed each time) is not retried forever."""
    from docintel.watcher.ingest import ingest

    taken = ingest(write_pdf(tmp_path / "p.pdf", text_pdf_spec(random.Random(9), 1)), embedded)
    with session_scope(embedded.db_url) as s:
        s.add(StepRun(document_id=taken.document_id, step="route", attempts=embedded.max_attempts))
    app = _tasks(embedded)
    with injected(embedded):
        app.tasks["docintel.route"].apply(args=[taken.sha256])
    with session_scope(embedded.db_url) as s:
        doc = s.get(Document, taken.document_id)
        assert doc.status == "failed"
        assert "gave up" in doc.error and "route" in doc.error


def test_unexpected_errors_are_retried_then_recorded(embedded, tmp_path):
    """An engine that raises (a crashed runtime) is retried with backoff, then the document
    fails with the error; the engine is injected, nothing is patched."""
    from docintel.testkit.forcing import FailingEngine

    engine = FailingEngine(message="the model runtime exploded")
    path = write_pdf(tmp_path / "e.pdf", text_pdf_spec(random.Random(4), 1))
    result = process(path, embedded, engine)
    assert engine.calls == embedded.max_attempts  # the agent step's tool loop, each try
    assert result["document"]["status"] == "failed"
    assert "the model runtime exploded" in result["document"]["error"]
    assert "step 'agent' failed" in result["document"]["error"]


def test_process_json_is_the_one_result_format(embedded, tmp_path, monkeypatch):
    from docintel.cli import app

    monkeypatch.chdir(tmp_path)
    good = write_pdf(tmp_path / "g.pdf", text_pdf_spec(random.Random(8), 2, True))
    bad = tmp_path / "b.pdf"
    bad.write_bytes(b"")
    run = CliRunner().invoke(app, ["process", "--json", str(good), str(bad)])
    assert run.exit_code == 1  # one file failed
    results = json.loads(run.stdout)
    assert [r["document"]["status"] for r in results] == ["done", "failed"]
    for r in results:
        assert set(r) >= {"document", "pages", "segments", "extraction", "audit"}
        assert set(r["document"]) >= {
            "id",
            "sha256",
            "name",
            "media_type",
            "status",
            "error",
            "warnings",
            "attempts",
        }
    page = results[0]["pages"][0]
    assert set(page) >= {"page", "text_source", "markdown", "tables", "fields"}
    assert set(page["tables"][0]) >= {"headers", "rows", "caption"}
    single = CliRunner().invoke(app, ["process", "--json", str(good)])
    assert single.exit_code == 0 and json.loads(single.stdout)["document"]["status"] == "done"


def test_unruled_table_on_a_digital_page_keeps_cells_whole(embedded, tmp_path):
    """Columns aligned with spaces, no ruling lines, as exported reports look: the table is
    found, each value whole ('$ 10.000,00', '20-27083460-5'), the prose around it kept."""
    import pymupdf

    grid = [
        ["Account", "Holder", "Tax id", "Balance"],
        ["1001", "Rivera SA", "20-27083460-5", "$ 10.000,00"],
        ["1002", "Ortiz Hnos", "30-71234567-1", "$ 2.350,50"],
        ["1003", "La Plata SRL", "33-69345023-9", "$ 987,25"],
    ]
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 72), "Balances exported from the ledger at period close.", fontsize=10)
    for r, row in enumerate(grid):
        for x, cell in zip((72, 140, 260, 400), row, strict=True):
            page.insert_text((x, 110 + 15 * r), cell, fontsize=9)
    page.insert_text((72, 190), "Figures are unaudited.", fontsize=10)
    doc.save(tmp_path / "balances.pdf")
    result = process(tmp_path / "balances.pdf", embedded)
    (page_row,) = result["pages"]
    (table,) = page_row["tables"]
    assert [table["headers"], *table["rows"]] == grid
    text = page_row["markdown"]
    assert text.index("Balances exported") < text.index("| Account") < text.index("unaudited")
    assert "Rivera SA\n" not in text  # the rows are not repeated as loose lines


def test_unruled_columns_are_found_where_the_gaps_run_down_the_table(tmp_path):
    """As in a real donors' list (tabula-py's campaign_donors.pdf): a surname that runs into
    the next column in two rows does not join the two columns (and where it ends before its
    name, the name, starting where every name starts, is the next column's), and 'Fecha'
    and 'Tipo', spaced a little closer than a cell's gap but at the same place in every
    row, are two columns; '$ 10.000,00' stays one cell."""
    import pymupdf

    from docintel.pipeline.route.pdf_tables import aligned_tables, line_cells, visual_lines

    names = ["MENA", "MOLLE", "PERAZZO", "PICARDI", "PISONI", "REMON", "SPATOLA", "TAILHADE"]
    grid = [["Apellido", "Nombre", "Fecha", "Tipo", "Importe"]]
    grid += [[n, "JUAN PABLO", "09/10/2013", "EFECTIVO", "$ 10.000,00"] for n in names]
    grid += [["VALSANGIACOMO BLANCO", "FERNANDO", "09/10/2013", "EFECTIVO", "$ 5.000,00"]]
    grid += [["GRANILLO FERNANDE", "JUAN", "09/10/2013", "EFECTIVO", "$ 20.000,00"]]
    doc = pymupdf.open()
    page = doc.new_page()
    for r, row in enumerate(grid):
        y = 100 + 12 * r
        for x, cell in zip((48, 150, 260, 318, 400), row, strict=True):
            page.insert_text((x, y), cell, fontsize=9)
    words = page.get_text("words")
    cells = [line_cells(ws) for _, _, ws in visual_lines(words)]
    # what makes it hard: per line, a long surname and its name are one cell; every row's
    # date and type, 15 pt apart (less than a line's height and a fifth), are two cells only
    # since a gap of four of the words' own spaces ends a cell
    assert "VALSANGIACOMO BLANCO FERNANDO" in [c[2] for c in cells[9]]
    assert "GRANILLO FERNANDE JUAN" in [c[2] for c in cells[10]]
    assert all({"09/10/2013", "EFECTIVO"} <= {c[2] for c in line} for line in cells[1:])
    (table,) = aligned_tables(words)
    found = [table.headers, *table.rows]
    assert found[:9] == grid[:9]
    # a surname drawn over the start of its name keeps its words together, in order, in
    # one of the two columns
    row, want = found[9], grid[9]
    assert row[2:] == want[2:] and "" in row[:2]
    assert " ".join(row[:2]).split() == " ".join(want[:2]).split()
    # one that ends 4.5 pt before it, closer than a cell's gap, is a cell of its own: the name
    # starts where every name starts (before, the two were one cell)
    assert found[10] == grid[10]


@pytest.mark.parametrize("gap", [2, 40])
def test_ruled_grid_header_above_its_lines_or_inside_them(tmp_path, gap):
    """A header printed just above a ruled grid is the table's header (PyMuPDF's header
    finder is asked); prose well above the grid leaves the top row as the header, and the
    finder need not be asked. Both give the same table as PyMuPDF's own answer."""
    import pymupdf

    from docintel.pipeline.route.pdf import reading_order
    from docintel.pipeline.route.pdf_tables import ruled_tables

    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 60), "Stock counted at the depot on Friday.", fontsize=10)
    top = 140
    if gap == 2:
        for c, name in enumerate(["Item", "Qty", "Bin"]):
            page.insert_text((80 + c * 120, top - gap), name, fontsize=10)
    rows = [[f"r{r}c{c}" for c in range(3)] for r in range(4)]
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            x, y = 72 + c * 120, top + r * 20
            page.draw_rect(pymupdf.Rect(x, y, x + 120, y + 20))
            page.insert_text((80 + c * 120, top + 14 + r * 20), cell, fontsize=10)
    words = reading_order(page.get_text("words"))
    (table,) = ruled_tables(page, words)
    (theirs,) = page.find_tables(use_layout=False).tables
    if gap == 2:
        assert theirs.header.external and table.headers == ["Item", "Qty", "Bin"]
        assert table.rows == rows
    else:
        assert not theirs.header.external and table.headers == rows[0]
        assert table.rows == rows[1:]


def test_filled_acroform_values_become_fields_without_glyphs(embedded, tmp_path):
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 90), "Full name:", fontsize=11)
    name = pymupdf.Widget()
    name.field_type, name.field_name = pymupdf.PDF_WIDGET_TYPE_TEXT, "Text1"
    name.rect, name.field_value = pymupdf.Rect(150, 76, 350, 94), "Jane Doe"
    page.add_widget(name)
    for y, label, ticked in ((118, "Agree to terms", True), (148, "Newsletter", False)):
        box = pymupdf.Widget()
        box.field_type, box.field_name = pymupdf.PDF_WIDGET_TYPE_CHECKBOX, label
        box.rect, box.field_value = pymupdf.Rect(72, y, 86, y + 14), ticked
        page.add_widget(box)
        page.insert_text((92, y + 11), label, fontsize=11)
    combo = pymupdf.Widget()
    combo.field_type, combo.field_name = pymupdf.PDF_WIDGET_TYPE_COMBOBOX, "Country"
    combo.choice_values, combo.field_value = ["Spain", "France"], "France"
    combo.rect = pymupdf.Rect(150, 180, 300, 198)
    page.add_widget(combo)
    doc.save(tmp_path / "claim.pdf")
    (page_row,) = process(tmp_path / "claim.pdf", embedded)["pages"]
    assert page_row["fields"] == {
        "Full name": "Jane Doe",  # a machine's field name: labelled by the text beside it
        "Agree to terms": "yes",
        "Newsletter": "no",
        "Country": "France",
    }
    words = page_row["markdown"].split()
    assert "3" not in words and "4" not in words  # no ZapfDingbats check glyph as text
    assert "Full name: Jane Doe" in page_row["markdown"]


def test_an_aligned_table_right_below_label_value_lines_is_found(embedded, tmp_path):
    """'Label     value' lines with wide gaps right above an aligned table do not share its
    columns; the table is still found, whole."""
    from docintel.testkit.profile_samples import purchase_order, write_sample

    sample = purchase_order(random.Random(8), 2)  # wide gaps, German labels
    (page,) = process(write_sample(sample, tmp_path / "po.pdf"), embedded)["pages"]
    grids = [[t["headers"], *t["rows"]] for t in page["tables"]]
    assert sample.table in grids, grids


def test_a_retry_by_hand_keeps_each_attempt_s_audit_trail_apart(embedded, tmp_path):
    """The first attempt's route event and error stay as they were, under attempt 1; the
    retry's own events are attempt 2, and none overwrites the other."""
    first = process(write_encrypted_pdf(tmp_path / "locked.pdf"), embedded)
    doc_id = first["document"]["id"]
    (route_1,) = [e for e in first["audit"] if e["step"] == "route"]
    assert route_1["status"] == "error" and {e["attempt"] for e in first["audit"]} == {1}

    retried = CliRunner().invoke(app, ["retry", str(doc_id)])
    assert retried.exit_code == 0, retried.output
    shown = CliRunner().invoke(app, ["show", str(doc_id), "--json"])
    audit = json.loads(shown.stdout)["audit"]
    assert [e for e in audit if e["attempt"] == 1] == first["audit"]  # untouched
    routes = [(e["attempt"], e["status"]) for e in audit if e["step"] == "route"]
    assert routes == [(1, "error"), (2, "error")]
    assert [e["attempt"] for e in audit] == sorted(e["attempt"] for e in audit)
    timeline = CliRunner().invoke(app, ["show", str(doc_id), "--audit"], env={"COLUMNS": "200"})
    assert "attempt 1 (before a retry)" in timeline.output
    assert "attempt 2 (the latest)" in timeline.output
