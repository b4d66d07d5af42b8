"""The model service on the tiny random-weight Gemma 4, on CPU: concurrent callers (page tasks
of several documents, audio, agent turns) share generate() calls, get exactly what they
would get alone (greedy), never share a call across kinds, and a failure stays with its
own caller."""

from __future__ import annotations

import threading
import time

import numpy as np
import pymupdf
import pytest
from PIL import Image

from docintel.config import Settings
from docintel.config.engine import EngineConfig
from docintel.models.types import ImagePart, Request, TextPart


class Counting:
    """The engine the service drives, injected: records every generate() call it gets."""

    def __init__(self, engine, fail_on: str | None = None, gate: threading.Event | None = None):
        self.engine, self.name = engine, engine.name
        self.batch_key = engine.batch_key
        self.calls: list[list[str | None]] = []
        self.fail_on, self.gate = fail_on, gate

    def generate(self, requests):
        self.calls.append([r.tag for r in requests])
        if self.gate is not None:
            self.gate.wait(30)
        if self.fail_on and any(r.tag == self.fail_on for r in requests):
            raise RuntimeError(f"{self.fail_on} broke its batch")
        return self.engine.generate(requests)


@pytest.fixture(scope="module")
def engine(tiny_model):
    import torch

    from docintel.models.gemma import GemmaEngine

    engine = GemmaEngine(
        EngineConfig(model=str(tiny_model), max_new_tokens=16, thinking="never", batch_size=16)
    )
    # In bf16 (what the engine loads) sixteen requests sharing a matmul are summed in
    # another order than one alone, and a random-weight model's near-equal logits flip on
    # some CPUs; in float64 what is compared is where each result goes, not the rounding
    # (16 tokens: in float64 8 were too few for each of the 16 pages to read apart).
    engine.model.to(torch.float64)
    return engine


def _service(engine, window_ms=300.0, max_batch=16, **kwargs):
    from docintel.models.service import ModelService

    counting = Counting(engine, **kwargs)
    return ModelService(counting, window_ms=window_ms, max_batch=max_batch), counting


def _concurrently(fn, args):
    """Run fn(arg) in one thread per arg, all released together; results in arg order."""
    barrier = threading.Barrier(len(args))
    out: list = [None] * len(args)

    def run(i, arg):
        barrier.wait()
        try:
            out[i] = fn(arg)
        except Exception as exc:  # the caller's own error is its result here
            out[i] = exc

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(args)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return out


def _page(seed):
    rng = np.random.default_rng(seed)
    return Image.fromarray((rng.random((300, 220, 3)) * 255).astype("uint8"))


def _scan(path, pages, shade, noise=False):
    """A scanned PDF of flat grey pages; with ``noise`` each page is its own pattern of
    blocks instead (coarse enough to survive the image processor's pooling), so no two pages
    of the tests' documents read alike."""
    doc = pymupdf.open()
    for i in range(pages):
        page = doc.new_page()
        if noise:
            rng = np.random.default_rng(1000 * shade + i)
            blocks = rng.integers(0, 256, (5, 4, 3), dtype=np.uint8)
            samples = blocks.repeat(52, axis=0).repeat(50, axis=1).tobytes()
            pix = pymupdf.Pixmap(pymupdf.csRGB, 200, 260, samples, False)
        else:
            pix = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 200, 260), False)
            pix.clear_with(shade + 9 * i)
        page.insert_image(page.rect, pixmap=pix)
    doc.save(path)
    return path


def test_sixteen_page_tasks_of_four_documents_share_calls_and_match_alone(engine, tmp_path):
    from docintel.pipeline.pages.model import read_pages_with_model

    settings = Settings(home=tmp_path, json_retries=0, page_dpi=50, ocr_visual_tokens=140)
    docs = [_scan(tmp_path / f"doc{d}.pdf", 4, 40 * d + 20, noise=True) for d in range(4)]
    tasks = [(doc, page) for doc in docs for page in (1, 2, 3, 4)]

    def read(task, on):
        (page,) = read_pages_with_model(task[0], "pdf", [task[1]], settings, on)
        return (page.page.kind, page.page.markdown, [a["content"] for a in page.audits])

    alone = [read(task, engine) for task in tasks]
    # Every task's answer is its own: a result handed to another task could not go unseen.
    assert len({repr(a) for a in alone}) == len(tasks)
    service, counting = _service(engine)
    try:
        together = _concurrently(lambda task: read(task, service), tasks)
    finally:
        service.close()
    assert together == alone  # each result reached its own task, as it would alone
    # Two passes (classify, then OCR) over 16 pages of 4 documents: 32 requests.
    assert sum(len(c) for c in counting.calls) == 32
    assert len(counting.calls) <= 4, [len(c) for c in counting.calls]
    assert any({t.split(":")[1] for t in c} == {"1", "2", "3", "4"} for c in counting.calls)


