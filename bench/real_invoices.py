"""Fields from real invoices and receipts (``bench/profiles.py --real DIR``): documents nobody
here made, scored on each field's value after normalisation, beside a naive regex reader on
the same text.

DIR holds ``manifest.jsonl`` and ``files/``: one JSON object per document with its source
(repository, path, commit, licence) and its truth. The development set used here was built
from public repositories (ZUGFeRD/mustangproject, ahelmberger/factur-x-kit,
Securibox/facturx, ConnectingEurope/eInvoicing-EN16931, itplr-kosit/xrechnung-testsuite,
OpenPEPPOL/peppol-bis-invoice-3, OCA/edi, pretix/pretix-zugferd,
GoogleCloudPlatform/document-ai-samples, mindee/client-lib-test-data, zzzDavid/ICDAR-2019-
SROIE, ReceiptManager/receipt-parser-legacy); ``bench/real/invoices`` holds its manifest
and the ``collect.py`` that rebuilds it from their snapshots, each file named by repository,
path and commit. It keeps clear
of the held-out set (invoice2data's tests, ZUGFeRD/corpus's PDFs, the factur-x sample).

Sets: e-invoice PDFs (an embedded Factur-X/ZUGFeRD XML), the same PDFs with their XML
removed (the page alone), PDFs and photos without XML, standalone XML, receipts. A field
counts as found when its normalised value equals the truth (or an accepted alternative):
amounts as decimals, dates as ISO, texts case-, space- and punctuation-insensitive.
"""

from __future__ import annotations

import json
import re
import shutil
import unicodedata
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

FIELDS = ("invoice_number", "issue_date", "due_date", "total", "currency", "vendor")
# a receipt's fields under the invoice's names
RECEIPT = {"vendor": "merchant", "issue_date": "date", "total": "total"}


def text_key(value: Any) -> str:
    text = unicodedata.normalize("NFKC", str(value)).lower()
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def amount_key(value: Any) -> str | None:
    text = str(value).replace(",", "").strip()
    try:
        return f"{Decimal(text):.2f}"
    except InvalidOperation:
        return None


def equal(field: str, got: Any, want: Any) -> bool:
    if got is None or want is None:
        return False
    if field == "total":
        return amount_key(got) is not None and amount_key(got) == amount_key(want)
    if field == "invoice_number":
        return text_key(got).lstrip("#") == text_key(want).lstrip("#")
    return text_key(got) == text_key(want)


def predicted(result: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """The document's type and its fields under the invoice's names."""
    profile = result.get("profile") or {}
    doc_type = profile.get("doc_type")
    fields = {k: (v or {}).get("value") for k, v in (profile.get("fields") or {}).items()}
    raw = profile.get("fields") or {}
    if doc_type == "receipt":
        out = {name: fields.get(theirs) for name, theirs in RECEIPT.items()}
        out["currency"] = fields.get("currency") or (raw.get("total") or {}).get("currency")
        return doc_type, out
    out = {name: fields.get(name) for name in FIELDS if name != "currency"}
    out["currency"] = fields.get("currency") or (raw.get("total") or {}).get("currency")
    return doc_type, out


# The naive reader: what a person writes in ten minutes with regular expressions.
_NAIVE_NUMBER = re.compile(r"invoice\s*(?:no\.?|number|#)\s*[:#.]?\s*([A-Za-z0-9][\w/.-]*)", re.I)
_NAIVE_DATE = re.compile(
    r"\b(\d{4}-\d{2}-\d{2}|\d{1,2}[./]\d{1,2}[./]\d{2,4}|"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2},? \d{4}|"
    r"\d{1,2} (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]* \d{4})\b",
    re.I,
)
_NAIVE_AMOUNT = re.compile(r"(\d{1,3}(?:[.,' ]\d{3})*[.,]\d{2})(?!\d)")
_NAIVE_CURRENCY = {"€": "EUR", "eur": "EUR", "$": "USD", "usd": "USD", "£": "GBP", "gbp": "GBP",
                   "chf": "CHF", "rm": "MYR", "myr": "MYR", "huf": "HUF"}  # fmt: skip


