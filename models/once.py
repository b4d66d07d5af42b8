"""Loaded once per process, whichever thread asks first: ``lru_cache`` alone lets two
threads that ask at the same moment both load (spaCy's recognizer twice, ~0.9 s each), and
the embedded inbox now loads the agent's models on a thread of their own while a document's
pages are read (``worker.warming``); the agent step that asks meanwhile waits for that load
instead of making a second."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import _lru_cache_wrapper, lru_cache, wraps
from typing import Any, TypeVar, cast

T = TypeVar("T")


def loaded_once(maxsize: int = 4) -> Callable[[Callable[..., T]], _lru_cache_wrapper[T]]:
    """``lru_cache(maxsize)`` whose loads run one at a time (a lock per function), with the
    cache's ``cache_info``, and a ``cache_clear`` that waits for a load in flight."""

    def decorate(load: Callable[..., T]) -> _lru_cache_wrapper[T]:
        cached = lru_cache(maxsize=maxsize)(load)
        lock = threading.Lock()

        @wraps(load)
        def once(*args: Any, **kwargs: Any) -> T:
            with lock:
                return cached(*args, **kwargs)

        def clear() -> None:
            with lock:  # after a load in flight, not under it
                cached.cache_clear()

        once.cache_clear = clear  # type: ignore[attr-defined]
        once.cache_info = cached.cache_info  # type: ignore[attr-defined]
        return cast("_lru_cache_wrapper[T]", once)

    return decorate
