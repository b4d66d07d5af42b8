"""Generation throughput: requests/s one by one vs batched, and peak memory.

    python bench/generate.py                       # tiny random-weight Gemma 4, CPU
    python bench/generate.py --model DIR --device cuda --precision bf16|int4

Without --model the tiny checkpoint is built in a temporary folder (offline). Each mode
runs the same requests (text, and page images at --budget visual tokens) with the same
max_new_tokens; greedy decoding.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from docintel.config.engine import EngineConfig  # noqa: E402
from docintel.models.gemma import GemmaEngine  # noqa: E402
from docintel.models.types import ImagePart, Request, TextPart  # noqa: E402


def requests(kind: str, n: int, budget: int, new_tokens: int) -> list[Request]:
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    out = []
    for i in range(n):
        if kind == "image":
            page = Image.fromarray((rng.random((1100, 850, 3)) * 255).astype("uint8"))
            parts = [ImagePart(page), TextPart("Transcribe this page.")]
        else:
            parts = [
                TextPart(
                    f"Request {i}: summarise the invoice from supplier {i}, total "
                    f"{1000 + 37 * i} EUR, due in {i + 10} days."
                )
            ]
        out.append(
            Request(parts, max_new_tokens=new_tokens, max_soft_tokens=budget, thinking=False)
        )
    return out


def timed(engine: GemmaEngine, reqs: list[Request], batched: bool) -> float:
    started = time.perf_counter()
    if batched:
        engine.generate(reqs)
    else:
        for r in reqs:
            engine.generate([r])
    return time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--precision", default="bf16")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--requests", type=int, default=16)
    ap.add_argument("--new-tokens", type=int, default=32)
    ap.add_argument("--budget", type=int, default=280)
    args = ap.parse_args()

    model = args.model
    if not model:
        from docintel.testkit.tiny import build_tiny_checkpoint

        model = str(build_tiny_checkpoint(Path(tempfile.mkdtemp()) / "tiny"))
        print("model      tiny random-weight Gemma 4 (built offline)")
    else:
        print(f"model      {model}")
    engine = GemmaEngine(
        EngineConfig(
            model=model,
            device=args.device,
            precision=args.precision,
            batch_size=args.batch,
            thinking="never",
        )
    )
    import torch

    if args.device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
    print(
        f"device     {args.device}, precision {args.precision}, batch {args.batch}, "
        f"{args.requests} requests x {args.new_tokens} new tokens"
    )
    engine.generate(requests("text", 2, args.budget, 4))  # warm-up
    for kind in ("text", "image"):
        reqs = requests(kind, args.requests, args.budget, args.new_tokens)
        one = timed(engine, reqs, batched=False)
        many = timed(engine, reqs, batched=True)
        rate_one, rate_many = len(reqs) / one, len(reqs) / many
        print(
            f"{kind:6s}     one by one {rate_one:8.2f} req/s   batched {rate_many:8.2f} req/s"
            f"   speed-up x{one / many:.2f}"
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS   {rss:.0f} MiB")
    if args.device.startswith("cuda"):
        print(f"peak GPU   {torch.cuda.max_memory_allocated() / 2**20:.0f} MiB allocated")


if __name__ == "__main__":
    main()
