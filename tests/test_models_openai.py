"""The OpenAI-compatible engine against a real HTTP server on loopback. The server is a
stand-in that answers with fixed completions (no model behind it): these tests check what
we send and how we read what comes back, retries included."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
from PIL import Image

from docintel.config.engine import EngineConfig
from docintel.models.openai_engine import OpenAIEngine
from docintel.models.types import AudioPart, ImagePart, Request, TextPart


class FixedCompletionServer:
    def __init__(self, replies):
        self.replies = list(replies)  # (status, body) answered in order, the last repeats
        self.requests = []
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with owner.lock:
                    owner.requests.append((self.path, dict(self.headers), body))
                    status, reply = (
                        owner.replies[0] if len(owner.replies) == 1 else owner.replies.pop(0)
                    )
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


def completion(content="", tool_calls=None, reasoning=None, finish="stop"):
    message = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = tool_calls
    if reasoning:
        message["reasoning_content"] = reasoning
    return {
        "id": "x",
        "model": "google/gemma-4-E2B-it",
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": 321, "completion_tokens": 12},
    }


@pytest.fixture
def server():
    servers = []

    def make(replies):
        s = FixedCompletionServer(replies)
        servers.append(s)
        return s

    yield make
    for s in servers:
        s.close()


def _engine(url, **kw):
    return OpenAIEngine(
        EngineConfig(
            engine="openai", openai_base_url=url, thinking="never", openai_model="gemma4", **kw
        ),
        backoff=0.01,
    )


def test_fixed_completion_server_receives_images_audio_tools_and_schema(server):
    s = server([(200, completion("# Page 1\nInvoice", reasoning="It is an invoice."))])
    engine = _engine(s.url)
    img = Image.fromarray(np.zeros((40, 30, 3), dtype="uint8"))
    audio = AudioPart(np.zeros(16_000, dtype="float32"))
    schema = {"type": "object", "properties": {"headers": {"type": "array"}}}
    tools = [{"name": "retrieve_knowledge", "parameters": {"type": "object"}}]
    (result,) = engine.generate(
        [
            Request(
                [TextPart("Read it."), ImagePart(img), audio],
                system="You read documents.",
                max_soft_tokens=1120,
                response_schema=schema,
                tools=tools,
                thinking=True,
            )
        ]
    )
    path, headers, body = s.requests[0]
    assert path == "/v1/chat/completions"
    assert headers["Authorization"] == "Bearer EMPTY"
    assert body["model"] == "gemma4"
    assert body["messages"][0] == {"role": "system", "content": "You read documents."}
    kinds = [c["type"] for c in body["messages"][1]["content"]]
    assert kinds == ["image_url", "input_audio", "text"]  # media first
    assert body["messages"][1]["content"][0]["image_url"]["url"].startswith(
        "data:image/png;base64,"
    )
    assert body["messages"][1]["content"][1]["input_audio"]["format"] == "wav"
    assert body["mm_processor_kwargs"] == {"max_soft_tokens": 1120}
    assert body["response_format"]["json_schema"]["schema"] == schema
    assert body["tools"][0]["type"] == "function"
    assert body["chat_template_kwargs"] == {"enable_thinking": True}
    assert result.text == "# Page 1\nInvoice" and result.thinking == "It is an invoice."
    assert (result.prompt_tokens, result.output_tokens) == (321, 12)
    assert result.engine == "openai" and result.model == "google/gemma-4-E2B-it"


def test_fixed_completion_tool_calls_in_both_forms(server):
    s = server(
        [
            (
                200,
                completion(
                    '<|tool_call>call:retrieve_knowledge{query:<|"|>a<|"|>}<tool_call|>',
                    tool_calls=[
                        {
                            "id": "1",
                            "type": "function",
                            "function": {
                                "name": "write_structured_output",
                                "arguments": '{"summary": "s"}',
                            },
                        },
                        {
                            "id": "2",
                            "type": "function",
                            "function": {"name": "x", "arguments": "{bad"},
                        },
                    ],
                ),
            )
        ]
    )
    (result,) = _engine(s.url).generate([Request([TextPart("go")])])
    assert [c.name for c in result.tool_calls] == ["retrieve_knowledge", "write_structured_output"]
    assert result.errors and result.errors[0].what == "tool_call"


def test_retries_429_and_5xx_with_backoff_then_succeeds(server):
    s = server([(429, {"error": "slow down"}), (503, {"error": "busy"}), (200, completion("ok"))])
    (result,) = _engine(s.url).generate([Request([TextPart("hi")])])
    assert result.text == "ok" and len(s.requests) == 3


def test_client_errors_are_not_retried(server):
    s = server([(400, {"error": "bad request"})])
    with pytest.raises(RuntimeError, match="400"):
        _engine(s.url).generate([Request([TextPart("hi")])])
    assert len(s.requests) == 1


def test_requests_run_concurrently(server):
    import time

    s = server([(200, completion("x"))])
    original = s.server.RequestHandlerClass.do_POST

    def slow(self):
        time.sleep(0.3)
        original(self)

    s.server.RequestHandlerClass.do_POST = slow
    engine = _engine(s.url, openai_concurrency=8)
    started = time.perf_counter()
    results = engine.generate([Request([TextPart(f"q{i}")]) for i in range(8)])
    assert len(results) == 8
    assert time.perf_counter() - started < 1.5  # not 8 x 0.3 s in a row


def test_unreachable_server_says_so(tmp_path):
    engine = OpenAIEngine(
        EngineConfig(engine="openai", openai_base_url="http://127.0.0.1:9/v1", openai_timeout=1.0),
        max_retries=1,
        backoff=0.01,
    )
    with pytest.raises(RuntimeError, match="did not answer after 2 tries"):
        engine.generate([Request([TextPart("hi")])])


def test_transformers_dialect_sends_the_visual_budget_through_the_template(server):
    """`transformers serve` refuses `mm_processor_kwargs` (422) and ignores `response_format`:
    the budget goes in the chat template's processor_kwargs, and no schema is sent."""
    s = server([(200, completion("x"))])
    engine = _engine(s.url, openai_server="transformers")
    img = Image.fromarray(np.zeros((40, 30, 3), dtype="uint8"))
    engine.generate(
        [Request([ImagePart(img)], max_soft_tokens=280, response_schema={"type": "object"})]
    )
    body = s.requests[0][2]
    assert "mm_processor_kwargs" not in body and "response_format" not in body
    assert body["chat_template_kwargs"] == {
        "enable_thinking": False,
        "processor_kwargs": {"max_soft_tokens": 280},
    }


