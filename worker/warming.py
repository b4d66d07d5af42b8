"""The agent's CPU models (spaCy's recognizer, the typing embedder) loaded on a thread of
their own while Tesseract reads a document's pages, in-process (``docintel process``,
embedded ``up``) on the CPU engine: the agent step then finds them loaded instead of
loading them after the last page. Tesseract reads in processes of its own, so the
interpreter is free for the load meanwhile; the page step starts it as the first page's
OCR starts (``pipeline.pages.read_pages``'s ``on_ocr``). A recording's route starts it
as it begins to listen for the speech (silero's VAD runs outside the interpreter), and the
audio step makes the speech model meanwhile (its threads the cores free, the load's own
thread not counted: ``warming_threads``) and waits for the load to end before it hears the
speech: CTranslate2 takes its threads from the cores free as a recording starts, and
loaded beside the speech itself the whole took longer (a 267 s recording, interleaved:
6.79 s -> 9.29 s; loaded beside route's listening and waited for, 6.60 s -> 6.31 s).

A document with a text layer loads them in its agent step, in turn: loaded beside its
reading (or the command's start), the load and the reading took turns on the interpreter
and the whole took longer (20 digital PDFs 5.29 s against 5.01 s one after the other; six
scans warmed from the command's start 5.07 s, from their first OCR 4.86 s).

The warm-up loads only what loads from what is ready, and nothing once the command has
ended: the embedder's first load on a new install exports its graph for onnxruntime
(torch, seconds, once), and a one-page scan's command ended first; at the exit the export
could not start its threads, the embedder fell back to torch with a warning that the model
cannot run on onnxruntime, and no graph was kept, so every later command paid again (a
digital invoice 4.7 s instead of 1.5 s). The step that first needs the embedder exports it.

On Celery workers the agent runs in another process (its own queue), which loads them
when its first document comes: nothing is warmed there. Loads are ``models.once``: an
agent step that asks while the thread loads waits for that load, never makes a second."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from docintel.config import Settings
from docintel.pipeline.imports import import_first

log = logging.getLogger("docintel.worker")

# each warm-up started in this process, by what its loads depend on (``_key``)
_started: dict[tuple[object, ...], threading.Thread] = {}
_lock = threading.Lock()


def _key(settings: Settings, embedder: bool) -> tuple[object, ...]:
    """What the loads depend on: one warm-up per process and value of these."""
    return (
        embedder,
        settings.ner_model,
        settings.embedding_model,
        settings.allow_download,
        settings.embedding_threads,
        settings.embedding_runtime,
        settings.model_cache_dir,
    )


def warm_agent_models(settings: Settings, embedder: bool = True) -> threading.Thread | None:
    """Start loading what the rules' agent step will load, once per process and settings;
    the thread (None where it was started before). ``embedder``: the typing's embedder
    too, which a recording's type is always read with, a page's only where its words leave
    a doubt (1 of 57 real invoices and receipts, bench/real/invoices). numpy is imported
    here first, in the caller's thread: two threads importing numpy at once can leave it
    half-imported (a page's deskew has imported it already; a recording's route has not)."""
    key = _key(settings, embedder)
    with _lock:
        if key in _started:
            return None
        import_first("numpy")
        # not a daemon: an interpreter that exits mid-import (a command whose only document
        # failed early) waits the second it takes instead of dying in spaCy's import
        thread = threading.Thread(
            target=_load, args=(settings, embedder), name="docintel-warm-agent", daemon=False
        )
        thread.start()  # under the lock: a thread ``wait_for_warm_up`` finds has started
        _started[key] = thread
    return thread


def warm_for_recording(path: Path, settings: Settings) -> None:
    """Start the warm-up where the file's first bytes say a recording: route listens for its
    speech next, outside the interpreter. Nothing where they cannot be read (route reads
    them next, and says why)."""
    from docintel.pipeline.errors import DocumentError
    from docintel.pipeline.route.sniff import sniff_file

    try:
        recording = sniff_file(path).kind == "audio"
    except (OSError, DocumentError):
        return
    if recording:
        warm_agent_models(settings)


def wait_for_warm_up(settings: Settings) -> None:
    """Return once the warm-ups of these settings' models started in this process have
    ended."""
    for embedder in (False, True):
        thread = _started.get(_key(settings, embedder))
        if thread is not None:
            thread.join()


def warming_threads(settings: Settings) -> list[int]:
    """The native ids of these settings' warm-ups still loading in this process."""
    found = (_started.get(_key(settings, embedder)) for embedder in (False, True))
    return [t.native_id for t in found if t is not None and t.is_alive() and t.native_id]


def _load(settings: Settings, embedder: bool) -> None:
    from docintel.models.embedding import embedder_for, loads_without_torch
    from docintel.pipeline.agent.ner import load_ner

    try:
        if _command_goes_on():
            load_ner(settings.ner_model)
        if embedder and _command_goes_on() and loads_without_torch(settings):
            embedder_for(settings)
    except Exception:  # noqa: BLE001 - the agent step loads them again and says why
        log.debug("warming the agent's models failed; the agent step loads them", exc_info=True)


def _command_goes_on() -> bool:
    """False once the main thread has ended (the interpreter is exiting and waits for this
    thread): nothing will ask for a load started now."""
    return threading.main_thread().is_alive()
