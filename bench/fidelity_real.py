"""Fidelity on real files, per class: the pipeline against the library it uses, read plainly,
on the same files (``bench/fidelity.py --real-set DIR``).

DIR holds one folder per class (email, docx, pptx, xlsx, forms, tables, other, recordings;
``bench/real``
holds their manifests and the scripts that rebuild them), each with a
``manifest.jsonl``: a file's source (repository, path and commit, or a PyPI sdist), its
licence, and its reference as the plain library reads it (or, for tables, the grid its
project's own tests expect). The development set used here was built from public test
corpora: mailgun/flanker, SpamScope/mail-parser, GOVCERT-LU/eml_parser, mikel/mail,
apache/james-mime4j, php-mime-mail-parser (e-mail); docling-project/docling, jgm/pandoc,
apache/poi, python-docx and python-pptx's sdists (Office); tafia/calamine, qax-os/excelize
(sheets); qpdf/qpdf, Hopding/pdf-lib, mozilla/pdf.js, pymupdf/PyMuPDF, py-pdf/pypdf
(forms); camelot-dev/camelot, tabula-java, tabula-py's sdist, jsvine/pdfplumber (tables,
ICDAR 2013's files left out); py-pdf/sample-files and others (documents that are no
business document).

What each class measures, the library's own reading being 1.00 by definition unless said:
- email: taken for mail; From/To/Subject/Date; the body's words; every non-empty part that
  is an attachment or not text (attached messages' parts too), found as a child document
  with the same bytes (sha256); an mbox's messages, each a document.
- docx/pptx: the words of every paragraph, shape, header and footer; header/footer words
  alone; table cells (F1 over grids of two rows and two columns or more, nested ones too: a
  one-row or one-column "table" is a layout box, scored by its words; pptx: the slides' own
  tables, not those OCR reads in a slide's pictures, which python-pptx cannot see); words
  said more often than written (pptx: the pages' text against the slides').
- xlsx: cells as they are shown (a date with its number format's fields).
- forms: every filled field's value on the document's pages, once per field (a field drawn
  by several widgets holds one value; a button's value is its field's /V).
- tables: cell adjacency F1 (each cell with its right and lower neighbour) of the best
  table on the expected page, the pipeline against PyMuPDF's ``find_tables`` unclipped.
- other: typed ``other``.
- recordings: speech WER against the reference transcript, docintel's and faster-whisper's
  run bare on the whole file (same model, beam 5, VAD off and on), accuracy (1 - WER)
  relative to bare's, and how often each sentence said more than once is found
  (``bench/fidelity_speech.py``, which says how the words are normalised).
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

from fidelity_speech import score_recordings, summary

CLASSES = ("email", "docx", "pptx", "xlsx", "forms", "tables", "other", "recordings")
# per-file figures that are no score out of 1.00 (lower is better, or the library's own):
# never listed among the worst files
NOT_SCORES = ("repeated", "bare find_tables", "WER", "bare WER", "bare VAD WER")


def words(text: str) -> Counter[str]:
    return Counter(w for w in re.findall(r"\w+", (text or "").lower()) if w)


def recall(want: Counter[str], got: Counter[str]) -> float:
    total = sum(want.values())
    return sum(min(n, got[w]) for w, n in want.items()) / total if total else 1.0


def cell_f1(truth: list[list[str]], found: list[list[str]]) -> float:
    want = Counter(" ".join(c.split()) for row in truth for c in row if c and c.strip())
    got = Counter(" ".join(c.split()) for row in found for c in row if c and c.strip())
    if not want:
        return 1.0
    hits = sum((want & got).values())
    return 0.0 if not hits else 2 * hits / (sum(want.values()) + sum(got.values()))


_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")


def _cell_key(text: str) -> str:
    """A cell's text as compared: NFKC (Arabic presentation forms are letters), spaces
    folded; right-to-left text as its letters alone, since one tool writes it in visual
    order and another in logical order."""
    import unicodedata

    text = " ".join(unicodedata.normalize("NFKC", str(text or "")).split())
    return "".join(sorted(text.replace(" ", ""))) if _RTL.search(text) else text


def adjacency(grid: list[list[str]]) -> Counter[tuple[str, str, str]]:
    """Each non-empty cell with its next non-empty neighbour to the right and below."""
    cells = [[_cell_key(c) for c in row] for row in grid]
    out: Counter[tuple[str, str, str]] = Counter()
    for r, row in enumerate(cells):
        for c, text in enumerate(row):
            if not text:
                continue
            right = next((t for t in row[c + 1 :] if t), None)
            if right:
                out[(text, right, "h")] += 1
            column = [cells[k][c] for k in range(r + 1, len(cells)) if c < len(cells[k])]
            below = next((t for t in column if t), None)
            if below:
                out[(text, below, "v")] += 1
    return out


def adjacency_f1(truth: list[list[str]], found: list[list[str]]) -> float:
    want, got = adjacency(truth), adjacency(found)
    hits = sum((want & got).values())
    return 0.0 if not hits else 2 * hits / (sum(want.values()) + sum(got.values()))


def _grids(
    result: dict[str, Any], page: int | None = None, engine: str | None = None
) -> list[list[list[str]]]:
    """The result's tables as grids (on ``page``; read by ``engine`` alone: an Office file's
    own tables, not those OCR found in its pictures, which its library cannot see)."""
    # a page's tables are listed under it and carry no page number of their own
    tables = [{**t, "page": p["page"]} for p in result["pages"] for t in p.get("tables", [])]
    tables += result["tables"]
    return [
        [t["headers"], *t["rows"]] if any(h for h in t["headers"]) else t["rows"]
        for t in tables
        if (page is None or t.get("page") in (page, 0, None))
        and (engine is None or t.get("engine") == engine)
    ]


def _text(result: dict[str, Any]) -> str:
    """The pages' text, or the document's where it has no pages: not both, since a
    document's Markdown joins its pages' (every word would be counted twice)."""
    pages = [p.get("markdown") or "" for p in result["pages"]]
    text = "\n".join(pages) if any(pages) else result.get("markdown") or ""
    return re.sub(r"(?s)<!--.*?-->", " ", text)  # Markdown comments (an image's place) are not text


def _is_grid(grid: list[list[str]]) -> bool:
    """Two rows and two columns at least: a one-row or one-column 'table' is a layout box
    (a signature line, a letterhead), kept as text, and scored by its words."""
    return len(grid) >= 2 and max((len(r) for r in grid), default=0) >= 2


class Scorer:
    """Runs each file through the embedded pipeline and scores it against its reference."""

    def __init__(self, work: Path) -> None:
        import os

        os.environ.update(DOCINTEL_HOME=str(work / "home"), DOCINTEL_BROKER_URL="")
        os.environ.update(DOCINTEL_ENGINE="cpu", DOCINTEL_EMBEDDING_MODEL="hashing")
        os.environ.pop("DOCINTEL_DATABASE_URL", None)
        from docintel import migrations
        from docintel.config import get_settings

        self.settings = get_settings()
        migrations.upgrade(self.settings.db_url)
        self.work = work
        self.n = 0

    def process(self, path: Path) -> dict[str, Any]:
        from docintel.embedded import process_file

        self.n += 1
        copy = self.work / f"{self.n:04d}-{path.name}"
        shutil.copyfile(path, copy)
        return process_file(copy, self.settings)

    def child_shas(self, result: dict[str, Any]) -> set[str]:
        """The sha256 of every document under this one, at any depth."""
        from sqlalchemy import select

        from docintel.store.db import session_scope
        from docintel.store.schema import Document

        found: set[str] = set()
        with session_scope(self.settings.db_url) as s:
            todo = [result["document"]["id"]]
            while todo:
                rows = list(
                    s.execute(
                        select(Document.id, Document.sha256).where(Document.parent_id.in_(todo))
                    )
                )
                found |= {sha for _, sha in rows}
                todo = [i for i, _ in rows]
        return found


def score_email(sc: Scorer, item: dict[str, Any], path: Path) -> dict[str, float]:
    ref = item["reference"]
    result = sc.process(path)
    doc = result["document"]
    if ref.get("kind") == "mbox":
        children = result.get("children") or []
        return {
            "mail": float(len(children) >= ref["message_count"]),
            "mbox messages": min(1.0, len(children) / ref["message_count"]),
        }
    fields = (result["pages"][0].get("fields") or {}) if result["pages"] else {}
    heads = [(h.lower(), v) for h, v in ref["headers"].items() if v]
    said = sum(
        1 for h, v in heads if " ".join(str(fields.get(h, "")).split()) == " ".join(str(v).split())
    )
    body = (ref.get("body") or {}).get("text") or ""
    if (ref.get("body") or {}).get("content_type") == "text/html":
        body = _html_text(body)  # its words, not its tags
    wanted = {a["sha256"] for a in ref.get("attachments", []) if a.get("size")}
    got = sc.child_shas(result) if wanted else set()
    out = {
        "mail": float(doc.get("kind") == "mail"),
        "headers": said / len(heads) if heads else 1.0,
        "body": recall(words(body), words(_text(result))),
    }
    if wanted:
        out["attachments"] = len(wanted & got) / len(wanted)
    return out


def _html_text(html: str) -> str:
    import html as entities

    text = re.sub(r"(?is)<(script|style|head)\b.*?</\1>", " ", html)
    return entities.unescape(re.sub(r"(?s)<[^>]+>", " ", text))


def score_docx(sc: Scorer, item: dict[str, Any], path: Path) -> dict[str, float]:
    ref = item["reference"]
    result = sc.process(path)
    text = _text(result) + "\n" + "\n".join(" ".join(r) for g in _grids(result) for r in g)
    got = words(text)
    hf = [
        p
        for sec in ref.get("sections", [])
        for part in ("header", "footer")
        for p in (sec.get(part) or {}).get("paragraphs", [])
    ]
    grids = [t["grid"] if isinstance(t, dict) else t for t in ref.get("tables", [])]
    body = ref.get("body_paragraphs", []) + [c for g in grids for row in g for c in row]
    grids = [g for g in grids if _is_grid(g)]
    out = {
        "ok": float(result["document"]["status"] == "done"),
        "words": recall(words("\n".join(body + hf)), got),
    }
    if words("\n".join(hf)):
        out["header/footer"] = recall(words("\n".join(hf)), got)
    if grids:
        out["table cells"] = cell_f1(
            [r for g in grids for r in g], [r for g in _grids(result) for r in g]
        )
    return out


def _shape_texts(shapes: list[dict[str, Any]]) -> tuple[list[str], list[list[list[str]]]]:
    texts, grids = [], []
    for shape in shapes:
        if shape.get("grid"):
            grids.append(shape["grid"])
        if shape.get("text"):
            texts.append(shape["text"])
        inner_t, inner_g = _shape_texts(shape.get("shapes", []))
        texts, grids = texts + inner_t, grids + inner_g
    return texts, grids


def score_pptx(sc: Scorer, item: dict[str, Any], path: Path) -> dict[str, float]:
    ref = item["reference"]
    result = sc.process(path)
    texts, grids = [], []
    for slide in ref.get("slides", []):
        t, g = _shape_texts(slide.get("shapes", []))
        texts, grids = texts + t + [slide.get("notes") or ""], grids + g
    want = words("\n".join(texts + [c for g in grids for r in g for c in r]))
    got = words(_text(result))  # a slide's tables are in its page's text
    grids = [g for g in grids if _is_grid(g)]
    extra = sum(max(0, got[w] - n) for w, n in want.items())
    out = {
        "ok": float(result["document"]["status"] == "done"),
        "words": recall(want, got),
        "repeated": extra / max(1, sum(want.values())),
    }
    if grids:
        out["table cells"] = cell_f1(
            [r for g in grids for r in g],
            [r for g in _grids(result, engine="python-pptx") for r in g],
        )
    return out


_TOKENS = re.compile(r"yyyy|yy|mmmm|mmm|mm|m|dddd|ddd|dd|d|hh|h|ss|s|am/pm|.", re.IGNORECASE)
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"]  # fmt: skip


def shown(cell: Any) -> str:
    """A cell as a spreadsheet shows it (what Excel prints for its number format), written
    here apart from the product's own formatter."""
    from datetime import date, datetime, time

    if not isinstance(cell, dict):
        return "" if cell is None else str(cell)
    value, fmt, kind = cell.get("v"), str(cell.get("number_format") or ""), cell.get("type")
    if kind == "timedelta_seconds" and isinstance(value, int | float):
        seconds = int(value)
        return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    if kind not in ("datetime", "date", "time") or not isinstance(value, str):
        return "" if value is None else str(value)
    if kind == "time":
        moment = datetime.combine(date(1900, 1, 1), time.fromisoformat(value))
    else:
        moment = datetime.fromisoformat(value)
    pattern = re.sub(r"\[[^\]]*\]", "", fmt.split(";")[0])
    pattern = re.sub(r'"([^"]*)"', r"\1", pattern).replace("\\", "")
    tokens = _TOKENS.findall(pattern)
    twelve = any(t.lower() == "am/pm" for t in tokens)
    out = []
    for i, token in enumerate(tokens):
        low = token.lower()
        near_time = any(t.lower() in ("h", "hh") for t in tokens[max(0, i - 2) : i]) or any(
            t.lower() in ("s", "ss") for t in tokens[i + 1 : i + 3]
        )
        hour = moment.hour % 12 or 12 if twelve else moment.hour
        out.append({
            "yyyy": f"{moment.year}", "yy": f"{moment.year % 100:02d}",
            "mmmm": _MONTHS[moment.month - 1], "mmm": _MONTHS[moment.month - 1][:3],
            "mm": f"{moment.minute:02d}" if near_time else f"{moment.month:02d}",
            "m": f"{moment.minute}" if near_time else f"{moment.month}",
            "dddd": moment.strftime("%A"), "ddd": moment.strftime("%a"),
            "dd": f"{moment.day:02d}", "d": f"{moment.day}", "hh": f"{hour:02d}",
            "h": f"{hour}", "ss": f"{moment.second:02d}", "s": f"{moment.second}",
            "am/pm": "AM" if moment.hour < 12 else "PM",
        }.get(low, token))  # fmt: skip
    return "".join(out).strip()


