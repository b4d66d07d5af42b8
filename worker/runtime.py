"""What a task runs with: the settings and the engine. A worker process resolves them from
its environment; an in-process run (``docintel process``, a test, a notebook) injects its
own, as httpx injects a transport, so a test passes a forcing engine instead of patching."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from docintel.config import Settings, get_settings
from docintel.models.runtime import Engine, resolve_engine


@dataclass
class Runtime:
    settings: Settings
    injected_engine: Engine | None = None

    def engine(self) -> Engine:
        """The injected engine, else the one the settings choose (loaded once per process)."""
        return self.injected_engine or resolve_engine(self.settings.engine_config())


_injected: list[Runtime] = []


def current() -> Runtime:
    return _injected[-1] if _injected else Runtime(get_settings())


@contextmanager
def injected(settings: Settings, engine: Engine | None = None) -> Iterator[Runtime]:
    """Tasks run in this process inside the block see ``settings`` and ``engine``."""
    runtime = Runtime(settings, engine)
    _injected.append(runtime)
    try:
        yield runtime
    finally:
        _injected.pop()
