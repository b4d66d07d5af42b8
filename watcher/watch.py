"""The inbox watcher: inotify events (``watcher.events``), or a walk of the inbox every
``poll_interval`` for network shares where inotify is silent, mark candidates; a file is
taken once nothing has touched it for ``stable_seconds``, its size and mtime have stopped
changing, and no process holds it open for writing (``watcher.confine``)."""

from __future__ import annotations

import fnmatch
import logging
import os
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePath

from sqlalchemy.exc import DBAPIError

from docintel.config import Settings, redact_text
from docintel.store.db import session_scope
from docintel.store.records import clear_refusal, record_refusal
from docintel.watcher.claims import ClaimOwner, abandoned_claims
from docintel.watcher.confine import (
    CLAIMS,
    NotReady,
    Refused,
    claims_folder,
    display_name,
    open_folder,
    rename_without_replacing,
    walk,
)
from docintel.watcher.events import InotifyEvents
from docintel.watcher.ingest import Ingested, ingest

log = logging.getLogger("docintel.watcher")

# Names that are still being written or are not documents at all.
IGNORED = (
    "*.part",
    "*.partial",
    "*.tmp",
    "*.crdownload",
    "*.download",
    "*.swp",
    "~$*",
    ".*",
    "*.incoming",
)


def ignored(path: Path, inbox: Path | None = None) -> bool:
    """Temporary names, dotfiles, and anything inside a dot folder of the inbox (the claim
    folder among them)."""
    if any(fnmatch.fnmatch(path.name, pattern) for pattern in IGNORED):
        return True
    if inbox is not None:
        try:
            parts = path.relative_to(inbox).parts[:-1]
        except ValueError:
            return False
        return any(part.startswith(".") for part in parts)
    return False


@dataclass
class _Seen:
    size: int
    mtime_ns: int
    changed_at: float


