"""One call shape for every modality and every engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from docintel.models.parsing import ParseError, ToolCall

VISUAL_BUDGETS = (70, 140, 280, 560, 1120)
AUDIO_RATE = 16_000
MAX_AUDIO_SECONDS = 30.0


class RequestError(ValueError):
    """A request the engine refuses as it is; the message says how to fix it."""


class ModelUnavailable(RuntimeError):
    """The model cannot be loaded here; the message says what to download and where."""


@dataclass
class ImagePart:
    image: Any  # PIL.Image.Image


@dataclass
class AudioPart:
    samples: Any  # float32 numpy array, 16 kHz mono (see models.audio.prepare_audio)
    sampling_rate: int = AUDIO_RATE

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.sampling_rate


@dataclass
class TextPart:
    text: str


Part = ImagePart | AudioPart | TextPart


@dataclass
class Request:
    parts: list[Part]
    system: str | None = None
    # Earlier turns as chat messages ({"role", "content"}; assistant turns may carry
    # "tool_calls"); thinking is never part of them.
    history: list[dict[str, Any]] = field(default_factory=list)
    tools: list[dict[str, Any]] | None = None
    max_new_tokens: int | None = None
    temperature: float = 0.0
    top_p: float = 0.95
    top_k: int = 64
    max_soft_tokens: int | None = None  # visual tokens per image
    thinking: bool | None = None  # None: the engine's thinking policy decides
    response_schema: dict[str, Any] | None = None  # honoured where the server supports it
    logits_processors: list[Any] | None = None  # transformers engine only (tests, constraints)
    # What the request is for ("page:3:ocr", "audio:window:2", "agent:turn:1"): set by the
    # pipeline, never sent to a model; an injected engine may act on it.
    tag: str | None = None

    def ordered_parts(self) -> list[Part]:
        """Media first, then text: the order Gemma 4 is trained on."""
        media = [p for p in self.parts if not isinstance(p, TextPart)]
        return media + [p for p in self.parts if isinstance(p, TextPart)]

    @property
    def text(self) -> str:
        return "\n".join(p.text for p in self.parts if isinstance(p, TextPart))

    def validate(self) -> None:
        if self.max_soft_tokens is not None and self.max_soft_tokens not in VISUAL_BUDGETS:
            raise RequestError(
                f"max_soft_tokens must be one of {VISUAL_BUDGETS}, got {self.max_soft_tokens}"
            )
        for part in self.parts:
            if isinstance(part, AudioPart):
                if part.sampling_rate != AUDIO_RATE:
                    raise RequestError(
                        f"audio must be {AUDIO_RATE} Hz mono (got {part.sampling_rate} Hz); "
                        "use models.audio.prepare_audio, which resamples"
                    )
                if part.seconds > MAX_AUDIO_SECONDS:
                    raise RequestError(
                        f"audio of {part.seconds:.1f} s is over Gemma 4's {MAX_AUDIO_SECONDS:.0f} s"
                        " per request; the processor would silently cut it. Split it into "
                        "windows (models.audio.split_audio)."
                    )


@dataclass
class Result:
    text: str
    thinking: str | None = None
    tool_calls: list[ToolCall] = field(default_factory=list)
    errors: list[ParseError] = field(default_factory=list)
    thinking_enabled: bool = False
    finish_reason: str = "stop"  # stop or length
    prompt_tokens: int = 0
    output_tokens: int = 0
    image_tokens: int = 0
    audio_tokens: int = 0
    duration_ms: float = 0.0
    engine: str = ""
    model: str = ""
    precision: str = ""
    device: str = ""
    prompt_hash: str = ""
    raw: str = ""

    def audit(self) -> dict[str, Any]:
        """What the audit trail records of a model call."""
        return {
            "thinking": self.thinking,
            "prompt_tokens": self.prompt_tokens,
            "output_tokens": self.output_tokens,
            "duration_ms": self.duration_ms,
            "engine": self.engine,
            "model": self.model,
            "precision": self.precision,
            "prompt_hash": self.prompt_hash,
        }
