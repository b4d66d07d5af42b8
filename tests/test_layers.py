"""The shape of the code: imports point down the layers of DESIGN.md, no import circle,
the pipeline runs without Celery or a database, and installing docintel adds one import
name."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

from typer.testing import CliRunner

from docintel.testkit.layers import check_layers

ROOT = Path(__file__).resolve().parent.parent


def test_every_import_points_down_and_no_circle():
    problems = check_layers()
    assert problems == [], "\n".join(map(str, problems))


def _tree(tmp_path, modules: dict[str, str]) -> dict[str, Path]:
    files = {}
    for name, source in modules.items():
        path = tmp_path / (name.replace(".", "_") + ".py")
        path.write_text(textwrap.dedent(source))
        files[name] = path
    return files


def test_the_check_finds_upward_imports_forbidden_libraries_and_circles(tmp_path):
    files = _tree(
        tmp_path,
        {
            "docintel.pipeline.merge": "from docintel.store.db import session_scope\n",
            "docintel.pipeline.route": "def f():\n    import sqlalchemy\n",
            "docintel.store.db": "x = 1\n",
            "docintel.worker.a": "from docintel.worker import b\n",
            "docintel.worker.b": "def g():\n    from docintel.worker.a import h\n",
            "docintel.worker.cli_user": "from docintel.cli import app\n",
            "docintel.cli": "from docintel.worker.a import h\n",
            "docintel.watcher.watch": "from docintel.worker.app import enqueue\n",
            "docintel.worker.app": "x = 1\n",
        },
    )
    found = [str(p) for p in check_layers(files)]
    assert any("pipeline.merge:1: the pipeline layer imports docintel.store.db" in p for p in found)
    assert any("pipeline.route:2: the pipeline layer imports sqlalchemy" in p for p in found)
    assert any("the worker layer imports docintel.cli (cli layer)" in p for p in found)
    circle = [p for p in found if "import circle" in p]
    assert circle == [
        "docintel.worker.a:0: import circle: docintel.worker.a -> docintel.worker.b -> "
        "docintel.worker.a"
    ]
    assert not any("watcher" in p for p in found)  # the watcher may reach the Celery app
    assert len(found) == 4, found


def test_dev_layers_command_reports_json():
    from docintel.cli import app

    run = CliRunner().invoke(app, ["dev", "layers", "--json"])
    assert run.exit_code == 0, run.output
    report = json.loads(run.stdout)
    assert report["problems"] == [] and report["modules"] > 50


PURE_RUN = r"""
import json, random, sys
from pathlib import Path

from docintel.config import Settings
from docintel.models.runtime import CpuEngine
from docintel.pipeline.agent import extract_document
from docintel.pipeline.audio.asr import transcribe
from docintel.pipeline.merge import merge
from docintel.pipeline.pages import read_pages
from docintel.pipeline.route import route_file
from docintel.pipeline.types import DocumentContent
from docintel.testkit.audio_samples import speak, write_wav
from docintel.testkit.page_samples import scanned, text_page

import numpy as np

folder = Path(sys.argv[1])
settings = Settings(home=folder)
engine = CpuEngine("a test with no model")
rng = random.Random(3)
image, truth = text_page(rng)
scanned(image, rng).save(folder / "scan.jpg", quality=80)
voice = np.concatenate(
    [speak("The shipment of forty boxes arrives on Monday."), np.zeros(16000, "float32"),
     speak("Please call the warehouse before noon.")]
)
write_wav(folder / "call.wav", voice)
out = {}
for name in ("scan.jpg", "call.wav"):
    path = folder / name
    routed = route_file(path, settings)
    content = DocumentContent(name, routed.pages, routed.tables, routed.segments)
    for batch in routed.model_pages:
        reads = read_pages(path, routed.kind, batch, settings, engine)
        done = {r.page.page: r.page for r in reads}
        content.pages = [done.get(p.page, p) for p in content.pages]
    for batch in routed.audio_windows:
        spans = [s for s in routed.segments if s.window in batch]
        heard = {w.segment.window: w.segment for w in transcribe(path, spans, settings, engine)}
        content.segments = [heard.get(s.window, s) for s in content.segments]
    merge(content)
    extraction, events = extract_document(content, settings, engine, lambda q, k: [])
    out[name] = {"markdown": content.markdown, "engine": extraction.engine,
                 "entities": extraction.entities}
out["truth"] = truth.text
out["modules"] = sorted(
    m for m in sys.modules
    if m.split(".")[0] in ("celery", "kombu", "sqlalchemy", "redis", "alembic", "psycopg")
    or m.startswith(("docintel.store", "docintel.worker", "docintel.watcher"))
)
print(json.dumps(out))
"""


def test_pipeline_runs_route_pages_merge_agent_without_celery_or_a_database(tmp_path):
    run = subprocess.run(
        [sys.executable, "-c", PURE_RUN, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["modules"] == []  # no Celery, no SQLAlchemy, no store or worker code
    scan = out["scan.jpg"]["markdown"].lower()
    words = out["truth"].lower().split()
    assert sum(w in scan for w in words) / len(words) > 0.9
    call = out["call.wav"]["markdown"].lower()
    assert "monday" in call and "warehouse before noon" in call
    assert out["scan.jpg"]["engine"] == "rules" and out["call.wav"]["engine"] == "rules"


def test_installing_adds_one_import_name(tmp_path):
    """A wheel of the project holds one top-level package, docintel; installed into a fresh
    virtual environment, `import docintel` works and `import models` does not."""
    import shutil
    import tomllib

    # Built from a copy, so the build leaves nothing in the working tree.
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    mapped = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    for folder in set(mapped["package-dir"].values()):
        shutil.copytree(
            ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(wheels),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = wheels.glob("docintel-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        tops = {
            n.split("/")[0]
            for n in archive.namelist()
            if not n.split("/")[0].endswith((".dist-info", ".data"))
        }
        names = archive.namelist()
    assert tops == {"docintel"}
    assert "docintel/migrations/alembic.ini" in names
    assert "docintel/pipeline/pages/tesseract.py" in names
    assert "docintel/watcher/mail/fetch.py" in names  # a subpackage pyproject must list
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    ok = subprocess.run(
        [str(python), "-c", "import docintel, docintel.testkit.layers; print(docintel.__file__)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert ok.returncode == 0, ok.stderr
    assert str(venv) in ok.stdout
    for generic in ("models", "store", "worker", "watcher", "migrations", "pipeline", "config"):
        other = subprocess.run(
            [str(python), "-c", f"import {generic}"], capture_output=True, text=True, cwd=tmp_path
        )
        assert other.returncode != 0 and "ModuleNotFoundError" in other.stderr, generic
