"""The agent's CPU models are loaded once per process whichever thread asks first, loaded
beside the pages in-process, and the document's type is read beside the entities, with the
same result as one after the other."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from docintel.models.once import loaded_once
from docintel.testkit.samples import PdfSpec, write_pdf
from tests.helpers import process


def test_two_threads_asking_at_once_load_once_and_both_get_the_load():
    calls = []

    @loaded_once()
    def load(name: str) -> object:
        calls.append(name)
        time.sleep(0.2)  # long enough for the other thread to ask meanwhile
        return object()

    got: list[object] = []
    threads = [threading.Thread(target=lambda: got.append(load("m"))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == ["m"] and got[0] is got[1]
    assert load.cache_info().misses == 1 and load.cache_info().hits == 1
    load.cache_clear()
    load("m")
    assert calls == ["m", "m"]


def test_cache_clear_waits_for_a_load_in_flight():
    started = threading.Event()

    @loaded_once()
    def load(name: str) -> str:
        started.set()
        time.sleep(0.2)
        return name

    loader = threading.Thread(target=load, args=("m",))
    loader.start()
    started.wait(5)
    load.cache_clear()  # cleared after the load, so nothing is left behind it
    assert load.cache_info().currsize == 0
    loader.join()


def test_the_agents_models_load_beside_a_scans_ocr_and_a_text_layer_loads_its_own(
    embedded, tmp_path
):
    """While Tesseract reads a scan (a process of its own) the interpreter is free: the
    agent's models start loading on a thread as the first page's OCR starts. A document
    with a text layer loads them in its agent step: loaded beside its reading, the two took
    turns on the interpreter and the whole took longer."""
    import random

    from docintel.models.runtime import CpuEngine
    from docintel.pipeline.agent.ner import load_ner
    from docintel.pipeline.pages import read_pages
    from docintel.testkit.page_samples import images_to_pdf, scanned, text_page
    from docintel.worker import warming

    warming._started.clear()
    load_ner.cache_clear()
    digital = write_pdf(tmp_path / "d.pdf", PdfSpec(["Maria Lopez moved to Rotterdam in May."]))
    assert process(digital, embedded)["extraction"]["status"] == "complete"
    assert not warming._started and load_ner.cache_info().misses == 1  # its agent's own load

    rng = random.Random(4)
    pages = [scanned(text_page(rng, dpi=150)[0], rng) for _ in range(2)]
    scan = images_to_pdf(tmp_path / "scan.pdf", pages, dpi=150)
    told: list[str] = []
    engine = CpuEngine("a test with no model")
    reads = read_pages(scan, "pdf", [1, 2], embedded, engine, on_ocr=lambda: told.append("ocr"))
    assert told == ["ocr", "ocr"] and all(r.page.markdown for r in reads)  # once a page

    warming._started.clear()
    assert process(scan, embedded)["document"]["status"] == "done"
    assert len(warming._started) == 1  # the page step warmed, once
    thread = warming.warm_agent_models(embedded, embedder=False)
    assert thread is None  # once per process and settings


def test_the_type_is_read_on_another_thread_beside_the_entities(embedded, tmp_path, monkeypatch):
    from docintel.worker import profiles

    threads: list[str] = []
    reading = profiles.read_profile_fields

    def spy(*args, **kwargs):
        threads.append(threading.current_thread().name)
        return reading(*args, **kwargs)

    monkeypatch.setattr(profiles, "read_profile_fields", spy)
    text = "INVOICE\nInvoice number: INV-2041\nDate: 2026-03-02\nTotal due: EUR 1,250.00"
    result = process(write_pdf(tmp_path / "i.pdf", PdfSpec([text])), embedded)
    assert threads and threads[0].startswith("docintel-typing")
    assert result["document"]["doc_type"] == "invoice"
    assert result["extraction"]["status"] == "complete"


def test_import_first_imports_here_and_leaves_a_missing_module_to_its_thread():
    import subprocess
    import sys

    code = (
        "import sys; from docintel.pipeline.imports import PAGE_READER, import_first; "
        "import_first(*PAGE_READER, 'no_such_module_here'); "
        "print(all(m in sys.modules for m in PAGE_READER))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "True", out.stderr


def test_a_recordings_route_starts_the_warm_up_and_its_speech_waits_for_the_end(
    embedded, tmp_path, monkeypatch
):
    """A recording's route starts loading the agent's models as it listens for the speech
    (its VAD runs outside the interpreter); the speech is heard once the load has ended, so
    that the speech engine's threads are the cores then free."""
    import shutil
    from pathlib import Path

    from docintel.pipeline.audio import asr
    from docintel.worker import warming

    said: list[str] = []

    def slow_load(_settings: object, _embedder: bool) -> None:
        time.sleep(0.5)  # longer than route's listening to this recording
        said.append("loaded")

    hear = asr.transcribe

    def heard(*args: object, **kwargs: object) -> object:
        said.append("hearing")
        return hear(*args, **kwargs)

    monkeypatch.setattr(warming, "_load", slow_load)
    monkeypatch.setattr(asr, "transcribe", heard)
    warming._started.clear()
    meeting = Path(__file__).resolve().parent.parent / "samples" / "meeting.ogg"
    recording = Path(shutil.copy(meeting, tmp_path / "meeting.ogg"))
    result = process(recording, embedded)
    assert result["document"]["status"] == "done" and result["segments"]
    assert said[:2] == ["loaded", "hearing"] and said.count("loaded") == 1
    warming._started.clear()


