"""The agent's CPU models (spaCy's recognizer, the typing embedder) loaded on a thread of
their own while a document's pages are read, in-process (``docintel process``, embedded
``up``) on the CPU engine: the agent step then finds them loaded instead of spending ~1.1 s
on them after the last page (bench/digital.py, bench/scans.py). The pages leave a core
free for it: a digital PDF is read on one thread, and Tesseract waits on its pipes.

On Celery workers the agent runs in another process (its own queue), which loads them
when its first document comes: nothing is warmed there. Loads are ``models.once``: an
agent step that asks while the thread loads waits for that load, never makes a second."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path

from docintel.config import Settings
from docintel.pipeline.imports import import_first

log = logging.getLogger("docintel.worker")

# kinds whose agent step reads entities from text: a sheet's cells are typed by the rules
# alone, an archive is its members, and speech keeps every core for its own decoder
NEEDS_NER = frozenset({"pdf", "image", "text", "mail"})

_started: set[tuple[object, ...]] = set()
_lock = threading.Lock()


def warm_agent_models(kind: str, settings: Settings) -> threading.Thread | None:
    """Start loading what the rules' agent step will load for a document of ``kind`` (as
    route sniffed it), once per process and settings; the thread (None where nothing is to
    be loaded, or it was started before)."""
    return _start(settings) if kind in NEEDS_NER else None


def needs_models(path: Path) -> bool:
    """Whether the agent step will read entities from ``path``'s text (by its bytes)."""
    from docintel.pipeline.route.sniff import sniff_file

    try:
        return sniff_file(path).kind in NEEDS_NER
    except Exception:  # noqa: BLE001 - an empty or unreadable file: route says what is wrong
        return False


def _key(settings: Settings) -> tuple[object, ...]:
    """What the loads depend on: one warm-up per process and value of these."""
    return (
        settings.ner_model,
        settings.embedding_model,
        settings.allow_download,
        settings.embedding_threads,
        settings.embedding_runtime,
        settings.model_cache_dir,
    )


def _start(settings: Settings) -> threading.Thread | None:
    key = _key(settings)
    with _lock:
        if key in _started:
            return None
        _started.add(key)
    import_first("numpy")  # what this thread's imports and the pages' share

    # not a daemon: an interpreter that exits mid-import (a command whose only document
    # failed early) waits the second it takes instead of dying in spaCy's import
    thread = threading.Thread(
        target=_load, args=(settings,), name="docintel-warm-agent", daemon=False
    )
    thread.start()
    return thread


def warm_for_files(files: Sequence[Path], settings: Settings) -> None:
    """``docintel process``: warm for the first of ``files`` that needs the models, as the
    command starts (before the database's check and the first file's ingest), where its
    engine is the CPU's."""
    from docintel.models.runtime import MODEL_ENGINES, choose_engine

    if choose_engine(settings.engine_config()).name in MODEL_ENGINES:
        return
    if _key(settings) not in _started and any(needs_models(path) for path in files):
        _start(settings)


def _load(settings: Settings) -> None:
    from docintel.models.embedding import embedder_for
    from docintel.pipeline.agent.ner import load_ner

    try:
        load_ner(settings.ner_model)
        embedder_for(settings)
    except Exception:  # noqa: BLE001 - the agent step loads them again and says why
        log.debug("warming the agent's models failed; the agent step loads them", exc_info=True)
