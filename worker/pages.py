"""The page step: pages without a usable text layer (scans, page images), read by a model in
two passes (``worker.page_passes``) or by the CPU engine (``worker.tesseract``)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docintel.settings import Settings
from worker.errors import DocumentError
from worker.page_passes import PASS_FOR_KIND, RequestHook, run_pass
from worker.pdf import TableData, table_markdown


@dataclass
class PageOutput:
    row: dict[str, Any]  # a pages row
    tables: list[dict[str, Any]] = field(default_factory=list)
    audits: list[dict[str, Any]] = field(default_factory=list)


def image_info(path: Path, settings: Settings) -> tuple[int, int, int]:
    """(width, height, frames) without decoding pixels; refuses decompression bombs."""
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = None  # we check ourselves, with a message a person can act on
    try:
        with Image.open(path) as image:
            width, height = image.size
            frames = getattr(image, "n_frames", 1)
    except (OSError, SyntaxError) as exc:
        raise DocumentError(
            f"{path.name}: the image could not be read ({exc}); save or scan it again."
        ) from exc
    if width * height > settings.max_image_pixels:
        raise DocumentError(
            f"{path.name} is {width}×{height} pixels ({width * height / 1e6:.0f} megapixels), "
            f"above DOCINTEL_MAX_IMAGE_PIXELS={settings.max_image_pixels:,}: it is a "
            "decompression bomb or needs downscaling before it is dropped."
        )
    return width, height, frames


def page_images(
    path: Path, kind: str, pages: list[int], dpi: int, settings: Settings
) -> dict[int, Any]:
    """PIL images of the given 1-based pages: rasterized PDF pages (the DPI lowered where a
    page would exceed the pixel limit), or the image's frames."""
    from PIL import Image

    if kind == "pdf":
        import pymupdf

        out = {}
        with pymupdf.open(path) as doc:
            for number in pages:
                page = doc.load_page(number - 1)
                area = abs(page.rect) / 72 / 72  # square inches
                fit = int((settings.max_image_pixels / max(area, 1e-6)) ** 0.5)
                pix = page.get_pixmap(dpi=max(36, min(dpi, fit)), colorspace=pymupdf.csRGB)
                out[number] = Image.frombytes("RGB", (pix.width, pix.height), pix.samples)
        return out
    image_info(path, settings)
    image = Image.open(path)
    frames = {}
    for number in pages:
        image.seek(number - 1)
        frames[number] = image.convert("RGB")
    return frames


def read_pages(
    path: Path, kind: str, pages: list[int], settings: Settings, hook: RequestHook | None = None
) -> list[PageOutput]:
    from models.runtime import choose_engine

    choice = choose_engine(settings.engine_config())
    if choice.name in ("gemma", "openai"):
        return read_pages_with_model(path, kind, pages, settings, choice.reason, hook)
    return [read_page_cpu(path, kind, p, settings) for p in pages]


# --- model engine -------------------------------------------------------------------------