def test_the_warm_up_loads_the_embedder_only_from_an_exported_graph(tmp_path, monkeypatch):
    """With no graph in the model cache the warm-up leaves the embedder to the step that
    first needs it (which exports it); with one, a recording's warm-up loads it beside the
    speech, and a page's leaves it to the typing, which rarely needs it."""
    from docintel.config import get_settings
    from docintel.models.embedding import default_model_path, get_embedder, loads_without_torch
    from docintel.models.embedding_onnx import exported_graph
    from docintel.worker import warming

    monkeypatch.setenv("DOCINTEL_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DOCINTEL_MODEL_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("DOCINTEL_EMBEDDING_MODEL", raising=False)
    get_settings.cache_clear()
    settings = get_settings()
    get_embedder.cache_clear()
    warming._started.clear()
    try:
        assert not loads_without_torch(settings)
        thread = warming.warm_agent_models(settings)
        assert thread is not None
        thread.join()
        assert get_embedder.cache_info().currsize == 0
        assert not list((tmp_path / "cache").glob("*.onnx"))  # nothing exported here

        exported_graph(Path(default_model_path() or ""), tmp_path / "cache")
        assert loads_without_torch(settings)
        assert not loads_without_torch(settings.model_copy(update={"embedding_runtime": "torch"}))
        warming._started.clear()
        thread = warming.warm_agent_models(settings)
        assert thread is not None
        thread.join()
        assert get_embedder.cache_info().currsize == 1  # loaded beside the speech

        get_embedder.cache_clear()
        warming._started.clear()
        thread = warming.warm_agent_models(settings, embedder=False)
        assert thread is not None
        thread.join()
        assert get_embedder.cache_info().currsize == 0  # a page's typing loads it if it must
    finally:
        warming._started.clear()
        get_embedder.cache_clear()
        get_settings.cache_clear()


def test_what_the_page_threads_ask_once_a_process_is_made_once_when_they_ask_at_once(tmp_path):
    """The page step's threads start together and ask together: Tesseract's version (a
    subprocess) and an Office file's images (the file parsed) were made once per thread
    under ``lru_cache`` alone."""
    import docx
    from docx.shared import Inches

    from docintel.pipeline.pages.tesseract import tesseract_version
    from docintel.pipeline.route.office import _office_images, office_images
    from tests.test_office import _text_png

    document = docx.Document()
    for n in range(2):
        (tmp_path / f"{n}.png").write_bytes(_text_png(f"Stamp {n}"))
        document.add_picture(str(tmp_path / f"{n}.png"), width=Inches(3))
    document.save(tmp_path / "two.docx")

    for ask in (tesseract_version, lambda: office_images(tmp_path / "two.docx")):
        tesseract_version.cache_clear()
        _office_images.cache_clear()
        start = threading.Barrier(4)
        answers: list[object] = []

        def asking(ask=ask, start=start, answers=answers) -> None:
            start.wait()
            answers.append(ask())

        threads = [threading.Thread(target=asking) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(answers) == 4 and all(a == answers[0] for a in answers)
        made = tesseract_version if ask is tesseract_version else _office_images
        assert made.cache_info().misses == 1, made.cache_info()
    assert len(office_images(tmp_path / "two.docx")[1]) == 2