def score_xlsx(sc: Scorer, item: dict[str, Any], path: Path) -> dict[str, float]:
    ref = item["reference"]
    result = sc.process(path)
    got = {
        _number_key(" ".join(str(c).split()))
        for g in _grids(result)
        for r in g
        for c in r
        if str(c).strip()
    }
    want = [shown(c) for sheet in ref.get("sheets", []) for c in sheet.get("cells", {}).values()]
    want = [_number_key(" ".join(w.split())) for w in want if w.strip()]
    dated = [
        w
        for w, c in zip(
            want,
            [
                c
                for s in ref.get("sheets", [])
                for c in s.get("cells", {}).values()
                if shown(c).strip()
            ],
            strict=False,
        )
        if isinstance(c, dict) and c.get("type") == "datetime"
    ]  # noqa: E501
    out = {"cells": sum(1 for w in want if w in got) / len(want) if want else 1.0}
    if dated:
        out["dates as shown"] = sum(1 for w in dated if w in got) / len(dated)
    return out


def _number_key(text: str) -> str:
    """A plain number as its value (openpyxl's 1.0 and a reader's "1" are one number);
    any other text as it is."""
    try:
        return repr(float(text)) if re.fullmatch(r"-?\d+(\.\d+)?", text) else text
    except ValueError:
        return text


