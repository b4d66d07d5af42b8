"""What is the same for every document of a `docintel process` (the engines that ran, the
NER model that is missing) is said once under the panels, not repeated in each."""

from __future__ import annotations

from typer.testing import CliRunner

from docintel.cli import app


def test_the_shared_extraction_reason_is_said_once(embedded, tmp_path, monkeypatch):
    monkeypatch.setenv("DOCINTEL_NER_MODEL", str(tmp_path / "no-such-model"))
    from docintel.config import get_settings
    from docintel.pipeline.agent.ner import INSTALL, load_ner

    get_settings.cache_clear()
    load_ner.cache_clear()
    files = []
    for i, text in enumerate(
        ["Harbor Compliance Partners wrote to us.", "We met in Rotterdam in May."]
    ):
        files.append(tmp_path / f"note{i}.txt")
        files[-1].write_text(text + "\n")
    run = CliRunner().invoke(app, ["process", *map(str, files)], env={"COLUMNS": "400"})
    assert run.exit_code == 0, run.output
    said = " ".join(run.output.split())
    assert said.count("rule-based extraction, no model") == 1, run.output
    assert said.count("no NER model") == 1 and said.count(" ".join(INSTALL.split())) == 1
    assert said.count("extraction: complete") == 2