def test_kinds_and_budgets_never_share_a_call(engine):
    requests = [Request([TextPart(f"Question {i}")], tag=f"agent:{i}:turn") for i in range(3)]
    requests += [
        Request([ImagePart(_page(i)), TextPart("Classify")], max_soft_tokens=70, tag=f"page:{i}:c")
        for i in range(3)
    ]
    requests += [
        Request([ImagePart(_page(i)), TextPart("OCR")], max_soft_tokens=280, tag=f"page:{i}:o")
        for i in range(2)
    ]
    service, counting = _service(engine)
    try:
        results = _concurrently(lambda r: service.generate([r])[0], requests)
    finally:
        service.close()
    assert [r.raw for r in results] == [engine.generate([r])[0].raw for r in requests]
    assert len(counting.calls) == 3, counting.calls
    kinds = sorted(sorted({(t.split(":")[0], t.split(":")[-1]) for t in c}) for c in counting.calls)
    assert kinds == [[("agent", "turn")], [("page", "c")], [("page", "o")]]


def test_a_request_that_breaks_its_batch_fails_only_its_caller(engine):
    requests = [
        Request([TextPart(f"Invoice {i} totals {i * 7} EUR")], tag=f"agent:{i}") for i in range(5)
    ]
    service, counting = _service(engine, fail_on="agent:2")
    try:
        results = _concurrently(lambda r: service.generate([r])[0], requests)
        assert isinstance(results[2], RuntimeError) and "agent:2 broke" in str(results[2])
        for i in (0, 1, 3, 4):
            assert results[i].raw == engine.generate([requests[i]])[0].raw
        # It keeps serving after the failure.
        (later,) = service.generate([Request([TextPart("After")], tag="agent:later")])
        assert later.raw == engine.generate([Request([TextPart("After")])])[0].raw
    finally:
        service.close()
    assert len(counting.calls[0]) == 5  # they shared a call; then one by one


def test_later_steps_go_before_new_pages(engine):
    gate = threading.Event()
    service, counting = _service(engine, window_ms=0, gate=gate)
    blocker = threading.Thread(
        target=service.generate, args=([Request([TextPart("busy")], tag="agent:0")],)
    )
    blocker.start()
    while not counting.calls:  # the scheduler is inside its first call
        threading.Event().wait(0.01)
    page = Request([ImagePart(_page(1)), TextPart("OCR")], max_soft_tokens=70, tag="page:1:ocr")
    turn = Request([TextPart("Extract the fields.")], tag="agent:turn:1")
    waiting = [threading.Thread(target=service.generate, args=([r],)) for r in (page, turn)]
    waiting[0].start()
    threading.Event().wait(0.1)  # the page is queued first
    waiting[1].start()
    threading.Event().wait(0.1)
    gate.set()
    for t in [blocker, *waiting]:
        t.join(60)
    service.close()
    assert counting.calls == [["agent:0"], ["agent:turn:1"], ["page:1:ocr"]]


def test_a_bad_request_is_refused_in_its_callers_thread(engine):
    from docintel.models.service import ModelService
    from docintel.models.types import RequestError

    service, counting = _service(engine)
    with pytest.raises(RequestError, match="max_soft_tokens"):
        service.generate([Request([ImagePart(_page(0)), TextPart("x")], max_soft_tokens=100)])
    service.close()
    assert counting.calls == []
    with pytest.raises(ValueError, match="DOCINTEL_MAX_BATCH"):
        ModelService(engine, max_batch=0)


def test_rows_batched_with_longer_ones_stop_at_their_own_limit(engine):
    """A defect before the service: a request asking for 3 tokens batched with one asking for
    8 got 8 tokens, so a batched result differed from the same request alone."""
    short = Request([TextPart("Short answer please.")], max_new_tokens=3)
    long = Request([TextPart("A longer answer please.")], max_new_tokens=8)
    together = engine.generate([short, long])
    assert together[0].output_tokens <= 3
    assert [r.raw for r in together] == [engine.generate([r])[0].raw for r in (short, long)]


def test_the_worker_engine_is_the_service_around_the_model(tiny_model):
    from docintel.models import runtime
    from docintel.models.service import ModelService

    config = EngineConfig(engine="gemma", model=str(tiny_model), batch_size=4, max_batch=12)
    served = runtime.get_engine(config)
    assert isinstance(served, ModelService) and served.name == "gemma"
    assert served.engine.config.batch_size == 12  # the service's batches are not split again
    assert served.reason == "DOCINTEL_ENGINE=gemma"
    served.close()
    plain = runtime.get_engine(
        EngineConfig(engine="gemma", model=str(tiny_model), model_service=False)
    )
    assert type(plain).__name__ == "GemmaEngine"


