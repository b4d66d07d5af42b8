"""The same interface over HTTP to an OpenAI-compatible server, first of all vLLM serving
Gemma 4 with continuous batching and prefix caching. Start one with:

    vllm serve google/gemma-4-E2B-it --enable-prefix-caching \
        --limit-mm-per-prompt '{"image": 4, "audio": 1}' --max-model-len 16384 \
        --reasoning-parser gemma4 --enable-auto-tool-choice --tool-call-parser gemma4

or transformers' own server on a local checkpoint folder (``openai_server="transformers"``)::

    transformers serve /path/to/gemma-4-E2B-it --host 127.0.0.1 --port 8000

The two differ in what they take beyond the OpenAI schema: vLLM reads the visual budget from
``mm_processor_kwargs`` and constrains output to ``response_format``'s JSON schema;
``transformers serve`` refuses unknown fields (422), hands ``chat_template_kwargs`` to the
processor (the budget goes in its ``processor_kwargs``) and ignores ``response_format`` (the
agent validates what comes back either way).

A batch of requests is sent concurrently (``openai_concurrency`` in flight) so the server's
batch stays full; 429 and 5xx answers, refused connections and a server that dies mid-answer
are retried with exponential backoff, then raise: the task that asked is retried.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from docintel.config.engine import EngineConfig
from docintel.models.parsing import ParseError, ToolCall, format_tool_call, parse_output
from docintel.models.thinking import should_think
from docintel.models.types import AudioPart, ImagePart, Request, Result, TextPart

RETRY_STATUS = {408, 409, 429, 500, 502, 503, 504}
SERVERS = ("vllm", "transformers")


class OpenAIEngine:
    name = "openai"

    def __init__(self, config: EngineConfig, *, max_retries: int = 4, backoff: float = 0.5) -> None:
        self.config = config
        self.model = config.openai_model or config.model
        self.max_retries = max_retries
        self.backoff = backoff
        if config.openai_server not in SERVERS:
            raise ValueError(
                f"DOCINTEL_OPENAI_SERVER must be one of {', '.join(SERVERS)}, "
                f"got {config.openai_server!r}"
            )
        self.extra_body = _extra_body(config.openai_extra_body)
        self.client = httpx.Client(
            base_url=config.openai_base_url.rstrip("/"),
            timeout=httpx.Timeout(config.openai_timeout, connect=10.0),
            headers={"Authorization": f"Bearer {config.openai_api_key}"},
            limits=httpx.Limits(max_connections=config.openai_concurrency),
        )

    def payload(self, request: Request) -> dict[str, Any]:
        think = should_think(request, self.config.thinking)
        messages: list[dict[str, Any]] = []
        if request.system:
            messages.append({"role": "system", "content": request.system})
        for turn in request.history:
            messages.append(_history_message(turn))
        content: list[dict[str, Any]] = []
        for part in request.ordered_parts():
            if isinstance(part, ImagePart):
                content.append({"type": "image_url", "image_url": {"url": _image_url(part)}})
            elif isinstance(part, AudioPart):
                content.append(
                    {
                        "type": "input_audio",
                        "input_audio": {"data": _wav_base64(part), "format": "wav"},
                    }
                )
            elif isinstance(part, TextPart):
                content.append({"type": "text", "text": part.text})
        if content:
            messages.append({"role": "user", "content": content})
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "max_tokens": request.max_new_tokens or self.config.max_new_tokens,
            "temperature": request.temperature,
            "top_p": request.top_p,
            "chat_template_kwargs": {"enable_thinking": think},
        }
        vllm = self.config.openai_server == "vllm"
        if request.max_soft_tokens:
            budget = {"max_soft_tokens": request.max_soft_tokens}
            if vllm:
                body["mm_processor_kwargs"] = budget
            else:  # transformers serve passes the template's kwargs on to the processor
                body["chat_template_kwargs"]["processor_kwargs"] = budget
        if request.tools:
            body["tools"] = [
                t if "function" in t else {"type": "function", "function": t} for t in request.tools
            ]
        if request.response_schema and vllm:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "output", "schema": request.response_schema},
            }
        for key, value in self.extra_body.items():  # a dict of ours is added to, not replaced
            mine = body.get(key)
            body[key] = (
                {**mine, **value} if isinstance(mine, dict) and isinstance(value, dict) else value
            )
        return body

    def generate(self, requests: list[Request]) -> list[Result]:
        for request in requests:
            request.validate()
        workers = max(1, min(self.config.openai_concurrency, len(requests)))
        with ThreadPoolExecutor(workers) as pool:
            return list(pool.map(self._one, requests))

    def _one(self, request: Request) -> Result:
        body = self.payload(request)
        started = time.perf_counter()
        data = self._post(body)
        elapsed = (time.perf_counter() - started) * 1000
        choice = data["choices"][0]
        message = choice.get("message") or {}
        raw = message.get("content") or ""
        parsed = parse_output(raw)  # thinking and calls left in the text by the server
        thinking = message.get("reasoning_content") or message.get("reasoning") or parsed.thinking
        calls = list(parsed.tool_calls)
        errors = list(parsed.errors)
        for call in message.get("tool_calls") or []:
            fn = call.get("function", {})
            try:
                args = json.loads(fn.get("arguments") or "{}")
                calls.append(ToolCall(fn.get("name", ""), args if isinstance(args, dict) else {}))
            except json.JSONDecodeError as exc:
                errors.append(
                    ParseError(
                        "tool_call", f"arguments are not JSON: {exc}", fn.get("arguments", "")[:500]
                    )
                )
        usage = data.get("usage") or {}
        return Result(
            text=parsed.text,
            thinking=thinking,
            tool_calls=calls,
            errors=errors,
            thinking_enabled=body["chat_template_kwargs"]["enable_thinking"],
            finish_reason="length" if choice.get("finish_reason") == "length" else "stop",
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            output_tokens=int(usage.get("completion_tokens") or 0),
            duration_ms=elapsed,
            engine=self.name,
            model=data.get("model") or self.model,
            precision="server",
            device=self.config.openai_base_url,
            prompt_hash=hashlib.sha256(
                json.dumps(body["messages"], sort_keys=True, default=str).encode()
            ).hexdigest(),
            raw=raw,
        )

    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        last: Exception | None = None
        for attempt in range(self.max_retries + 1):
            try:
                response = self.client.post("/chat/completions", json=body)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                last = exc
            else:
                if response.status_code < 400:
                    return response.json()
                if response.status_code not in RETRY_STATUS:
                    raise RuntimeError(
                        f"{self.config.openai_base_url} answered "
                        f"{response.status_code}: {response.text[:300]}{_hint(response.text)}"
                    )
                last = RuntimeError(f"HTTP {response.status_code}: {response.text[:200]}")
            if attempt < self.max_retries:
                time.sleep(self.backoff * 2**attempt)
        raise RuntimeError(
            f"{self.config.openai_base_url} did not answer after "
            f"{self.max_retries + 1} tries: {last}"
        )


def _hint(answer: str) -> str:
    """What to change when the server refused a field of another server's dialect."""
    if "mm_processor_kwargs" in answer:
        return " (a `transformers serve` server? set DOCINTEL_OPENAI_SERVER=transformers)"
    return ""


