"""In-process queues for the embedded `docintel up`: the tasks of every document in flight,
run by threads of this process with the queues' priorities (``worker.app``), so that a CSV
dropped after ten scans is done while the scans are still being read, and the scans share
the cores instead of taking turns on one.

Three lanes. *Heavy* tasks are the page queue's OCR and the audio queue's speech, and the
agent queue's steps where a model answers them. *Interpreter* tasks are the merge, agent and
finalize of a document with a long text (``tasks.long_text``): its entities hold the
interpreter for seconds, and two at once take longer than one after the other, so one runs
at a time. Everything else is *light* (route, merge, finalize, webhooks: the cpu queue; the
rules' agent step). One thread per core (DOCINTEL_EMBEDDED_WORKERS) takes the most urgent
task of any lane, as a worker process of the distributed mode takes the most urgent message
of every queue it reads; one more thread takes light tasks only, so a light task never
waits for a core that OCR, speech or a long document's entities hold: it shares the cores
for its short while instead.

Threads, not processes: OCR runs in Tesseract processes and speech in CTranslate2, both
outside the interpreter lock; a model engine is loaded once and shared, as in a worker; an
injected engine (a test's) works as it does in-process. SQLite takes one writer at a time:
the threads take turns on a lock of the process (``store.sqlite``), and every step writes
in short transactions after its work (the agent step commits before it reads the document),
so a writer waits milliseconds.

The canvas of ``worker.workflow`` maps onto three things here: a chain sends its next step
when a step succeeds; a *group* counts the tasks sent under it, and those its tasks send in
turn, and calls back when all have ended; a chord is a group whose callback sends the tail.
"When a mail's attachments are done" is "when the group of their workflows drains".
"""

from __future__ import annotations

import ctypes
import heapq
import itertools
import logging
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from docintel.config import Settings
from docintel.models.runtime import Engine
from docintel.pipeline.errors import DocumentFailed
from docintel.pipeline.imports import PAGE_READER, import_first
from docintel.worker.queues import ENTRY_TASK, PRIORITY_INDEX, PRIORITY_NEW, TASKS
from docintel.worker.runtime import Runtime, injected
from docintel.worker.steps import (
    STEPS,
    LocalRequest,
    LocalTask,
    StepRetry,
    StepTimeLimit,
    load_steps,
)

log = logging.getLogger("docintel.worker")

LIGHT, HEAVY = "light", "heavy"
# A long document's merge, agent and finalize: its entities hold the interpreter for seconds
# (spaCy's parser; ``pipeline.agent.ner``), and two at once take longer than one after the
# other. The cores' threads take one such task at a time; the others take OCR and speech.
INTERPRETER = "interpreter"
HEAVY_QUEUES = frozenset({"page", "audio"})
MODEL_QUEUES = frozenset({"agent"})  # heavy where a model answers, light on the rules

Step = tuple[str, list[Any]]  # a task's name and arguments
Call = Callable[[], None]  # work of the local queues' own (the retrieval index)


class Group:
    """Tasks sent under it, counted until every one has ended; then ``then(failed)``."""

    def __init__(self, then: Callable[[bool], None] | None = None) -> None:
        self.pending = 0
        self.failed = False
        self.then = then


@dataclass(order=True)
class _Job:
    priority: int
    seq: int
    step: Step | Call = field(compare=False)
    groups: tuple[Group, ...] = field(compare=False)
    rest: Sequence[Step] = field(compare=False, default=())  # a chain's next steps
    lane: str = field(compare=False, default="")  # the chain's lane, where it was sent to one


# Inside a job: the queues it runs on and the groups it was sent under, so that what the
# task sends (``worker.workflow``) is counted in them.
_current: ContextVar[tuple[LocalQueues, tuple[Group, ...]] | None] = ContextVar(
    "docintel_local_queues", default=None
)


def running_here() -> LocalQueues | None:
    """The local queues this task runs on, None outside them (eager or on a worker)."""
    found = _current.get()
    return found[0] if found else None


