"""One model per process, shared by every task the process runs: a scheduler that batches
the requests of all its callers (page, audio and agent steps of any document) into shared
generate() calls.

A GPU worker runs its tasks as threads; each task calls ``generate`` as it would call the
engine, and blocks until its own results are back. The scheduler thread takes the oldest
request of the most urgent priority, waits up to ``window_ms`` for more requests that can
share its call (the engine's batch key: kind of input, visual budget, sampling, tools), and
runs up to ``max_batch`` of them together. The GPU then sees a batch as large as the work
waiting on the whole worker, not as small as one document.

A batch that fails is run again request by request, so a request that breaks its batch
fails only its own caller; the scheduler keeps serving either way.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from docintel.models.types import Request, Result

log = logging.getLogger("docintel.models")

# The queues' priorities (worker.app): later steps of a document go before the fan-out of
# new pages and windows, so a document's agent turn never waits behind another's pages.
PRIORITY_TAIL, PRIORITY_FANOUT = 0, 3


def priority_of(request: Request) -> int:
    """Page and audio requests are a document's fan-out; everything else (agent turns,
    profile extraction, questions) is a later step or a person waiting."""
    kind = (request.tag or "").split(":", 1)[0]
    return PRIORITY_FANOUT if kind in ("page", "audio") else PRIORITY_TAIL


@dataclass(eq=False)
class _Ticket:
    request: Request
    key: Hashable
    priority: int
    seq: int
    arrived: float
    done: threading.Event = field(default_factory=threading.Event)
    result: Result | None = None
    error: BaseException | None = None

    def finish(self, result: Result | None = None, error: BaseException | None = None) -> None:
        self.result, self.error = result, error
        self.done.set()


class ModelService:
    """Engine-shaped (``name``, ``generate``): callers cannot tell it from the engine it
    wraps, except that their requests share calls with other callers'."""

    def __init__(
        self,
        engine: Any,
        window_ms: float = 5.0,
        max_batch: int = 16,
        key: Callable[[Request], Hashable] | None = None,
    ) -> None:
        if max_batch < 1:
            raise ValueError(f"DOCINTEL_MAX_BATCH must be at least 1, got {max_batch}")
        if window_ms < 0:
            raise ValueError(f"DOCINTEL_BATCH_WINDOW_MS must be 0 or more, got {window_ms}")
        self.engine = engine
        self.name = engine.name
        self.reason = getattr(engine, "reason", "") or f"engine {engine.name}"
        self.window = window_ms / 1000
        self.max_batch = max_batch
        self.key = key or getattr(engine, "batch_key", None) or _default_key
        self.calls = 0  # generate() calls made on the engine
        self._pending: list[_Ticket] = []
        self._seq = itertools.count()
        self._cv = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._serve, name="docintel-model", daemon=True)
        self._thread.start()

    def __getattr__(self, name: str) -> Any:
        # The wrapped engine's own attributes (processor, model, config, device) stay
        # reachable for code that inspects the engine.
        if name == "engine":
            raise AttributeError(name)
        return getattr(self.engine, name)

    # --- callers ------------------------------------------------------------------------
    def generate(self, requests: list[Request]) -> list[Result]:
        """Results in the order of ``requests``, as the engine alone would give them; blocks
        the calling thread until all of them are back. A request that fails raises here,
        in its own caller only."""
        for request in requests:
            request.validate()  # a bad request is refused before it can hold up a batch
        tickets = [self._submit(r) for r in requests]
        results = []
        for ticket in tickets:
            ticket.done.wait()
            if ticket.error is not None:
                raise ticket.error
            assert ticket.result is not None
            results.append(ticket.result)
        return results

    def close(self, timeout: float = 5.0) -> None:
        with self._cv:
            self._closed = True
            self._cv.notify_all()
        self._thread.join(timeout)

    def _submit(self, request: Request) -> _Ticket:
        ticket = _Ticket(
            request, self.key(request), priority_of(request), next(self._seq), time.monotonic()
        )
        with self._cv:
            if self._closed:
                raise RuntimeError("the model service is closed")
            self._pending.append(ticket)
            self._cv.notify_all()
        return ticket

    # --- the scheduler --------------------------------------------------------------------
    def _serve(self) -> None:
        while True:
            batch = self._next_batch()
            if batch is None:
                return
            self._run(batch)

    def _next_batch(self) -> list[_Ticket] | None:
        """The most urgent request and up to ``max_batch - 1`` that can share its call,
        after waiting at most the window from its arrival for them to come."""
        with self._cv:
            while True:
                if self._closed and not self._pending:
                    return None
                if not self._pending:
                    self._cv.wait()
                    continue
                head = min(self._pending, key=lambda t: (t.priority, t.seq))
                mates = [t for t in self._pending if t.key == head.key]
                remaining = head.arrived + self.window - time.monotonic()
                if len(mates) >= self.max_batch or remaining <= 0 or self._closed:
                    break
                self._cv.wait(remaining)
            mates.sort(key=lambda t: (t.priority, t.seq))
            batch = mates[: self.max_batch]
            taken = set(map(id, batch))
            self._pending = [t for t in self._pending if id(t) not in taken]
            return batch

    def _run(self, batch: list[_Ticket]) -> None:
        try:
            results = self._call([t.request for t in batch])
        except Exception as exc:  # noqa: BLE001  (handed to the callers, never lost)
            if len(batch) == 1:
                batch[0].finish(error=exc)
                return
            log.warning(
                "a batch of %d failed (%s); running its requests one by one", len(batch), exc
            )
            for ticket in batch:
                self._run([ticket])
            return
        for ticket, result in zip(batch, results, strict=True):
            ticket.finish(result)

    def _call(self, requests: list[Request]) -> list[Result]:
        self.calls += 1
        results = self.engine.generate(requests)
        if len(results) != len(requests):
            raise RuntimeError(
                f"the engine answered {len(results)} results for {len(requests)} requests"
            )
        return results


def _default_key(request: Request) -> Hashable:
    from docintel.models.gemma import batch_key

    return batch_key(request)
