"""Choosing the engine, and one loaded model per worker process.

``get_engine`` loads lazily, on the first task that asks, so the model is created after
Celery forks its worker processes and CUDA is never initialised in the parent. Page, audio
and agent tasks in a process share the one instance.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Protocol

from docintel.config.engine import EngineConfig
from docintel.models.loading import find_local_checkpoint
from docintel.models.types import Request, Result

log = logging.getLogger("docintel.models")


class Engine(Protocol):
    name: str

    def generate(self, requests: list[Request]) -> list[Result]: ...


MODEL_ENGINES = ("gemma", "openai")


@dataclass(frozen=True)
class EngineChoice:
    name: str  # gemma, openai, cpu
    reason: str


@dataclass(frozen=True)
class CpuEngine:
    """No model: the pipeline runs its CPU engines (text layer, Tesseract, faster-whisper,
    rules). ``reason`` says why, and is recorded with the results."""

    reason: str
    name: str = "cpu"

    def generate(self, requests: list[Request]) -> list[Result]:
        raise ValueError(f"the cpu engine has no model to call ({self.reason})")


def uses_model(engine: Engine) -> bool:
    """True when ``engine`` answers requests (gemma, openai, or a test's wrapper of one)."""
    return engine.name in MODEL_ENGINES


def engine_reason(engine: Engine) -> str:
    return getattr(engine, "reason", "") or f"engine {engine.name}"


def choose_engine(config: EngineConfig) -> EngineChoice:
    """``auto`` means gemma when the weights are on this machine (and torch is installed),
    else cpu; the reason is logged and recorded with every result."""
    if config.engine != "auto":
        return EngineChoice(config.engine, f"DOCINTEL_ENGINE={config.engine}")
    if not _torch_installed():
        return EngineChoice("cpu", "torch is not installed (pip install 'docintel[models]')")
    local = find_local_checkpoint(config.model)
    if local is None:
        return EngineChoice(
            "cpu",
            f"no local weights for {config.model} (set DOCINTEL_MODEL to a checkpoint "
            "folder or download it into the Hugging Face cache)",
        )
    return EngineChoice("gemma", f"found {config.model} at {local}")


@lru_cache(maxsize=1)
def _torch_installed() -> bool:
    """Asked once a process: every step asks which engine answers, and searching the path
    for torch took 0.2 ms of a small CSV's ~10 ms each time."""
    return importlib.util.find_spec("torch") is not None


_lock = threading.Lock()
_engines: dict[EngineConfig, Engine] = {}


def get_engine(config: EngineConfig) -> Engine:
    """The process's engine for ``config`` (gemma or openai), created on first use."""
    choice = choose_engine(config)
    with _lock:
        engine = _engines.get(config)
        if engine is None:
            log.info("engine %s: %s", choice.name, choice.reason)
            if choice.name == "gemma":
                engine = _gemma(config)
            elif choice.name == "openai":
                from docintel.models.openai_engine import OpenAIEngine

                engine = OpenAIEngine(config)
            else:
                raise ValueError(f"engine {choice.name!r} has no model to call ({choice.reason})")
            engine.reason = choice.reason  # type: ignore[attr-defined]  (recorded on results)
            _engines[config] = engine
        return engine


def _gemma(config: EngineConfig) -> Engine:
    """The loaded model, behind the process's model service unless it is switched off: the
    tasks a worker runs as threads then share its generate() calls."""
    from docintel.models.gemma import GemmaEngine

    if not config.model_service:
        return GemmaEngine(config)
    from docintel.models.service import ModelService

    # The service decides how many requests share a call; the engine must not split them.
    model = GemmaEngine(replace(config, batch_size=max(config.batch_size, config.max_batch)))
    return ModelService(model, config.batch_window_ms, config.max_batch)


def resolve_engine(config: EngineConfig) -> Engine:
    """The engine the settings ask for: the process's loaded model engine, or the CPU engine
    with the reason no model is used."""
    choice = choose_engine(config)
    if choice.name in MODEL_ENGINES:
        return get_engine(config)
    return CpuEngine(choice.reason)


def loaded_engines() -> int:
    return len(_engines)
