"""The Celery app, the per-document workflow and its tasks.

``worker.app`` is importable without torch; model code is imported inside the tasks that
need it.
"""