def score_forms(sc: Scorer, item: dict[str, Any], path: Path) -> dict[str, float]:
    ref = item["reference"]
    result = sc.process(path)
    values = Counter(
        " ".join(str(v).lower().split())
        for p in result["pages"]
        for v in (p.get("fields") or {}).values()
    )
    want = Counter(v for page in ref.get("pages", []) for v in filled_values(page))
    return {"filled values": recall(want, values) if want else 1.0}


def filled_values(page: dict[str, Any]) -> list[str]:
    """The page's filled fields, each once: a field drawn by several widgets (a list box
    shown four times) holds one value; a button's value is its field's /V where the file
    has one (``field_state``), else the widget's own state."""
    out = set()
    for w in page.get("widgets", []):
        raw = w.get("field_state") if w.get("field_state") is not None else w.get("field_value")
        v = " ".join(str(raw or "").split())
        if v and v.lower() not in ("off", "false"):
            out.add((w["field_name"], "yes" if w["field_type"] == "CheckBox" else v.lower()))
    return [v for _, v in sorted(out)]


BARE = """
import json, sys, pymupdf
out = {}
for path, pages in json.loads(sys.argv[1]).items():
    with pymupdf.open(path) as doc:
        out[path] = {str(p): [t.extract() for t in doc[p - 1].find_tables().tables]
                     for p in pages if p - 1 < doc.page_count}
print(json.dumps(out))
"""


