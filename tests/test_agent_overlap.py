"""The agent's CPU models are loaded once per process whichever thread asks first, loaded
beside the pages in-process, and the document's type is read beside the entities, with the
same result as one after the other."""

from __future__ import annotations

import threading
import time

from docintel.models.once import loaded_once
from docintel.testkit.samples import PdfSpec, write_csv, write_pdf
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


def test_a_pdf_warms_the_agents_models_on_a_thread_and_a_sheet_does_not(embedded, tmp_path):
    from docintel.pipeline.agent.ner import load_ner
    from docintel.pipeline.route import route_file
    from docintel.worker import warming

    warming._started.clear()
    load_ner.cache_clear()
    sheet = write_csv(tmp_path / "s.csv", [["sku", "qty"], ["A1", "3"]])
    pdf = write_pdf(tmp_path / "d.pdf", PdfSpec(["Maria Lopez moved to Rotterdam in May."]))
    kinds: list[str] = []  # route tells the kind it sniffed, once, before reading the file
    route_file(sheet, embedded, on_kind=kinds.append)
    route_file(pdf, embedded, on_kind=kinds.append)
    assert kinds == ["table", "pdf"]
    assert warming.warm_agent_models("table", embedded) is None
    assert load_ner.cache_info().currsize == 0
    thread = warming.warm_agent_models("pdf", embedded)
    assert thread is not None and thread.name == "docintel-warm-agent"
    assert warming.warm_agent_models("pdf", embedded) is None  # once per process and settings
    thread.join(60)
    assert load_ner.cache_info().currsize == 1
    nlp, how = load_ner(embedded.ner_model)
    assert nlp is not None and load_ner.cache_info().hits >= 1  # the agent step's is that one


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


def test_the_command_warms_for_its_first_file_that_needs_the_models(embedded, tmp_path):
    from docintel.worker import warming

    sheet = write_csv(tmp_path / "s.csv", [["sku", "qty"], ["A1", "3"]])
    pdf = write_pdf(tmp_path / "d.pdf", PdfSpec(["Maria Lopez moved to Rotterdam."]))
    warming._started.clear()
    warming.warm_for_files([sheet], embedded)
    assert not warming._started  # a sheet's cells need neither model
    on_model = embedded.model_copy(update={"engine": "gemma"})
    warming.warm_for_files([sheet, pdf], on_model)
    assert not warming._started  # a model engine's agent loads neither
    warming.warm_for_files([sheet, pdf], embedded)
    assert len(warming._started) == 1
    for thread in threading.enumerate():
        if thread.name == "docintel-warm-agent":
            thread.join(60)


def test_an_empty_file_is_left_to_route_to_refuse(embedded, tmp_path):
    from docintel.worker import warming

    empty = tmp_path / "b.pdf"
    empty.write_bytes(b"")
    assert warming.needs_models(empty) is False  # route says it is empty, once
    warming.warm_for_files([empty], embedded)
