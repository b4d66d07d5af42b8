"""The injection guard: text in a document that reads as instructions to a model. Apart
from the model's tool loop (``loop``), which only a model engine needs: the guard runs on
every document, the rules' included, and a CPU command does not build the loop's schemas."""

from __future__ import annotations

import re

INJECTION = re.compile(
    r"ignore (?:all |any |the |your )?(?:previous |prior |above )?(?:instructions|prompts?)|"
    r"disregard (?:the |your )?(?:instructions|system prompt)|you are now|system prompt|"
    r"call the tool|new instructions|act as (?:an? )?(?:admin|administrator|developer)",
    re.IGNORECASE,
)


def injection_attempts(text: str) -> list[str]:
    return [m.group(0) for m in INJECTION.finditer(text)]
