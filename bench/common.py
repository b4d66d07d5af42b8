"""What the benchmarks share: which engines can run on this machine."""

from __future__ import annotations


def engines_to_run(choice: str) -> list[str]:
    """``cpu``, ``gemma`` or ``all``; gemma only where its weights are on this machine (the
    reason is printed otherwise)."""
    from docintel.config import get_settings
    from docintel.config.engine import EngineConfig
    from docintel.models.runtime import choose_engine

    engines = ["cpu", "gemma"] if choice == "all" else [choice]
    if "gemma" in engines:
        found = choose_engine(EngineConfig(model=get_settings().model))
        if found.name != "gemma":
            print(f"\nengine gemma: not available here ({found.reason})")
            engines.remove("gemma")
    return engines
