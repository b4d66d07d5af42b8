"""A sentence-transformers folder run on onnxruntime: the same vectors as torch (measured:
largest difference 1.4e-7, recall@5 equal, bench/embedding.py), at the same speed, but a
process that embeds starts in under a second and ~240 MB instead of ~11 s and ~1 GB,
because it imports neither torch nor sentence-transformers. The graph is exported from the
folder once (torch, transformers and onnx are needed for that once) and kept in a cache
folder, keyed by the model's files."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

log = logging.getLogger("docintel.models")
INPUTS = ("input_ids", "attention_mask", "token_type_ids")


class UnsupportedModel(Exception):
    """The folder holds more than a transformer, a mean or CLS pooling and a normalisation."""


def pipeline_of(folder: Path) -> tuple[str, bool, int]:
    """(pooling, normalise, max tokens) of a sentence-transformers folder, or
    UnsupportedModel where it has modules this runner does not know (Dense, ...)."""
    modules = json.loads((folder / "modules.json").read_text())
    kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
    if kinds[:2] != ["Transformer", "Pooling"] or set(kinds[2:]) - {"Normalize"}:
        raise UnsupportedModel(f"modules {kinds}")
    pooling = json.loads((folder / modules[1]["path"] / "config.json").read_text())
    modes = [k for k, v in pooling.items() if k.startswith("pooling_mode") and v]
    if modes not in (["pooling_mode_mean_tokens"], ["pooling_mode_cls_token"]):
        raise UnsupportedModel(f"pooling {modes}")
    if not (folder / "tokenizer.json").is_file():
        raise UnsupportedModel("no tokenizer.json")
    config = folder / "sentence_bert_config.json"
    max_len = json.loads(config.read_text()).get("max_seq_length", 512) if config.is_file() else 512
    return ("mean" if "mean" in modes[0] else "cls"), "Normalize" in kinds, int(max_len)


def model_key(folder: Path) -> str:
    """A name for the folder's weights and configuration: their names, sizes and times."""
    h = hashlib.sha256(str(folder.resolve()).encode())
    for f in sorted(folder.rglob("*")):
        if f.is_file():
            st = f.stat()
            h.update(f"{f.relative_to(folder)}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()[:16]


def graph_path(folder: Path, cache: Path) -> Path:
    """Where the folder's exported graph is kept in ``cache`` (there or not yet)."""
    return cache / f"{folder.name}-{model_key(folder)}.onnx"


def exported_graph(folder: Path, cache: Path) -> Path:
    """The folder's transformer as an ONNX graph in ``cache``, exported on first use (the
    only time torch is imported); written under a temporary name and renamed, so processes
    starting together never read half a file."""
    target = graph_path(folder, cache)
    if target.is_file():
        return target
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(folder)).eval()

    class Hidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.last_hidden_state

    cache.mkdir(parents=True, exist_ok=True)
    ids = torch.ones(2, 8, dtype=torch.long)
    fd, tmp = tempfile.mkstemp(dir=cache, suffix=".onnx.part")
    os.close(fd)
    try:
        with warnings.catch_warnings():
            # the tracer's notes on Python conditions it fixes (causal masks, padding): none
            # applies to an encoder; the graph is checked against torch in the tests
            warnings.simplefilter("ignore")
            torch.onnx.export(
                Hidden(),
                (ids, torch.ones_like(ids), torch.zeros_like(ids)),
                tmp,
                input_names=list(INPUTS),
                output_names=["hidden"],
                dynamic_axes={k: {0: "batch", 1: "tokens"} for k in [*INPUTS, "hidden"]},
                opset_version=17,
                dynamo=False,
            )
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
    log.info("exported %s to %s for onnxruntime", folder, target)
    return target