def test_a_gpu_worker_on_the_model_queues_runs_threads_sharing_one_model():
    """Threads share the process's one model and its service; the cpu queue, the openai
    engine (a server batches) and a switched-off service keep prefork."""
    from docintel.worker.app import worker_pool

    gpu_queues = ["page", "audio", "agent"]
    assert worker_pool(Settings(engine="gemma"), 0, gpu_queues) == ("threads", 16)
    assert worker_pool(Settings(engine="gemma", gpu_threads=24), 0, ["page"]) == ("threads", 24)
    assert worker_pool(Settings(engine="gemma"), 0, ["cpu", *gpu_queues]) == ("prefork", 1)
    assert worker_pool(Settings(engine="gemma"), None, gpu_queues) == ("prefork", 1)
    assert worker_pool(Settings(engine="openai"), 0, gpu_queues) == ("prefork", 1)
    off = Settings(engine="gemma", model_service=False)
    assert worker_pool(off, 0, gpu_queues) == ("prefork", 1)


@pytest.mark.slow
def test_a_gpu_worker_killed_mid_batch_loses_nothing(tmp_path, pg_url, redis_url, tiny_model):
    """A GPU worker (threads sharing the model service) is SIGKILLed while its service runs
    a batch of page tasks of several documents: those tasks were taken but not acknowledged
    (acks_late), a new GPU worker puts them back as it starts (reject_on_worker_lost and the
    orphan sweep), and every document ends done with each page once."""
    from sqlalchemy import func, select

    from docintel import migrations
    from docintel.store.db import session_scope
    from docintel.store.schema import Document, Page, StepRun
    from tests.stack import Stack

    migrations.upgrade(pg_url)
    stack = Stack(
        tmp_path / "home",
        pg_url,
        redis_url,
        DOCINTEL_ENGINE="gemma",
        DOCINTEL_MODEL=str(tiny_model),
        DOCINTEL_MAX_NEW_TOKENS="16",
        DOCINTEL_JSON_RETRIES="0",
        DOCINTEL_AGENT_MAX_TURNS="1",
        DOCINTEL_AGENT_MAX_INVALID="0",
        DOCINTEL_BATCH_WINDOW_MS="200",  # the documents' page tasks meet in one batch
        # what is under test is the broker's redelivery, not the watcher's resending of
        # documents it finds no task for (tests/test_distributed.py has that)
        DOCINTEL_ORPHAN_GRACE_SECONDS="600",
    )
    gpu = ("--gpu", "0", "--queues", "page,audio,agent")  # no CUDA here: the CPU, same pool

    def pages_in_flight() -> list[int]:
        with session_scope(pg_url) as s:
            rows = s.scalars(
                select(StepRun.document_id).where(
                    StepRun.step.like("page:%"), StepRun.finished_at.is_(None)
                )
            )
            return sorted(set(rows))

    try:
        src = tmp_path / "src"
        src.mkdir()
        files = [_scan(src / f"scan-{n}.pdf", 1, 150 + 20 * n) for n in range(3)]
        stack.start_worker("cpu", "--queues", "cpu", "--concurrency", "1")
        stack.start_worker("gpu1", *gpu)
        stack.start_watcher()
        for f in files:
            (stack.inbox / f.name).write_bytes(f.read_bytes())
        stack.wait(lambda: len(pages_in_flight()) >= 2, 120, "no page tasks met in the service")
        time.sleep(1.0)  # past the batch window: the service is in generate() with them
        held = pages_in_flight()
        stack.kill("gpu1")  # SIGKILL to its process group, mid-batch
        assert len(held) >= 2 and stack.counts().get("done", 0) < 3
        stack.start_worker("gpu2", *gpu)
        stack.wait(lambda: stack.counts().get("done", 0) == 3, 180, "documents were lost")
        with session_scope(pg_url) as s:
            assert {d.status for d in s.scalars(select(Document))} == {"done"}
            assert s.scalar(select(func.count()).select_from(Page)) == 3
            again = s.scalars(
                select(StepRun).where(StepRun.document_id.in_(held), StepRun.step.like("page:%"))
            ).all()
            # the killed worker's page tasks ran again, and only those documents' pages
            assert {r.document_id for r in again if r.attempts == 2} == set(held)
            assert all(r.finished_at is not None for r in again)
    finally:
        stack.stop()
