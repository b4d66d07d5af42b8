"""What the benchmarks share: which engines can run on this machine."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path


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


def run_measured(code: str, path: Path, home: Path) -> tuple[float, float]:
    """Run ``python -c code path`` as a fresh embedded process: (wall seconds, peak MiB).
    ``code`` prints ``RSS <KiB>`` on stderr as it ends."""
    env = {**os.environ, "DOCINTEL_HOME": str(home), "DOCINTEL_BROKER_URL": ""}
    env.pop("DOCINTEL_DATABASE_URL", None)
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, env=env
    )
    elapsed = time.perf_counter() - started
    if out.returncode != 0:
        raise SystemExit(out.stderr[-2000:])
    rss_kib = next(int(ln.split()[1]) for ln in out.stderr.splitlines() if ln.startswith("RSS"))
    return elapsed, rss_kib / 1024
