"""The worker's own Prometheus metrics: each step's duration by engine, and steps that
failed. In-process runs (``docintel up``, ``serve`` without a broker) show them on the
API's /metrics; a distributed worker process serves them on DOCINTEL_METRICS_PORT plus
its process index when that is set."""

from __future__ import annotations

import logging

from prometheus_client import Counter, Histogram, start_http_server

from docintel.config import Settings
from docintel.models.runtime import choose_engine
from docintel.worker.runtime import Runtime

log = logging.getLogger("docintel.worker")

STEP_SECONDS = Histogram(
    "docintel_step_duration_seconds",
    "Seconds a pipeline step took, by step and engine.",
    ["step", "engine"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900),
)
STEP_FAILURES = Counter(
    "docintel_step_failures",
    "Steps that ended a document as failed, by step.",
    ["step"],
)


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
    STEP_SECONDS.labels(step=step.split(":", 1)[0], engine=engine).observe(seconds)


def serve_worker_metrics(settings: Settings, index: int) -> None:
    """A worker process's own /metrics port (DOCINTEL_METRICS_PORT + index)."""
    if not settings.metrics_port:
        return
    port = settings.metrics_port + index
    try:
        start_http_server(port, addr=settings.api_host)
    except OSError as exc:
        log.warning("metrics port %s is taken (%s); this process serves none", port, exc)
