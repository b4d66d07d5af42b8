"""A forcing engine for tests: the real Gemma 4 engine, with the tokens of chosen requests
forced by a logits processor.

Random weights never write a valid tool call or JSON answer. The forcing engine makes
generate() emit a given text for the requests the test names (by the tag the pipeline puts
on each request: ``page:2:table``, ``audio:window:3``, ``agent:turn:0``), while the tokens
still pass through the real tokenizer, chat template, generate() and our parser. The forced
string is the test's input, never presented as what a model said on its own. The pipeline
receives it as its engine, as httpx receives a transport: nothing is patched.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from docintel.models.types import Request, Result


class ForceText:
    """A logits processor that makes generate() emit ``text``'s tokens, then end the turn."""

    def __init__(self, tokenizer: Any, text: str) -> None:
        self.ids = tokenizer.encode(text, add_special_tokens=False) + [
            tokenizer.convert_tokens_to_ids("<turn|>")
        ]
        self.step = 0

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        import torch

        forced = torch.full_like(scores, float("-inf"))
        forced[:, self.ids[min(self.step, len(self.ids) - 1)]] = 0.0
        self.step += 1
        return forced


Script = dict[str, str] | Callable[[Request], str | None]


class ForcingEngine:
    """Wraps a loaded ``GemmaEngine``. ``script`` maps a request's tag to the text to force
    (or is a function of the request); other requests are generated freely, capped at
    ``free_tokens`` new tokens when given. Every batch it was sent is kept in ``batches``."""

    def __init__(
        self,
        inner: Any,
        script: Script | None = None,
        *,
        forced_tokens: int = 600,
        free_tokens: int | None = None,
    ) -> None:
        self.inner = inner
        self.name = inner.name
        self.reason = "a test's forcing engine over " + getattr(inner, "reason", inner.name)
        self.script = script or {}
        self.forced_tokens = forced_tokens
        self.free_tokens = free_tokens
        self.batches: list[list[Request]] = []

    def forced_text(self, request: Request) -> str | None:
        if callable(self.script):
            return self.script(request)
        return self.script.get(request.tag or "")

    def generate(self, requests: list[Request]) -> list[Result]:
        self.batches.append(list(requests))
        tokenizer = self.inner.processor.tokenizer
        for request in requests:
            text = self.forced_text(request)
            if text is not None:
                request.max_new_tokens = self.forced_tokens
                request.logits_processors = [ForceText(tokenizer, text)]
            elif self.free_tokens is not None:
                request.max_new_tokens = self.free_tokens
        return self.inner.generate(requests)

    @property
    def requests(self) -> list[Request]:
        return [r for batch in self.batches for r in batch]


class FailingEngine:
    """An engine whose every call raises, as a crashed runtime would: for the guard's
    retry-then-fail path."""

    def __init__(self, name: str = "gemma", message: str = "the runtime crashed") -> None:
        self.name = name
        self.reason = "a test's failing engine"
        self.message = message
        self.calls = 0

    def generate(self, requests: list[Request]) -> list[Result]:
        self.calls += 1
        raise RuntimeError(self.message)


class SlowEngine:
    """An engine that takes ``seconds`` per call before it fails, as a hung runtime would:
    for time limits."""

    def __init__(self, seconds: float, name: str = "gemma") -> None:
        self.name = name
        self.reason = "a test's slow engine"
        self.seconds = seconds

    def generate(self, requests: list[Request]) -> list[Result]:
        import time

        time.sleep(self.seconds)
        raise RuntimeError(f"no answer after {self.seconds} s")
