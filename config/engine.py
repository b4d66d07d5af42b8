"""The model runtime's settings: what ``docintel.models`` needs of ``Settings``, as a frozen,
hashable value (one loaded engine per distinct value)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EngineConfig:
    engine: str = "auto"  # auto, gemma, openai, cpu
    model: str = "google/gemma-4-E2B-it"
    precision: str = "bf16"  # bf16, int8, int4
    device: str = "auto"
    attn_implementation: str = "auto"
    allow_download: bool = False
    thinking: str = "budget"  # always, never, budget
    max_new_tokens: int = 1024
    batch_size: int = 8
    decode: str = "eager"  # eager, static, compiled
    static_cache_len: int = 4096
    compile_backend: str = "inductor"
    model_service: bool = True
    batch_window_ms: float = 5.0
    max_batch: int = 16
    openai_base_url: str = "http://127.0.0.1:8000/v1"
    openai_api_key: str = "EMPTY"
    openai_model: str = ""
    openai_timeout: float = 120.0
    openai_concurrency: int = 8
    openai_server: str = "vllm"  # vllm, transformers: where the visual budget goes
    openai_extra_body: str = ""  # a JSON object merged into every request's body
