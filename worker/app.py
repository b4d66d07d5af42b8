"""The Celery app: queues, routing, limits and reliability settings, all in one place.

An app is made from settings when it is asked for (``app_for``), never at import time; the
task modules are named as strings and registered with ``shared_task``, so importing this
module imports no task and no pipeline code: the watcher and Flower load it in about a
second, and there is no import circle between the app and its tasks.
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from kombu import Queue

from docintel.config import Settings
from docintel.models.runtime import Engine, choose_engine
from docintel.pipeline.errors import DocumentFailed
from docintel.worker.queues import (  # noqa: F401 (the app's names, as before)
    ENTRY_TASK,
    LONGEST_HARD_LIMIT,
    PRIORITY_FANOUT,
    PRIORITY_INDEX,
    PRIORITY_NEW,
    PRIORITY_STEPS,
    PRIORITY_TAIL,
    QUEUES,
    TASKS,
    time_limits,
)


def celery_config(settings: Settings) -> dict[str, Any]:
    config: dict[str, Any] = {
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "task_queues": [Queue(q, routing_key=q) for q in QUEUES],
        "task_default_queue": "cpu",
        "task_routes": {name: {"queue": queue} for name, (queue, _, _) in TASKS.items()},
        "task_annotations": {
            # a failed document is an expected outcome: logged in a line, not a traceback
            name: {"soft_time_limit": soft, "time_limit": hard, "throws": (DocumentFailed,)}
            for name, (soft, hard) in ((name, time_limits(name, settings)) for name in TASKS)
        },
        # A task is acknowledged when it ends, not when it starts, and a worker that dies
        # mid-task hands it back: the broker re-delivers it, and idempotent writes make the
        # second run harmless.
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        # Results travel through the database; only chord members (page, audio) need the
        # backend, so the rest skip a Redis write per task.
        "task_ignore_result": True,
        "result_expires": 24 * 3600,
        "worker_send_task_events": True,
        "task_send_sent_event": True,
        "broker_connection_retry_on_startup": True,
        "worker_hijack_root_logger": False,
        "worker_cancel_long_running_tasks_on_connection_loss": True,
    }
    if settings.distributed:
        visibility = max(
            settings.visibility_timeout, (LONGEST_HARD_LIMIT + 60) * settings.time_limit_scale
        )
        transport = {
            # Above the longest hard time limit, or a running task would be handed out twice.
            "visibility_timeout": visibility,
            # Sweep for expired unacked messages every few seconds instead of every 100 s.
            "unacked_restore_interval": settings.unacked_restore_interval,
            "unacked_restore_throttle": 1,
            # One Redis list per priority step; every queue's step 0 is read before any 3.
            "priority_steps": list(PRIORITY_STEPS),
            "queue_order_strategy": "priority",
        }
        config.update(
            broker_url=settings.broker_url,
            result_backend=settings.backend_url,
            broker_transport_options=transport,
            result_backend_transport_options={"visibility_timeout": visibility},
        )
    else:
        # Embedded: the same tasks run in-process, in order, with no broker.
        config.update(
            broker_url="memory://",
            result_backend="cache+memory://",
            task_always_eager=True,
            task_eager_propagates=False,
            task_store_eager_result=False,
        )
    return config


# Task modules, named as strings: the worker imports them when it starts.
TASK_MODULES = ("docintel.worker.celery_tasks", "docintel.worker.lifecycle")


def pool_size(settings: Settings, gpu: int | None = None) -> int:
    """Processes for a worker: the setting, or else one per core on the CPU engine (as
    Celery's own default) and one where each process would load its own model copy."""
    if settings.worker_concurrency:
        return settings.worker_concurrency
    if gpu is not None:
        return 1
    if choose_engine(settings.engine_config()).name == "cpu":
        return os.cpu_count() or 1
    return 1


GPU_QUEUES = frozenset({"page", "audio", "agent"})


def worker_pool(settings: Settings, gpu: int | None, queues: list[str]) -> tuple[str, int]:
    """(Celery pool, concurrency). A GPU worker on the model's queues runs its tasks as
    threads of one process, so they share one loaded model and its service batches their
    requests across documents; prefork would give each process its own model copy, or
    one task at a time. Anything with the cpu queue, or without the model, keeps prefork."""
    threaded = (
        gpu is not None
        and set(queues) <= GPU_QUEUES
        and settings.model_service
        and choose_engine(settings.engine_config()).name == "gemma"
    )
    if threaded:
        return "threads", settings.worker_concurrency or settings.gpu_threads
    return "prefork", pool_size(settings, gpu)


def make_app(settings: Settings) -> Celery:
    # each task keeps its Flower label when it is retried
    app = Celery(
        "docintel", set_as_current=False, task_cls="docintel.worker.celery_tasks:LabelledTask"
    )
    app.conf.update(celery_config(settings))
    app.conf.imports = TASK_MODULES
    return app


_apps: dict[tuple[Any, ...], Celery] = {}


def app_for(settings: Settings) -> Celery:
    """The process's app for these settings' queue (one per broker, or the in-process one)."""
    key = (settings.distributed, settings.broker_url, settings.backend_url)
    app = _apps.get(key)
    if app is None:
        app = _apps[key] = make_app(settings)
    app.set_current()
    return app


def enqueue(sha256: str, settings: Settings, engine: Engine | None = None) -> None:
    """Start a document's workflow by task name: the watcher never imports the tasks. In the
    embedded mode the workflow runs here, now, with these settings (and ``engine``, when one
    is injected)."""
    if not settings.distributed:
        from docintel.worker.local import run_document

        run_document(sha256, settings, engine)  # the same steps, with no Celery app
        return
    app = app_for(settings)
    send_entry(app, sha256, entry_label(sha256, settings))


def entry_label(sha256: str, settings: Settings) -> str:
    """The document's name and id for Flower, from the database (the callers of enqueue
    hold only the sha256)."""
    from docintel.store.db import session_scope
    from docintel.store.records import document_by_sha
    from docintel.worker.labels import task_label

    try:
        with session_scope(settings.db_url) as s:
            doc = document_by_sha(s, sha256)
            return task_label(doc.id, doc.name, sha256) if doc is not None else ""
    except Exception:  # a label is worth no lost document
        return ""


def send_entry(app: Celery, sha256: str, label: str = "") -> None:
    """A document's first task, to a worker."""
    options = {"argsrepr": label} if label else {}
    app.send_task(
        ENTRY_TASK,
        args=[sha256],
        queue=TASKS[ENTRY_TASK][0],
        priority=PRIORITY_NEW,
        **options,
    )
