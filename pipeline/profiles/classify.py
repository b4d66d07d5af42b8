"""A document's type on the CPU engine, from evidence a person would accept: its title in
any of the six languages ("Factuur", "Rechnung", "Reçu"), the profile's fields found with a
value of their type beside their labels, and the profile's keywords. One common word never
decides (IBAN and BIC are printed on invoices; "change" is in poems): a type needs two
pieces of evidence and enough weight, and a close runner-up leaves the document ``other``
rather than guessed. Where the words evidence nothing, the description's similarity
decides (``similarity``), as before."""

from __future__ import annotations

import re
from dataclasses import replace

from docintel.pipeline.profiles.reader import Reader, View
from docintel.pipeline.profiles.rules import document_lines, label_units
from docintel.pipeline.profiles.similarity import Embed, classify_by_similarity
from docintel.pipeline.profiles.spec import OTHER, Profile
from docintel.pipeline.profiles.spoken import spoken_label
from docintel.pipeline.types import Classification, DocumentContent

MIN_SCORE = 3.0  # below this no profile is evidenced enough: the type is "other"
MIN_SCORE_SAID = 2.0  # people say less of a type's vocabulary than they write
MIN_EVIDENCE = 2  # distinct pieces of evidence: one word never decides
MIN_CONFIDENCE = 0.4  # a runner-up this close leaves the document "other"
HEAD_CHARS = 600  # a keyword in the document's opening weighs more
TITLE_LINES = 40  # where a document's title stands
TOP_LINES = 6  # a title among these is what the document says it is
TITLE, KEYWORD, KEYWORD_HEAD, REQUIRED, FIELD = 4.0, 1.0, 1.5, 1.5, 0.75
KEYWORDS_AT_MOST = 4.0
# A type is evidenced in the document's opening: its title, its first labels and fields.
# Reading every page of a 500-page report (every profile's labels on every line) to type it
# cost 5 ms a page, a quarter of a digital page's whole time.
OPENING_PAGES = 10
OPENING_ROWS = 200  # of each sheet


def classify(
    content: DocumentContent,
    profiles: dict[str, Profile],
    kind: str,
    embed: Embed | None = None,
) -> Classification:
    """The type by its title, fields and keywords; where they evidence none and ``embed``
    is given, by the similarity of the document's opening to each profile's description."""
    content = opening(content)
    found = classify_by_words(content, profiles, kind)
    # The embedder is asked only where the words leave a doubt: some evidence short of
    # enough, or a recording (people say less of a type's vocabulary than they write).
    doubtful = any(found.scores.values()) or bool(content.segments)
    if found.doc_type == OTHER and embed is not None and doubtful and kind != "mail":
        text = " ".join(line.text for line in document_lines(content))
        return classify_by_similarity(text, profiles, kind, embed) or found
    return found


def opening(content: DocumentContent) -> DocumentContent:
    """The part of the document its type is read from: the first OPENING_PAGES pages (and
    their tables), the first OPENING_ROWS rows of each sheet, the whole recording."""
    pages = sorted(content.pages, key=lambda p: p.page)[:OPENING_PAGES]
    if len(pages) == len(content.pages) and all(
        len(t.rows) <= OPENING_ROWS for t in content.sheets
    ):
        return content
    kept = {p.page for p in pages}
    tables = [
        replace(t, rows=t.rows[:OPENING_ROWS]) if t.page == 0 else t
        for t in content.tables
        if t.page == 0 or t.page in kept
    ]
    return replace(content, pages=pages, tables=tables)