def _extra_body(text: str) -> dict[str, Any]:
    if not text.strip():
        return {}
    try:
        extra = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"DOCINTEL_OPENAI_EXTRA_BODY is not JSON: {exc}") from None
    if not isinstance(extra, dict):
        raise ValueError('DOCINTEL_OPENAI_EXTRA_BODY must be a JSON object, e.g. {"top_k": 64}')
    return extra


def _history_message(turn: dict[str, Any]) -> dict[str, Any]:
    message = {"role": turn["role"], "content": turn.get("content") or ""}
    if turn["role"] == "assistant" and turn.get("tool_calls"):
        message["content"] = "".join(format_tool_call(c) for c in turn["tool_calls"]) + (
            turn.get("content") or ""
        )
    if turn["role"] == "tool":
        message["tool_call_id"] = turn.get("tool_call_id", turn.get("name", ""))
    return message


def _image_url(part: ImagePart) -> str:
    buffer = io.BytesIO()
    part.image.convert("RGB").save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _wav_base64(part: AudioPart) -> str:
    import wave

    import numpy as np

    pcm = (np.clip(part.samples, -1, 1) * 32767).astype("<i2").tobytes()
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(part.sampling_rate)
        wav.writeframes(pcm)
    return base64.b64encode(buffer.getvalue()).decode()
