"""The page step on a model: pages without a usable text layer, read by Gemma 4 (or an
OpenAI-compatible server) in batches, one generate() call per batch.

This is the OCR pass at the full visual budget; the cheap classification pass and the
table, chart and form passes come with the page-intelligence work.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from docintel.settings import Settings
from worker.errors import DocumentError

OCR_SYSTEM = (
    "You transcribe document pages. Reproduce the text verbatim in reading order as "
    "Markdown: headings as #, lists as -, tables as Markdown tables, form fields as "
    "'Label: value', and the page number if printed. Do not summarise or add anything."
)
OCR_PROMPT = "Transcribe this page."


def page_images(path: Path, kind: str, pages: list[int], dpi: int) -> dict[int, Any]:
    """PIL images of the given 1-based pages: rasterized PDF pages, or the image's frames."""
    from PIL import Image

    if kind == "pdf":
        import pymupdf

        out = {}
        with pymupdf.open(path) as doc:
            for number in pages:
                pix = doc.load_page(number - 1).get_pixmap(dpi=dpi, colorspace=pymupdf.csRGB)
                out[number] = Image.frombytes("RGB", (pix.width, pix.height), pix.samples)
        return out
    try:
        image = Image.open(path)
        frames = {}
        for number in pages:
            image.seek(number - 1)
            frames[number] = image.convert("RGB")
        return frames
    except (OSError, EOFError, Image.DecompressionBombError) as exc:
        raise DocumentError(f"{path.name}: the image could not be decoded ({exc}).") from exc


def read_pages_with_model(
    path: Path, kind: str, pages: list[int], settings: Settings
) -> list[dict[str, Any]]:
    """Page rows for ``store.records.save_pages``, one model call for the whole batch."""
    from models.runtime import choose_engine, get_engine
    from models.types import ImagePart, Request, TextPart

    config = settings.engine_config()
    engine = get_engine(config)
    choice = choose_engine(config)
    images = page_images(path, kind, pages, settings.page_dpi)
    requests = [
        Request(
            [ImagePart(images[n]), TextPart(OCR_PROMPT)],
            system=OCR_SYSTEM,
            max_soft_tokens=settings.ocr_visual_tokens,
            thinking=False,
        )
        for n in pages
    ]
    started = time.perf_counter()
    results = engine.generate(requests)
    batch_ms = (time.perf_counter() - started) * 1000
    rows = []
    for number, result in zip(pages, results, strict=True):
        rows.append(
            {
                "page": number,
                "status": "done",
                "text_source": "gemma",
                "decision": f"OCR by {result.engine} ({choice.reason})"
                + ("; output hit max_new_tokens" if result.finish_reason == "length" else ""),
                "markdown": result.text,
                "visual_tokens": result.image_tokens or settings.ocr_visual_tokens,
                "engine": result.engine,
                "model": result.model,
                "precision": result.precision,
                "width": float(images[number].width),
                "height": float(images[number].height),
                "timings": {
                    "generate_ms": result.duration_ms,
                    "batch_ms": batch_ms,
                    "batch_size": len(pages),
                },
                "_result": result,
            }
        )
    return rows