class InboxWatcher:
    def __init__(
        self,
        settings: Settings,
        on_ingested: Callable[[Ingested, Path], None] = lambda _i, _p: None,
        *,
        polling: bool = False,
        recover: Callable[[], object] | None = None,
    ) -> None:
        self.settings = settings
        self.inbox = settings.inbox_dir
        self.polling = polling
        self.on_ingested = on_ingested
        self.recover = recover
        self._seen: dict[Path, _Seen] = {}
        # Refused files, by the (size, mtime) they were refused at: not tried again, and
        # not reported again, until they change.
        self._refused: dict[Path, tuple[int, int]] = {}
        self._waiting: set[Path] = set()  # not whole yet (still written): said once
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._send_failing = False
        self._sweep_failing = False
        self._db_failing = False
        self.owner = ClaimOwner(self.inbox / CLAIMS)

    def touch(self, path: Path) -> None:
        """An event on ``path``: (re)start its stability clock."""
        if ignored(path, self.inbox):
            return
        with self._lock:
            self._seen[path] = _Seen(-1, -1, time.monotonic())

    def notice(self, path: Path) -> None:
        """A file found by a walk: a candidate, its clock left running if it already was."""
        if ignored(path, self.inbox):
            return
        with self._lock:
            self._seen.setdefault(path, _Seen(-1, -1, time.monotonic()))

    def scan(self) -> None:
        """Files already in the inbox when we start (and, when polling, on every pass),
        walked without following a link. Links, FIFOs and other non-regular files are
        candidates too: they are refused, with the reason, instead of silently skipped."""
        self.release_stale_claims()
        for rel, is_folder in walk(self.inbox):
            if not is_folder:
                self.notice(self.inbox / rel)

    def release_stale_claims(self) -> None:
        """Put back what a watcher that died had claimed and not archived: at once where its
        lock says it is dead, after ten minutes where no lock tells (``watcher.claims``).
        A claim goes back to the inbox's top folder, beside any file of the same name."""
        folder = self.inbox / CLAIMS
        if not folder.is_dir():
            return
        claimed_list = abandoned_claims(folder, self.owner.token)
        if not claimed_list:
            return
        try:
            claims, root = claims_folder(self.inbox), open_folder(self.inbox, PurePath())
        except (OSError, Refused) as exc:
            log.warning("cannot put back claims left by a stopped watcher: %s", exc)
            return
        try:
            for claimed in claimed_list:
                name = claimed.name.split("__", 1)[-1]
                try:
                    used = rename_without_replacing(claimed.name, claims, name, root)
                except OSError:
                    continue
                log.warning("put back %s, claimed by a watcher that stopped", display_name(used))
        finally:
            os.close(claims)
            os.close(root)

    def stable(self) -> list[Path]:
        now = time.monotonic()
        ready = []
        with self._lock:
            for path, seen in list(self._seen.items()):
                try:
                    st = path.lstat()  # never follow a link, never open a FIFO to look
                except (FileNotFoundError, NotADirectoryError):
                    del self._seen[path]  # moved away or deleted before it settled
                    self._refused.pop(path, None)
                    continue
                if stat.S_ISDIR(st.st_mode):
                    del self._seen[path]  # a folder now: its files are watched for
                    continue
                if self._refused.get(path) == (st.st_size, st.st_mtime_ns):
                    del self._seen[path]
                    continue
                if (st.st_size, st.st_mtime_ns) != (seen.size, seen.mtime_ns):
                    self._seen[path] = _Seen(st.st_size, st.st_mtime_ns, now)
                elif now - seen.changed_at >= self.settings.stable_seconds:
                    ready.append(path)
                    del self._seen[path]
        return ready

    def take(self, path: Path) -> None:
        try:
            result = ingest(path, self.settings, inbox=self.inbox, owner=self.owner.hold())
        except (FileNotFoundError, NotADirectoryError):
            self._waiting.discard(path)
            return  # gone, or another watcher claimed it first
        except NotReady as exc:
            if path not in self._waiting:  # said once, not at every try while it is written
                log.info("%s; it waits for another try", exc)
                self._waiting.add(path)
            self.touch(path)
            return
        except Refused as exc:
            self.refuse(path, str(exc))
            return
        except DBAPIError as exc:  # the database is away: keep the file, try again later
            if not self._db_failing:
                log.warning(
                    "the database is unreachable (%s); %s stays in the inbox and is taken "
                    "when it is back",
                    redact_text(str(exc.orig or exc))[:200],
                    display_name(path.name),
                )
            self._db_failing = True
            self.touch(path)
            return
        except Exception:  # one bad file must not stop the inbox
            log.exception("could not take %s; it stays in the inbox", display_name(path.name))
            self.refuse(path, f"{display_name(path.name)} could not be taken (see the log)")
            return
        self._waiting.discard(path)
        if self._db_failing:
            log.warning("the database is reachable again")
            self._db_failing = False
        with session_scope(self.settings.db_url) as s:
            clear_refusal(s, str(path))
        log.info(
            "%s -> document %s (%s)", display_name(path.name), result.document_id, result.status
        )
        self.send(result, path)

    def refuse(self, path: Path, reason: str) -> None:
        """Say once why a file was not taken, where `docintel status` shows it."""
        try:
            st = path.lstat()
            self._refused[path] = (st.st_size, st.st_mtime_ns)
        except OSError:
            pass
        log.warning("refused: %s", reason)
        try:
            with session_scope(self.settings.db_url) as s:
                record_refusal(s, str(path), reason)
        except Exception:
            log.warning("could not record the refusal in the database")

    def send(self, result: Ingested, path: Path) -> None:
        """Hand the document on; a broker outage is said once, and the recovery sweep sends
        the document when the broker is back (its row says queued)."""
        try:
            self.on_ingested(result, path)
        except Exception as exc:
            if not self._send_failing:
                log.warning(
                    "could not send document %s to the queue (%s: %s); it stays queued and "
                    "is sent when the broker is back",
                    result.document_id,
                    type(exc).__name__,
                    redact_text(str(exc))[:200],
                )
            self._send_failing = True
        else:
            if self._send_failing:
                log.warning("the queue is reachable again")
            self._send_failing = False

    def stop(self) -> None:
        self._stop.set()

    def run(self, tick: float = 0.2) -> None:
        self.inbox.mkdir(parents=True, exist_ok=True)
        events = None if self.polling else self._inotify()
        self.release_stale_claims()
        last_scan = last_recover = 0.0
        try:
            while not self._stop.is_set():
                if events is not None:
                    changed, found = events.read(tick)
                    for path in changed:
                        self.touch(path)
                    for path in found:
                        self.notice(path)
                elif time.monotonic() - last_scan >= self.settings.poll_interval:
                    last_scan = time.monotonic()
                    self.scan()
                for path in self.stable():
                    self.take(path)
                if (
                    self.recover
                    and time.monotonic() - last_recover >= self.settings.recover_interval
                ):
                    last_recover = time.monotonic()
                    self.sweep()
                if events is None:
                    self._stop.wait(tick)
        finally:
            if events is not None:
                events.close()
            self.owner.close()

    def _inotify(self) -> InotifyEvents | None:
        """The kernel's events, or None (polling) where there are none to have."""
        try:
            return InotifyEvents(self.inbox)
        except (OSError, ImportError, AttributeError) as exc:
            log.warning(
                "inotify is not available here (%s); the inbox is walked every %.0f s instead",
                exc,
                self.settings.poll_interval,
            )
            return None

    def sweep(self) -> None:
        """The recovery sweep; its failure is said once and tried again."""
        assert self.recover is not None
        try:
            self.recover()
        except Exception as exc:
            if not self._sweep_failing:
                log.warning(
                    "recovery sweep failed (%s: %s); it is tried again every %.0f s",
                    type(exc).__name__,
                    redact_text(str(exc))[:200],
                    self.settings.recover_interval,
                )
            self._sweep_failing = True
        else:
            self._sweep_failing = False