class LocalQueues:
    def __init__(
        self,
        settings: Settings,
        engine: Engine | None = None,
        *,
        workers: int = 0,
        on_document: Callable[[str, bool], None] | None = None,
    ) -> None:
        self.settings, self.engine = settings, engine
        self.workers = workers or settings.embedded_workers or os.cpu_count() or 1
        self.on_document = on_document  # (sha256, failed) when a document's work has ended
        self._model_steps = Runtime(settings, engine).answers_with_model()
        self._heaps: dict[str, list[_Job]] = {LIGHT: [], HEAVY: [], INTERPRETER: []}
        self._interpreter_busy = False  # a task of that lane runs
        self._cond = threading.Condition()
        self._seq = itertools.count()
        self._running = 0
        self._closed = False
        self._threads: list[threading.Thread] = []
        # documents in flight here (sha256) -> what to call as each ends (``send_documents``)
        self._in_flight: dict[str, list[Callable[[], None]]] = {}

    # --- sending -------------------------------------------------------------------------

    def send_document(self, sha256: str, then: Callable[[bool], None] | None = None) -> None:
        """A document's workflow from its first task; ``then(failed)`` when it and all it
        sent (pages, attachments) have ended."""

        def ended(failed: bool) -> None:
            with self._cond:
                waiting = self._in_flight.pop(sha256, [])
            for waiter in waiting:
                waiter()
            if self.on_document is not None:
                self.on_document(sha256, failed)
            if then is not None:
                then(failed)

        with self._cond:
            self._in_flight.setdefault(sha256, [])
        self._push([(ENTRY_TASK, [sha256])], PRIORITY_NEW, self._inherited() + (Group(ended),))

    def send_at_once(self, documents: Sequence[tuple[str, Callable[[bool], None] | None]]) -> None:
        """Each document's workflow (sha256, ``then`` as ``send_document`` takes it), all in
        flight before a thread takes the first of their tasks: a mail among them that carries
        another's bytes waits for that one (``send_documents``' ``after``) whichever of the
        two is sent first (`docintel process` sends its largest file first)."""
        with self._cond:  # reentrant: each send takes it again
            for sha256, then in documents:
                self.send_document(sha256, then)

    def send_documents(
        self,
        shas: Sequence[str],
        then: Sequence[Step] = (),
        priority: int = PRIORITY_NEW,
        after: Sequence[str] = (),
    ) -> None:
        """Several workflows, each its own document, then the chain ``then`` once all of
        them have ended (whether they failed or not), and the documents of ``after`` still
        in flight here (a mail's attachment whose bytes another file brought first: its
        summary is read by the mail's agent step, "not read yet" if it ran before). Never
        a cycle: a document waited for so holds the waiter's attachment, a smaller file."""
        outer = self._inherited()
        group = Group(lambda _failed: self._push(then, priority, outer) if then else None)
        token = _current.set((self, outer + (group,)))
        try:
            # the group's own count keeps it open while its first documents are sent
            self._count((group,), 1)
            for sha in shas:
                self.send_document(sha)
            for sha in after:
                self._hold_until_ended(sha, outer + (group,))
        finally:
            _current.reset(token)
        self._end((group,), ok=True)

    def _hold_until_ended(self, sha256: str, groups: tuple[Group, ...]) -> None:
        """Keep ``groups`` open until the document ``sha256`` ends, where it is in flight:
        the outer ones too, as a task sent under them would (a mail inside a mail: the outer
        one's tail waits for the inner one's, which waits for this document)."""
        with self._cond:
            waiting = self._in_flight.get(sha256)
            if waiting is None:
                return
            self._count(groups, 1)  # the condition's lock is reentrant
            waiting.append(lambda: self._end(groups, ok=True))

    @property
    def lanes_apart(self) -> bool:
        """Whether threads run the lanes, one of them light tasks only (embedded `up`,
        `docintel process` given several files); not where the caller drains the queues
        itself (one file)."""
        return bool(self._threads)

    def send_chain(self, steps: Sequence[Step], priority: int, lane: str = "") -> None:
        """``steps`` in order; each on its task's lane, or all on ``lane`` where given."""
        if steps:
            self._push(steps, priority, self._inherited(), lane)

    def send_chord(
        self,
        header: Sequence[Step],
        header_priority: int,
        tail: Sequence[Step],
        priority: int,
        tail_lane: str = "",
    ) -> None:
        """``header`` side by side, then ``tail`` in order (on ``tail_lane`` where given),
        unless a header task failed (as Celery's chord: its document has failed, with the
        reason)."""
        outer = self._inherited()
        if not header:
            self.send_chain(tail, priority, tail_lane)
            return

        def drained(failed: bool) -> None:
            if not failed:
                self._push(tail, priority, outer, tail_lane)

        group = Group(drained)
        for step in header:
            self._push([step], header_priority, outer + (group,))

    def send_last(self, call: Call, lane: str = HEAVY) -> None:
        """Work behind every document (the retrieval index), queued once however often it
        is sent."""
        with self._cond:
            if any(job.step is call for job in self._heaps[lane]):
                return
        self._push([call], PRIORITY_INDEX, (), lane)

    # --- running -------------------------------------------------------------------------

    def start(self) -> LocalQueues:
        load_steps()  # registers the task functions, once, here
        if not Runtime(self.settings, self.engine).answers_with_model():
            # the lanes' first scans would otherwise import the CPU reader's side by side
            import_first(*PAGE_READER)
        lanes = [(LIGHT, HEAVY, INTERPRETER)] * self.workers + [(LIGHT,)]
        for number, taken in enumerate(lanes):
            name = f"docintel-{'core' if len(taken) > 1 else 'light'}-{number}"
            thread = threading.Thread(target=self._work, args=(taken,), name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def drain(self) -> None:
        """Work every queued task in this thread until none is left (`docintel process` of
        one file, the API without a broker: one document at a time, in the caller)."""
        load_steps()
        while True:
            with self._cond:
                job = self._take((LIGHT, HEAVY, INTERPRETER))
                if job is None:
                    return
                self._running += 1
            self._finish(job)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Until nothing is queued or running; False if ``timeout`` passed first."""
        with self._cond:
            return self._cond.wait_for(self._idle, timeout)

    def close(self, timeout: float | None = None) -> None:
        """Stop taking tasks; threads end after the one they run (work left is owed: the
        documents stay in flight, and `docintel up` resumes them when it starts again)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(timeout)

    def _idle(self) -> bool:
        return self._running == 0 and not any(self._heaps.values())

    def _lane(self, name: str) -> str:
        queue = TASKS[name][0]
        if queue in HEAVY_QUEUES or (queue in MODEL_QUEUES and self._model_steps):
            return HEAVY
        return LIGHT

    def _inherited(self) -> tuple[Group, ...]:
        found = _current.get()
        return found[1] if found and found[0] is self else ()

    def _push(
        self,
        steps: Sequence[Step] | Sequence[Call],
        priority: int,
        groups: tuple[Group, ...],
        lane: str = "",
        seq: int | None = None,
    ) -> None:
        seq = next(self._seq) if seq is None else seq
        job = _Job(priority, seq, steps[0], groups, steps[1:], lane)  # type: ignore[arg-type]
        if not lane:
            assert not callable(job.step)
            lane = self._lane(job.step[0])
        self._count(groups, 1)
        with self._cond:
            heapq.heappush(self._heaps[lane], job)
            self._cond.notify()

    def _count(self, groups: tuple[Group, ...], n: int) -> None:
        with self._cond:
            for group in groups:
                group.pending += n

    def _end(self, groups: tuple[Group, ...], ok: bool) -> None:
        # Innermost first, one at a time: a chord's callback sends the tail under the
        # outer groups before their count can reach zero.
        for group in reversed(groups):
            with self._cond:
                group.pending -= 1
                group.failed = group.failed or not ok
                drained = group.pending == 0
            if drained and group.then is not None:
                try:
                    group.then(group.failed)
                except Exception:  # a callback's failure must not stop the thread
                    log.exception("after a group of tasks")

    def _take(self, lanes: tuple[str, ...]) -> _Job | None:
        ready = [
            self._heaps[lane]
            for lane in lanes
            if self._heaps[lane] and not (lane == INTERPRETER and self._interpreter_busy)
        ]
        if not ready:
            return None
        job = heapq.heappop(min(ready, key=lambda heap: heap[0]))
        self._interpreter_busy = self._interpreter_busy or job.lane == INTERPRETER
        return job

    def _work(self, lanes: tuple[str, ...]) -> None:
        while True:
            with self._cond:
                job = self._take(lanes)
                while job is None:
                    if self._closed:
                        return
                    self._cond.wait()
                    job = self._take(lanes)
                self._running += 1
            self._finish(job)

    def _finish(self, job: _Job) -> None:
        """Run a taken job, end it in its groups, and tell the waiters it has ended."""
        ok = False
        try:
            ok = self._run(job)
        finally:
            self._end(job.groups, ok)
            with self._cond:
                self._running -= 1
                if job.lane == INTERPRETER:
                    self._interpreter_busy = False
                self._cond.notify_all()

    def _run(self, job: _Job) -> bool:
        token = _current.set((self, job.groups))
        try:
            with injected(self.settings, self.engine):
                if callable(job.step):
                    job.step()
                    ok = True
                else:
                    ok = _call(*job.step)
        except BaseException:  # a late time limit, or a bug: the thread lives on
            log.exception("%r failed in its thread", job.step)
            ok = False
        finally:
            _current.reset(token)
        if ok and job.rest:
            # a chain's next step keeps its place: a document's tail is finished before the
            # next one's is started (four reports' merges, then their agents, then their
            # finalizes left all four unfinished until the last)
            self._push(job.rest, job.priority, job.groups, job.lane, job.seq)
        return ok


def _call(name: str, args: list[Any]) -> bool:
    """Run the step ``name``; False when it failed (its document failed, with the reason
    written by its guard). A retry runs it again at once, as Celery's eager mode did."""
    fn, _ = STEPS[name]
    task = LocalTask(name, LocalRequest())
    while True:
        try:
            fn(task, *args)
            return True
        except StepRetry:
            task.request.retries += 1
        except DocumentFailed as exc:  # an expected outcome: a line, not a traceback
            log.info("%s failed: %s", name, exc)
            return False


def run_document(sha256: str, settings: Settings, engine: Engine | None = None) -> None:
    """A document's whole workflow, here and now, in the calling thread."""
    queues = LocalQueues(settings, engine, workers=1)
    queues.send_document(sha256)
    queues.drain()


@contextmanager
def thread_time_limit(seconds: float) -> Iterator[None]:
    """A task's soft time limit in a thread of the local queues: StepTimeLimit is raised
    in this thread when it next runs Python code after ``seconds`` (signals reach the main
    thread only, where the guard sets an alarm instead)."""
    ident = threading.get_ident()
    lock = threading.Lock()
    running = True

    def expire() -> None:
        with lock:
            if running:
                _raise_in(ident, StepTimeLimit)

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        with lock:
            running = False
            _raise_in(ident, None)  # a limit that fired as the task ended is dropped
        timer.cancel()


def _raise_in(ident: int, exc: type[BaseException] | None) -> None:
    target = ctypes.py_object(exc) if exc is not None else None
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident), target)
