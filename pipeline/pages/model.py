"""Pages on a model engine: a classification pass at 70 visual tokens over every page in one
batch, then only the pass each page needs (``docintel.pipeline.pages.passes``)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from docintel.config import Settings
from docintel.models.runtime import Engine, engine_reason
from docintel.pipeline.pages.images import page_images
from docintel.pipeline.pages.passes import PASS_FOR_KIND, run_pass
from docintel.pipeline.types import AuditEntry, PageRead, PageResult, TableData, table_markdown


def _audit_calls(page: int, calls: list[tuple[str, Any]], failed: bool) -> list[AuditEntry]:
    events = []
    for seq, (label, result) in enumerate(calls):
        retrying = seq < len(calls) - 1
        events.append(
            {
                "step": f"page:{page}:{label.split(':')[0]}",
                "seq": seq,
                "role": "assistant",
                "content": result.text[:4000],
                "status": "retry" if retrying else ("error" if failed else "ok"),
                **result.audit(),
            }
        )
    return events


def read_pages_with_model(
    path: Path, kind: str, pages: list[int], settings: Settings, engine: Engine
) -> list[PageRead]:
    images = page_images(path, kind, pages, settings.page_dpi, settings)
    started = time.perf_counter()
    classified = run_pass(
        engine,
        "classify",
        pages,
        images,
        settings.classify_visual_tokens,
        settings.json_retries,
        max_new_tokens=32,
    )
    kinds = {p: (o.value.kind if o.value else "text") for p, o in classified.items()}
    budgets = {
        "ocr": settings.ocr_visual_tokens,
        "table": settings.ocr_visual_tokens,
        "form": settings.ocr_visual_tokens,
        "chart": settings.chart_visual_tokens,
    }
    second: dict[int, Any] = {}
    pass_of = {p: PASS_FOR_KIND[k] for p, k in kinds.items()}
    for name in ("ocr", "table", "form", "chart"):
        group = [p for p in pages if pass_of[p] == name]
        if group:
            outcomes = run_pass(engine, name, group, images, budgets[name], settings.json_retries)
            second.update({p: (name, o) for p, o in outcomes.items()})
    elapsed = (time.perf_counter() - started) * 1000
    reason = engine_reason(engine)
    reads = []
    for p in pages:
        first = classified[p]
        decision = (
            f"classified as {kinds[p]} at {settings.classify_visual_tokens} visual tokens "
            f"({reason})"
            if first.value
            else f"classification failed ({first.error}); read as text"
        )
        last = first.calls[-1][1]
        result = PageResult(
            p,
            "done",
            text_source="gemma",
            kind=kinds[p],
            decision=decision,
            visual_tokens=settings.classify_visual_tokens,
            width=float(images[p].width),
            height=float(images[p].height),
            engine=last.engine,
            model=last.model,
            precision=last.precision,
            timings={
                "batch_ms": elapsed,
                "batch_size": len(pages),
                "classify_image_tokens": last.image_tokens,
            },
        )
        read = PageRead(result, audits=_audit_calls(p, first.calls, failed=False))
        if p in second:
            name, outcome = second[p]
            read.audits += _audit_calls(p, outcome.calls, failed=outcome.error is not None)
            result.visual_tokens = budgets[name]
            result.timings["pass"] = name
            result.timings["pass_image_tokens"] = outcome.calls[-1][1].image_tokens
            if outcome.error:
                result.status = "failed"
                result.error = (
                    f"the model's {name} answer was not valid after {len(outcome.calls)} "
                    f"tries: {outcome.error}"
                )
            else:
                _fill(read, name, outcome.value, last.engine)
        reads.append(read)
    return reads


def _fill(read: PageRead, name: str, value: Any, engine: str) -> None:
    page = read.page
    if name == "ocr":
        page.markdown = value
    elif name == "table":
        table = TableData(value.headers, value.rows, value.caption, footnotes=value.footnotes)
        read.tables.append(table.placed(page.page, 0, engine))
        page.markdown = table_markdown(table)
    elif name == "form":
        page.fields = value.fields
        page.markdown = "\n".join(f"{k}: {v}" for k, v in value.fields.items())
    elif name == "chart":
        page.chart = value.model_dump()
        page.markdown = chart_markdown(page.chart)


def chart_markdown(chart: dict[str, Any]) -> str:
    lines = [f"*Chart ({chart.get('type')}): {chart.get('title') or ''}* {chart.get('trend')}"]
    for series in chart.get("series", []):
        values = ", ".join(f"{k}: {v:g}" for k, v in series["values"].items())
        lines.append(f"- {series['name']}: {values}")
    return "\n".join(lines)
