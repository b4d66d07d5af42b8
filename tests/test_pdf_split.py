"""A long PDF read by a helper process per other core gives what one process reads, page
for page; a helper that fails costs its run being read here, nothing else."""

from __future__ import annotations

import logging
import multiprocessing
import random
import sys

from pymupdf import open as pymupdf_open

from docintel.pipeline.route import pdf_split
from docintel.pipeline.route.pdf import read_pdf
from docintel.testkit.samples import PdfSpec, invoice_grid, paragraph, write_pdf


def _long_pdf(tmp_path, pages=9):
    rng = random.Random(4)
    texts = [f"Page {i + 1}. " + paragraph(rng, 80) for i in range(pages)]
    return write_pdf(tmp_path / "long.pdf", PdfSpec(texts, {2: invoice_grid(rng, rows=4)}))


def test_runs_cover_every_page_once_in_order():
    assert pdf_split.runs_of(10, 3) == [range(0, 4), range(4, 7), range(7, 10)]
    assert pdf_split.runs_of(2, 4) == [range(0, 1), range(1, 2)]
    for count in range(0, 30):
        for parts in range(1, 5):
            runs = pdf_split.runs_of(count, parts)
            assert [i for r in runs for i in r] == list(range(count))


def test_a_split_read_is_the_read_of_one_process(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(pdf_split, "helpers_allowed", lambda: 2)  # three runs on any machine
    path = _long_pdf(tmp_path)
    alone = read_pdf(path, 0)
    with caplog.at_level(logging.WARNING, logger="docintel.pipeline"):
        split = read_pdf(path, 5)
    assert "read here" not in caplog.text  # the helpers read their runs
    assert [p.page for p in split.pages] == list(range(1, 10))
    assert split.pages == alone.pages  # text, tables, measures: every field
    assert any(p.tables for p in split.pages)
    assert (split.warnings, split.lost_pages) == (alone.warnings, alone.lost_pages)
    assert read_pdf(path, 10).pages == alone.pages  # under the threshold: read here


def test_a_helper_that_fails_has_its_pages_read_here(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(pdf_split, "helpers_allowed", lambda: 1)
    monkeypatch.setattr(pdf_split, "HELPER", [sys.executable, "-c", "raise SystemExit(3)"])
    path = _long_pdf(tmp_path)
    with caplog.at_level(logging.WARNING, logger="docintel.pipeline"):
        split = read_pdf(path, 5)
    assert split.pages == read_pdf(path, 0).pages
    assert "pages 6-9 read here: their helper failed" in caplog.text


def _allowed(queue):
    queue.put(pdf_split.helpers_allowed())


def test_a_daemon_process_reads_alone():
    """A Celery pool worker is a daemon process: its host's cores are the pool's."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_allowed, args=(queue,), daemon=True)
    child.start()
    assert queue.get(timeout=60) == 0
    child.join(10)


def test_a_read_stopped_midway_leaves_no_helper_behind(tmp_path, monkeypatch):
    """A step's time limit stops the read in this process: its helpers are ended too."""
    import subprocess

    import pytest

    monkeypatch.setattr(pdf_split, "helpers_allowed", lambda: 1)
    monkeypatch.setattr(pdf_split, "HELPER", [sys.executable, "-c", "import time; time.sleep(60)"])
    started: list[subprocess.Popen] = []
    start = pdf_split._start
    monkeypatch.setattr(pdf_split, "_start", lambda *a: started.append(start(*a)) or started[-1])

    def stopped(doc, index):
        raise TimeoutError("the step's time limit")

    with pymupdf_open(_long_pdf(tmp_path)) as doc, pytest.raises(TimeoutError):
        pdf_split.read_split(tmp_path / "long.pdf", doc, 5, stopped)
    assert started and all(p.poll() is not None for p in started)


def test_pymupdf_is_used_by_one_thread_at_a_time(tmp_path, embedded):
    """PyMuPDF does not support threads: its table finder turns process-wide switches on and
    off for the length of a call, and two documents read side by side read each other's
    switches (3 of the 57 real invoices laid their tables out otherwise in one command).
    A PDF's reading and a page's image wait while another thread holds ``MUPDF``."""
    import threading

    from docintel.pipeline.mupdf import MUPDF
    from docintel.pipeline.pages.images import page_images

    rng = random.Random(2)
    pdf = write_pdf(tmp_path / "t.pdf", PdfSpec([paragraph(rng), paragraph(rng)]))
    for read in (lambda: read_pdf(pdf), lambda: page_images(pdf, "pdf", [1], 72, embedded)):
        done = threading.Event()

        def reading(read=read, done=done) -> None:  # type: ignore[no-untyped-def]
            read()
            done.set()

        reader = threading.Thread(target=reading)
        with MUPDF:
            reader.start()
            assert not done.wait(0.5)  # held here: the reading waits
        reader.join(timeout=30)
        assert done.is_set()
