"""Who holds a claimed file. A watcher keeps an advisory lock (flock) on an owner file in the
claim folder for as long as it runs, and its claims carry the owner's token. The kernel frees
a dead process's locks, so a claim whose owner file can be locked was left by a watcher that
died (killed, out of memory, its container restarted): it is put back at once, not after ten
minutes. A live owner's claims are never taken back, however old the file's own times are.
A claim with no owner file (a file system without locks) is put back after ten minutes.

Claim names: ``<owner>.<random>__<original name>`` in ``<inbox>/.docintel-claims/``.
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
import uuid
from pathlib import Path

log = logging.getLogger("docintel.watcher")
OWNER_FILE = ".owner-"
UNOWNED_AFTER_S = 600.0


class ClaimOwner:
    """This watcher's token and the lock that says it is alive."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.token = uuid.uuid4().hex[:8]
        self._fd: int | None = None

    def hold(self) -> str:
        """The token to name claims with; the lock is taken on first use. Where locks do not
        work, no owner file is left, and the claims fall back to the ten minutes."""
        if self._fd is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            # Locked under a name of its own first: no one sees the owner file unlocked.
            tmp = self.folder / f".incoming-{self.token}"
            fd = os.open(tmp, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                os.rename(tmp, self.folder / f"{OWNER_FILE}{self.token}")
            except OSError as exc:
                os.close(fd)
                tmp.unlink(missing_ok=True)
                log.warning(
                    "claims cannot be locked here (%s); a dead watcher's claims are put back "
                    "after ten minutes",
                    exc,
                )
                self._fd = -1
            else:
                self._fd = fd
        return self.token

    def close(self) -> None:
        if self._fd is not None and self._fd >= 0:
            (self.folder / f"{OWNER_FILE}{self.token}").unlink(missing_ok=True)
            os.close(self._fd)
        self._fd = None


def _owner(claimed: Path) -> str | None:
    prefix = claimed.name.split("__", 1)[0]
    return prefix.split(".", 1)[0] if "." in prefix else None


def _is_dead(folder: Path, owner: str) -> bool | None:
    """True: its lock could be taken; False: it is held; None: no owner file to ask."""
    try:
        fd = os.open(folder / f"{OWNER_FILE}{owner}", os.O_RDWR)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    else:
        return True
    finally:
        os.close(fd)


def abandoned_claims(folder: Path, me: str, now: float | None = None) -> list[Path]:
    """Claims to put back: those of dead owners, and unowned ones older than ten minutes.
    The owner files of the dead are removed."""
    now = time.time() if now is None else now
    verdicts: dict[str, bool | None] = {}
    found = []
    for claimed in folder.iterdir():
        if claimed.name.startswith("."):
            continue
        owner = _owner(claimed)
        if owner == me:
            continue
        if owner is not None and owner not in verdicts:
            verdicts[owner] = _is_dead(folder, owner)
        dead = verdicts.get(owner) if owner is not None else None
        if dead is None:
            try:
                st = claimed.lstat()
            except OSError:
                continue
            # a rename keeps the file's mtime; its ctime is when it was claimed
            dead = now - max(st.st_mtime, st.st_ctime) >= UNOWNED_AFTER_S
        if dead:
            found.append(claimed)
    for owner, dead in verdicts.items():
        if dead:
            (folder / f"{OWNER_FILE}{owner}").unlink(missing_ok=True)
    return found
