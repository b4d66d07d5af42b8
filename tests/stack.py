"""Real processes for the end-to-end tests: `docintel worker` and `docintel watch` on the
real Redis and PostgreSQL, each in its own process group so a test can SIGKILL it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select

from docintel.store.db import session_scope
from docintel.store.schema import Document


class Stack:
    def __init__(self, home: Path, db_url: str, broker_url: str, **extra: str) -> None:
        self.home = home
        self.db_url = db_url
        self.env = {
            **os.environ,
            "DOCINTEL_HOME": str(home),
            "DOCINTEL_DATABASE_URL": db_url,
            "DOCINTEL_BROKER_URL": broker_url,
            "DOCINTEL_STABLE_SECONDS": "1.0",
            "DOCINTEL_RECOVER_INTERVAL": "2",
            "DOCINTEL_ORPHAN_GRACE_SECONDS": "3",
            "DOCINTEL_LOG_LEVEL": "INFO",
            **extra,
        }
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.inbox = home / "inbox"
        self.inbox.mkdir(parents=True, exist_ok=True)

    def _start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = (self.home / f"{name}.log").open("ab")
        proc = subprocess.Popen(
            [sys.executable, "-m", "docintel.cli", *args],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs[name] = proc
        return proc

    def start_worker(self, name: str = "worker", *options: str) -> None:
        """`docintel worker` with ``options`` (default: one process on every queue)."""
        log = self.home / f"{name}.log"
        seen = log.read_text(errors="replace").count(" ready.") if log.exists() else 0
        options = options or ("--concurrency", "1")
        self._start(name, "worker", *options, "--name", f"{name}-{time.time_ns()}@%h")
        self.wait(
            lambda: log.exists() and log.read_text(errors="replace").count(" ready.") > seen,
            60,
            f"{name} did not start; see {log}",
        )

    def start_watcher(self, name: str = "watcher") -> None:
        self._start(name, "watch")
        time.sleep(1.5)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        proc = self.procs.pop(name)
        os.killpg(proc.pid, sig)
        proc.wait(30)

    def stop(self) -> None:
        for name in list(self.procs):
            try:
                self.kill(name, signal.SIGTERM)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                self.kill(name, signal.SIGKILL)

    def counts(self) -> dict[str, int]:
        with session_scope(self.db_url) as s:
            rows = s.execute(select(Document.status, func.count()).group_by(Document.status))
            return dict(rows.all())

    def wait(self, pred: Callable[[], bool], timeout: float, message: str) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if pred():
                return
            time.sleep(0.2)
        raise AssertionError(f"{message} (documents: {self.counts()})\n{self.logs()}")

    def settled(self, total: int) -> bool:
        counts = self.counts()
        return sum(counts.get(s, 0) for s in ("done", "failed", "duplicate")) >= total

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
            for p in self.home.glob("*.log")
        )
