"""Orchestration: Celery and the database only. The app (``app``, made from settings on
demand), the guard every task runs in (``guard``), tasks of a few lines (``tasks``), the
canvas (``workflow``), process hooks (``lifecycle``), recovery (``recovery``) and the injected
runtime (``runtime``). Document logic lives in ``docintel.pipeline``.
"""
