"""A long PDF's pages read by more than one process at once. PyMuPDF holds the interpreter
while it works (two threads read 200 pages in the time one does), so a 1000-page report
read its text layer on one core while the other waited. From ``DOCINTEL_PDF_SPLIT_PAGES``
pages up, the pages are cut into one contiguous run per core: this process reads the first
run, a helper per other core (a fresh interpreter running ``pdf.serve_pages``: forking a process
whose other threads may hold a lock is unsafe, and multiprocessing's spawn re-imports the
caller's main script, which a notebook or ``python -`` does not have) opens the same file
and reads another, and hands its pages back pickled; the runs are put back in order. Not
in a Celery pool worker (a daemon process: its host's cores are the pool's), and where a
helper fails its pages are read here, as they always were: the reading is the same
either way."""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

Page = TypeVar("Page")  # a page as pdf.py reads it: this module is below pdf.py, its caller

log = logging.getLogger("docintel.pipeline")

# -P: the working directory is not put on the path (a checkout's own ``docintel`` folder
# there is not the installed package)
# (``pdf.serve_pages``: ``path start stop`` in, the pages pickled out)
SERVE = "from docintel.pipeline.route.pdf import serve_pages; serve_pages()"
HELPER = [sys.executable, "-P", "-c", SERVE]


def runs_of(count: int, parts: int) -> list[range]:
    """``range(count)`` cut into ``parts`` contiguous runs, as even as they go."""
    size, extra = divmod(count, parts)
    runs, start = [], 0
    for part in range(parts):
        stop = start + size + (1 if part < extra else 0)
        runs.append(range(start, stop))
        start = stop
    return [r for r in runs if len(r)]


def helpers_allowed() -> int:
    """The processes that may read beside this one: a core each but this one's, none in a
    daemon process (a Celery pool worker)."""
    if multiprocessing.current_process().daemon:
        return 0
    return max(0, (os.cpu_count() or 1) - 1)


def read_split(
    path: Path, doc: Any, split_pages: int, read_page: Callable[[Any, int], Page]
) -> list[Page] | None:
    """Every page of ``doc`` (opened from ``path``), read by this process and its helpers;
    None where the document is too short to split (``split_pages`` pages; 0: never) or no
    helper may run, so the caller reads it alone."""
    count = doc.page_count
    helpers = helpers_allowed()
    if not split_pages or count < split_pages or helpers == 0:
        return None
    runs = runs_of(count, helpers + 1)
    started = [(run, _start(path, run)) for run in runs[1:]]
    try:
        pages = [read_page(doc, i) for i in runs[0]]
        for run, helper in started:
            pages += _pages_of(helper, run) or [read_page(doc, i) for i in run]
    finally:  # a step stopped mid-read (its time limit) leaves no helper behind
        for _, helper in started:
            if helper is not None and helper.poll() is None:
                helper.kill()
                helper.wait()
    return pages


def _start(path: Path, run: range) -> subprocess.Popen[bytes] | None:
    try:
        return subprocess.Popen(
            [*HELPER, str(path), str(run.start), str(run.stop)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
    except OSError as exc:
        log.warning("pages %d-%d read here: no helper could start (%s)", run.start + 1,
                    run.stop, exc)  # fmt: skip
        return None


def _pages_of(helper: subprocess.Popen[bytes] | None, run: range) -> list[Any] | None:
    """The pages a helper read, None where it failed (said in the log)."""
    if helper is None:
        return None
    out, err = helper.communicate()
    try:
        if helper.returncode != 0:
            raise RuntimeError(err.decode(errors="replace").strip()[-500:] or helper.returncode)
        pages = pickle.loads(out)  # noqa: S301 - our own child's output, never a file's
        if [p.page for p in pages] != [i + 1 for i in run]:
            raise RuntimeError("it read other pages than it was asked")
        return pages
    except Exception as exc:  # noqa: BLE001 - any failure: the run is read here
        log.warning("pages %d-%d read here: their helper failed (%s)", run.start + 1,
                    run.stop, exc)  # fmt: skip
        return None
