"""Modules imported in the calling thread before work fans out to threads. Two threads that
import one package for the first time at once can load a C extension twice ("cannot load
module more than once per process": numpy, on a Celery worker whose typing thread and main
thread both imported it) or deadlock on a circle of its submodules; imported here first,
each thread finds them in ``sys.modules``."""

from __future__ import annotations

import importlib

# what the CPU page reader's threads import (the deskew, the grid search, the fast turn)
PAGE_READER = ("numpy", "PIL.Image", "cv2")


def import_first(*names: str) -> None:
    """Import ``names`` here, now; one that is not installed is left to the thread that
    needs it, which says why."""
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError:
            continue
