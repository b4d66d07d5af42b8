"""Shared test helpers: cell F1 and running documents through the embedded pipeline."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from docintel.settings import Settings


def cell_f1(expected: list[list[str]], found: list[list[str]]) -> float:
    """F1 over (row, column, text) cells: a cell counts only if whole and in place."""
    want = Counter(
        (r, c, " ".join(v.split()))
        for r, row in enumerate(expected)
        for c, v in enumerate(row)
        if v.strip()
    )
    got = Counter(
        (r, c, " ".join(v.split()))
        for r, row in enumerate(found)
        for c, v in enumerate(row)
        if v.strip()
    )
    hits = sum((want & got).values())
    if not hits:
        return 0.0
    precision, recall = hits / sum(got.values()), hits / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def process(path: Path, settings: Settings) -> dict[str, Any]:
    """Ingest and run the workflow in-process; return the one result format."""
    from store.db import session_scope
    from store.queries import document_result
    from store.schema import Document
    from watcher.ingest import ingest
    from worker.app import enqueue

    taken = ingest(path, settings, move=False)
    if taken.status == "queued":
        enqueue(taken.sha256)
    with session_scope(settings.db_url) as s:
        doc = s.get(Document, taken.document_id)
        assert doc is not None
        return document_result(s, doc)


class ForceText:
    """A logits processor that makes generate() emit ``text``'s tokens, then end the turn.

    Random weights never write a valid tool call; this forces the tokens while they still
    pass through the real tokenizer, chat template, generate() and our parser. The forced
    string is the test's input, never presented as what a model said on its own."""

    def __init__(self, tokenizer, text: str) -> None:  # type: ignore[no-untyped-def]
        self.ids = tokenizer.encode(text, add_special_tokens=False) + [
            tokenizer.convert_tokens_to_ids("<turn|>")
        ]
        self.step = 0

    def __call__(self, input_ids, scores):  # type: ignore[no-untyped-def]
        import torch

        forced = torch.full_like(scores, float("-inf"))
        forced[:, self.ids[min(self.step, len(self.ids) - 1)]] = 0.0
        self.step += 1
        return forced
