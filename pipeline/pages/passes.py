"""Two passes on a model: a cheap classification of every page at 70 visual tokens, batched
over the document's pages; then only the pass each page needs (OCR, table, chart, form),
at its own budget. JSON answers are validated; an invalid one goes back with the errors a
bounded number of times, then the page is recorded as failed and the document goes on."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

PageKind = Literal["text", "table", "form", "chart", "photo", "blank"]


class Classification(BaseModel):
    kind: PageKind


class TableAnswer(BaseModel):
    headers: list[str]
    rows: list[list[str]]
    caption: str | None = None
    footnotes: list[str] = Field(default_factory=list)


class Series(BaseModel):
    name: str
    values: dict[str, float]


class ChartAnswer(BaseModel):
    type: str
    title: str | None = None
    x_axis: str | None = None
    y_axis: str | None = None
    series: list[Series]
    trend: str


class FormAnswer(BaseModel):
    fields: dict[str, str]


SYSTEM = "You read scanned document pages exactly. Never invent content."
PROMPTS: dict[str, str] = {
    "classify": 'Classify this page. Answer only JSON: {"kind": "text" | "table" | "form" | '
    '"chart" | "photo" | "blank"}',
    "ocr": "Transcribe this page verbatim as Markdown, in reading order: headings with #, "
    "lists with -, tables as Markdown tables, form fields as 'Label: value', and the "
    "page number if printed. Write numbers exactly as printed.",
    "table": 'Extract the table on this page. Answer only JSON: {"headers": [..], "rows": '
    '[[..], ..], "caption": string or null, "footnotes": [..]}. Cells as printed.',
    "chart": 'Read this chart. Answer only JSON: {"type": "bar" | "line" | "pie" | ..., '
    '"title": .., "x_axis": .., "y_axis": .., "series": [{"name": .., "values": '
    '{"label": number, ..}}], "trend": "one sentence"}',
    "form": 'Read the form fields on this page. Answer only JSON: {"fields": {"Label": '
    '"value", ..}}; a ticked checkbox is "yes", an empty one "no".',
}
SCHEMAS: dict[str, type[BaseModel]] = {
    "classify": Classification,
    "table": TableAnswer,
    "chart": ChartAnswer,
    "form": FormAnswer,
}
# The passes each kind gets after the classification. Every page with anything on it is
# transcribed whole (its tables as Markdown tables, its fields as `Label: value`): a page is
# not one kind, and tables and fields are read from that text, in addition to it. A chart
# also gets its own pass for the series values; only a blank page gets nothing.
PASSES_FOR_KIND: dict[str, tuple[str, ...]] = {
    "text": ("ocr",),
    "table": ("ocr",),
    "form": ("ocr",),
    "chart": ("ocr", "chart"),
    "photo": ("ocr",),
    "blank": (),
}


@dataclass
class PassOutcome:
    value: Any = None  # validated model, or text for OCR
    error: str | None = None
    calls: list[tuple[str, Any]] = field(default_factory=list)  # (prompt label, Result)


def extract_json(text: str) -> Any:
    fenced = re.search(r"```(?:json)?\s*(.*?)```", text, re.S)
    candidate = fenced.group(1) if fenced else text
    start = min((i for i in (candidate.find("{"), candidate.find("[")) if i >= 0), default=-1)
    if start < 0:
        raise ValueError("no JSON object in the answer")
    value, _ = json.JSONDecoder().raw_decode(candidate[start:])
    return value


def validate(name: str, text: str) -> tuple[Any, str | None]:
    try:
        return SCHEMAS[name].model_validate(extract_json(text)), None
    except (ValueError, ValidationError) as exc:
        return None, str(exc)[:600]


def run_pass(
    engine: Any,
    name: str,
    pages: list[int],
    images: dict[int, Any],
    budget: int,
    retries: int,
    max_new_tokens: int | None = None,
) -> dict[int, PassOutcome]:
    """One pass over ``pages`` in one batch. A JSON pass sends an invalid answer back with
    its validation errors (the failed pages batched again), at most ``retries`` times."""
    from docintel.models.types import ImagePart, Request, TextPart

    outcomes = {p: PassOutcome() for p in pages}
    previous: dict[int, str] = {}
    pending = list(pages)
    for attempt in range(retries + 1):
        requests = []
        for p in pending:
            prompt = PROMPTS[name]
            if attempt:
                prompt += (
                    f"\n\nYour previous answer was:\n{previous[p][:2000]}\nIt was not "
                    f"valid: {outcomes[p].error}\nAnswer again with only the JSON."
                )
            request = Request(
                [ImagePart(images[p]), TextPart(prompt)],
                system=SYSTEM,
                max_soft_tokens=budget,
                thinking=False,
                max_new_tokens=max_new_tokens,
                tag=f"page:{p}:{name}",
            )
            requests.append(request)
        results = engine.generate(requests) if requests else []
        still = []
        for p, result in zip(pending, results, strict=True):
            outcome = outcomes[p]
            outcome.calls.append((name if attempt == 0 else f"{name}:retry{attempt}", result))
            if name == "ocr":
                outcome.value, outcome.error = result.text, None
                continue
            outcome.value, outcome.error = validate(name, result.text)
            if outcome.error:
                previous[p] = result.text
                still.append(p)
        pending = still
        if not pending:
            break
    return outcomes