def naive(text: str) -> dict[str, Any]:
    """First 'Invoice No', first date, the 'Total' line's last amount, the first currency,
    the first line."""
    from docintel.pipeline.profiles.values import decimal_of, parse_date

    out: dict[str, Any] = dict.fromkeys(FIELDS)
    if m := _NAIVE_NUMBER.search(text):
        out["invoice_number"] = m.group(1)
    if m := _NAIVE_DATE.search(text):
        found = parse_date(m.group(1), day_first="$" not in text)
        out["issue_date"] = found.normalized if found else None
    for line in text.splitlines():
        if "total" in line.lower() and (amounts := _NAIVE_AMOUNT.findall(line)):
            value = decimal_of(amounts[-1])
            out["total"] = f"{value:.2f}" if value is not None else None
            break
    low = text.lower()
    hits = [(low.find(k), v) for k, v in _NAIVE_CURRENCY.items() if k in low]
    if hits:
        out["currency"] = min(hits)[1]
    first = next((ln.strip(" #*|") for ln in text.splitlines() if ln.strip(" #*|")), None)
    out["vendor"] = first
    return out


def without_xml(src: Path, dest: Path) -> Path:
    """The PDF with its embedded files removed: what its page alone says."""
    import pymupdf

    with pymupdf.open(src) as doc:
        for name in list(doc.embfile_names()):
            doc.embfile_del(name)
        doc.save(dest, garbage=3)
    return dest


def cases(folder: Path, work: Path) -> list[dict[str, Any]]:
    """Each document to score, with its set; PDFs with XML also without it."""
    out = []
    for line in (folder / "manifest.jsonl").read_text().splitlines():
        item = json.loads(line)
        path = folder / item["file"]
        if item["category"] == "receipt":
            out.append({**item, "set": "receipts", "path": path})
        elif item["category"] == "xml_standalone":
            out.append({**item, "set": "XML alone", "path": path})
        elif item["category"] == "pdf_with_xml":
            out.append({**item, "set": "PDF + XML", "path": path})
            stripped = without_xml(path, work / f"noxml-{path.name}")
            out.append({**item, "set": "PDF, XML removed", "path": stripped})
        else:
            out.append({**item, "set": "PDF/photo, no XML", "path": path})
    return out


def run(folder: Path, show_misses: int = 400) -> None:
    import os
    import tempfile

    work = Path(tempfile.mkdtemp(prefix="docintel-real-invoices-"))
    os.environ.update(DOCINTEL_HOME=str(work / "home"), DOCINTEL_BROKER_URL="")
    os.environ["DOCINTEL_ENGINE"] = "cpu"
    os.environ.pop("DOCINTEL_DATABASE_URL", None)
    from docintel import migrations
    from docintel.config import get_settings
    from docintel.embedded import process_file

    settings = get_settings()
    migrations.upgrade(settings.db_url)
    # tp, fp, fn per (set, field), for docintel and the naive reader
    ours: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    bare: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    typed: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    misses: list[str] = []
    items = cases(folder, work)
    for n, item in enumerate(items):
        # a fresh copy per case: a document's bytes are known once per database
        path = work / f"{n:03d}-{item['path'].name}"
        shutil.copyfile(item["path"], path)
        result = process_file(path, settings)
        doc_type, got = predicted(result)
        want_type = "receipt" if item["doc_type"] == "receipt" else "invoice"
        typed[item["set"]][0] += doc_type == want_type
        typed[item["set"]][1] += 1
        if doc_type != want_type:
            misses.append(f"{item['set']}: {item['file']} typed {doc_type}")
        text = result.get("markdown") or ""
        baseline = naive(text)
        truth = dict(item["truth"])
        alternatives = item.get("truth_alternatives") or {}
        for field in FIELDS:
            if want_type == "receipt" and field in ("invoice_number", "due_date"):
                continue  # not a receipt's field
            want = truth.get(field)
            accepted = [want, *alternatives.get(field, [])] if want is not None else []
            for counts, value, who in ((ours, got.get(field), "docintel"),
                                       (bare, baseline.get(field), "naive")):  # fmt: skip
                c = counts[(item["set"], field)]
                right = any(equal(field, value, a) for a in accepted)
                if right:
                    c[0] += 1
                else:
                    c[1] += value is not None
                    c[2] += want is not None
                    if who == "docintel" and (value is not None or want is not None):
                        misses.append(
                            f"{item['set']}: {Path(item['file']).name} {field} "
                            f"{value!r} != {want!r}"
                        )
    report(ours, bare, typed, len(items))
    for miss in misses[:show_misses]:
        print("  " + miss)
    print(f"({len(misses)} misses in all)")


