"""Page intelligence on a labelled set: OCR, tables, forms, charts, speed, and the visual
tokens the two-pass routing spends.

    python bench/pages.py [--per-kind 10] [--engine cpu|gemma|openai|all] [--model DIR]

Builds >= 50 page images of known content (clean and scanned text, tables, forms, charts,
blank pages) and prints, per engine available here: character accuracy (1 - CER) of OCR on
clean and on scanned pages, table cell F1, form field F1, chart series accuracy (values
within 5%), pages/s; then the visual tokens of the two-pass routing against a single
1120-token pass on every page, on this set and on a typical mixed report.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import jiwer  # noqa: E402
from common import engines_to_run  # noqa: E402

from docintel.testkit.metrics import cell_f1  # noqa: E402
from docintel.testkit.page_samples import (  # noqa: E402
    blank_page,
    chart_page,
    form_page,
    scanned,
    table_page,
    text_page,
)


def labelled_set(per_kind: int, folder: Path) -> list[tuple[Path, str, object]]:
    rng = random.Random(2026)
    items = []
    makers = [
        ("clean", text_page),
        ("scanned", text_page),
        ("table", table_page),
        ("form", form_page),
        ("chart", chart_page),
    ]
    for label, make in makers:
        for i in range(per_kind):
            image, truth = make(rng)
            if label in ("scanned", "form") or (label == "table" and i % 2):
                image = scanned(image, rng)
            path = folder / f"{label}-{i:02d}.png"
            image.save(path)
            items.append((path, label, truth))
    for i in range(max(2, per_kind // 5)):
        image, truth = blank_page()
        path = folder / f"blank-{i}.png"
        image.save(path)
        items.append((path, "blank", truth))
    return items


def field_f1(expected: dict, found: dict) -> float:
    want = {(k.lower(), str(v).strip()) for k, v in expected.items()}
    got = {(k.lower(), str(v).strip()) for k, v in (found or {}).items()}
    hits = len(want & got)
    return 0.0 if not hits else 2 * hits / (len(want) + len(got))


def chart_accuracy(truth: dict, found: dict | None) -> float:
    if not found or not found.get("series"):
        return 0.0
    want = truth["series"][0]["values"]
    got = found["series"][0].get("values", {})
    ok = sum(1 for k, v in want.items() if k in got and abs(got[k] - v) <= 0.05 * abs(v))
    return ok / len(want)


def evaluate(engine: str, items, settings) -> None:  # type: ignore[no-untyped-def]
    from docintel.models.runtime import resolve_engine
    from docintel.pipeline.pages import read_pages

    chosen = resolve_engine(settings.engine_config())
    scores: dict[str, list[float]] = {k: [] for k in ("clean", "scanned", "table", "form", "chart")}
    started = time.perf_counter()
    kinds = Counter()
    for path, label, truth in items:
        (out,) = read_pages(path, "image", [1], settings, chosen)
        kinds[(label, out.page.kind)] += 1
        if label in ("clean", "scanned"):
            found = " ".join((out.page.markdown or "").split())
            scores[label].append(1 - jiwer.cer(" ".join(truth.text.split()), found or "-"))
        elif label == "table":
            t = out.tables[0] if out.tables else None
            scores["table"].append(cell_f1(truth.table, [t.headers] + t.rows) if t else 0)
        elif label == "form":
            scores["form"].append(field_f1(truth.fields, out.page.fields))
        elif label == "chart":
            chart = out.page.chart
            scores["chart"].append(
                chart_accuracy(truth.chart, chart if chart and chart.get("series") else None)
            )
    elapsed = time.perf_counter() - started

    def mean(xs: list[float]) -> str:
        return f"{sum(xs) / len(xs):.4f}" if xs else "n/a"

    print(
        f"\nengine {engine}: {len(items)} pages in {elapsed:.1f} s = "
        f"{len(items) / elapsed:.2f} pages/s"
    )
    print(f"  OCR character accuracy (1-CER), clean 150 dpi   {mean(scores['clean'])}")
    print(f"  OCR character accuracy (1-CER), scanned         {mean(scores['scanned'])}")
    print(f"  table cell F1                                   {mean(scores['table'])}")
    print(f"  form field F1                                   {mean(scores['form'])}")
    print(
        f"  chart series accuracy (within 5%)               {mean(scores['chart'])}"
        + ("   (the CPU engine does not read charts)" if engine == "cpu" else "")
    )
    wrong = {
        k: v
        for k, v in kinds.items()
        if k[0].replace("clean", "text").replace("scanned", "text") != k[1]
    }
    print(f"  page kinds misjudged: {sum(wrong.values())} {dict(wrong) if wrong else ''}")


def token_accounting() -> None:
    """Visual tokens per page kind, from the routing rules of pipeline/pages/passes.py (the
    passes each kind gets) and the ground-truth kinds; a model's own classifications need
    weights. Every non-blank page is transcribed whole at 1120 tokens; a chart also gets its
    560-token series pass; every scanned page pays the 70-token classification."""
    from docintel.pipeline.pages.passes import PASSES_FOR_KIND

    budget = {"ocr": 1120, "chart": 560}
    cost = {k: 70 + sum(budget[p] for p in passes) for k, passes in PASSES_FOR_KIND.items()}
    print(
        "\nvisual tokens per scanned page, by kind: "
        + ", ".join(f"{k} {v}" for k, v in cost.items())
    )
    print("two-pass routing vs one 1120-token pass on every page")
    scans = Counter({"text": 20, "table": 10, "form": 10, "chart": 10, "blank": 2})
    typical = {"digital": 14, "text": 2, "table": 1, "chart": 2, "blank": 1}
    for name, mix in (
        ("this labelled set (all scans)", dict(scans)),
        ("typical 20-page report (14 digital pages)", typical),
    ):
        pages = sum(mix.values())
        single = 1120 * pages
        routed = sum(n * (0 if k == "digital" else cost[k]) for k, n in mix.items())
        print(
            f"  {name:44s} single {single:6d}  two-pass {routed:6d}  saved "
            f"{1 - routed / single:6.1%}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--per-kind", type=int, default=10)
    ap.add_argument("--engine", default="all")
    ap.add_argument("--model", default="")
    args = ap.parse_args()
    if args.model:
        os.environ["DOCINTEL_MODEL"] = args.model
    from docintel.config import get_settings

    folder = Path(tempfile.mkdtemp(prefix="docintel-pages-"))
    items = labelled_set(args.per_kind, folder)
    print(f"labelled set: {len(items)} pages in {folder}")
    for engine in engines_to_run(args.engine):
        os.environ["DOCINTEL_ENGINE"] = engine
        get_settings.cache_clear()
        evaluate(engine, items, get_settings())
    token_accounting()


if __name__ == "__main__":
    main()
