"""The registry of docintel's tasks, free of Celery: each task function is registered here
by name (``@step``); a worker registers the same functions with Celery
(``worker.celery_tasks``), and the in-process local queues (``worker.local``) call them
directly, so `docintel process` and `docintel up` run every step without importing Celery
(~90 ms of a CSV's 0.6 s). One function per step, whichever runs it.

A task function takes the task it runs as (Celery's bound task, or a ``LocalTask``) and
uses only what both have: its name, ``app`` (None in-process), ``request.retries`` and
``retry``."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

F = TypeVar("F", bound=Callable[..., None])

# name -> (the function, its Celery options)
STEPS: dict[str, tuple[Callable[..., None], dict[str, Any]]] = {}

# The modules whose import registers the steps.
STEP_MODULES = ("docintel.worker.tasks", "docintel.worker.webhooks")


def step(name: str, **options: Any) -> Callable[[F], F]:
    """Register a task function under ``name``; ``options`` are Celery's, for workers."""

    def register(fn: F) -> F:
        STEPS[name] = (fn, options)
        return fn

    return register


def load_steps() -> dict[str, tuple[Callable[..., None], dict[str, Any]]]:
    import importlib

    for module in STEP_MODULES:
        importlib.import_module(module)
    return STEPS


class StepRetry(Exception):
    """An in-process step asked to run again (Celery's ``Retry``, without Celery)."""


class StepTimeLimit(Exception):
    """An in-process step ran past its soft time limit (Celery's SoftTimeLimitExceeded)."""


class Request(Protocol):
    retries: int


class StepTask(Protocol):
    """What a task function may use of the task it runs as."""

    name: str
    request: Any
    app: Any  # a Celery app; None in-process

    def retry(self, *args: Any, **options: Any) -> Any: ...


@dataclass
class LocalRequest:
    retries: int = 0


@dataclass
class LocalTask:
    """A step run in this process by the local queues."""

    name: str
    request: LocalRequest = field(default_factory=LocalRequest)
    app: None = None

    def retry(self, *args: Any, exc: BaseException | None = None, **options: Any) -> StepRetry:
        # Run again at once, as Celery's eager mode did: the document's attempt count in
        # the database (DOCINTEL_MAX_ATTEMPTS) bounds the retries.
        return StepRetry(str(exc) if exc is not None else "")


def in_process(app: Any) -> bool:
    """Whether a task with this app runs in this process (no broker to send to)."""
    return app is None or bool(app.conf.task_always_eager)


def retry_errors() -> tuple[type[BaseException], ...]:
    """What a step's guard lets through to its runner to retry: Celery's ``Retry`` only
    where Celery runs it (and so is loaded)."""
    celery = sys.modules.get("celery.exceptions")
    return (StepRetry,) + ((celery.Retry,) if celery is not None else ())


def time_limit_errors() -> tuple[type[BaseException], ...]:
    celery = sys.modules.get("celery.exceptions")
    return (StepTimeLimit,) + ((celery.SoftTimeLimitExceeded,) if celery is not None else ())