class OnnxEmbedder:
    def __init__(self, folder: str, cache: Path, threads: int = 0) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        path = Path(folder)
        self.pooling, self.normalise, max_len = pipeline_of(path)
        graph = exported_graph(path, cache)
        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_len)
        # each batch is padded here, to its own longest text, with the model's pad token
        self.pad_id = int((self.tokenizer.padding or {}).get("pad_id", 0))
        self.tokenizer.no_padding()
        options = ort.SessionOptions()
        # One thread a run; the cores are used by running batches side by side (``embed``).
        # onnxruntime's own threads split each batch between the cores: beside spaCy's
        # entities (the agent step's typing thread embeds a document's opening) they took
        # the core spaCy was on, 6.8 s -> 6.3 s for 20 digital PDFs once gone; and 120 chunks
        # took 3.8 s on its two threads, 3.1 s as batches on two threads of ours.
        options.intra_op_num_threads, options.inter_op_num_threads = 1, 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        # onnxruntime does not read OMP_NUM_THREADS, by which `docintel worker` shares the
        # cores between its processes (DOCINTEL_EMBEDDING_THREADS says it here)
        threads = threads or int(os.environ.get("OMP_NUM_THREADS", "0") or 0)
        self.workers = threads if threads > 0 else os.cpu_count() or 1
        self.session = ort.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
        wanted = {i.name for i in self.session.get_inputs()}
        self.inputs = [name for name in INPUTS if name in wanted]
        # the same name as on torch: the vectors are the same, so nothing is embedded again
        self.name = f"sentence-transformers:{path.name}"
        self.dim = len(self.embed(["dimension"])[0])

    def embed(self, texts: list[str]) -> list[list[float]]:
        """The vectors of ``texts``, in order; their batches run side by side on up to
        ``workers`` threads (a run lets go of the interpreter)."""
        encoded = self.tokenizer.encode_batch(texts)
        vectors: list[Any] = [None] * len(texts)
        batches = length_batches([len(e.ids) for e in encoded])
        workers = min(self.workers, len(batches))
        if workers <= 1:
            for batch in batches:
                self._embed_batch(encoded, batch, vectors)
            return vectors
        with ThreadPoolExecutor(workers, thread_name_prefix="docintel-embed") as pool:
            list(pool.map(lambda b: self._embed_batch(encoded, b, vectors), batches))
        return vectors

    def _embed_batch(self, encoded: list[Any], batch: list[int], vectors: list[Any]) -> None:
        """Embed the texts at ``batch`` (indexes into ``encoded``) into ``vectors``."""
        import numpy as np

        longest = len(encoded[batch[0]].ids)
        ids = np.full((len(batch), longest), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(batch), longest), dtype=np.int64)
        for row, i in enumerate(batch):
            ids[row, : len(encoded[i].ids)] = encoded[i].ids
            mask[row, : len(encoded[i].ids)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": ids * 0}
        hidden = self.session.run(None, {k: feeds[k] for k in self.inputs})[0]
        if self.pooling == "mean":
            pooled = (hidden * mask[..., None]).sum(1) / np.maximum(mask.sum(1)[:, None], 1)
        else:
            pooled = hidden[:, 0]
        if self.normalise:
            pooled = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        for i, vector in zip(batch, pooled, strict=True):
            vectors[i] = [float(x) for x in vector]


# A batch is padded to its longest text, and attention costs the square of that length: the
# typing step's call (a document's 256-token opening and seven ~80-token profile
# descriptions) took 0.40 s in one batch and 0.11 s in batches of like lengths. Past ~512
# tokens a batch is slower per text on a CPU, not faster: 120 chunks of 30-256 tokens took
# 4.89 s in batches of 32, 3.62 s within 512 tokens (bench/embedding.py).
BATCH_TEXTS, BATCH_TOKENS, LIKE_LENGTH = 32, 512, 0.8


def length_batches(lengths: list[int]) -> list[list[int]]:
    """Indexes of texts of ``lengths`` (in tokens) in batches, longest first: a batch ends at
    BATCH_TEXTS texts, at BATCH_TOKENS tokens once padded, or at a text shorter than
    LIKE_LENGTH of the batch's first."""
    batches: list[list[int]] = []
    for i in sorted(range(len(lengths)), key=lambda i: -lengths[i]):
        batch = batches[-1] if batches else []
        longest = lengths[batch[0]] if batch else 0
        full = len(batch) >= BATCH_TEXTS or (len(batch) + 1) * longest > BATCH_TOKENS
        if not batch or full or lengths[i] < LIKE_LENGTH * longest:
            batches.append([i])
        else:
            batch.append(i)
    return batches
