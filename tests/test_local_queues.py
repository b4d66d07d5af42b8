"""The local queues of the embedded `docintel up` (worker.local): files worked side by side up
to the cores, light work never behind OCR, the same results as one file after another."""

from __future__ import annotations

import random
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from docintel import migrations
from docintel.config import Settings, get_settings
from docintel.store.db import session_scope
from docintel.store.queries import document_result
from docintel.store.schema import Document, StepRun
from docintel.testkit.page_samples import scanned, text_page
from docintel.testkit.samples import PdfSpec, paragraph, write_pdf
from docintel.watcher.ingest import ingest
from docintel.worker.app import enqueue
from docintel.worker.local import LocalQueues

ROOT = Path(__file__).resolve().parent.parent
# The invoice before the mail that carries the same PDF: one after another the invoice is
# done when the mail's agent step reads its attachments' summaries; on the local queues the
# mail's tail waits for the invoice's document while it is in flight, and reads the same.
SAMPLES = [
    "receipt-scan.pdf",
    "invoice.pdf",
    "mail-with-invoice.eml",
    "archive.zip",
    "contract.docx",
    "budget.xlsx",
    "quarterly-report.pdf",
    "permit-form.pdf",
    "meeting.ogg",
]


def scans(folder: Path, count: int) -> list[Path]:
    rng = random.Random(11)
    paths = []
    for i in range(count):
        image, _truth = text_page(rng, dpi=150)
        path = folder / f"scan{i}.png"
        scanned(image, rng, quality=70).save(path)
        paths.append(path)
    return paths


def comparable(result: dict[str, Any]) -> dict[str, Any]:
    """A result without what differs between two runs of the same file: ids, clocks, the
    audit trail's timings."""
    doc = result["document"]
    return {
        "document": {k: doc.get(k) for k in ("name", "status", "kind", "error", "doc_type")},
        "pages": [{k: v for k, v in p.items() if k != "timings"} for p in result["pages"]],
        "tables": result["tables"],
        "segments": result["segments"],
        "markdown": result["markdown"],
        "extraction": result["extraction"],
        "profile": result["profile"],
        "children": [(c["name"], c["status"], c["kind"]) for c in result["children"]],
    }


def results(settings: Settings) -> dict[str, dict[str, Any]]:
    with session_scope(settings.db_url) as s:
        docs = s.scalars(select(Document).order_by(Document.id)).all()
        return {f"{d.name}#{d.member or ''}": comparable(document_result(s, d)) for d in docs}


def home(tmp_path: Path, name: str) -> Settings:
    settings = Settings(
        home=tmp_path / name, database_url="", broker_url="", embedding_model="hashing"
    )
    migrations.upgrade(settings.db_url)
    return settings


def worked_together(files: list[Path], settings: Settings) -> None:
    """``files`` dropped at once into local queues of two cores' threads, until all are done."""
    queues = LocalQueues(settings, workers=2).start()
    try:
        for path in files:
            queues.send_document(ingest(path, settings).sha256)
        assert queues.wait_idle(timeout=600)
    finally:
        queues.close()


