"""spaCy imported for what docintel runs of it (a pipeline's recognizer, on numpy), without
two things its import brings along:

- **torch.** thinc imports it wherever it is installed (1.7 s of a 2.5 s import, in an
  install with the models extra), though en_core_web_sm runs on numpy alone. Where torch is
  not imported yet, ``import torch`` fails in the importing thread for the moment of
  spaCy's import, so thinc takes itself for a machine without torch; another thread, and
  anything imported later, sees torch as usual (a None in sys.modules, as this was done
  before, failed every thread's ``import torch`` in that moment).
- **Its command line.** ``spacy/__init__.py`` imports ``info`` from ``spacy.cli``, whose
  package imports every command and their libraries (weasel, httpx, requests, typer): 0.12 s
  of a 0.32 s import here, holding the interpreter while the pages or the other documents
  wait for it. For that moment ``spacy.cli`` and ``spacy.cli.info`` are stand-ins; then they
  are taken away, ``spacy.info`` imports the real one when called, and ``import spacy.cli``
  imports the real command line. A spaCy whose import wants more of ``spacy.cli`` is
  imported again, whole.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

STAND_INS = ("spacy.cli", "spacy.cli.info")


def import_spacy() -> Any:
    """spaCy, imported lean (above); the module."""
    if "spacy" in sys.modules:
        import spacy

        return spacy
    refuse_torch = "torch" not in sys.modules
    try:
        with _LEAN.here(refuse_torch, stand_ins=True):
            import spacy
    except ImportError:
        _take_stand_ins_away()
        with _LEAN.here(refuse_torch, stand_ins=False):
            import spacy
    _take_stand_ins_away()
    return spacy


def info(*args: Any, **kwargs: Any) -> Any:
    """spaCy's ``info`` (its command line's), imported when it is called."""
    from spacy.cli.info import info as spacys_info

    return spacys_info(*args, **kwargs)


def _take_stand_ins_away() -> None:
    for name in reversed(STAND_INS):
        if getattr(sys.modules.get(name), "__docintel_stand_in__", False):
            del sys.modules[name]
    spacy = sys.modules.get("spacy")
    if spacy is not None and getattr(getattr(spacy, "cli", None), "__docintel_stand_in__", 0):
        del spacy.cli


class _StandIn(importlib.abc.Loader):
    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None  # a plain module

    def exec_module(self, module: Any) -> None:
        module.__docintel_stand_in__ = True
        if module.__name__ == "spacy.cli.info":
            module.info = info


class _LeanImport(importlib.abc.MetaPathFinder):
    """A finder first on sys.meta_path that, for the threads inside ``here()``, refuses torch
    and stands in for spaCy's command line; every other import goes to the finders after
    it. It is put there once and stays: sys.meta_path is iterated by the other threads'
    imports while it is changed, and a finder removed under one of them would make it skip
    the finder after it."""

    def __init__(self) -> None:
        self.threads: dict[int, tuple[bool, bool]] = {}  # thread -> (refuse torch, stand in)
        self.lock = threading.Lock()

    def find_spec(
        self, name: str, path: Any = None, target: Any = None
    ) -> importlib.machinery.ModuleSpec | None:
        refuse_torch, stand_ins = self.threads.get(threading.get_ident(), (False, False))
        if refuse_torch and (name == "torch" or name.startswith("torch.")):
            raise ModuleNotFoundError(f"No module named {name!r} (docintel: not for spaCy)")
        if stand_ins and name in STAND_INS:
            return importlib.machinery.ModuleSpec(name, _StandIn(), is_package=name == "spacy.cli")
        return None  # not ours to find: the next finder's

    @contextmanager
    def here(self, refuse_torch: bool, stand_ins: bool) -> Iterator[None]:
        with self.lock:
            if self not in sys.meta_path:
                sys.meta_path.insert(0, self)
        me = threading.get_ident()
        self.threads[me] = (refuse_torch, stand_ins)
        try:
            yield
        finally:
            self.threads.pop(me, None)


_LEAN = _LeanImport()
