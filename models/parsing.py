"""Our parser for Gemma 4 output, on the decoded text with special tokens kept.

    <|channel>thought\n ... <channel|>                    the thinking channel
    <|tool_call>call:NAME{key:<|"|>text<|"|>,n:3}<tool_call|>   a tool call (several may follow)
    ... <turn|> | <eos>                                   end of the turn

Tool arguments are Gemma's JSON dialect: unquoted keys and ``<|"|>`` as the string
delimiter. ``processor.parse_response`` is not used: the published checkpoint's tokenizer
config carries a legacy ``response_schema`` that newer transformers drops.
Nothing here raises on bad model output: problems come back as ``errors``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

THOUGHT_OPEN = "<|channel>thought"
THOUGHT_CLOSE = "<channel|>"
CALL_OPEN = "<|tool_call>"
CALL_CLOSE = "<tool_call|>"
STRING = '<|"|>'
END_MARKERS = ("<turn|>", "<eos>", "<|tool_response>")
NOISE = ("<pad>", "<bos>")


@dataclass
class ToolCall:
    name: str
    arguments: dict[str, Any]


@dataclass
class ParseError:
    what: str  # "tool_call" or "thinking"
    message: str
    raw: str


@dataclass
class ParsedOutput:
    text: str
    thinking: str | None = None
    tool_calls: list[ToolCall] = field(default_factory=list)
    errors: list[ParseError] = field(default_factory=list)
    thinking_truncated: bool = False


def parse_output(raw: str) -> ParsedOutput:
    for token in NOISE:
        raw = raw.replace(token, "")
    cut = min((i for i in (raw.find(m) for m in END_MARKERS) if i >= 0), default=len(raw))
    raw = raw[:cut]
    thinking, rest, truncated = _split_thinking(raw)
    out = ParsedOutput(text="", thinking=thinking, thinking_truncated=truncated)
    if truncated:
        out.errors.append(
            ParseError(
                "thinking",
                "the output ended inside the thinking channel (max_new_tokens too small?)",
                raw[-200:],
            )
        )
    pieces: list[str] = []
    pos = 0
    while (start := rest.find(CALL_OPEN, pos)) >= 0:
        pieces.append(rest[pos:start])
        end = rest.find(CALL_CLOSE, start)
        body = rest[start + len(CALL_OPEN) : end if end >= 0 else len(rest)]
        pos = end + len(CALL_CLOSE) if end >= 0 else len(rest)
        if end < 0:
            out.errors.append(
                ParseError("tool_call", "tool call not closed with <tool_call|>", body[:500])
            )
            continue
        call, error = parse_tool_call(body)
        if call:
            out.tool_calls.append(call)
        else:
            out.errors.append(ParseError("tool_call", error or "unreadable tool call", body[:500]))
    pieces.append(rest[pos:])
    out.text = "".join(pieces).strip()
    return out


def _split_thinking(raw: str) -> tuple[str | None, str, bool]:
    start = raw.find(THOUGHT_OPEN)
    if start < 0:
        return None, raw, False
    body_start = start + len(THOUGHT_OPEN)
    if raw[body_start : body_start + 1] == "\n":
        body_start += 1
    end = raw.find(THOUGHT_CLOSE, body_start)
    if end < 0:
        return raw[body_start:].strip(), raw[:start], True
    return raw[body_start:end].strip(), raw[:start] + raw[end + len(THOUGHT_CLOSE) :], False


_CALL_HEAD = re.compile(r"\s*call:([A-Za-z_][\w.-]*)\s*")


def parse_tool_call(body: str) -> tuple[ToolCall | None, str | None]:
    head = _CALL_HEAD.match(body)
    if not head:
        return None, f"expected 'call:NAME{{...}}', got {body[:60]!r}"
    name = head.group(1)
    rest = body[head.end() :].strip()
    if not rest:
        return ToolCall(name, {}), None
    try:
        value, end = _Reader(rest).read_value(0)
    except ValueError as exc:
        return None, f"arguments of {name} are not valid: {exc}"
    if not isinstance(value, dict):
        return None, f"arguments of {name} must be an object, got {type(value).__name__}"
    if rest[end:].strip():
        return None, f"unexpected text after the arguments of {name}: {rest[end:][:40]!r}"
    return ToolCall(name, value), None


class _Reader:
    """Gemma's argument dialect: {key:value,...}, [..], <|"|>text<|"|>, numbers, literals.
    Standard JSON strings in double quotes are accepted as well."""

    def __init__(self, text: str) -> None:
        self.s = text

    def _ws(self, i: int) -> int:
        while i < len(self.s) and self.s[i] in " \t\r\n":
            i += 1
        return i

    def read_value(self, i: int) -> tuple[Any, int]:
        i = self._ws(i)
        if i >= len(self.s):
            raise ValueError("the arguments end too early")
        if self.s.startswith(STRING, i):
            end = self.s.find(STRING, i + len(STRING))
            if end < 0:
                raise ValueError(f"string not closed with {STRING}")
            return self.s[i + len(STRING) : end], end + len(STRING)
        ch = self.s[i]
        if ch == "{":
            return self._object(i + 1)
        if ch == "[":
            return self._array(i + 1)
        if ch == '"':
            decoder = json.JSONDecoder()
            value, end = decoder.raw_decode(self.s, i)
            return value, end
        match = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?|true|false|null").match(self.s, i)
        if not match:
            raise ValueError(f"unexpected {self.s[i : i + 20]!r} at {i}")
        token = match.group(0)
        value = json.loads(token)
        return value, match.end()

    def _object(self, i: int) -> tuple[dict[str, Any], int]:
        out: dict[str, Any] = {}
        i = self._ws(i)
        if self.s[i : i + 1] == "}":
            return out, i + 1
        while True:
            i = self._ws(i)
            if self.s.startswith(STRING, i) or self.s[i : i + 1] == '"':
                key, i = self.read_value(i)
            else:
                match = re.compile(r"[A-Za-z_][\w-]*").match(self.s, i)
                if not match:
                    raise ValueError(f"expected a key at {i}: {self.s[i : i + 20]!r}")
                key, i = match.group(0), match.end()
            i = self._ws(i)
            if self.s[i : i + 1] != ":":
                raise ValueError(f"expected ':' after key {key!r}")
            out[str(key)], i = self.read_value(i + 1)
            i = self._ws(i)
            if self.s[i : i + 1] == ",":
                i += 1
                continue
            if self.s[i : i + 1] == "}":
                return out, i + 1
            raise ValueError(f"expected ',' or '}}' at {i}: {self.s[i : i + 20]!r}")

    def _array(self, i: int) -> tuple[list[Any], int]:
        out: list[Any] = []
        i = self._ws(i)
        if self.s[i : i + 1] == "]":
            return out, i + 1
        while True:
            value, i = self.read_value(i)
            out.append(value)
            i = self._ws(i)
            if self.s[i : i + 1] == ",":
                i += 1
                continue
            if self.s[i : i + 1] == "]":
                return out, i + 1
            raise ValueError(f"expected ',' or ']' at {i}: {self.s[i : i + 20]!r}")


def format_tool_call(call: ToolCall) -> str:
    """A call back in Gemma's dialect, for a conversation's history."""
    return f"{CALL_OPEN}call:{call.name}{format_value(call.arguments)}{CALL_CLOSE}"


def format_value(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ",".join(f"{k}:{format_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(format_value(v) for v in value) + "]"
    if isinstance(value, str):
        return f"{STRING}{value}{STRING}"
    return json.dumps(value)
