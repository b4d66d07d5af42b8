"""The inbox watcher: watchdog events (or polling, for network shares where inotify is
silent) mark candidates; a file is taken once nothing has touched it for
``stable_seconds`` and its size and mtime have stopped changing."""

from __future__ import annotations

import fnmatch
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from docintel.config import Settings
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


def ignored(path: Path) -> bool:
    return any(fnmatch.fnmatch(path.name, pattern) for pattern in IGNORED)


@dataclass
class _Seen:
    size: int
    mtime_ns: int
    changed_at: float


class _Events(FileSystemEventHandler):
    def __init__(self, touch: Callable[[Path], None]) -> None:
        self.touch = touch

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory:
            return
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            if raw:
                self.touch(Path(str(raw)))


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
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def touch(self, path: Path) -> None:
        """An event on ``path``: (re)start its stability clock."""
        if ignored(path):
            return
        with self._lock:
            self._seen[path] = _Seen(-1, -1, time.monotonic())

    def scan(self) -> None:
        """Files already in the inbox when we start (and, when polling, on every pass)."""
        for path in self.inbox.rglob("*"):
            if path.is_file() and not ignored(path):
                with self._lock:
                    self._seen.setdefault(path, _Seen(-1, -1, time.monotonic()))

    def stable(self) -> list[Path]:
        now = time.monotonic()
        ready = []
        with self._lock:
            for path, seen in list(self._seen.items()):
                try:
                    st = path.stat()
                except FileNotFoundError:
                    del self._seen[path]  # moved away or deleted before it settled
                    continue
                if (st.st_size, st.st_mtime_ns) != (seen.size, seen.mtime_ns):
                    self._seen[path] = _Seen(st.st_size, st.st_mtime_ns, now)
                elif now - seen.changed_at >= self.settings.stable_seconds:
                    ready.append(path)
                    del self._seen[path]
        return ready

    def take(self, path: Path) -> None:
        try:
            result = ingest(path, self.settings)
        except FileNotFoundError:
            return
        except Exception:  # one bad file must not stop the inbox
            log.exception("could not take %s; it stays in the inbox", path)
            return
        log.info("%s -> document %s (%s)", path.name, result.document_id, result.status)
        self.on_ingested(result, path)

    def stop(self) -> None:
        self._stop.set()

    def run(self, tick: float = 0.2) -> None:
        self.inbox.mkdir(parents=True, exist_ok=True)
        observer = (
            PollingObserver(timeout=self.settings.poll_interval) if self.polling else Observer()
        )
        observer.schedule(_Events(self.touch), str(self.inbox), recursive=True)
        observer.start()
        self.scan()
        last_recover = 0.0
        try:
            while not self._stop.is_set():
                for path in self.stable():
                    self.take(path)
                if (
                    self.recover
                    and time.monotonic() - last_recover >= self.settings.recover_interval
                ):
                    last_recover = time.monotonic()
                    try:
                        self.recover()
                    except Exception:
                        log.exception("recovery sweep failed; will try again")
                self._stop.wait(tick)
        finally:
            observer.stop()
            observer.join(timeout=5)
