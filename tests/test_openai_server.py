"""The openai engine against a real OpenAI-compatible server: transformers' own
`transformers serve`, started here as a process of its own on a free port, serving the tiny
random-weight Gemma 4 checkpoint (DOCINTEL_OPENAI_SERVER=transformers). Its answers are
noise, so these tests hold the protocol and the plumbing: what we send reaches the model
(the prompt's token count says an image or a recording was in it), what comes back is
parsed (tool calls and thinking, which the server's Gemma 4 parser splits out of a forced
answer), concurrent requests come back in order, and a server killed mid-document costs
the step a retry, not the document. The server starts once for the module (~30 s)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import pymupdf
import pytest
from PIL import Image

from docintel.config import get_settings
from docintel.config.engine import EngineConfig
from docintel.models.openai_engine import OpenAIEngine
from docintel.models.parsing import ToolCall
from docintel.models.types import AudioPart, ImagePart, Request, Result, TextPart
from tests.helpers import process

pytestmark = pytest.mark.slow

START_TIMEOUT = 180.0  # seconds; importing torch and loading on two busy cores takes ~30


class TransformersServe:
    """`transformers serve CHECKPOINT` on 127.0.0.1:``port``, in a process group of its own
    (the model runs in a child process: a kill takes both, as a crashed machine would)."""

    def __init__(self, checkpoint: Path, port: int, log: Path) -> None:
        self.checkpoint, self.port, self.log = checkpoint, port, log
        self.url = f"http://127.0.0.1:{port}/v1"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [sys.executable, "-m", "transformers.cli.transformers", "serve"]
        command += [str(self.checkpoint), "--host", "127.0.0.1", "--port", str(self.port)]
        command += ["--device", "cpu", "--enable-log-requests"]  # a line per request
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                command, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
            )

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self.process is not None and self.process.poll() is None, self.tail()
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=2).is_success:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.25)
        pytest.fail(f"transformers serve did not answer in {START_TIMEOUT:.0f} s:\n{self.tail()}")

    def requests_seen(self) -> int:
        return self.log.read_text(errors="replace").count("prompt tokens")

    def kill(self) -> None:
        """SIGKILL to the server and its model process: no goodbye, answers cut off."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(30)

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def serve(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory):
    server = TransformersServe(
        tiny_model, free_port(), tmp_path_factory.mktemp("serve") / "serve.log"
    )
    server.start()
    try:
        server.wait_ready()
        yield server
    finally:
        server.kill()


def _config(serve: TransformersServe, **kw) -> EngineConfig:
    return EngineConfig(
        engine="openai",
        openai_base_url=serve.url,
        openai_model=str(serve.checkpoint),
        openai_server="transformers",
        thinking="never",
        **kw,
    )


def _engine(serve: TransformersServe, **kw) -> OpenAIEngine:
    return OpenAIEngine(_config(serve, **kw), max_retries=1, backoff=0.1)


def _one(engine: OpenAIEngine, request: Request) -> Result:
    (result,) = engine.generate([request])
    return result


def test_a_text_request_is_answered_and_parsed(serve):
    result = _one(_engine(serve), Request([TextPart("Hello world")], max_new_tokens=6))
    assert result.engine == "openai" and result.model == str(serve.checkpoint)
    assert result.prompt_tokens > 5 and result.output_tokens == 6
    assert result.finish_reason == "length" and isinstance(result.text, str)
    assert result.device == serve.url and len(result.prompt_hash) == 64


def test_an_image_reaches_the_model_at_the_visual_budget_asked(serve):
    engine = _engine(serve)
    image = Image.fromarray((np.random.default_rng(0).random((96, 64, 3)) * 255).astype("uint8"))
    text = _one(engine, Request([TextPart("Read the page.")], max_new_tokens=2))
    small, large = (
        _one(
            engine,
            Request(
                [TextPart("Read the page."), ImagePart(image)], max_soft_tokens=b, max_new_tokens=2
            ),
        )
        for b in (70, 280)
    )
    # the image's soft tokens are in the prompt, as many as the budget allows
    assert text.prompt_tokens + 60 < small.prompt_tokens < text.prompt_tokens + 80
    assert large.prompt_tokens > small.prompt_tokens + 100


def test_an_audio_part_reaches_the_audio_tower(serve):
    engine = _engine(serve)
    rng = np.random.default_rng(1)
    speech = AudioPart((rng.standard_normal(32_000) * 0.05).astype("float32"))  # 2 s
    text = _one(engine, Request([TextPart("Transcribe.")], max_new_tokens=2))
    heard = _one(engine, Request([TextPart("Transcribe."), speech], max_new_tokens=2))
    assert heard.prompt_tokens >= text.prompt_tokens + 40  # Gemma 4: 25 audio tokens a second