def classify_by_words(
    content: DocumentContent, profiles: dict[str, Profile], kind: str
) -> Classification:
    lines = document_lines(content)
    text = "\n".join(line.text for line in lines).lower()
    said = " ".join(line.text for line in lines if line.seconds is not None).lower()
    written = bool(content.pages or content.sheets)
    view = View.of(content) if written else None
    headings = [_plain(line.text) for line in lines[:TITLE_LINES] if _heading(line.text)]
    top = [_plain(line.text) for line in lines[:TOP_LINES] if _heading(line.text)]
    units = label_units(text)
    head = text[:HEAD_CHARS]
    scores: dict[str, float] = {}
    evidence: dict[str, list[str]] = {}
    for name, profile in profiles.items():
        if profile.kinds and kind not in profile.kinds:
            continue
        score, found = 0.0, []
        title = next((t for t in profile.titles if _titled(t, headings)), None)
        if kind == "mail":
            # "Your invoice from Atlas": a message that speaks of an invoice is no invoice
            # (its attachment is); only the profile's labelled values in it can type it
            title, keywords = None, ()
        else:
            keywords = profile.keywords
        if title:
            score, found = score + TITLE, [f"titled '{title}'"]
            if _titled(title, top):  # the heading a reader sees first: evidence twice over
                found.append("at the top")
        words = 0.0
        for keyword in keywords:
            if keyword.lower() not in text:
                continue  # most are absent: a substring test is a hundred times cheaper
            pattern = _word(keyword.lower())
            if pattern.search(head):
                words, found = words + KEYWORD_HEAD, [*found, f"'{keyword}' in the opening"]
            elif pattern.search(text):
                words, found = words + KEYWORD, [*found, f"'{keyword}'"]
        score += min(words, KEYWORDS_AT_MOST)
        if view is not None:
            for spec in Reader(profile, content, view=view).evidence():
                weight = REQUIRED if spec.required else FIELD
                score, found = score + weight, [*found, f"its {spec.name.replace('_', ' ')}"]
        score, found = _spoken(profile, said, units, score, found)
        scores[name], evidence[name] = round(score, 2), found
    return _decide(scores, evidence, MIN_SCORE if written or not said else MIN_SCORE_SAID)


def _spoken(
    profile: Profile, said: str, units: set[str], score: float, found: list[str]
) -> tuple[float, list[str]]:
    """Said aloud, a label is followed by a pause, and an item's first column ("Task, ...",
    "Action item, ...") is said as a label too."""
    if not said:
        return score, found
    for spec in profile.fields:
        heard = spec.columns[0].labels if spec.columns else spec.labels
        label = next((lb for lb in heard if spoken_label(lb, said)), None)
        if label and not (spec.type != "table" and label.lower() in units):
            score, found = score + 0.5, [*found, f"label '{label}' said"]
    return score, found


def _decide(
    scores: dict[str, float], evidence: dict[str, list[str]], floor: float
) -> Classification:
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    if not ranked:
        return Classification(OTHER, 1.0, [], scores)
    (top, score), second = ranked[0], (ranked[1][1] if len(ranked) > 1 else 0.0)
    confidence = round(min(0.99, score / (score + second + 1)), 2)
    enough = score >= floor and len(evidence[top]) >= MIN_EVIDENCE
    if not enough or confidence < MIN_CONFIDENCE:
        why = (
            [f"best: {top} at {score:.1f} ({'; '.join(evidence[top][:4]) or 'no evidence'})"]
            if score
            else []
        )
        return Classification(
            OTHER, round(1 - min(score, MIN_SCORE) / MIN_SCORE / 2, 2), why, scores
        )
    return Classification(top, confidence, evidence[top][:8], scores)


def _heading(text: str) -> bool:
    """A line that can be a title: short, and no 'label: value'."""
    plain = text.strip(" #*|")
    return 0 < len(plain.split()) <= 8 and ":" not in plain


def _titled(title: str, headings: list[str]) -> bool:
    pattern = _word(_plain(title))
    return any(pattern.search(h) for h in headings)


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[^\w'.-]+", " ", text.lower()).split())


_WORDS: dict[str, re.Pattern[str]] = {}


def _word(phrase: str) -> re.Pattern[str]:
    found = _WORDS.get(phrase)
    if found is None:
        found = _WORDS[phrase] = re.compile(rf"(?<!\w){re.escape(phrase)}(?!\w)", re.IGNORECASE)
    return found
