"""The results database: SQLAlchemy 2 schema, sessions, idempotent writes and queries.

Imports nothing of ours, so it can be used by any process (watcher, worker, CLI, tests).
"""
