"""One file through the embedded pipeline: what `docintel process`, the tests and the
benchmarks all call."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docintel.config import Settings
from docintel.models.runtime import Engine

if TYPE_CHECKING:
    from docintel.worker.local import LocalQueues


def process_file(path: Path, settings: Settings, engine: Engine | None = None) -> dict[str, Any]:
    """Ingest ``path`` (copied, not moved), run its workflow in this process with
    ``engine`` (default: the one the settings choose), and return the one result format. A
    file already known answers with the original's result."""
    return process_files([path], settings, engine)[0]


def process_files(
    paths: Sequence[Path],
    settings: Settings,
    engine: Engine | None = None,
    on_done: Callable[[Path], object] | None = None,
) -> list[dict[str, Any]]:
    """Ingest each of ``paths`` in order (copied, not moved), work their workflows side by
    side up to the cores, and return their results in the files' order; ``on_done(path)``
    as each file's work ends. The local queues of `docintel up` work them (its lanes and
    priorities: a CSV does not wait behind a scan's OCR, and two one-page scans take a core
    each; one after the other, 14 real receipt photos took 10.3 s where Tesseract alone,
    across the cores, took 3.5 s). A single file to work is worked in this thread."""
    from docintel.store.db import session_scope
    from docintel.store.queries import document_result
    from docintel.store.schema import Document
    from docintel.watcher.ingest import ingest

    taken = [ingest(path, settings) for path in paths]
    first: dict[str, int] = {}  # the same bytes twice are one document, worked once
    for n, one in enumerate(taken):
        if one.status == "queued":
            first.setdefault(one.sha256, n)
    if len(first) == 1:  # in this thread, with no Celery app (worker.steps)
        from docintel.worker.local import run_document

        run_document(next(iter(first)), settings, engine)
    elif first:
        # largest first: the longest work is started first and the short files fill the
        # cores around it (the longest-processing-time rule), instead of the longest ending
        # alone on one core after the rest. The 19 real scans of bench/scans_real.py, given
        # in name order, ended with a receipt photographed on its side (read, asked its
        # orientation, read again: 1.6 s) alone on a core; sent by size, the command took
        # 9.75 s instead of 11.34 s (5 interleaved runs, medians). A file's size is what is
        # known before its route; the results keep the files' order.
        largest_first = sorted(first.items(), key=lambda item: -taken[item[1]].size)
        work = {sha256: paths[n] for sha256, n in largest_first}
        _work_side_by_side(work, settings, engine, on_done)
    results = []
    with session_scope(settings.db_url) as s:
        for n, (path, one) in enumerate(zip(paths, taken, strict=True)):
            doc = s.get(Document, one.document_id)
            assert doc is not None
            results.append(document_result(s, doc))
            if on_done is not None and (len(first) == 1 or first.get(one.sha256) != n):
                on_done(path)  # worked in this thread, or not worked (known bytes)
    return results


def _work_side_by_side(
    work: dict[str, Path],
    settings: Settings,
    engine: Engine | None,
    on_done: Callable[[Path], object] | None,
) -> None:
    """The documents of ``work`` (sha256 -> its file) on the local queues, in its order,
    until all end."""
    from docintel.worker.local import LocalQueues

    queues = LocalQueues(settings, engine).start()
    try:
        queues.send_at_once(
            [
                (sha256, (lambda _failed, p=path: on_done(p)) if on_done else None)
                for sha256, path in work.items()
            ]
        )
        queues.wait_idle()
    except BaseException:
        # interrupted (Ctrl-C): its threads end with the process, not after their tasks,
        # as one file's work in this thread would
        queues.close(timeout=0)
        raise
    queues.close()


def local_queues(settings: Settings, engine: Engine | None = None) -> LocalQueues:
    """The started local queues of `docintel up` (``worker.local``): files worked side by
    side up to the cores, and the retrieval index brought up to date behind them, so that
    search follows each file up without a file waiting for it."""
    from docintel.worker.indexing import index_pending
    from docintel.worker.local import HEAVY, LocalQueues

    def index() -> None:
        index_pending(settings)

    def ended(_sha256: str, _failed: bool) -> None:
        queues.send_last(index, HEAVY)

    queues = LocalQueues(settings, engine, on_document=ended)
    return queues.start()