def test_extra_body_is_merged_into_every_request(server):
    s = server([(200, completion("x"))])
    extra = '{"top_k": 64, "chat_template_kwargs": {"custom": 1}}'
    _engine(s.url, openai_extra_body=extra).generate([Request([TextPart("hi")])])
    body = s.requests[0][2]
    assert body["top_k"] == 64
    assert body["chat_template_kwargs"] == {"enable_thinking": False, "custom": 1}


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"openai_extra_body": "{top_k: 64"}, "DOCINTEL_OPENAI_EXTRA_BODY is not JSON"),
        ({"openai_extra_body": "[1]"}, "must be a JSON object"),
        ({"openai_server": "tgi"}, "DOCINTEL_OPENAI_SERVER must be one of vllm, transformers"),
    ],
)
def test_bad_server_settings_say_which_setting(setting, message):
    with pytest.raises(ValueError, match=message):
        _engine("http://127.0.0.1:9/v1", **setting)


def test_a_refused_vllm_field_says_which_setting_to_change(server):
    detail = {"detail": "Unexpected fields in the request: {'mm_processor_kwargs'}"}
    s = server([(422, detail)])
    img = Image.fromarray(np.zeros((40, 30, 3), dtype="uint8"))
    with pytest.raises(RuntimeError, match="set DOCINTEL_OPENAI_SERVER=transformers"):
        _engine(s.url).generate([Request([ImagePart(img)], max_soft_tokens=280)])
    assert len(s.requests) == 1  # a 422 is not retried
