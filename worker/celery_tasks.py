"""docintel's task functions (``worker.steps``) registered as Celery tasks: a worker imports
this module when it starts (``worker.app.TASK_MODULES``), and so does an app that runs them
eagerly. Every task is a ``LabelledTask``."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task

from docintel.worker.steps import load_steps


class LabelledTask(Task):  # type: ignore[misc]
    """Every docintel task: a retry is sent with the label its first send had. Celery's
    retry message carries the bare arguments, so Flower showed a retried step as a sha256
    (and a webhook's URL with its secret)."""

    def retry(self, *args: Any, **options: Any) -> Any:
        label = getattr(self.request, "argsrepr", None)
        if label:
            options.setdefault("argsrepr", label)
        return super().retry(*args, **options)


for _name, (_fn, _options) in load_steps().items():
    globals()[_fn.__name__] = shared_task(name=_name, bind=True, **_options)(_fn)
