"""GET /metrics for Prometheus: what the database says (documents by status and type,
pages and audio seconds processed, failures by reason class), the queue depth per queue
(Redis, distributed), and this process's own step histograms (in-process work)."""

from __future__ import annotations

import hmac
import re
import time
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from sqlalchemy import func, select

from docintel.api import schemas
from docintel.api.auth import caller, credential
from docintel.config import Settings
from docintel.store.db import session_scope
from docintel.store.mail import mail_status
from docintel.store.schema import AuditEvent, Document, Status
from docintel.worker.app import QUEUES, app_for
from docintel.worker.metrics import keep_step_metrics
from docintel.worker.recovery import queue_depths

router = APIRouter(tags=["operations"])

# A failure's reason, as a label Prometheus can count (the message itself is unbounded).
REASONS = (
    ("gave_up", re.compile(r"^gave up", re.I)),
    ("time_limit", re.compile(r"time limit", re.I)),
    # a file of a kind docintel does not read ('setup.pdf is a Windows executable, not a
    # document, ...') is refused, not 'other'
    (
        "refused",
        re.compile(
            r"refused|above DOCINTEL_|decompression bomb|too large|nested|not a document|"
            r"does not read",
            re.I,
        ),
    ),
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
            oldest = s.scalar(
                select(func.min(Document.updated_at)).where(Document.status == Status.queued.value)
            )
            deliveries = dict(
                s.execute(
                    select(AuditEvent.status, func.count())
                    .where(AuditEvent.step.like("webhook:%"))
                    .group_by(AuditEvent.status)
                ).all()
            )
        for key, count in sorted(counted.items()):
            failures.add_metric([key], count)
        waited = GaugeMetricFamily(
            "docintel_oldest_queued_seconds",
            "How long the document queued longest has waited for its first step (0: none).",
        )
        waited.add_metric([], _age(oldest))
        webhooks = CounterMetricFamily(
            "docintel_webhook_deliveries", "Webhook POSTs by result.", labels=["result"]
        )
        for result in ("ok", "error"):
            webhooks.add_metric([result], deliveries.get(result, 0))
        yield from (documents, pages, audio, failures, waited, webhooks)
        yield from self._mail()
        if self.settings.distributed:
            yield self._workers()
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

    def _mail(self) -> Iterator[Metric]:
        failing = GaugeMetricFamily(
            "docintel_mail_account_failures",
            "Failed polls in a row per mail account (0: its last poll worked).",
            labels=["account"],
        )
        messages = GaugeMetricFamily(
            "docintel_mail_messages",
            "Messages in the mail-in ledger, by account and status (done, duplicate, ...).",
            labels=["account", "status"],
        )
        with session_scope(self.settings.db_url) as s:
            for account in mail_status(s):
                failing.add_metric([account["name"]], account["failures"])
                for status, count in account["messages"].items():
                    messages.add_metric([account["name"], status], count)
        yield from (failing, messages)

    def _workers(self) -> Metric:
        workers = GaugeMetricFamily(
            "docintel_workers", "Workers that answered a ping (distributed mode)."
        )
        try:
            answers = app_for(self.settings).control.ping(timeout=0.5) or []
        except Exception:  # the broker is away: no worker can be reached
            answers = []
        workers.add_metric([], len(answers))
        return workers


def _age(moment: Any) -> float:
    if moment is None:
        return 0.0
    if moment.tzinfo is None:  # SQLite hands back naive UTC
        from datetime import UTC

        moment = moment.replace(tzinfo=UTC)
    return max(0.0, time.time() - moment.timestamp())


def registry_for(settings: Settings) -> CollectorRegistry:
    # a counter's *_created timestamp is no series of its own to alert on or plot
    disable_created_metrics()
    keep_step_metrics()  # steps this process runs (docintel up) are shown with the rest
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseCollector(settings))  # type: ignore[arg-type]
    return registry


def scraper(request: Request) -> None:
    """The scrape token (DOCINTEL_METRICS_TOKEN) reads /metrics; else any API credential."""
    token = request.app.state.settings.metrics_token
    given = credential(request) or ""
    if token and hmac.compare_digest(given.encode(), token.encode()):
        return
    caller(request)


@router.get(
    "/metrics",
    dependencies=[Depends(scraper)],
    response_class=Response,
    responses=schemas.text(("text/plain",), "Prometheus text format, version 0.0.4."),
)
def metrics(request: Request) -> Any:
    """Prometheus text format."""
    body = generate_latest(request.app.state.metrics) + generate_latest(REGISTRY)
    return Response(body, media_type="text/plain; version=0.0.4; charset=utf-8")
