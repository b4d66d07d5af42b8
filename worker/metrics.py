"""The worker's own Prometheus metrics: each step's duration by engine, and steps that
failed. In-process runs (``docintel up``, ``serve`` without a broker) show them on the
API's /metrics; a distributed worker process serves them on DOCINTEL_METRICS_PORT plus
its process index when that is set.

They are kept only in a process that serves them (``keep_step_metrics``): a one-shot
``docintel process`` has no reader, and prometheus_client's import (its HTTP server
included) was a tenth of that command's start-up."""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

from docintel.config import Settings
from docintel.models.runtime import choose_engine
from docintel.worker.runtime import Runtime

log = logging.getLogger("docintel.worker")

_kept = False


def keep_step_metrics() -> None:
    """Start keeping step metrics in this process (in prometheus_client's default
    registry), for a /metrics page that shows them."""
    global _kept
    _kept = True
    _collectors()


@lru_cache(maxsize=1)
def _collectors() -> tuple[Any, Any]:
    from prometheus_client import Counter, Histogram

    seconds = Histogram(
        "docintel_step_duration_seconds",
        "Seconds a pipeline step took, by step and engine.",
        ["step", "engine"],
        buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900),
    )
    failures = Counter(
        "docintel_step_failures",
        "Steps that ended a document as failed, by step.",
        ["step"],
    )
    return seconds, failures


def engine_label(runtime: Runtime) -> str:
    """The engine a step ran on, known without loading a model."""
    if runtime.injected_engine is not None:
        return str(getattr(runtime.injected_engine, "name", "injected"))
    key = (runtime.settings.engine, runtime.settings.model)
    if key not in _ENGINES:
        _ENGINES[key] = choose_engine(runtime.settings.engine_config()).name
    return _ENGINES[key]


_ENGINES: dict[tuple[str, str], str] = {}


def observe_step(step: str, engine: str, seconds: float) -> None:
    if _kept:
        _collectors()[0].labels(step=step.split(":", 1)[0], engine=engine).observe(seconds)


def count_failure(step: str) -> None:
    if _kept:
        _collectors()[1].labels(step=step.split(":", 1)[0]).inc()


def serve_worker_metrics(settings: Settings, index: int) -> None:
    """A worker process's own /metrics port (DOCINTEL_METRICS_PORT + index)."""
    if not settings.metrics_port:
        return
    from prometheus_client import start_http_server

    keep_step_metrics()
    port = settings.metrics_port + index
    try:
        start_http_server(port, addr=settings.api_host)
    except OSError as exc:
        log.warning("metrics port %s is taken (%s); this process serves none", port, exc)
