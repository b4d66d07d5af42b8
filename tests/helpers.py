"""Shared test helpers: cell F1 and running documents through the embedded pipeline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docintel.embedded import process_file
from docintel.metrics import cell_f1  # noqa: F401  (re-exported for the tests)
from docintel.settings import Settings


def process(path: Path, settings: Settings) -> dict[str, Any]:
    """Ingest and run the workflow in-process; return the one result format."""
    return process_file(path, settings)


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
