"""One canvas per document (DESIGN.md):

    route ─▶ chord(page × N, audio × M) ─▶ merge ─▶ agent ─▶ finalize

``route`` runs first because only it knows how many pages and windows there are; it then
sends the rest with the signatures below, on the app it runs on. Every signature is
immutable (``.si``): results travel through the database, not through Celery's result
backend.

In the embedded `docintel up` the same canvas runs on the local queues (``worker.local``):
each function below sends there when the task calling it runs on them.

Every task is sent with an ``argsrepr`` that names its document (file name, id, the pages
or windows it reads): Flower's task list, and its search, show which document a task is
for, not a bare sha256.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from docintel.worker.labels import span
from docintel.worker.local import INTERPRETER, running_here
from docintel.worker.queues import (
    ENTRY_TASK,
    PRIORITY_FANOUT,
    PRIORITY_INDEX,
    PRIORITY_TAIL,
)

if TYPE_CHECKING:  # Celery is imported where a canvas is sent: not on the local queues
    from celery import Celery, chain

TAIL = ("docintel.merge", "docintel.agent", "docintel.finalize")


def _step(app: Celery, name: str, args: list, priority: int, label: str = ""):  # type: ignore[no-untyped-def]
    options = {"argsrepr": label} if label else {}
    return app.signature(name, args=args, immutable=True, priority=priority, **options)


def tail(app: Celery, sha256: str, label: str = "") -> chain:
    from celery import chain

    return chain(*(_step(app, name, [sha256], PRIORITY_TAIL, label) for name in TAIL))


def lanes_apart() -> bool:
    """Whether the task calling this runs on local queues whose lanes threads run, one of
    them light tasks only (embedded `up`)."""
    local = running_here()
    return local is not None and local.lanes_apart


def dispatch_rest(
    app: Celery,
    sha256: str,
    page_batches: list[list[int]],
    windows: list[list[int]],
    label: Callable[[str], str] = lambda part: "",
    long_tail: bool = False,
) -> None:
    """``long_tail``: on the local queues, merge, agent and finalize go to the cores' lane
    for work that holds the interpreter (a long document's entities), whatever their
    queues."""
    if local := running_here():
        steps = [("docintel.page", [sha256, b]) for b in page_batches]
        steps += [("docintel.audio", [sha256, b]) for b in windows]
        rest = [(name, [sha256]) for name in TAIL]
        lane = INTERPRETER if long_tail else ""
        local.send_chord(steps, PRIORITY_FANOUT, rest, PRIORITY_TAIL, lane)
        return
    header = [
        _step(app, "docintel.page", [sha256, b], PRIORITY_FANOUT, label(f"pages {span(b)}"))
        for b in page_batches
    ]
    header += [
        _step(app, "docintel.audio", [sha256, b], PRIORITY_FANOUT, label(f"windows {span(b)}"))
        for b in windows
    ]
    if header:
        from celery import chord

        chord(header, tail(app, sha256, label(""))).apply_async()
    else:
        tail(app, sha256, label("")).apply_async()


def send_index(app: Celery, sha256: str, label: str = "") -> None:
    """The retrieval index follows: after new documents, batched across them."""
    _step(app, "docintel.index", [sha256], PRIORITY_INDEX, label).apply_async()


def children_then_tail(
    app: Celery,
    shas: list[str],
    labels: dict[str, str],
    sha256: str,
    label: str = "",
    known: list[str] | None = None,
) -> None:
    """A mail's attachments, then its own tail, so that its agent step reads their
    summaries: in-process and on the local queues all of them are done by then, and the
    files that brought the bytes of its ``known`` attachments first, where they are still
    in flight there; on workers, those done by then."""
    if local := running_here():
        rest = [(name, [sha256]) for name in TAIL]
        local.send_documents(shas, rest, PRIORITY_TAIL, after=known or [])
        return
    send_children(app, shas, labels)
    tail(app, sha256, label).apply_async()


def send_children(app: Celery, shas: list[str], labels: dict[str, str] | None = None) -> None:
    """An e-mail's attachments and an archive's members, each its own workflow; in-process
    they run here, one after another."""
    if local := running_here():
        for sha in shas:
            local.send_document(sha)
        return
    from docintel.worker.app import send_entry

    for sha in shas:
        if app.conf.task_always_eager:
            app.tasks[ENTRY_TASK].apply(args=[sha])
        else:
            send_entry(app, sha, (labels or {}).get(sha, ""))
