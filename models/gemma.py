"""Gemma 4 through transformers: chat template, image/audio inputs, left-padded batches,
thinking on or off, and our own output parser."""

from __future__ import annotations

import hashlib
import re
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from docintel.config.engine import EngineConfig
from docintel.models.decoding import Decoding
from docintel.models.loading import load_model
from docintel.models.parsing import format_tool_call, parse_output
from docintel.models.thinking import should_think
from docintel.models.types import AudioPart, ImagePart, Request, Result, TextPart


class GemmaEngine:
    name = "gemma"
    # What requests must share to go in one generate() call (the model service reads it).
    batch_key = staticmethod(lambda request: batch_key(request))

    def __init__(self, config: EngineConfig, loaded: tuple[Any, Any, str] | None = None) -> None:
        """``loaded``: an already loaded (processor, model, device), as a bench builds it."""
        self.config = config
        self.processor, self.model, self.device = loaded or load_model(config)
        self.decoding = Decoding.for_engine(config, self.model, self.device)
        tok = self.processor.tokenizer
        self.stop_ids = {
            i
            for i in (tok.eos_token_id, tok.pad_token_id, tok.convert_tokens_to_ids("<turn|>"))
            if i is not None
        }
        # Control tokens written out in text we pass on (a document, a tool result, an
        # earlier answer) must stay text: "<turn|>" in an invoice is not the end of a turn.
        specials = sorted(
            set(tok.all_special_tokens) | set(tok.added_tokens_encoder), key=len, reverse=True
        )
        self._control = re.compile("|".join(re.escape(t) for t in specials if t))
        self.image_token_id = getattr(self.processor, "image_token_id", None)
        self.audio_token_id = getattr(self.processor, "audio_token_id", None)

    # --- prompts -------------------------------------------------------------------------
    def neutralize(self, text: str) -> str:
        """Break control-token strings in text with a zero-width space, so they tokenize as
        plain characters."""
        return self._control.sub(lambda m: m.group(0)[0] + "\u200b" + m.group(0)[1:], text)

    def messages(self, request: Request) -> list[dict[str, Any]]:
        msgs: list[dict[str, Any]] = []
        if request.system:
            system = self.neutralize(request.system)
            msgs.append({"role": "system", "content": [{"type": "text", "text": system}]})
        for turn in request.history:
            msgs.append(_history_turn(turn, self.neutralize))
        content: list[dict[str, Any]] = []
        for part in request.ordered_parts():
            if isinstance(part, ImagePart):
                content.append({"type": "image"})
            elif isinstance(part, AudioPart):
                content.append({"type": "audio"})
            else:
                content.append({"type": "text", "text": self.neutralize(part.text)})
        if content:
            msgs.append({"role": "user", "content": content})
        return msgs

    def prompt(self, request: Request, think: bool) -> str:
        return self.processor.apply_chat_template(
            self.messages(request),
            tokenize=False,
            add_generation_prompt=True,
            enable_thinking=think,
            tools=request.tools,
        )

    # --- generation ----------------------------------------------------------------------
    def generate(self, requests: list[Request]) -> list[Result]:
        """Results in the order of ``requests``; requests of the same kind share one
        left-padded generate() call, up to ``batch_size`` at a time."""
        for request in requests:
            request.validate()
        groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
        for i, request in enumerate(requests):
            groups[batch_key(request)].append(i)
        results: list[Result | None] = [None] * len(requests)
        size = max(1, self.config.batch_size)
        for indices in groups.values():
            for start in range(0, len(indices), size):
                chunk = indices[start : start + size]
                for i, result in zip(
                    chunk, self._generate_batch([requests[i] for i in chunk]), strict=True
                ):
                    results[i] = result
        return [r for r in results if r is not None]

    def _generate_batch(self, batch: list[Request]) -> list[Result]:
        started = time.perf_counter()
        prepared = self.prepare(batch)
        new_tokens = self.decode(prepared)
        elapsed = (time.perf_counter() - started) * 1000
        return self._results(prepared, new_tokens, elapsed / len(batch))

    def prepare(self, batch: list[Request]) -> Prepared:
        """Prompts, processor inputs on the model's device, and what the results report of
        the prompts, counted on the host before the move (no device syncs afterwards)."""
        thinks = [should_think(r, self.config.thinking) for r in batch]
        prompts = [self.prompt(r, t) for r, t in zip(batch, thinks, strict=True)]
        images = [[p.image for p in r.parts if isinstance(p, ImagePart)] for r in batch]
        audio = [p.samples for r in batch for p in r.parts if isinstance(p, AudioPart)]
        kwargs: dict[str, Any] = {"text": prompts, "return_tensors": "pt", "padding": True}
        if any(images):
            kwargs["images"] = images
            if batch[0].max_soft_tokens:
                kwargs["max_soft_tokens"] = batch[0].max_soft_tokens
        if audio:
            kwargs["audio"] = audio
        host = self.processor(**kwargs)
        ids = host["input_ids"]
        counts = {
            "prompt": host["attention_mask"].sum(dim=1).tolist(),
            "image": _count(ids, self.image_token_id),
            "audio": _count(ids, self.audio_token_id),
        }
        device, dtype = self.model.device, self.model.dtype
        inputs = {k: _to(v, device, dtype) for k, v in host.items()}
        return Prepared(batch, thinks, prompts, inputs, int(ids.shape[1]), counts)

    def generation_kwargs(self, batch: list[Request]) -> dict[str, Any]:
        first = batch[0]
        gen: dict[str, Any] = {
            "max_new_tokens": max(r.max_new_tokens or self.config.max_new_tokens for r in batch),
            "do_sample": first.temperature > 0,
            "pad_token_id": self.processor.tokenizer.pad_token_id,
            # Stop where the parser stops reading: a row that ended keeps no decode step busy.
            "eos_token_id": sorted(self.stop_ids),
            **self.decoding.generate_kwargs(),
        }
        if first.temperature > 0:
            gen.update(temperature=first.temperature, top_p=first.top_p, top_k=first.top_k)
        processors = [p for r in batch for p in (r.logits_processors or [])]
        if processors:
            from transformers import LogitsProcessorList

            gen["logits_processor"] = LogitsProcessorList(processors)
        return gen

    def decode(self, prepared: Prepared) -> list[list[int]]:
        """The new tokens of each row, brought to the host in one transfer."""
        import torch

        with torch.inference_mode():
            output = self.model.generate(
                **prepared.inputs, **self.generation_kwargs(prepared.batch)
            )
        return output[:, prepared.prompt_len :].cpu().tolist()

    def _results(
        self, prepared: Prepared, new_tokens: list[list[int]], duration_ms: float
    ) -> list[Result]:
        results = []
        for row, (think, prompt) in enumerate(zip(prepared.thinks, prepared.prompts, strict=True)):
            # A row batched with longer ones stops at its own limit, as it would alone.
            limit = prepared.batch[row].max_new_tokens or self.config.max_new_tokens
            new = new_tokens[row][:limit]
            used = next((i for i, t in enumerate(new) if t in self.stop_ids), None)
            tokens = new if used is None else new[:used]
            raw = self.processor.tokenizer.decode(tokens, skip_special_tokens=False)
            parsed = parse_output(raw)
            results.append(
                Result(
                    text=parsed.text,
                    thinking=parsed.thinking,
                    tool_calls=parsed.tool_calls,
                    errors=parsed.errors,
                    thinking_enabled=think,
                    finish_reason="stop" if used is not None else "length",
                    prompt_tokens=int(prepared.counts["prompt"][row]),
                    output_tokens=len(tokens) + (1 if used is not None else 0),
                    image_tokens=prepared.counts["image"][row],
                    audio_tokens=prepared.counts["audio"][row],
                    duration_ms=duration_ms,
                    engine=self.name,
                    model=self.config.model,
                    precision=self.config.precision,
                    device=self.device,
                    prompt_hash=hashlib.sha256(prompt.encode()).hexdigest(),
                    raw=raw,
                )
            )
        return results


