"""Shared test helpers: cell F1 and running documents through the embedded pipeline."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from docintel.config import Settings
from docintel.embedded import process_file
from docintel.models.runtime import Engine
from docintel.testkit.forcing import ForceText, ForcingEngine  # noqa: F401  (re-exported)
from docintel.testkit.metrics import cell_f1  # noqa: F401  (re-exported for the tests)


def process(path: Path, settings: Settings, engine: Engine | None = None) -> dict[str, Any]:
    """Ingest and run the workflow in-process with ``engine`` (default: the settings')."""
    return process_file(path, settings, engine)


def run_python(
    args: list[str], tmp_path: Path, timeout: float = 120, **env: str
) -> subprocess.CompletedProcess[str]:
    """``python ARGS`` in a process of its own, in ``tmp_path``, on an embedded home there
    (no broker, no database server) with ``env`` added; it must exit 0."""
    environ = {
        **os.environ,
        "DOCINTEL_HOME": str(tmp_path / "home"),
        "DOCINTEL_BROKER_URL": "",
        **env,
    }
    environ.pop("DOCINTEL_DATABASE_URL", None)
    out = subprocess.run(
        [sys.executable, *args],
        cwd=tmp_path,
        env=environ,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return out


def forcing(settings: Settings, script: Any = None, **options: Any) -> ForcingEngine:
    """The settings' real (tiny) Gemma engine, with ``script``'s requests forced."""
    from docintel.models.runtime import get_engine

    return ForcingEngine(get_engine(settings.engine_config()), script, **options)


def wait_for(pred: Any, timeout: float = 20.0) -> bool:
    """Poll ``pred`` until it holds or ``timeout`` seconds pass."""
    import time

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.05)
    return False


# Screenshots for a person to look at (DOCINTEL_SCREENSHOTS; default build/screenshots)
SHOTS = Path(
    os.environ.get(
        "DOCINTEL_SCREENSHOTS", Path(__file__).resolve().parent.parent / "build" / "screenshots"
    )
)


def shot(driver, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    assert path.stat().st_size > 10_000  # a page was drawn, not a blank window
    return path


def page_replaced(exc: Exception) -> bool:
    """Whether a browser read failed because the page was replaced under it (a reload after
    a click): the element went stale, or Chromium's inspector found the node in a document
    that is gone ("Node with given id does not belong to the document"). Read again then."""
    from selenium.common.exceptions import StaleElementReferenceException

    return isinstance(exc, StaleElementReferenceException) or (
        "does not belong to the document" in str(exc)
    )
