"""Where the inbox changes: inotify on Linux, one watch per real folder of the inbox.

A folder is watched through a descriptor opened without following links (the watch is
added on ``/proc/self/fd/N``, the very folder that was opened), so a link in the inbox is
never watched and a folder swapped for a link to a large tree costs nothing: its name is
a file event like any other, refused later with the reason. Dot folders (the claim folder
among them) are not entered. The kernel bounds the queue; when it overflows, or the inbox
itself goes away, every watch is dropped and the tree is walked again (a resync), so no
file is missed for long.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path, PurePath

from docintel.watcher.confine import open_folder, walk

log = logging.getLogger("docintel.watcher")


class InotifyEvents:
    """The inbox's file events as paths; ``read`` also returns the files found by walking a
    folder that appeared (or by a resync), whose clocks start as if just seen."""

    def __init__(self, inbox: Path) -> None:
        from inotify_simple import INotify, flags

        self.inbox = inbox
        self.flags = flags
        self.notify = INotify()
        self.mask = (
            flags.CREATE
            | flags.MODIFY
            | flags.CLOSE_WRITE
            | flags.ATTRIB
            | flags.MOVED_FROM
            | flags.MOVED_TO
            | flags.DELETE_SELF
            | flags.MOVE_SELF
            | flags.ONLYDIR
            | flags.EXCL_UNLINK
        )
        self.folders: dict[int, PurePath] = {}  # watch descriptor -> folder in the inbox
        self.resyncs = 0
        self._stale = True  # the first read walks the whole inbox

    def close(self) -> None:
        self.notify.close()

    def read(self, timeout_s: float) -> tuple[list[Path], list[Path]]:
        """(paths that changed, files found by walking) within ``timeout_s``."""
        changed: list[Path] = []
        found: list[Path] = []
        if self._stale:
            found += self._resync()
        for event in self.notify.read(timeout=int(timeout_s * 1000)):
            self._handle(event, changed, found)
        if self._stale:
            found += self._resync()
        return changed, found

    def _handle(self, event, changed: list[Path], found: list[Path]) -> None:  # type: ignore[no-untyped-def]
        f = self.flags
        if event.mask & f.Q_OVERFLOW:
            log.warning("the inbox's event queue overflowed; walking the inbox again")
            self._stale = True
            return
        folder = self.folders.get(event.wd)
        if folder is None:
            return  # a watch dropped a moment ago
        if event.mask & f.IGNORED:  # the folder is gone (deleted, moved out, unmounted)
            self.folders.pop(event.wd, None)
            self._stale = self._stale or folder == PurePath()
            return
        if event.mask & (f.DELETE_SELF | f.MOVE_SELF):
            self._stale = self._stale or folder == PurePath()
            return
        if not event.name or event.name.startswith("."):
            return
        rel = folder / event.name
        if event.mask & f.ISDIR:
            if event.mask & f.MOVED_FROM:
                self._unwatch(rel)
            elif event.mask & (f.CREATE | f.MOVED_TO):
                found += self._watch_tree(rel)
            return
        changed.append(self.inbox / rel)

    def _resync(self) -> list[Path]:
        self._stale = False
        self.resyncs += 1
        for wd in list(self.folders):
            self._remove(wd)
        return self._watch_tree(PurePath())

    def _watch_tree(self, top: PurePath) -> list[Path]:
        """Watch ``top`` and the real folders under it; the files in them."""
        files: list[Path] = []
        if not self._watch(top):
            return files
        for rel, is_folder in walk(self.inbox, top):
            if not is_folder:
                files.append(self.inbox / rel)
            elif not self._watch(rel):
                continue
        return files

    def _watch(self, rel: PurePath) -> bool:
        try:
            fd = open_folder(self.inbox, rel)
        except Exception:  # a link, gone, or no longer a folder: not watched
            return False
        try:
            wd = self.notify.add_watch(f"/proc/self/fd/{fd}", self.mask)
        except OSError as exc:
            log.warning("cannot watch %r (%s); it is found by the resync walks", str(rel), exc)
            return False
        finally:
            os.close(fd)
        self.folders[wd] = rel
        return True

    def _unwatch(self, top: PurePath) -> None:
        for wd, rel in list(self.folders.items()):
            if rel == top or top in rel.parents:
                self._remove(wd)

    def _remove(self, wd: int) -> None:
        self.folders.pop(wd, None)
        try:
            self.notify.rm_watch(wd)
        except OSError:
            pass  # already gone with its folder
