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
    counters = torch._dynamo.utils.counters
    assert [r.raw for r in engine.generate(REQUESTS)] == eager[0]  # compiles
    assert counters["stats"]["unique_graphs"] >= 1
    compiled, frames, steps = engine.model._compiled_call, counters["frames"]["total"], []

    def counted(*args, **kwargs):
        steps.append(1)
        return compiled(*args, **kwargs)

    engine.model._compiled_call = counted
    results = engine.generate(REQUESTS)
    # The second call replays what the first compiled: the same tokens as eager, every
    # decode step after the prefill through the compiled step, and nothing compiled again.
    assert [r.raw for r in results] == eager[0]
    assert len(steps) >= results[0].output_tokens - 1 > 0
    assert engine.model._compiled_call is counted
    assert counters["frames"]["total"] == frames


def test_compiled_asked_on_cpu_runs_static_and_says_why(tiny_model):
    engine = _engine(tiny_model, decode="compiled")
    assert engine.decoding.mode == "static"
    assert "needs CUDA" in engine.decoding.reason
    with pytest.raises(ValueError, match="DOCINTEL_DECODE"):
        _engine(tiny_model, decode="graphs")
