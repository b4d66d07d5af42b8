"""The queues, the tasks on them, their time limits and priorities: what the Celery app
(``worker.app``) and the in-process local queues (``worker.local``) both follow. Importing it
imports no Celery: `docintel process` runs its steps without building a Celery app."""

from __future__ import annotations

from docintel.config import Settings

QUEUES = ("cpu", "page", "audio", "agent")

# task name -> (queue, soft time limit s, hard time limit s)
TASKS: dict[str, tuple[str, int, int]] = {
    "docintel.route": ("cpu", 600, 660),
    "docintel.page": ("page", 900, 960),
    "docintel.audio": ("audio", 900, 960),
    "docintel.merge": ("cpu", 300, 360),
    "docintel.agent": ("agent", 1800, 1860),
    "docintel.finalize": ("cpu", 120, 180),
    # Embedding follows the document, on the queue whose workers hold the models.
    "docintel.index": ("agent", 1800, 1860),
    # A POST to a user's receiver when a document ends (worker.webhooks).
    "docintel.webhook": ("cpu", 60, 90),
}
ENTRY_TASK = "docintel.route"
# Later steps of a document go before new documents (Redis: 0 is served first), so a batch
# finishes document by document instead of all at the end; the retrieval index goes last,
# when no document waits (a document is done when its content is stored; under a backlog
# its chunks are searchable by full text until then).
PRIORITY_INDEX, PRIORITY_NEW, PRIORITY_FANOUT, PRIORITY_TAIL = 9, 6, 3, 0
PRIORITY_STEPS = (PRIORITY_TAIL, PRIORITY_FANOUT, PRIORITY_NEW, PRIORITY_INDEX)
LONGEST_HARD_LIMIT = max(hard for _, _, hard in TASKS.values())


def time_limits(task: str, settings: Settings) -> tuple[float, float]:
    """(soft, hard) seconds for ``task``, scaled by DOCINTEL_TIME_LIMIT_SCALE."""
    _, soft, hard = TASKS[task]
    return soft * settings.time_limit_scale, hard * settings.time_limit_scale
