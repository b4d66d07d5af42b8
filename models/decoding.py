"""How the decode loop runs: eager with a growing KV cache (the default), a static KV cache,
or a static cache with the decode step compiled (torch.compile, CUDA graphs through its
``reduce-overhead`` mode), all through transformers' own generate() options.

A static cache has one shape for every step, which is what lets the compiled step be
captured once as a CUDA graph and replayed without Python in the loop. It is sized once per
engine (``DOCINTEL_STATIC_CACHE_LEN`` tokens per row) so later calls reuse it instead of
allocating and compiling again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from docintel.config.engine import EngineConfig

log = logging.getLogger("docintel.models")

DECODE_MODES = ("eager", "static", "compiled")


@dataclass(frozen=True)
class Decoding:
    mode: str = "eager"  # eager, static, compiled (what runs, after any fallback)
    cache_len: int = 4096
    backend: str = "inductor"
    # torch.compile on a CPU model: transformers compiles only on accelerators unless told;
    # tests set it to exercise the compiled path on the tiny checkpoint.
    all_devices: bool = False
    reason: str = ""  # why the mode differs from the one asked for, when it does

    @classmethod
    def for_engine(cls, config: EngineConfig, model: Any, device: str) -> Decoding:
        mode = config.decode
        if mode not in DECODE_MODES:
            raise ValueError(f"DOCINTEL_DECODE must be one of {DECODE_MODES}, got {mode!r}")
        reason = ""
        if mode == "compiled" and not str(device).startswith("cuda"):
            reason = "compiled decoding needs CUDA; static cache on this device"
            mode = "static"
        if mode == "compiled" and getattr(model, "hf_quantizer", None) is not None:
            if not model.hf_quantizer.is_compileable:
                reason = f"{config.precision} weights cannot be compiled; static cache instead"
                mode = "static"
        if reason:
            log.warning("DOCINTEL_DECODE=%s: %s", config.decode, reason)
        return cls(mode, config.static_cache_len, config.compile_backend, reason=reason)

    def generate_kwargs(self) -> dict[str, Any]:
        """What generate() takes for this mode; nothing for eager."""
        if self.mode == "eager":
            return {}
        kwargs: dict[str, Any] = {
            "cache_implementation": "static",
            "max_cache_len": self.cache_len,
        }
        if self.mode == "compiled":
            from transformers import CompileConfig

            compile_config = CompileConfig(backend=self.backend, fullgraph=False)
            compile_config._compile_all_devices = self.all_devices
            kwargs["compile_config"] = compile_config
        else:
            kwargs["disable_compile"] = True  # a static cache alone is not a request to compile
        return kwargs