def bare_tables(items: list[tuple[Path, list[int]]]) -> dict[str, dict[str, list]]:
    """PyMuPDF's find_tables as a user calls it (``import pymupdf`` in a fresh process: its
    layout model on, where installed), unclipped, on the expected pages."""
    import subprocess
    import sys

    wanted = json.dumps({str(path): pages for path, pages in items})
    run = subprocess.run([sys.executable, "-c", BARE, wanted], capture_output=True, text=True)
    lines = [ln for ln in run.stdout.splitlines() if ln.startswith("{")]
    return json.loads(lines[-1]) if lines else {}


def score_tables(sc: Scorer, item: dict[str, Any], path: Path) -> dict[str, float] | None:
    """The best of the pipeline's tables on the page, or all of them stacked where the
    reference made one of several (a stream reader told to take the whole page)."""
    ref = item["reference"]
    if ref.get("reference_kind") != "full":
        return None
    result = sc.process(path)
    bare = bare_tables([(path, sorted({t.get("page", 1) for t in ref["tables"]}))])
    ours, theirs = [], []
    for table in ref["tables"]:
        page = table.get("page", 1)
        grids = _grids(result, page)
        stacked = [row for g in grids for row in g]
        ours.append(max([adjacency_f1(table["grid"], g) for g in [*grids, stacked]], default=0.0))
        found = bare.get(str(path), {}).get(str(page), [])
        stacked = [row for g in found for row in g]
        theirs.append(max([adjacency_f1(table["grid"], g) for g in [*found, stacked]], default=0.0))
    return {"adjacency F1": sum(ours) / len(ours), "bare find_tables": sum(theirs) / len(theirs)}