def f1(c: list[int]) -> tuple[float, float, float]:
    tp, fp, fn = c
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def report(ours: dict, bare: dict, typed: dict, n: int) -> None:
    sets = sorted({s for s, _ in ours})
    print(f"{n} real documents")
    header = f"{'set':20s} {'typed':>7s} " + " ".join(f"{f[:10]:>10s}" for f in FIELDS)
    print(header + f" {'mean F1':>8s}")
    for who, counts in (("docintel", ours), ("naive", bare)):
        for name in sets:
            scores = [f1(counts[(name, f)])[2] for f in FIELDS if (name, f) in counts]
            cells = [
                f"{f1(counts[(name, f)])[2]:10.2f}" if (name, f) in counts else f"{'-':>10s}"
                for f in FIELDS
            ]
            ok, seen = typed[name]
            kind = f"{ok}/{seen}" if who == "docintel" else "-"
            mean = sum(scores) / len(scores) if scores else 0.0
            print(f"{who[:5] + ' ' + name:20.20s} {kind:>7s} " + " ".join(cells) + f" {mean:8.3f}")
    print("\nper field, all sets (P / R / F1):")
    for f in FIELDS:
        total = [sum(c[i] for (s, g), c in ours.items() if g == f) for i in range(3)]
        base = [sum(c[i] for (s, g), c in bare.items() if g == f) for i in range(3)]
        p, r, score = f1(total)
        bp, br, bscore = f1(base)
        print(
            f"  {f:15s} docintel {p:.2f} / {r:.2f} / {score:.2f}   naive {bp:.2f} / {br:.2f} / "
            f"{bscore:.2f}"
        )


def run_learning(folder: Path) -> None:
    """After one correction per correspondent: for each vendor with two or more documents
    read from their pages (no XML), the first is corrected where it was wrong (as a person
    would with `docintel set`), and the others are scored before and after."""
    import os
    import tempfile

    work = Path(tempfile.mkdtemp(prefix="docintel-real-learning-"))
    os.environ.update(DOCINTEL_HOME=str(work / "home"), DOCINTEL_BROKER_URL="")
    os.environ["DOCINTEL_ENGINE"] = "cpu"
    os.environ.pop("DOCINTEL_DATABASE_URL", None)
    from docintel import migrations
    from docintel.config import get_settings
    from docintel.embedded import process_file
    from docintel.store.db import session_scope
    from docintel.store.profiles import correct_field
    from docintel.store.schema import Document
    from docintel.worker.teaching import learn_from_corrections

    settings = get_settings()
    migrations.upgrade(settings.db_url)
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in cases(folder, work):
        if item["set"] in ("PDF, XML removed", "PDF/photo, no XML", "receipts"):
            groups[text_key(item["truth"]["vendor"])].append(item)
    counts = {"before": [0, 0], "after": [0, 0]}  # right, asked
    n = 0
    for vendor, items in sorted(groups.items()):
        if len(items) < 2:
            continue
        first, rest = items[0], items[1:]
        for when in ("before", "after"):
            if when == "after":
                result = _fresh(process_file, first, work, n := n + 1, settings)
                _, got = predicted(result)
                wrong = [
                    (RECEIPT.get(f, f) if result["profile"]["doc_type"] == "receipt" else f, v)
                    for f, v in first["truth"].items()
                    if f in FIELDS
                    and f != "currency"
                    and v is not None
                    and not equal(f, got.get(f), v)
                ]
                with session_scope(settings.db_url) as s:
                    doc = s.get(Document, result["document"]["id"])
                    for field, value in wrong:
                        correct_field(s, doc.id, field, str(value))
                    learned = learn_from_corrections(
                        s, doc, [(f, str(v)) for f, v in wrong], settings
                    )
                print(f"{vendor}: corrected {len(wrong)} field(s) of {Path(first['file']).name}")
                for line in learned:
                    print(f"    {line}")
            for item in rest:
                result = _fresh(process_file, item, work, n := n + 1, settings)
                _, got = predicted(result)
                for field in FIELDS:
                    want = item["truth"].get(field)
                    if want is None or field == "currency":
                        continue
                    counts[when][1] += 1
                    counts[when][0] += equal(field, got.get(field), want)
                    if when == "after" and not equal(field, got.get(field), want):
                        print(f"    still wrong after: {Path(item['file']).name} {field} "
                              f"{got.get(field)!r} != {want!r}")  # fmt: skip
    for when, (right, asked) in counts.items():
        print(f"{when} learning: {right}/{asked} fields right ({right / max(asked, 1):.3f})")


def _fresh(process_file, item: dict[str, Any], work: Path, n: int, settings) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The document processed as a new file (bytes added after its end, which readers ignore,
    so that its sha256 is new each time)."""
    path = work / f"learn-{n:03d}-{item['path'].name}"
    path.write_bytes(item["path"].read_bytes() + b"\n" * n)
    return process_file(path, settings)
