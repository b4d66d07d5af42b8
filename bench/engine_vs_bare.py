"""The engine's cost over the library it wraps: ``GemmaEngine.generate`` against bare
``model.generate`` on the engine's own model and inputs, batch 1, greedy, side by side.

    python bench/engine_vs_bare.py                         # tiny random-weight Gemma 4, CPU
    python bench/engine_vs_bare.py --model DIR --device cuda [--decode static|compiled]

On the tiny checkpoint the figures are a shape check of the code path (its decode step is
~1 ms, so Python overheads show at their largest), not a speed of the real model. The two
are run alternately after a warm-up of both, and the median of --repeats is reported, so
neither pays the first call's one-time costs (CUDA kernel loading, template compilation)
that a single timed call each would charge to whichever runs first. The engine's time is
split into prepare (template, processor, copies to the device), decode and results.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from docintel.config.engine import EngineConfig  # noqa: E402
from docintel.models.types import ImagePart, Request, TextPart  # noqa: E402

PROMPT = "Summarise the invoice from Acme GmbH: 40,900 EUR due on 2026-12-02, net 30 days."


def request(kind: str, new_tokens: int, budget: int = 280, seed: int = 0) -> Request:
    """A text request, or a page image at ``budget`` visual tokens with its instruction."""
    if kind == "image":
        import numpy as np
        from PIL import Image

        rng = np.random.default_rng(seed)
        page = Image.fromarray((rng.random((1100, 850, 3)) * 255).astype("uint8"))
        parts: list[Any] = [ImagePart(page), TextPart("Transcribe this page.")]
        return Request(parts, max_new_tokens=new_tokens, max_soft_tokens=budget, thinking=False)
    return Request([TextPart(f"{PROMPT} ({seed})")], max_new_tokens=new_tokens, thinking=False)


def _sync(engine: Any) -> None:
    if str(engine.device).startswith("cuda"):
        import torch

        torch.cuda.synchronize()


def _clock(engine: Any) -> float:
    _sync(engine)
    return time.perf_counter()


def bare_generate(engine: Any, inputs: dict[str, Any], new_tokens: int) -> int:
    """model.generate as a user of transformers calls it; returns the new tokens made."""
    import torch

    with torch.inference_mode():
        out = engine.model.generate(
            **inputs,
            max_new_tokens=new_tokens,
            do_sample=False,
            pad_token_id=engine.processor.tokenizer.pad_token_id,
            **engine.decoding.generate_kwargs(),
        )
    return int(out.shape[1] - inputs["input_ids"].shape[1])


def engine_phases(engine: Any, req: Request) -> tuple[dict[str, float], int]:
    """One engine call, timed by phase, exactly as GemmaEngine._generate_batch runs it."""
    t0 = _clock(engine)
    prepared = engine.prepare([req])
    t1 = _clock(engine)
    new = engine.decode(prepared)
    t2 = _clock(engine)
    (result,) = engine._results(prepared, new, 0.0)
    t3 = time.perf_counter()
    return {"prepare": t1 - t0, "decode": t2 - t1, "results": t3 - t2}, result.output_tokens


def compare(engine: Any, req: Request, repeats: int = 5) -> dict[str, float]:
    """Median seconds of bare generate and of the engine (and its phases) on ``req``."""
    new_tokens = req.max_new_tokens or engine.config.max_new_tokens
    inputs = engine.prepare([req]).inputs  # the engine's own inputs, on its device
    bare_generate(engine, inputs, new_tokens)  # warm-up, both
    engine.generate([req])
    bare, whole, phases = [], [], {"prepare": [], "decode": [], "results": []}
    tokens = {"bare": 0, "engine": 0}
    for _ in range(repeats):
        t = _clock(engine)
        tokens["bare"] = bare_generate(engine, inputs, new_tokens)
        bare.append(_clock(engine) - t)
        t = _clock(engine)
        split, tokens["engine"] = engine_phases(engine, req)
        whole.append(_clock(engine) - t)
        for name, seconds in split.items():
            phases[name].append(seconds)
    out = {
        "bare_s": statistics.median(bare),
        "engine_s": statistics.median(whole),
        "bare_tokens": tokens["bare"],
        "engine_tokens": tokens["engine"],
    }
    out.update({f"{k}_s": statistics.median(v) for k, v in phases.items()})
    out["bare_tok_s"] = out["bare_tokens"] / out["bare_s"]
    out["engine_tok_s"] = out["engine_tokens"] / out["engine_s"]
    out["ratio"] = out["engine_s"] / out["bare_s"]
    return out


def report(kind: str, row: dict[str, float]) -> str:
    return (
        f"{kind:6s} bare {row['bare_tok_s']:8.1f} tok/s   engine {row['engine_tok_s']:8.1f} tok/s"
        f"   engine/bare time x{row['ratio']:.3f}   (prepare {row['prepare_s'] * 1000:.1f} ms,"
        f" decode {row['decode_s'] * 1000:.1f} ms, results {row['results_s'] * 1000:.1f} ms;"
        f" {row['engine_tokens']:.0f} tokens)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--precision", default="bf16")
    ap.add_argument("--decode", default="eager", choices=("eager", "static", "compiled"))
    ap.add_argument("--new-tokens", type=int, default=32)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    from docintel.models.gemma import GemmaEngine

    model = args.model
    if not model:
        from docintel.testkit.tiny import build_tiny_checkpoint

        model = str(build_tiny_checkpoint(Path(tempfile.mkdtemp()) / "tiny"))
        print("model   tiny random-weight Gemma 4 (built offline): a shape check, not a speed")
    config = EngineConfig(
        model=model, device=args.device, precision=args.precision, decode=args.decode
    )
    engine = GemmaEngine(config)
    print(f"device  {args.device}, {args.precision}, decode {engine.decoding.mode}, batch 1")
    for kind in ("text", "image"):
        print(report(kind, compare(engine, request(kind, args.new_tokens), args.repeats)))


if __name__ == "__main__":
    main()
