"""Decoding without Python in the loop, on the tiny checkpoint on CPU: a static KV cache and
a compiled decode step give the same tokens as eager decoding."""

from __future__ import annotations

import pytest

from docintel.config.engine import EngineConfig
from docintel.models.decoding import Decoding
from docintel.models.types import Request, TextPart

REQUESTS = [
    Request([TextPart("Summarise the invoice from Acme GmbH, total 40,900 EUR.")]),
    Request([TextPart("Hello world " * 9)], max_new_tokens=5),
]


def _engine(tiny_model, **kwargs):
    from docintel.models.gemma import GemmaEngine

    config = EngineConfig(model=str(tiny_model), max_new_tokens=12, thinking="never", **kwargs)
    return GemmaEngine(config)


@pytest.fixture(scope="module")
def eager(tiny_model):
    engine = _engine(tiny_model)
    return [r.raw for r in engine.generate(REQUESTS)], [engine.generate([REQUESTS[0]])[0].raw]


def test_static_cache_gives_the_eager_tokens(tiny_model, eager):
    engine = _engine(tiny_model, decode="static", static_cache_len=256)
    assert engine.decoding.mode == "static"
    assert [r.raw for r in engine.generate(REQUESTS)] == eager[0]
    # The cache sized once serves a call of another shape too.
    assert [engine.generate([REQUESTS[0]])[0].raw] == eager[1]


def test_compiled_decode_gives_the_eager_tokens(tiny_model, eager):
    import torch

    engine = _engine(tiny_model, decode="static", static_cache_len=256)
    # torch.compile through generate()'s own compile_config, forced onto the CPU (transformers
    # compiles only on accelerators unless told), with a backend that needs no C compiler.
    engine.decoding = Decoding("compiled", 256, "aot_eager", all_devices=True)
    torch._dynamo.reset()
    for _ in range(2):  # the second call replays what the first compiled
        assert [r.raw for r in engine.generate(REQUESTS)] == eager[0]
    assert hasattr(engine.model, "_compiled_call")
    assert torch._dynamo.utils.counters["stats"]["unique_graphs"] >= 1


def test_compiled_asked_on_cpu_runs_static_and_says_why(tiny_model):
    engine = _engine(tiny_model, decode="compiled")
    assert engine.decoding.mode == "static"
    assert "needs CUDA" in engine.decoding.reason
    with pytest.raises(ValueError, match="DOCINTEL_DECODE"):
        _engine(tiny_model, decode="graphs")
