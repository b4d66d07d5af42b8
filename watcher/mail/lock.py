"""One fetcher per account at a time, across the cluster: a Redis lock where the broker is
Redis (every watcher of a deployment polls, one takes each account), else a lock on a file
in DOCINTEL_HOME (the embedded mode: one host). The ledger's unique key is the second line
of defence: a message claimed by one fetcher is never taken by another."""

from __future__ import annotations

import fcntl
import os
import re
import time
from pathlib import Path
from typing import Protocol

from docintel.config import Settings

LEASE_S = 300  # a Redis lock lapses this long after its holder stopped extending it
EXTEND_EVERY_S = 10


class LockLost(Exception):
    """The lock lapsed while we held it (a stall longer than the lease)."""


class AccountLock(Protocol):
    def acquire(self) -> bool: ...
    def keep(self) -> None: ...
    def release(self) -> None: ...


class FileLock:
    """flock on a file: the kernel frees it when the holder dies."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self.fd = fd
        return True

    def keep(self) -> None:
        pass

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing the descriptor drops the flock
            self.fd = None


class RedisLock:
    """redis-py's lock (a token under a key with a TTL), extended while work goes on."""

    def __init__(self, url: str, key: str) -> None:
        import redis

        self.lock = redis.Redis.from_url(url).lock(key, timeout=LEASE_S, blocking=False)
        self.extended = 0.0

    def acquire(self) -> bool:
        got = bool(self.lock.acquire(blocking=False))
        self.extended = time.monotonic()
        return got

    def keep(self) -> None:
        from redis.exceptions import LockError

        if time.monotonic() - self.extended < EXTEND_EVERY_S:
            return
        try:
            self.lock.extend(LEASE_S, replace_ttl=True)
        except LockError as exc:
            raise LockLost(f"the account's lock lapsed ({exc})") from exc
        self.extended = time.monotonic()

    def release(self) -> None:
        from redis.exceptions import LockError

        try:
            self.lock.release()
        except LockError:
            pass  # lapsed: nothing of ours to release


def account_lock(settings: Settings, account: str) -> AccountLock:
    if settings.broker_url.startswith(("redis://", "rediss://", "unix://")):
        return RedisLock(settings.broker_url, f"docintel:mail:lock:{account}")
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", account)
    return FileLock(settings.home / "mail-locks" / f"{safe}.lock")