def _audit_calls(page: int, calls: list[tuple[str, Any]], failed: bool) -> list[dict[str, Any]]:
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
    path: Path,
    kind: str,
    pages: list[int],
    settings: Settings,
    reason: str,
    hook: RequestHook | None = None,
) -> list[PageOutput]:
    from models.runtime import get_engine

    engine = get_engine(settings.engine_config())
    images = page_images(path, kind, pages, settings.page_dpi, settings)
    started = time.perf_counter()
    classified = run_pass(
        engine,
        "classify",
        pages,
        images,
        settings.classify_visual_tokens,
        settings.json_retries,
        hook,
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
            second.update(
                {
                    p: (name, o)
                    for p, o in run_pass(
                        engine, name, group, images, budgets[name], settings.json_retries, hook
                    ).items()
                }
            )
    elapsed = (time.perf_counter() - started) * 1000
    outputs = []
    for p in pages:
        first = classified[p]
        decision = (
            (
                f"classified as {kinds[p]} at {settings.classify_visual_tokens} visual "
                f"tokens ({reason})"
            )
            if first.value
            else (f"classification failed ({first.error}); read as text")
        )
        out = PageOutput(
            row={
                "page": p,
                "status": "done",
                "text_source": "gemma",
                "kind": kinds[p],
                "decision": decision,
                "markdown": None,
                "fields": {},
                "chart": None,
                "visual_tokens": settings.classify_visual_tokens,
                "error": None,
                "width": float(images[p].width),
                "height": float(images[p].height),
                "timings": {
                    "batch_ms": elapsed,
                    "batch_size": len(pages),
                    "classify_image_tokens": first.calls[-1][1].image_tokens,
                },
            }
        )
        out.audits += _audit_calls(p, first.calls, failed=False)
        last = first.calls[-1][1]
        out.row.update(engine=last.engine, model=last.model, precision=last.precision)
        if p in second:
            name, outcome = second[p]
            out.audits += _audit_calls(p, outcome.calls, failed=outcome.error is not None)
            out.row["visual_tokens"] = budgets[name]
            out.row["timings"]["pass"] = name
            out.row["timings"]["pass_image_tokens"] = outcome.calls[-1][1].image_tokens
            if outcome.error:
                out.row.update(
                    status="failed",
                    error=(
                        f"the model's {name} answer was not valid after {len(outcome.calls)} "
                        f"tries: {outcome.error}"
                    ),
                )
            else:
                _fill(out, name, outcome.value, p, last.engine)
        outputs.append(out)
    return outputs


def _fill(out: PageOutput, name: str, value: Any, page: int, engine: str) -> None:
    if name == "ocr":
        out.row["markdown"] = value
    elif name == "table":
        table = TableData(value.headers, value.rows, value.caption)
        out.tables.append(
            {
                "page": page,
                "index": 0,
                "sheet": None,
                "headers": value.headers,
                "rows": value.rows,
                "caption": value.caption,
                "footnotes": value.footnotes,
                "engine": engine,
            }
        )
        out.row["markdown"] = table_markdown(table)
    elif name == "form":
        out.row["fields"] = value.fields
        out.row["markdown"] = "\n".join(f"{k}: {v}" for k, v in value.fields.items())
    elif name == "chart":
        out.row["chart"] = value.model_dump()
        out.row["markdown"] = chart_markdown(value.model_dump())


def chart_markdown(chart: dict[str, Any]) -> str:
    lines = [f"*Chart ({chart.get('type')}): {chart.get('title') or ''}* {chart.get('trend')}"]
    for series in chart.get("series", []):
        values = ", ".join(f"{k}: {v:g}" for k, v in series["values"].items())
        lines.append(f"- {series['name']}: {values}")
    return "\n".join(lines)


# --- CPU engine ---------------------------------------------------------------------------


def read_page_cpu(path: Path, kind: str, page: int, settings: Settings) -> PageOutput:
    from worker import tesseract as tess

    started = time.perf_counter()
    image = page_images(path, kind, [page], settings.cpu_ocr_dpi, settings)[page]
    version = tess.tesseract_version()
    row: dict[str, Any] = {
        "page": page,
        "status": "done",
        "text_source": "tesseract",
        "engine": "tesseract",
        "model": f"tesseract {version}" if version else "tesseract",
        "precision": None,
        "visual_tokens": None,
        "fields": {},
        "chart": None,
        "error": None,
        "width": float(image.width),
        "height": float(image.height),
    }
    out = PageOutput(row=row)
    page_kind = tess.classify_page(image, None)
    if page_kind != "blank":
        image = tess.deskew(image)  # scanners tilt pages; rows and rulings need them level
    words = [] if page_kind == "blank" else tess.ocr_words(image, settings.ocr_language)
    if page_kind != "blank":
        page_kind = tess.classify_page(image, words)
    markdown = tess.words_markdown(words)
    row.update(
        kind=page_kind,
        markdown=markdown or None,
        decision=f"read by Tesseract at {settings.cpu_ocr_dpi} dpi; classified "
        f"{page_kind} by layout",
    )
    if page_kind == "table":
        grid = tess.ruling_grid(image)
        cells = tess.grid_table(grid, words) if grid else []
        if len(cells) >= 2:
            table = TableData(cells[0], cells[1:])
            out.tables.append(
                {
                    "page": page,
                    "index": 0,
                    "sheet": None,
                    "headers": cells[0],
                    "rows": cells[1:],
                    "caption": None,
                    "footnotes": [],
                    "engine": "tesseract",
                }
            )
            row["markdown"] = table_markdown(table)
    if page_kind in ("form", "text", "table"):
        row["fields"] = tess.form_fields(markdown) if page_kind == "form" else {}
    if page_kind == "chart":
        row["chart"] = {
            "read": False,
            "reason": "the CPU engine does not read charts (series "
            "values need a model); DOCINTEL_ENGINE=gemma reads them",
        }
    elapsed = (time.perf_counter() - started) * 1000
    row["timings"] = {"ocr_ms": elapsed}
    out.audits.append(
        {
            "step": f"page:{page}:tesseract",
            "seq": 0,
            "role": "pipeline",
            "content": f"{page_kind}; {len(words)} words",
            "duration_ms": elapsed,
            "engine": "tesseract",
            "model": row["model"],
            "status": "warning" if page_kind == "chart" else "ok",
        }
    )
    return out
