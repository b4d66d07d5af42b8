"""What a task runs with: the settings and the engine. A worker process resolves them from
its environment; an in-process run (``docintel process``, a test, a notebook) injects its
own, as httpx injects a transport, so a test passes a forcing engine instead of patching."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from docintel.config import Settings, get_settings
from docintel.models.runtime import MODEL_ENGINES, Engine, choose_engine, resolve_engine, uses_model


@dataclass
class Runtime:
    settings: Settings
    injected_engine: Engine | None = None

    def engine(self) -> Engine:
        """The injected engine, else the one the settings choose (loaded once per process)."""
        return self.injected_engine or resolve_engine(self.settings.engine_config())

    def answers_with_model(self) -> bool:
        """Whether the steps run on a model, known without loading one."""
        if self.injected_engine is not None:
            return uses_model(self.injected_engine)
        return choose_engine(self.settings.engine_config()).name in MODEL_ENGINES


# Per thread (and task): `docintel up` works leftovers in one thread while it takes new
# files in another, each with its own injected runtime.
_injected: ContextVar[Runtime | None] = ContextVar("docintel_runtime", default=None)


def current() -> Runtime:
    return _injected.get() or Runtime(get_settings())


@contextmanager
def injected(settings: Settings, engine: Engine | None = None) -> Iterator[Runtime]:
    """Tasks run in this thread inside the block see ``settings`` and ``engine``."""
    runtime = Runtime(settings, engine)
    token = _injected.set(runtime)
    try:
        yield runtime
    finally:
        _injected.reset(token)