@pytest.fixture
def files(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in SAMPLES:
        shutil.copy(ROOT / "samples" / name, folder / name)
    # four scans first, then the CSV: it must not wait for them (the samples after it, so
    # that the light work queued before the CSV is not theirs: on a busy machine that work
    # alone could outlast a scan)
    return (
        scans(folder, 4)
        + [Path(shutil.copy(ROOT / "samples" / "shipments.csv", folder / "shipments.csv"))]
        + [folder / n for n in SAMPLES]
    )


def test_a_csv_dropped_after_scans_is_done_first_and_results_match_one_at_a_time(
    tmp_path, files, monkeypatch
):
    monkeypatch.delenv("DOCINTEL_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    together = home(tmp_path, "together")
    worked_together(files, together)

    with session_scope(together.db_url) as s:
        docs = {d.name: d for d in s.scalars(select(Document))}
        assert all(d.status == "done" for d in docs.values()), {
            n: (d.status, d.error) for n, d in docs.items()
        }
        scan_done = [docs[f"scan{i}.png"].finished_at for i in range(4)]
        assert docs["shipments.csv"].finished_at < min(scan_done)
        # OCR ran side by side, never on more threads than cores were given: the light
        # thread does not take page steps
        pages = [
            (r.started_at, r.finished_at)
            for r in s.scalars(select(StepRun).where(StepRun.step.like("page:%")))
        ]
    overlap = max(sum(1 for a, b in pages if a <= t < b) for t, _ in pages)
    assert overlap == 2, pages

    apart = home(tmp_path, "apart")
    shas = [ingest(path, apart).sha256 for path in files]
    for sha in shas:  # one after another, in this thread, as `docintel process` does
        enqueue(sha, apart)
    expected, found = results(apart), results(together)
    assert found.keys() == expected.keys()
    for name in expected:
        assert found[name] == expected[name], name
    get_settings.cache_clear()


def test_long_reports_take_turns_on_the_cores_and_a_csv_behind_them_is_not_held(
    tmp_path, monkeypatch
):
    """A long report's entities hold the interpreter for seconds: its merge, agent and
    finalize run as steps of their own on the cores' threads, one report at a time, and the
    light thread stays free. Three reports filled the three threads before, in route's unit
    of work, and a CSV dropped after them waited for one to end."""
    monkeypatch.delenv("DOCINTEL_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    folder = tmp_path / "in"
    folder.mkdir()
    rng = random.Random(5)
    pages = [[" ".join(paragraph(rng) for _ in range(5)) for _ in range(12)] for _ in range(3)]
    files = [write_pdf(folder / f"report{i}.pdf", PdfSpec(p)) for i, p in enumerate(pages)]
    files.append(Path(shutil.copy(ROOT / "samples" / "shipments.csv", folder / "rows.csv")))
    together = home(tmp_path, "together")
    worked_together(files, together)

    with session_scope(together.db_url) as s:
        docs = {d.name: d for d in s.scalars(select(Document))}
        assert all(d.status == "done" for d in docs.values())
        reports = [docs[f"report{i}.pdf"] for i in range(3)]
        assert docs["rows.csv"].finished_at < min(d.finished_at for d in reports)
        runs = s.scalars(
            select(StepRun).where(
                StepRun.step.in_(["merge", "agent", "finalize"]),
                StepRun.document_id.in_([d.id for d in reports]),
            )
        ).all()
        assert len(runs) == 9  # steps of their own, not route's
        # each report's tail, from its merge's start to the report's end (a finalize's end
        # is the document's finished_at)
        tails = sorted(  # one at a time: each ends before the next starts
            (min(r.started_at for r in runs if r.document_id == d.id), d.finished_at)
            for d in reports
        )
    assert all(a[1] <= b[0] for a, b in zip(tails, tails[1:], strict=False)), tails

    apart = home(tmp_path, "apart")
    for path in files:
        enqueue(ingest(path, apart).sha256, apart)
    assert results(together) == results(apart)
    get_settings.cache_clear()


def test_a_long_text_is_reckoned_with_the_pages_and_speech_still_to_read():
    """Scans' text and a recording's transcript are not known when they are routed: their
    pages and seconds are reckoned, so a long scan's entities do not take the light lane."""
    from docintel.pipeline.route import Routed
    from docintel.pipeline.types import PageResult
    from docintel.worker.tasks import long_text

    def scans(n: int) -> Routed:
        return Routed("pdf", "application/pdf", [PageResult(i, "needs_ocr") for i in range(n)])

    assert not long_text(scans(3)) and long_text(scans(30))
    digital = [PageResult(1, "done", markdown="word " * 5_000)]
    assert long_text(Routed("pdf", "application/pdf", digital))
    assert not long_text(Routed("pdf", "application/pdf", [PageResult(1, "done", markdown="a")]))
    heard = Routed("audio", "audio/ogg", audio_windows=[[0]], duration_s=3_600)
    assert long_text(heard) and not long_text(Routed("audio", "audio/ogg", duration_s=3_600))


def test_a_step_past_its_soft_limit_fails_its_document_in_a_thread(embedded, tmp_path, monkeypatch):
    """The soft time limit holds in the queues' threads too, where no alarm can reach."""
    from docintel.testkit.forcing import SlowEngine
    from docintel.testkit.samples import text_pdf_spec, write_pdf

    monkeypatch.setenv("DOCINTEL_TIME_LIMIT_SCALE", "0.001")  # the agent step: 1.8 s
    monkeypatch.setenv("DOCINTEL_EMBEDDING_MODEL", "hashing")  # no model load to time out
    get_settings.cache_clear()
    settings = get_settings()

    class Hung(SlowEngine):
        """Hangs in Python, in short sleeps: the limit lands between two of them (an
        exception raised in a thread waits for it to run Python code, as a signal does)."""

        def generate(self, requests: list[Any]) -> list[Any]:
            end = time.monotonic() + self.seconds
            while time.monotonic() < end:
                time.sleep(0.05)
            raise RuntimeError(f"no answer after {self.seconds} s")

    engine = Hung(30)
    path = write_pdf(tmp_path / "slow.pdf", text_pdf_spec(random.Random(6), 1))
    queues = LocalQueues(settings, engine, workers=1).start()
    started = time.monotonic()
    try:
        queues.send_document(ingest(path, settings).sha256)
        assert queues.wait_idle(timeout=60)
    finally:
        queues.close()
    assert time.monotonic() - started < 30
    with session_scope(settings.db_url) as s:
        doc = s.scalars(select(Document)).one()
        assert doc.status == "failed"
        assert "ran past its time limit" in (doc.error or "")
    get_settings.cache_clear()


def test_uploads_in_up_join_its_queues(embedded, tmp_path):
    """An upload to `docintel up`'s API is worked by the same queues as the inbox's files
    (api.work.Work), not by a thread of its own beside them."""
    from docintel.api.work import Work

    csv = Path(shutil.copy(ROOT / "samples" / "shipments.csv", tmp_path / "up.csv"))
    queues = LocalQueues(embedded, workers=1).start()
    work = Work(embedded, queues=queues)
    try:
        assert work.send(ingest(csv, embedded).sha256) is None  # no future: the queues hold it
        assert work._pool is None
        assert queues.wait_idle(timeout=60)
    finally:
        work.close()
        queues.close()
    with session_scope(embedded.db_url) as s:
        assert s.scalars(select(Document.status)).one() == "done"


def test_docintel_process_works_its_files_side_by_side_and_answers_in_their_order(tmp_path):
    """`docintel process FILES` worked one file after another: two one-page scans took a
    core each in turn while the other sat idle. Its files go on the local queues now; the
    results come back in the files' order, a file of known bytes answers with the original,
    and each file is said to be done once."""
    from docintel.embedded import process_files

    settings = home(tmp_path, "many").model_copy(update={"embedded_workers": 2})
    folder = tmp_path / "in"
    folder.mkdir()
    paths = scans(folder, 3)
    again = Path(shutil.copy(paths[0], folder / "again.png"))
    csv = Path(shutil.copy(ROOT / "samples" / "shipments.csv", folder / "shipments.csv"))
    files = [*paths, again, csv, paths[1]]  # the same file twice, too
    ended: list[str] = []

    found = process_files(files, settings, on_done=lambda path: ended.append(path.name))

    assert [r["document"]["name"] for r in found] == [f.name for f in files[:3]] + [
        "scan0.png",  # the original answers for its bytes
        "shipments.csv",
        "scan1.png",
    ]
    assert found[3]["document"]["id"] == found[0]["document"]["id"]
    assert found[5]["document"]["id"] == found[1]["document"]["id"]
    assert all(r["document"]["status"] == "done" for r in found), [r["document"] for r in found]
    assert sorted(ended) == sorted(f.name for f in files)
    with session_scope(settings.db_url) as s:
        pages = [
            (r.started_at, r.finished_at)
            for r in s.scalars(select(StepRun).where(StepRun.step.like("page:%")))
        ]
    assert len(pages) == 3
    overlap = max(sum(1 for a, b in pages if a <= t < b) for t, _ in pages)
    assert overlap == 2, pages  # side by side, on the two cores given

    one = process_files([csv], home(tmp_path, "one"), on_done=lambda p: ended.append("one"))
    assert one[0]["document"]["status"] == "done" and ended[-1] == "one"


def test_docintel_process_starts_its_largest_file_first(tmp_path, monkeypatch):
    """Files given at once are sent largest first, so that the longest work does not start
    last and end alone on one core (19 real scans: 11.34 s in name order, 9.75 s by size);
    the results keep the files' order."""
    from docintel.embedded import process_files

    settings = home(tmp_path, "order").model_copy(update={"embedded_workers": 2})
    folder = tmp_path / "in"
    folder.mkdir()
    csv = Path(shutil.copy(ROOT / "samples" / "shipments.csv", folder / "shipments.csv"))
    (scan,) = scans(folder, 1)
    pdf = write_pdf(folder / "note.pdf", PdfSpec([paragraph(random.Random(5), 40)]))
    files = [csv, pdf, scan]
    assert csv.stat().st_size < pdf.stat().st_size < scan.stat().st_size
    names = {ingest(path, settings).sha256: path.name for path in files}
    sent: list[str] = []
    send = LocalQueues.send_document

    def spy(self: LocalQueues, sha256: str, *args: Any, **kwargs: Any) -> None:
        sent.append(names[sha256])
        send(self, sha256, *args, **kwargs)

    monkeypatch.setattr(LocalQueues, "send_document", spy)
    # a new home: the files are worked, not answered from the first ingest
    found = process_files(files, home(tmp_path, "again").model_copy(update={"embedded_workers": 2}))

    assert sent == ["scan0.png", "note.pdf", "shipments.csv"]
    assert [r["document"]["name"] for r in found] == [f.name for f in files]
    assert all(r["document"]["status"] == "done" for r in found)


def test_a_mails_agent_waits_for_the_file_that_brought_its_attachment_first(tmp_path):
    """A mail whose attachment's bytes another file brought first: that file's document is
    the attachment's, and the mail's agent step reads its summary. On the local queues the
    mail's own work took less time than the file's OCR, so the mail read "not read yet";
    now its tail waits for that document while it is in flight."""
    from docintel.testkit.page_samples import images_to_pdf
    from docintel.testkit.showcase import write_mail

    settings = home(tmp_path, "mail")
    folder = tmp_path / "in"
    folder.mkdir()
    rng = random.Random(3)
    pages = [scanned(text_page(rng, dpi=300)[0], rng) for _ in range(3)]
    scan = images_to_pdf(folder / "statement.pdf", pages, dpi=300)  # seconds of OCR
    body = "Hello,\n\nyour statement is attached.\n"
    pdfs = [("statement.pdf", scan.read_bytes())]
    mail = write_mail(folder / "statement.eml", "Your statement", body, pdfs)

    # the same mail forwarded inside another: the outer one's tail waits for the inner's
    inner = mail.read_bytes()
    forward = write_mail(
        folder / "forward.eml", "Fwd: statement", "See below.\n", [("s.eml", inner)]
    )

    worked_together([scan, mail, forward], settings)
    _read_the_attachments_summary(settings)


def _read_the_attachments_summary(settings: Settings) -> None:
    with session_scope(settings.db_url) as s:
        docs = {d.name: d for d in s.scalars(select(Document).where(Document.parent_id.is_(None)))}
        assert {d.status for d in docs.values()} == {"done"}
        assert docs["statement.eml"].finished_at >= docs["statement.pdf"].finished_at
        assert docs["forward.eml"].finished_at >= docs["statement.pdf"].finished_at
        text = docs["statement.eml"].markdown or ""
        forwarded = docs["forward.eml"].markdown or ""
    assert "statement.pdf (" in text and "not read yet" not in text, text
    assert "Attachments" in forwarded and "not read yet" not in forwarded, forwarded


def test_a_mail_sent_before_the_file_of_its_attachment_still_waits_for_it(tmp_path, monkeypatch):
    """`docintel process` sends its largest file first: a mail (larger than the PDF it
    carries) before the PDF given beside it. Every document is in flight before a thread
    takes a task, so the mail's tail still waits for the PDF's document: here each send
    is slowed (as a descheduled main thread would be), which let the mail's route run
    before the PDF was sent, and the mail read "not read yet"."""
    from docintel.embedded import process_files
    from docintel.testkit.page_samples import images_to_pdf
    from docintel.testkit.showcase import write_mail

    settings = home(tmp_path, "first").model_copy(update={"embedded_workers": 2})
    folder = tmp_path / "in"
    folder.mkdir()
    rng = random.Random(3)
    scan = images_to_pdf(folder / "statement.pdf", [scanned(text_page(rng)[0], rng)], dpi=150)
    pdfs = [("statement.pdf", scan.read_bytes())]
    mail = write_mail(folder / "statement.eml", "Your statement", "Attached.\n", pdfs)
    inner = [("s.eml", mail.read_bytes())]
    forward = write_mail(folder / "forward.eml", "Fwd: statement", "See below.\n", inner)
    send = LocalQueues.send_document

    def slowly(self: LocalQueues, *args: Any, **kwargs: Any) -> None:
        send(self, *args, **kwargs)
        time.sleep(0.5)

    monkeypatch.setattr(LocalQueues, "send_document", slowly)
    process_files([scan, mail, forward], settings)
    _read_the_attachments_summary(settings)
