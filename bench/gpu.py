"""Issue 24's GPU figures in one run: bf16 and int4 side by side.

    python bench/gpu.py                      # on a CUDA machine, E2B-class model, <= 540 s
    python bench/gpu.py --device cpu --tiny  # smoke test of every path on the tiny model

It builds the E2B-class random-weight Gemma 4 itself (testkit/tiny.py, size "e2b": text
hidden 1536, 35 layers, 8 heads, 1 KV head, head_dim 256, vocabulary 262,144, per-layer
inputs 256, 20 KV-shared layers, default vision and audio towers), offline, saves it once
and loads it through the engine's own loader at each precision. Then, per precision: bare
``model.generate``, a user's template + processor + generate and the engine at batch 1
(tokens/s, both ratios, text and a page image; time to first token), the engine
with a compiled decode step (CUDA graphs), the model service under 64 concurrent requests
from 16 documents (page images at 280 visual tokens and text) against the old per-document
batches, the page step over a 20-page scan, and peak GPU memory. Every part checks the
time left first; what did not fit is listed as skipped, and a watchdog prints the table
and exits when --budget runs out, whatever is running.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _import_docintel() -> None:
    """The repository is installed as ``docintel`` (pyproject's package-dir); on a machine
    where it is not, lay the same package out with links in a temporary folder."""
    if importlib.util.find_spec("docintel") is not None:
        return
    view = Path(tempfile.mkdtemp(prefix="docintel-view-"))
    pkg = view / "docintel"
    pkg.mkdir()
    root = HERE.parent
    for item in (root / "docintel").iterdir():
        (pkg / item.name).symlink_to(item)
    for layer in ("config", "models", "store", "pipeline", "worker", "watcher", "migrations"):
        (pkg / layer).symlink_to(root / layer)
    for layer in ("testkit", "api"):
        (pkg / layer).symlink_to(root / layer)
    sys.path.insert(0, str(view))


_import_docintel()

from engine_vs_bare import compare, request  # noqa: E402

from docintel.config.engine import EngineConfig  # noqa: E402

ROWS: list[tuple[str, str, str]] = []  # (precision, what, figure)
SKIPPED: list[str] = []
STARTED = time.monotonic()


class Clock:
    def __init__(self, budget: float) -> None:
        self.budget = budget

    def left(self) -> float:
        return self.budget - (time.monotonic() - STARTED)

    def allows(self, part: str, needs: float) -> bool:
        if self.left() >= needs:
            print(f"[{time.monotonic() - STARTED:6.1f} s] {part}", flush=True)
            return True
        SKIPPED.append(f"{part}: needs ~{needs:.0f} s, {max(0, self.left()):.0f} s left")
        return False


def row(precision: str, what: str, figure: str) -> None:
    ROWS.append((precision, what, figure))
    print(f"  {precision:5s} {what:48s} {figure}", flush=True)


def table() -> None:
    print("\n=== bench/gpu.py ===")
    precisions = list(dict.fromkeys(p for p, _, _ in ROWS))
    whats = list(dict.fromkeys(w for _, w, _ in ROWS))
    cells = {(p, w): f for p, w, f in ROWS}
    print(f"{'':50s}" + "".join(f"{p:>26s}" for p in precisions))
    for w in whats:
        print(f"{w:50s}" + "".join(f"{cells.get((p, w), '-'):>26s}" for p in precisions))
    for s in SKIPPED:
        print(f"skipped: {s}")
    print(f"total {time.monotonic() - STARTED:.0f} s", flush=True)


def watchdog(budget: float) -> None:
    def fire() -> None:
        SKIPPED.append(f"the part running at {budget:.0f} s was cut off by the budget")
        table()
        os._exit(0)

    timer = threading.Timer(budget - (time.monotonic() - STARTED), fire)
    timer.daemon = True
    timer.start()


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()


def _peak(device: str) -> str:
    if not device.startswith("cuda"):
        import resource

        return f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB RSS"
    import torch

    return f"{torch.cuda.max_memory_allocated() / 2**30:.2f} GiB"


def ttft(engine: Any, kind: str) -> float:
    """Seconds to the first new token: a whole engine call asked for one token."""
    req = request(kind, 1)
    engine.generate([req])
    times = []
    for _ in range(3):
        _sync(engine.device)
        t = time.perf_counter()
        engine.generate([req])
        _sync(engine.device)
        times.append(time.perf_counter() - t)
    return sorted(times)[1]


def documents(n: int, new_tokens: int) -> list[list[Any]]:
    """``n`` documents of 4 requests: three page images at 280 visual tokens, one text."""
    docs = []
    for d in range(n):
        reqs = [request("image", new_tokens, 280, seed=100 * d + i) for i in range(3)]
        reqs.append(request("text", new_tokens, seed=d))
        for i, r in enumerate(reqs):
            r.tag = f"page:{i + 1}:ocr" if i < 3 else "agent:turn:0"
        docs.append(reqs)
    return docs


def concurrent(engine: Any, docs: list[list[Any]]) -> tuple[float, int]:
    """One thread per document, all at once, each sending its requests to ``engine``."""
    barrier = threading.Barrier(len(docs) + 1)
    tokens = [0] * len(docs)

    def run(i: int) -> None:
        barrier.wait()
        tokens[i] = sum(r.output_tokens for r in engine.generate(docs[i]))

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(docs))]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, sum(tokens)


def service_part(engine: Any, args: argparse.Namespace, precision: str, clock: Clock) -> None:
    from docintel.models.service import ModelService

    docs = documents(args.documents, args.new_tokens)
    n = sum(len(d) for d in docs)
    engine.generate(docs[0][:1] + docs[0][3:])  # warm both kinds
    if clock.allows(f"{precision}: per-document batches (before), 2 documents", args.part_s):
        t0 = time.perf_counter()
        made = sum(r.output_tokens for d in docs[:2] for r in engine.generate(d))
        before = made / (time.perf_counter() - t0)
        row(precision, "per-document batches, tok/s (before)", f"{before:.1f}")
    else:
        before = 0.0
    if not clock.allows(
        f"{precision}: service, {n} requests from {len(docs)} documents", 2 * args.part_s
    ):
        return
    served = ModelService(engine, window_ms=args.window_ms, max_batch=args.max_batch)
    try:
        seconds, made = concurrent(served, docs)
    finally:
        served.close()
    rate = made / seconds
    row(precision, f"service, {n} requests / {len(docs)} docs, tok/s", f"{rate:.1f}")
    row(precision, "service generate() calls", f"{served.calls} for {n} requests")
    if before:
        row(precision, "service / per-document batches", f"x{rate / before:.2f}")


def pages_part(engine: Any, args: argparse.Namespace, precision: str, clock: Clock) -> None:
    if not clock.allows(f"{precision}: page step over a 20-page scan", args.part_s):
        return
    from docintel.config import Settings
    from docintel.models.service import ModelService
    from docintel.pipeline.pages.model import read_pages_with_model
    from docintel.testkit.page_samples import images_to_pdf, scanned, table_page, text_page

    rng = random.Random(0)
    folder = Path(tempfile.mkdtemp())
    pages = [scanned((table_page if i % 4 == 3 else text_page)(rng)[0], rng) for i in range(20)]
    pdf = images_to_pdf(folder / "scan.pdf", pages)
    settings = Settings(home=folder, json_retries=0, ocr_visual_tokens=280)
    served = ModelService(engine, window_ms=args.window_ms, max_batch=args.max_batch)
    try:
        t0 = time.perf_counter()
        read_pages_with_model(Path(pdf), "pdf", list(range(1, 21)), settings, served)
        row(precision, "page step, 20-page scan, pages/s", f"{20 / (time.perf_counter() - t0):.2f}")
    finally:
        served.close()


def _tok_s(engine: Any, requests: list[Any]) -> float:
    """New tokens per second over ``requests``, one engine call each."""
    _sync(engine.device)
    t0, made = time.perf_counter(), 0
    for req in requests:
        made += engine.generate([req])[0].output_tokens
    _sync(engine.device)
    return made / (time.perf_counter() - t0)


def compiled_part(engine: Any, args: argparse.Namespace, precision: str, clock: Clock) -> None:
    from dataclasses import replace

    from docintel.models.decoding import Decoding

    if not clock.allows(
        f"{precision}: compiled decode (static cache, CUDA graphs)", args.compile_s
    ):
        return
    eager = engine.decoding
    mode = "compiled" if args.device.startswith("cuda") else "static"
    # Prompts of lengths the warm-up never saw: Gemma 4's sliding-window cache layers hand
    # their length to the compiled step as an int, and CUDA graphs record a new graph for
    # each value it takes, so a replayed prompt can be fast while a new one records again.
    unseen = [request("text", args.new_tokens, seed=10 ** (k + 3)) for k in range(3)]
    unseen_eager = _tok_s(engine, unseen)
    engine.decoding = Decoding.for_engine(
        replace(engine.config, decode=mode), engine.model, engine.device
    )
    try:
        t0 = time.perf_counter()
        result = compare(engine, request("text", args.new_tokens), args.repeats)
        name = engine.decoding.mode
        row(precision, f"engine batch 1, {name} decode, tok/s", f"{result['engine_tok_s']:.1f}")
        row(precision, f"{name}: warm-up + measure, s", f"{time.perf_counter() - t0:.0f}")
        row(
            precision,
            f"{name}, 3 unseen prompt lengths, tok/s (eager)",
            f"{_tok_s(engine, unseen):.1f} ({unseen_eager:.1f})",
        )
    except Exception as exc:  # a compile failure is a figure too: eager stays the fallback
        SKIPPED.append(f"{precision} compiled decode failed: {type(exc).__name__}: {exc}"[:300])
    finally:
        engine.decoding = eager


def one_precision(folder: str, precision: str, args: argparse.Namespace, clock: Clock) -> None:
    import torch

    from docintel.models.gemma import GemmaEngine

    if not clock.allows(f"{precision}: load", 30):
        return
    if args.device.startswith("cuda"):
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    t0 = time.perf_counter()
    config = EngineConfig(
        model=folder,
        device=args.device,
        precision=precision,
        thinking="never",
        max_new_tokens=args.new_tokens,
        batch_size=args.max_batch,
    )
    engine = GemmaEngine(config)
    row(precision, "load, s", f"{time.perf_counter() - t0:.0f}")
    if clock.allows(f"{precision}: batch 1, engine vs bare", args.part_s):
        result = compare(engine, request("text", args.new_tokens), args.repeats)
        row(precision, "bare model.generate batch 1, tok/s", f"{result['bare_tok_s']:.1f}")
        row(precision, "user's template+processor+generate, tok/s", f"{result['user_tok_s']:.1f}")
        row(precision, "engine batch 1, tok/s", f"{result['engine_tok_s']:.1f}")
        row(precision, "engine / user's call time (fair)", f"x{result['fair_ratio']:.3f}")
        row(precision, "engine / generate() alone time", f"x{result['ratio']:.3f}")
        row(precision, "engine's tokens == user's", "yes" if result["same_tokens"] else "NO")
        page = compare(engine, request("image", args.new_tokens), args.repeats)
        row(precision, "page 280 vt: engine / user's call (fair)", f"x{page['fair_ratio']:.3f}")
        row(precision, "page 280 vt: engine / generate() alone", f"x{page['ratio']:.3f}")
        row(
            precision,
            "engine prepare / decode, ms",
            f"{result['prepare_s'] * 1000:.1f} / {result['decode_s'] * 1000:.0f}",
        )
        row(precision, "time to first token (text), ms", f"{ttft(engine, 'text') * 1000:.0f}")
        row(
            precision,
            "time to first token (page, 280 vt), ms",
            f"{ttft(engine, 'image') * 1000:.0f}",
        )
    service_part(engine, args, precision, clock)
    pages_part(engine, args, precision, clock)
    if not args.no_compile:
        compiled_part(engine, args, precision, clock)
    row(precision, "peak memory", _peak(args.device))
    del engine
    gc.collect()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--tiny", action="store_true", help="the tests' tiny model (smoke test)")
    ap.add_argument("--model", default="", help="a checkpoint folder instead of building one")
    ap.add_argument("--budget", type=float, default=540.0, help="seconds for the whole run")
    ap.add_argument("--new-tokens", type=int, default=32)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--documents", type=int, default=16)
    ap.add_argument("--max-batch", type=int, default=16)
    ap.add_argument("--window-ms", type=float, default=5.0)
    ap.add_argument("--precisions", default="bf16,int4")
    ap.add_argument("--no-compile", action="store_true")
    ap.add_argument("--part-s", type=float, default=40.0, help="least time a part may start with")
    ap.add_argument("--compile-s", type=float, default=120.0)
    args = ap.parse_args()
    clock = Clock(args.budget)
    watchdog(args.budget)
    import torch

    if args.device.startswith("cuda") and not torch.cuda.is_available():
        sys.exit("no CUDA device here; use --device cpu --tiny for a smoke test")
    print(
        f"torch {torch.__version__}, device {args.device}"
        + (f" ({torch.cuda.get_device_name()})" if args.device.startswith("cuda") else "")
    )
    folder = args.model
    if not folder:
        from docintel.testkit.tiny import build_tiny_checkpoint

        size = "tiny" if args.tiny else "e2b"
        t0 = time.perf_counter()
        folder = str(
            build_tiny_checkpoint(
                Path(tempfile.mkdtemp()) / size,
                size=size,
                device=args.device if size == "e2b" else "cpu",
            )
        )
        gc.collect()
        if args.device.startswith("cuda"):
            torch.cuda.empty_cache()
        print(f"built the {size} random-weight Gemma 4 in {time.perf_counter() - t0:.0f} s")
    for precision in args.precisions.split(","):
        if precision != "bf16" and not args.device.startswith("cuda"):
            SKIPPED.append(f"{precision}: needs CUDA (bitsandbytes)")
        elif precision != "bf16" and importlib.util.find_spec("bitsandbytes") is None:
            SKIPPED.append(f"{precision}: bitsandbytes is not installed")
        else:
            one_precision(folder, precision, args, clock)
    table()
    os._exit(0)  # daemon callers and the watchdog end with the table


if __name__ == "__main__":
    main()