def test_tool_calls_and_thinking_come_back_parsed_by_the_server(serve):
    """The random model is made to answer with a thinking channel and a Gemma 4 tool call
    (each next token of that answer biased above everything else, through the server's own
    `generation_config` parameter): the server's parser returns them as `reasoning_content`
    and `tool_calls`, and the engine reads both."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(serve.checkpoint)
    answer = (
        "<|channel>thought\nacme?<channel|>"
        '<|tool_call>call:retrieve_knowledge{query:<|"|>acme<|"|>}<tool_call|><eos>'
    )
    ids = tokenizer.encode(answer, add_special_tokens=False)
    bias = [[ids[: k + 1], 100.0 * (k + 1)] for k in range(len(ids))]  # longest match wins
    extra = json.dumps({"generation_config": json.dumps({"sequence_bias": bias})})
    tool = {"name": "retrieve_knowledge", "parameters": {"type": "object"}}
    request = Request([TextPart("Who sent it?")], tools=[tool], thinking=True)
    request.max_new_tokens = 64
    result = _one(_engine(serve, openai_extra_body=extra), request)
    assert result.tool_calls == [ToolCall("retrieve_knowledge", {"query": "acme"})]
    assert result.thinking == "acme?" and result.thinking_enabled
    assert result.text == "" and result.errors == []
    plain = _one(_engine(serve), Request([TextPart("Who sent it?")], max_new_tokens=2))
    assert result.prompt_tokens > plain.prompt_tokens + 10  # the tool's declaration was in it


def test_a_schema_request_is_answered_unconstrained(serve):
    """transformers serve has no schema-constrained output: the engine does not send
    `response_format` to it (it would be ignored), and the request is answered as any."""
    schema = {"type": "object", "properties": {"summary": {"type": "string"}}}
    result = _one(
        _engine(serve), Request([TextPart("Sum up.")], response_schema=schema, max_new_tokens=4)
    )
    assert result.output_tokens > 0 and result.errors == []


def test_concurrent_requests_are_all_answered_each_with_its_own(serve):
    engine = _engine(serve, openai_concurrency=8)
    before = serve.requests_seen()
    prompts = [" ".join(["invoice"] * (i + 1)) for i in range(8)]
    results = engine.generate([Request([TextPart(p)], max_new_tokens=3) for p in prompts])
    assert len(results) == 8 and serve.requests_seen() - before == 8
    lengths = [r.prompt_tokens for r in results]
    assert lengths == sorted(set(lengths))  # each answer is its own prompt's, in order


class KillsTheServerMidRequest:
    """The openai engine, whose first batch is answered by a server killed while it
    generates (the batch made long so the kill lands mid-answer); the server is started
    again before the engine's error goes up to the task's guard."""

    def __init__(self, inner: OpenAIEngine, serve: TransformersServe) -> None:
        self.inner, self.serve = inner, serve
        self.name, self.reason = inner.name, "openai over a server that dies once"
        self.batches = 0
        self.errors: list[Exception] = []

    def generate(self, requests: list[Request]) -> list[Result]:
        self.batches += 1
        if self.batches > 1:
            return self.inner.generate(requests)
        for request in requests:
            request.max_new_tokens = 4000
        seen = self.serve.requests_seen()
        answered: list[list[Result]] = []
        caller = threading.Thread(target=self._call, args=(requests, answered))
        caller.start()
        deadline = time.monotonic() + 30
        while self.serve.requests_seen() == seen and time.monotonic() < deadline:
            time.sleep(0.02)
        assert self.serve.requests_seen() > seen, "the request never reached the server"
        self.serve.kill()  # while it generates the 4000 tokens asked
        caller.join(120)
        assert not answered and self.errors, "the killed server answered"
        self.serve.start()
        self.serve.wait_ready()
        raise self.errors[0]

    def _call(self, requests: list[Request], answered: list[list[Result]]) -> None:
        try:
            answered.append(self.inner.generate(requests))
        except Exception as exc:  # the engine's own: what a task's guard gets
            self.errors.append(exc)


def _scanned_pdf(path: Path, pages: int) -> Path:
    doc = pymupdf.open()
    for i in range(pages):  # images, no text layer: each page goes to the model
        page = doc.new_page()
        pix = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 200, 260), False)
        pix.clear_with(180 + i)
        page.insert_image(page.rect, pixmap=pix)
    doc.save(path)
    return path


def test_a_server_killed_mid_document_costs_a_retry_not_the_document(
    serve, embedded, monkeypatch, tmp_path
):
    """Last in the module: it leaves the module's server replaced by a new one."""
    env = {
        "DOCINTEL_ENGINE": "openai",
        "DOCINTEL_OPENAI_BASE_URL": serve.url,
        "DOCINTEL_OPENAI_MODEL": str(serve.checkpoint),
        "DOCINTEL_OPENAI_SERVER": "transformers",
        "DOCINTEL_MAX_NEW_TOKENS": "8",
        # the random model never writes valid output: one turn, nothing sent back again
        "DOCINTEL_AGENT_MAX_TURNS": "1",
        "DOCINTEL_AGENT_MAX_INVALID": "0",
        "DOCINTEL_JSON_RETRIES": "0",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    settings = get_settings()
    engine = KillsTheServerMidRequest(
        OpenAIEngine(settings.engine_config(), max_retries=2, backoff=0.2), serve
    )
    result = process(_scanned_pdf(tmp_path / "scan.pdf", pages=1), settings, engine)

    (error,) = engine.errors
    assert "did not answer after 3 tries" in str(error)  # retryable: no answer, not a 4xx
    doc = result["document"]
    assert doc["status"] == "done", doc["error"]
    assert [p["page"] for p in result["pages"]] == [1]
    assert all(p["engine"] == "openai" and p["model"] for p in result["pages"])
    retries = [e for e in result["audit"] if e["status"] == "retry" and e["role"] == "pipeline"]
    assert len(retries) == 1 and "did not answer" in retries[0]["content"]
