"""A scan is read on a machine without Tesseract: DOCINTEL_OCR_ENGINE=auto (the default) falls
back to the bundled RapidOCR, says so once with how to install Tesseract, and records the
engine on each page and in `docintel status`. Where Tesseract is on PATH nothing changes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from docintel.pipeline.pages.reader import INSTALL_TESSERACT

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def _cli(args: list[str], home: Path, path: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DOCINTEL_OCR_ENGINE"}
    env.update(PATH=path, DOCINTEL_HOME=str(home), DOCINTEL_BROKER_URL="")
    env.pop("DOCINTEL_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "docintel.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_scans_are_read_by_the_bundled_ocr_when_tesseract_is_not_installed(tmp_path):
    bare = str(Path(sys.executable).parent)  # python and docintel, no tesseract
    assert shutil.which("tesseract", path=bare) is None
    scans = [str(SAMPLES / "receipt-scan.pdf"), str(SAMPLES / "permit-form.pdf")]
    run = _cli(["process", "--json", *scans], tmp_path / "home", bare)
    assert run.returncode == 0, run.stderr[-3000:]
    results = {r["document"]["name"]: r for r in json.loads(run.stdout)}

    (page,) = results["receipt-scan.pdf"]["pages"]
    assert page["text_source"] == page["engine"] == "rapidocr"
    assert page["model"].startswith("rapidocr 3.")
    assert "RapidOCR (Tesseract is not installed)" in page["decision"]
    assert "City Hardware" in page["markdown"] and "687.45" in page["markdown"]
    fields = {k: f["value"] for k, f in results["receipt-scan.pdf"]["profile"]["fields"].items()}
    assert fields["total"] == "687.45"
    form = results["permit-form.pdf"]["pages"][0]
    assert form["engine"] == "rapidocr" and form["markdown"]
    # two scanned documents, one notice, and it names the command that installs Tesseract
    assert run.stderr.count("Tesseract is not installed") == 1, run.stderr
    assert INSTALL_TESSERACT in " ".join(run.stderr.split())

    status = _cli(["status", "--json"], tmp_path / "home", bare)
    assert status.returncode == 0, status.stderr[-3000:]
    ocr = json.loads(status.stdout)["ocr"]
    assert ocr["engine"] == "rapidocr" and "not installed" in ocr["why"]


def test_tesseract_on_path_is_still_the_engine(tmp_path):
    assert shutil.which("tesseract"), "this machine has Debian's tesseract-ocr"
    status = _cli(["status", "--json"], tmp_path / "home", os.environ["PATH"])
    assert status.returncode == 0, status.stderr[-3000:]
    ocr = json.loads(status.stdout)["ocr"]
    assert ocr["engine"] == "tesseract" and ocr["version"], ocr


def test_tesseract_asked_for_by_name_and_missing_says_what_to_do(embedded, monkeypatch):
    from tests.helpers import process

    monkeypatch.setenv("PATH", str(Path(sys.executable).parent))
    settings = embedded.model_copy(update={"ocr_engine": "tesseract"})
    result = process(SAMPLES / "receipt-scan.pdf", settings)
    error = result["document"]["error"] or result["pages"][0]["error"]
    assert "DOCINTEL_OCR_ENGINE=tesseract needs Tesseract" in error
    assert "apt-get install tesseract-ocr" in error and "rapidocr" in error