def score_other(sc: Scorer, item: dict[str, Any], path: Path) -> dict[str, float]:
    result = sc.process(path)
    return {"typed other": float((result.get("profile") or {}).get("doc_type", "other") == "other")}


SCORERS = {
    "email": score_email,
    "docx": score_docx,
    "pptx": score_pptx,
    "xlsx": score_xlsx,
    "forms": score_forms,
    "tables": score_tables,
    "other": score_other,
    "recordings": score_recordings,
}


def run(folder: Path, classes: list[str], show: int = 12) -> None:
    import tempfile

    work = Path(tempfile.mkdtemp(prefix="docintel-fidelity-real-"))
    sc = Scorer(work)
    print(f"{'class':8s} {'n':>3s}  measure: docintel (library read plainly = 1.00 unless given)")
    for name in classes:
        if not (folder / name / "manifest.jsonl").is_file():
            print(f"{name:8s}   -  no files of this class in {folder}")
            continue
        lines = (folder / name / "manifest.jsonl").read_text().splitlines()
        sums: dict[str, list[float]] = {}
        worst: list[tuple[float, str, str]] = []
        n = 0
        for line in lines:
            item = json.loads(line)
            try:
                got = SCORERS[name](sc, item, folder / name / item["file"])
            except Exception as exc:  # a crash is a score of 0, said
                got = {"ok": 0.0}
                worst.append((0.0, item["file"], f"{type(exc).__name__}: {exc}"[:120]))
            if got is None:
                continue
            n += 1
            for key, value in got.items():
                sums.setdefault(key, []).append(value)
                if value < 0.999 and key not in NOT_SCORES:
                    worst.append((value, item["file"], key))
        cells = "  ".join(f"{k} {sum(v) / len(v):.3f}" for k, v in sums.items())
        print(f"{name:8s} {n:3d}  {cells}")
        if name == "recordings":  # the set's WER over all its words, and the repeats
            for line in summary(getattr(sc, "heard", [])):
                print(f"           {line}")
        for value, file, key in sorted(worst)[:show]:
            print(f"           {value:.2f} {key}: {file}")
