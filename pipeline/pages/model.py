"""Pages on a model engine: a classification pass at 70 visual tokens over every page in one
batch, then only the pass each page needs (``docintel.pipeline.pages.passes``)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from docintel.config import Settings
from docintel.models.runtime import Engine, engine_reason
from docintel.pipeline.pages.fields import markdown_tables, page_fields
from docintel.pipeline.pages.images import page_images
from docintel.pipeline.pages.passes import PASSES_FOR_KIND, run_pass
from docintel.pipeline.types import AuditEntry, PageRead, PageResult


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
    later: dict[int, list[tuple[str, Any]]] = {p: [] for p in pages}
    for name in ("ocr", "chart"):
        group = [p for p in pages if name in PASSES_FOR_KIND[kinds[p]]]
        if group:
            outcomes = run_pass(engine, name, group, images, budgets[name], settings.json_retries)
            for p, outcome in outcomes.items():
                later[p].append((name, outcome))
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
        errors = []
        for name, outcome in later[p]:
            read.audits += _audit_calls(p, outcome.calls, failed=outcome.error is not None)
            result.visual_tokens = max(result.visual_tokens or 0, budgets[name])
            result.timings.setdefault("passes", []).append(name)
            result.timings[f"{name}_image_tokens"] = outcome.calls[-1][1].image_tokens
            if outcome.error:
                errors.append(
                    f"the model's {name} answer was not valid after {len(outcome.calls)} "
                    f"tries: {outcome.error}"
                )
            else:
                _fill(read, name, outcome.value, last.engine)
        if errors:
            result.error = "; ".join(errors)
            # A chart whose series could not be read still has its transcribed text.
            result.status = "failed" if result.markdown is None else "done"
        reads.append(read)
    return reads


def _fill(read: PageRead, name: str, value: Any, engine: str) -> None:
    page = read.page
    if name == "ocr":
        # The whole page in reading order; its tables and fields are read from that text.
        page.markdown = value
        for i, table in enumerate(markdown_tables(value)):
            read.tables.append(table.placed(page.page, i, engine))
        page.fields = page_fields(value, page.kind)
    elif name == "chart":
        page.chart = value.model_dump()
        chart = chart_markdown(page.chart)
        page.markdown = f"{page.markdown}\n\n{chart}" if page.markdown else chart


def chart_markdown(chart: dict[str, Any]) -> str:
    lines = [f"*Chart ({chart.get('type')}): {chart.get('title') or ''}* {chart.get('trend')}"]
    for series in chart.get("series", []):
        values = ", ".join(f"{k}: {v:g}" for k, v in series["values"].items())
        lines.append(f"- {series['name']}: {values}")
    return "\n".join(lines)
