"""The engine's cost over the library it wraps: ``GemmaEngine.generate`` against what a user
of transformers writes for the same request, batch 1, greedy, side by side.

    python bench/engine_vs_bare.py                         # tiny random-weight Gemma 4, CPU
    python bench/engine_vs_bare.py --model DIR --device cuda [--decode static|compiled]

Two baselines. The fair one, "user", does the work the engine does for a request: it renders
the chat template, runs the processor (tokenizer, and the image processor for a page), moves
the inputs to the model's device and dtype, calls ``model.generate`` and decodes the new
tokens; its tokens must equal the engine's (checked: the bench fails otherwise), so both did
the same work. The other,
"generate", is ``model.generate`` alone on inputs processed once beforehand: it leaves out
the processor's work, which for a page image on the tiny checkpoint is most of the gap.
Both ratios are printed; the engine's own overhead is the one against "user".

On the tiny checkpoint the figures are a shape check of the code path (its decode step is
~1 ms, so Python overheads show at their largest), not a speed of the real model. The three
are run in turn, in a rotating order, after a warm-up of each; times are medians of
--repeats rounds and ratios the median of each round's own ratio, so none pays the first
call's one-time costs (CUDA kernel loading, template compilation) or sits always first or
last in a round. On CPU torch runs --threads threads (default 1): on a shared machine two
threads fight other processes for the cores and the timings mostly measure that. The
engine's time is split into prepare (template, processor, copies to the device), decode and
results.
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
    """model.generate alone, on inputs processed beforehand; returns the new tokens made."""
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


def user_generate(engine: Any, req: Request, new_tokens: int) -> tuple[list[int], str]:
    """What a user of transformers writes for ``req``: chat template, processor, inputs to
    the device, model.generate, the new tokens decoded. Returns (new tokens, text)."""
    import torch

    processor, model = engine.processor, engine.model
    images = [p.image for p in req.parts if isinstance(p, ImagePart)]
    content: list[dict[str, Any]] = [{"type": "image"} for _ in images]
    content += [{"type": "text", "text": p.text} for p in req.parts if isinstance(p, TextPart)]
    prompt = processor.apply_chat_template(
        [{"role": "user", "content": content}],
        tokenize=False,
        add_generation_prompt=True,
        enable_thinking=False,
    )
    extra: dict[str, Any] = {"images": images, "max_soft_tokens": req.max_soft_tokens}
    inputs = processor(text=prompt, return_tensors="pt", **(extra if images else {}))
    inputs = inputs.to(model.device, dtype=model.dtype)  # BatchFeature casts floats only
    with torch.inference_mode():
        out = model.generate(
            **inputs,
            max_new_tokens=new_tokens,
            do_sample=False,
            pad_token_id=processor.tokenizer.pad_token_id,
            **engine.decoding.generate_kwargs(),
        )
    new = out[0, inputs["input_ids"].shape[1] :].tolist()
    return new, processor.decode(new, skip_special_tokens=True)


def engine_phases(engine: Any, req: Request) -> tuple[dict[str, float], list[int], int]:
    """One engine call, timed by phase, exactly as GemmaEngine._generate_batch runs it.
    Returns the phases, the row's new tokens and the result's output token count."""
    t0 = _clock(engine)
    prepared = engine.prepare([req])
    t1 = _clock(engine)
    new = engine.decode(prepared)
    t2 = _clock(engine)
    (result,) = engine._results(prepared, new, 0.0)
    t3 = time.perf_counter()
    return {"prepare": t1 - t0, "decode": t2 - t1, "results": t3 - t2}, new[0], result.output_tokens


def compare(engine: Any, req: Request, repeats: int = 5) -> dict[str, float]:
    """Median seconds of bare generate, of the user's transformers code and of the engine
    (and its phases) on ``req``, run in turn in a rotating order."""
    new_tokens = req.max_new_tokens or engine.config.max_new_tokens
    inputs = engine.prepare([req]).inputs  # the engine's own inputs, on its device
    bare_generate(engine, inputs, new_tokens)  # warm-up, all three
    user_generate(engine, req, new_tokens)
    engine.generate([req])
    times: dict[str, list[float]] = {"bare": [], "user": [], "engine": []}
    phases: dict[str, list[float]] = {"prepare": [], "decode": [], "results": []}
    tokens: dict[str, Any] = {}

    def bare() -> None:
        tokens["bare"] = bare_generate(engine, inputs, new_tokens)

    def user() -> None:
        tokens["user"] = user_generate(engine, req, new_tokens)[0]

    def eng() -> None:
        split, tokens["engine_ids"], tokens["engine"] = engine_phases(engine, req)
        for name, seconds in split.items():
            phases[name].append(seconds)

    runs = [("bare", bare), ("user", user), ("engine", eng)]
    for i in range(repeats):
        for name, run in runs[i % 3 :] + runs[: i % 3]:
            t = _clock(engine)
            run()
            times[name].append(_clock(engine) - t)
    # The user's code stops where the model's generation config says; the engine also at
    # its parser's stop tokens. Up to where either stopped, the tokens must be the same.
    shared = min(len(tokens["user"]), len(tokens["engine_ids"]))
    out = {f"{k}_s": statistics.median(v) for k, v in times.items()}
    out["same_tokens"] = float(tokens["user"][:shared] == tokens["engine_ids"][:shared])
    # Ratios are medians of each round's own ratio: the three calls of a round ran back to
    # back, under the same load, which a ratio of medians over the whole run does not see.
    rounds = list(zip(times["engine"], times["user"], times["bare"], strict=True))
    out.update({f"{k}_s": statistics.median(v) for k, v in phases.items()})
    out["bare_tokens"], out["engine_tokens"] = tokens["bare"], tokens["engine"]
    out["bare_tok_s"] = out["bare_tokens"] / out["bare_s"]
    out["user_tok_s"] = len(tokens["user"]) / out["user_s"]
    out["engine_tok_s"] = out["engine_tokens"] / out["engine_s"]
    out["ratio"] = statistics.median(e / b for e, _, b in rounds)  # against generate() alone
    out["fair_ratio"] = statistics.median(e / u for e, u, _ in rounds)  # the user's whole call
    return out


def report(kind: str, row: dict[str, float]) -> str:
    return (
        f"{kind:6s} generate {row['bare_s'] * 1000:7.1f} ms   user {row['user_s'] * 1000:7.1f} ms"
        f"   engine {row['engine_s'] * 1000:7.1f} ms   engine/user x{row['fair_ratio']:.3f}"
        f"   engine/generate x{row['ratio']:.3f}   (prepare {row['prepare_s'] * 1000:.1f} ms,"
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
    ap.add_argument("--repeats", type=int, default=9)
    ap.add_argument("--threads", type=int, default=1, help="torch threads on CPU (0: torch's)")
    args = ap.parse_args()
    import torch

    from docintel.models.gemma import GemmaEngine

    if args.device == "cpu" and args.threads:
        torch.set_num_threads(args.threads)
    model = args.model
    if not model:
        from docintel.testkit.tiny import build_tiny_checkpoint

        model = str(build_tiny_checkpoint(Path(tempfile.mkdtemp()) / "tiny"))
        print("model   tiny random-weight Gemma 4 (built offline): a shape check, not a speed")
    config = EngineConfig(
        model=model, device=args.device, precision=args.precision, decode=args.decode
    )
    engine = GemmaEngine(config)
    print(
        f"device  {args.device} ({torch.get_num_threads()} threads), {args.precision},"
        f" decode {engine.decoding.mode}, batch 1, medians of {args.repeats}"
    )
    differ = []
    for kind in ("text", "image"):
        row = compare(engine, request(kind, args.new_tokens), args.repeats)
        print(report(kind, row))
        if not row["same_tokens"]:
            differ.append(kind)
    if differ:
        sys.exit(f"the engine and the user's code made different tokens: {', '.join(differ)}")


if __name__ == "__main__":
    main()
