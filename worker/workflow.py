"""One canvas per document (DESIGN.md):

    route ─▶ chord(page × N, audio × M) ─▶ merge ─▶ agent ─▶ finalize

``route`` runs first because only it knows how many pages and windows there are; it then
sends the rest with the signatures below, on the app it runs on. Every signature is
immutable (``.si``): results travel through the database, not through Celery's result
backend.
"""

from __future__ import annotations

from celery import Celery, chain, chord

from docintel.worker.app import (
    ENTRY_TASK,
    PRIORITY_FANOUT,
    PRIORITY_INDEX,
    PRIORITY_NEW,
    PRIORITY_TAIL,
    TASKS,
)


def _step(app: Celery, name: str, args: list, priority: int):  # type: ignore[no-untyped-def]
    return app.signature(name, args=args, immutable=True, priority=priority)


def tail(app: Celery, sha256: str) -> chain:
    return chain(
        *(
            _step(app, name, [sha256], PRIORITY_TAIL)
            for name in ("docintel.merge", "docintel.agent", "docintel.finalize")
        )
    )


def dispatch_rest(
    app: Celery, sha256: str, page_batches: list[list[int]], windows: list[list[int]]
) -> None:
    header = [_step(app, "docintel.page", [sha256, b], PRIORITY_FANOUT) for b in page_batches]
    header += [_step(app, "docintel.audio", [sha256, b], PRIORITY_FANOUT) for b in windows]
    if header:
        chord(header, tail(app, sha256)).apply_async()
    else:
        tail(app, sha256).apply_async()


def send_index(app: Celery, sha256: str) -> None:
    """The retrieval index follows: after new documents, batched across them."""
    app.signature(
        "docintel.index", args=[sha256], immutable=True, priority=PRIORITY_INDEX
    ).apply_async()


def send_children(app: Celery, shas: list[str]) -> None:
    """An e-mail's attachments and an archive's members, each its own workflow; in-process
    they run here, one after another."""
    for sha in shas:
        if app.conf.task_always_eager:
            app.tasks[ENTRY_TASK].apply(args=[sha])
        else:
            app.send_task(ENTRY_TASK, args=[sha], queue=TASKS[ENTRY_TASK][0], priority=PRIORITY_NEW)
