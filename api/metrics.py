"""GET /metrics for Prometheus: what the database says (documents by status and type,
pages and audio seconds processed, failures by reason class), the queue depth per queue
(Redis, distributed), and this process's own step histograms (in-process work)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from sqlalchemy import func, select

from docintel.api.auth import caller
from docintel.config import Settings
from docintel.store.db import session_scope
from docintel.store.schema import Document, Status
from docintel.worker.app import QUEUES, app_for
from docintel.worker.metrics import keep_step_metrics
from docintel.worker.recovery import queue_depths

router = APIRouter(tags=["operations"])

# A failure's reason, as a label Prometheus can count (the message itself is unbounded).
REASONS = (
    ("gave_up", re.compile(r"^gave up", re.I)),
    ("time_limit", re.compile(r"time limit", re.I)),
    ("refused", re.compile(r"refused|above DOCINTEL_|decompression bomb|too large|nested", re.I)),
    ("unreadable", re.compile(r"could not be (read|decoded|opened)|damaged|empty|encrypted", re.I)),
    ("bug", re.compile(r"looks like a bug", re.I)),
)


def reason_class(error: str | None) -> str:
    for name, pattern in REASONS:
        if error and pattern.search(error):
            return name
    return "other"


class DatabaseCollector:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def collect(self) -> Iterator[Metric]:
        documents = GaugeMetricFamily(
            "docintel_documents",
            "Documents by status, kind and type.",
            labels=["status", "kind", "doc_type"],
        )
        pages = CounterMetricFamily("docintel_pages_processed", "Pages of documents done.")
        audio = CounterMetricFamily(
            "docintel_audio_seconds_processed", "Seconds of recordings done."
        )
        failures = CounterMetricFamily(
            "docintel_failures", "Failed documents by reason class.", labels=["reason"]
        )
        with session_scope(self.settings.db_url) as s:
            for status, kind, doc_type, count in s.execute(
                select(Document.status, Document.kind, Document.doc_type, func.count()).group_by(
                    Document.status, Document.kind, Document.doc_type
                )
            ):
                documents.add_metric([status, kind or "", doc_type or ""], count)
            done = Document.status == Status.done.value
            pages.add_metric([], s.scalar(select(func.sum(Document.page_count)).where(done)) or 0)
            audio.add_metric([], s.scalar(select(func.sum(Document.duration_s)).where(done)) or 0)
            counted: dict[str, int] = {}
            for (error,) in s.execute(
                select(Document.error).where(Document.status == Status.failed.value)
            ):
                key = reason_class(error)
                counted[key] = counted.get(key, 0) + 1
        for key, count in sorted(counted.items()):
            failures.add_metric([key], count)
        yield from (documents, pages, audio, failures)
        depth = GaugeMetricFamily(
            "docintel_queue_depth", "Tasks waiting per queue.", labels=["queue"]
        )
        try:
            if self.settings.distributed:
                depths = queue_depths(app_for(self.settings), QUEUES)
                for queue in QUEUES:
                    depth.add_metric([queue], depths[queue])
        except Exception:  # the broker is away: the rest of the page still answers
            pass
        yield depth


def registry_for(settings: Settings) -> CollectorRegistry:
    keep_step_metrics()  # steps this process runs (docintel up) are shown with the rest
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseCollector(settings))  # type: ignore[arg-type]
    return registry


@router.get("/metrics", dependencies=[Depends(caller)], response_class=Response)
def metrics(request: Request) -> Any:
    """Prometheus text format."""
    body = generate_latest(request.app.state.metrics) + generate_latest(REGISTRY)
    return Response(body, media_type="text/plain; version=0.0.4; charset=utf-8")
