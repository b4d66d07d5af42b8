"""One canvas per document (DESIGN.md):

    route ─▶ chord(page × N, audio × M) ─▶ merge ─▶ agent ─▶ finalize

``route`` runs first because only it knows how many pages and windows there are; it then
sends the rest with the signatures below, on the app it runs on. Every signature is
immutable (``.si``): results travel through the database, not through Celery's result
backend.
"""

from __future__ import annotations

from celery import Celery, chain, chord


def tail(app: Celery, sha256: str) -> chain:
    return chain(
        app.signature("docintel.merge", args=[sha256], immutable=True),
        app.signature("docintel.agent", args=[sha256], immutable=True),
        app.signature("docintel.finalize", args=[sha256], immutable=True),
    )


def dispatch_rest(
    app: Celery, sha256: str, page_batches: list[list[int]], windows: list[list[int]]
) -> None:
    header = [
        app.signature("docintel.page", args=[sha256, batch], immutable=True)
        for batch in page_batches
    ]
    header += [
        app.signature("docintel.audio", args=[sha256, batch], immutable=True) for batch in windows
    ]
    if header:
        chord(header, tail(app, sha256)).apply_async()
    else:
        tail(app, sha256).apply_async()
