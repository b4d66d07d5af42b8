"""The whole pipeline on the tiny Gemma 4 checkpoint: pages without a text layer go to the
page step, are rasterized and read by the real Gemma 4 code path, in batches."""

from __future__ import annotations

import json

import pymupdf
import pytest
from typer.testing import CliRunner

from docintel.config import get_settings
from tests.helpers import process


@pytest.fixture
def gemma(embedded, tiny_model, monkeypatch):
    monkeypatch.setenv("DOCINTEL_ENGINE", "gemma")
    monkeypatch.setenv("DOCINTEL_MODEL", str(tiny_model))
    monkeypatch.setenv("DOCINTEL_MAX_NEW_TOKENS", "8")
    monkeypatch.setenv("DOCINTEL_BATCH_SIZE", "2")
    get_settings.cache_clear()
    return get_settings()


def _mixed_pdf(path, scanned=3):
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "A digital page with a real text layer on it.")
    for i in range(scanned):  # a scan: an image, no text layer
        page = doc.new_page()
        pix = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 200, 260), False)
        pix.clear_with(200 + i)
        page.insert_image(page.rect, pixmap=pix)
    doc.save(path)
    return path


def test_pages_without_text_layer_are_read_by_gemma_in_batches(gemma, tmp_path):
    result = process(_mixed_pdf(tmp_path / "mixed.pdf"), gemma)
    doc = result["document"]
    assert doc["status"] == "done", doc["error"]
    sources = [p["text_source"] for p in result["pages"]]
    assert sources == ["text_layer", "gemma", "gemma", "gemma"]
    for page in result["pages"][1:]:
        assert page["engine"] == "gemma" and page["precision"] == "bf16"
        assert page["model"] == gemma.model
        assert 0 < page["visual_tokens"] <= 1120
    sizes = [p["timings"]["batch_size"] for p in result["pages"][1:]]
    assert sizes == [2, 2, 1]  # DOCINTEL_BATCH_SIZE=2: pages 2-3 together, then 4
    ocr = [e for e in result["audit"] if e["step"].endswith(":ocr")]
    assert len(ocr) == 3
    assert all(e["prompt_tokens"] > 1000 and e["output_tokens"] > 0 for e in ocr)
    assert all(e["engine"] == "gemma" and len(e["prompt_hash"]) == 64 for e in ocr)


def test_process_cli_runs_on_a_checkpoint_folder(gemma, tmp_path, monkeypatch):
    from docintel.cli import app

    monkeypatch.chdir(tmp_path)
    from PIL import Image

    Image.new("RGB", (320, 200), "white").save(tmp_path / "photo.png")
    run = CliRunner().invoke(
        app, ["process", "--json", "--engine", "gemma", str(tmp_path / "photo.png")]
    )
    assert run.exit_code == 0, run.output
    result = json.loads(run.stdout)
    assert result["document"]["media_type"] == "image/png"
    assert result["pages"][0]["text_source"] == "gemma"
    assert result["document"]["warnings"] == []
