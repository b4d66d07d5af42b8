"""When to think. ``always`` and ``never`` are what they say; ``budget`` thinks only when a
cheap estimate of the prompt's complexity says the answer needs reasoning (the article's
policy): tools to choose between, questions that ask why or how, comparisons and
arithmetic, or long inputs. Transcription and verbatim OCR never need it."""

from __future__ import annotations

import re

from docintel.models.types import AudioPart, ImagePart, Request

_REASONING = re.compile(
    r"\b(why|how|explain|compare|reason|calculate|compute|sum|total|difference|infer|"
    r"decide|which of|relationship|summari[sz]e|extract|entities|plan)\b",
    re.IGNORECASE,
)
_VERBATIM = re.compile(r"\b(transcribe|verbatim|read the text|ocr|classify)\b", re.IGNORECASE)


def complexity(request: Request) -> float:
    """0 (rote) .. 1 (needs reasoning)."""
    text = request.text
    score = 0.0
    if request.tools:
        score += 0.5
    score += min(0.45, 0.15 * len(_REASONING.findall(text)))
    score += min(0.3, len(text) / 20_000)
    if _VERBATIM.search(text):
        score -= 0.5
    media = sum(isinstance(p, (ImagePart, AudioPart)) for p in request.parts)
    score += 0.05 * max(0, media - 1)
    return max(0.0, min(1.0, score))


def should_think(request: Request, policy: str, threshold: float = 0.35) -> bool:
    if request.thinking is not None:
        return request.thinking
    if policy == "always":
        return True
    if policy == "never":
        return False
    return complexity(request) >= threshold