@dataclass
class Prepared:
    """One batch on its way through generate()."""

    batch: list[Request]
    thinks: list[bool]
    prompts: list[str]
    inputs: dict[str, Any]  # on the model's device
    prompt_len: int
    counts: dict[str, list[int]]  # per row: prompt, image and audio tokens


def _count(ids: Any, token: int | None) -> list[int]:
    if token is None:
        return [0] * int(ids.shape[0])
    return (ids == token).sum(dim=1).tolist()


def batch_key(request: Request) -> tuple[Any, ...]:
    kinds = tuple(sorted({type(p).__name__ for p in request.parts}))
    return (
        kinds,
        request.max_soft_tokens,
        request.temperature,
        request.top_p,
        request.top_k,
        bool(request.tools),
        id(request.logits_processors) if request.logits_processors else None,
    )


def _history_turn(turn: dict[str, Any], neutralize: Any) -> dict[str, Any]:
    """A history message in the template's shape. Assistant turns keep their answer and tool
    calls; thinking is dropped here whatever the caller passed."""
    role = turn["role"]
    content = neutralize(str(turn.get("content") or ""))
    if role == "assistant" and turn.get("tool_calls"):
        calls = "".join(format_tool_call(c) for c in turn["tool_calls"])
        content = calls + content
    if role == "tool":
        return {
            "role": "tool",
            "name": turn.get("name", ""),
            "content": [{"type": "text", "text": str(content)}],
        }
    return {"role": role, "content": [{"type": "text", "text": str(content)}]}


def _to(value: Any, device: Any, dtype: Any) -> Any:
    import torch

    if not isinstance(value, torch.Tensor):
        return value
    # One copy: cast and move together (pixel values go straight to the model's dtype).
    return value.to(device, dtype) if value.is_floating_point() else value.to(device)


__all__ = ["GemmaEngine", "TextPart"]
