"""Profiles on the CPU engine: classification accuracy and field-level precision, recall
and F1 per bundled profile, on generated documents in 5 visibly different layouts each
(label wording and order, value beside or below its label, wide gaps, key-value tables,
English and German, both decimal conventions, five date forms), digital and scanned.

    python bench/profiles.py [--per-layout 2] [--no-scanned] [--no-spoken] [--only PROFILE]
    python bench/profiles.py --only meeting_recording --as-said
    python bench/profiles.py --truth corrections [--doc-type T]
    python bench/profiles.py --real DIR     # real invoices and receipts (bench/real_invoices.py)

Meeting recordings also print the recogniser's WER on them. ``--as-said`` gives their
sentences to the same classification and extraction as the words that were said (one
transcript segment per sentence, no recogniser): the extraction's own ceiling, so that the
gap between the two figures is what the recogniser misheard.

``--truth corrections`` scores the engine on the user's own files instead: the documents in
the database (DOCINTEL_HOME or DOCINTEL_DATABASE_URL) that a person reviewed with
`docintel set` are the truth. A corrected field is the person's value (read with its field's
type, so "1.234,56 €" equals 1234.56); a field a person left alone in a reviewed document
is taken as right; a field the machine missed and a person filled in is a miss; a value a
person cleared (set to empty) was wrong.

A field counts as found when its normalised value equals the truth (amounts as decimals,
dates as ISO, texts case- and space-insensitive); line items count by (description, amount).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from docintel.testkit.meeting_samples import meeting, write_meeting  # noqa: E402
from docintel.testkit.profile_samples import MAKERS, write_sample  # noqa: E402


def _norm(value: object) -> str | None:
    return None if value is None else " ".join(str(value).lower().split())


def same(a: str | None, b: str | None) -> bool:
    """Equal but for case, spacing, a serial comma and a closing full stop."""
    if a is None or b is None:
        return False

    def plain(text: str) -> str:
        return " ".join(text.lower().replace(", and ", " and ").split()).rstrip(".")

    return plain(a) == plain(b)


def corrections_truth(doc_type: str | None) -> None:
    """Field precision/recall/F1 per profile against people's corrections."""
    from sqlalchemy import select

    from docintel.config import get_settings
    from docintel.pipeline.profiles import profiles_for
    from docintel.pipeline.profiles.values import parse
    from docintel.store.db import session_scope
    from docintel.store.schema import ProfileField

    settings = get_settings()
    profiles, _ = profiles_for(settings)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # tp, fp, fn
    wrong: list[str] = []
    with session_scope(settings.db_url) as s:
        reviewed = select(ProfileField.document_id).where(ProfileField.corrected_at.is_not(None))
        query = select(ProfileField).where(
            ProfileField.document_id.in_(reviewed), ProfileField.row == 0
        )
        if doc_type:
            query = query.where(ProfileField.profile == doc_type)
        rows = list(s.scalars(query.order_by(ProfileField.document_id, ProfileField.field)))
        docs = {r.document_id for r in rows}
        for r in rows:
            c = counts[r.profile]
            if r.corrected is None:
                c[0] += r.normalized is not None  # reviewed and left alone: right
                continue
            spec = next(
                (f for f in getattr(profiles.get(r.profile), "fields", ()) if f.name == r.field),
                None,
            )
            value = parse(spec.type, r.corrected, values=spec.values) if spec else None
            truth = value.normalized if value else (r.corrected.strip() or None)
            if truth is None:
                c[1] += r.normalized is not None  # a person cleared a wrong value
            elif r.normalized is None:
                c[2] += 1  # missed
            elif same(truth, r.normalized):
                c[0] += 1
            else:
                c[1] += 1
                c[2] += 1
                wrong.append(f"document {r.document_id} {r.field}: {r.normalized!r} != {truth!r}")
    if not docs:
        raise SystemExit("no reviewed documents: correct some with `docintel set DOC FIELD=VALUE`")
    print(f"{len(docs)} reviewed document(s) in {settings.db_url.split('@')[-1]}")
    print(f"{'profile':18s} {'P':>6s} {'R':>6s} {'F1':>6s}")
    for name, (tp, fp, fn) in sorted(counts.items()):
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        print(f"{name:18s} {p:6.3f} {r:6.3f} {f1:6.3f}")
    for line in wrong[:25]:
        print("  " + line)


def as_said(sample, settings) -> dict:  # type: ignore[no-untyped-def]
    """The profile result of a meeting whose sentences are its transcript as said: one
    segment per sentence, at about the time it is said, through the same classification and
    extraction as a recording's transcript."""
    from docintel.pipeline.profiles import profiles_for, read_profile_fields
    from docintel.pipeline.types import DocumentContent, Segment

    segments, t = [], 0.0
    for i, sentence in enumerate(sample.lines):
        seconds = 0.4 * len(sentence.split()) + 1.0
        segments.append(Segment(i, t, t + seconds, text=sentence))
        t += seconds
    profiles, _ = profiles_for(settings)
    content = DocumentContent("meeting.wav", segments=segments)
    found, _, fields, _ = read_profile_fields(content, profiles, "audio")
    tables: dict[str, dict[int, dict[str, dict]]] = defaultdict(lambda: defaultdict(dict))
    scalars = {}
    for f in fields:
        if f.row:
            tables[f.field][f.row][f.column or ""] = {"value": f.normalized}
        else:
            scalars[f.field] = {"value": f.normalized}
    return {
        "doc_type": found.doc_type,
        "fields": scalars,
        "tables": {k: [cells for _, cells in sorted(v.items())] for k, v in tables.items()},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--per-layout", type=int, default=2)
    ap.add_argument("--no-scanned", action="store_true")
    ap.add_argument("--no-spoken", action="store_true", help="skip the meeting recordings")
    ap.add_argument("--only", help="one profile, e.g. meeting_recording")
    ap.add_argument("--truth", choices=["generated", "corrections"], default="generated")
    ap.add_argument("--doc-type", help="with --truth corrections: one profile only")
    ap.add_argument(
        "--as-said",
        action="store_true",
        help="meeting recordings: extract from the sentences said, not from what was heard",
    )
    ap.add_argument("--real", type=Path, help="a folder of real documents with manifest.jsonl")
    ap.add_argument(
        "--learn", action="store_true", help="with --real: score after one correction per vendor"
    )
    args = ap.parse_args()
    if args.real:
        from real_invoices import run, run_learning

        (run_learning if args.learn else run)(args.real)
        return
    if args.truth == "corrections":
        corrections_truth(args.doc_type)
        return
    folder = Path(tempfile.mkdtemp(prefix="docintel-profiles-"))
    os.environ.update(DOCINTEL_HOME=str(folder / "home"), DOCINTEL_BROKER_URL="")
    os.environ["DOCINTEL_ENGINE"] = "cpu"
    os.environ.pop("DOCINTEL_DATABASE_URL", None)
    from docintel import migrations
    from docintel.config import get_settings
    from docintel.embedded import process_file

    settings = get_settings()
    migrations.upgrade(settings.db_url)
    variants = ["digital"] + ([] if args.no_scanned else ["scanned"])
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])  # tp, fp, fn
    classified: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    misses: list[str] = []
    heard: list[str] = []  # meeting recordings: what the recogniser heard, and what was said
    said: list[str] = []
    rng = random.Random(2026)
    n = 0
    kinds = [(name, make, variants) for name, make in MAKERS.items()]
    if not args.no_spoken:
        kinds.append(("meeting_recording", meeting, ["spoken"]))
    if args.only:
        kinds = [k for k in kinds if k[0] == args.only]
    for name, make, kind_variants in kinds:
        for layout in range(5):
            for _ in range(args.per_layout):
                sample = make(rng, layout)
                for variant in kind_variants:
                    n += 1
                    if variant == "spoken" and args.as_said:
                        profile = as_said(sample, settings)
                    else:
                        if variant == "spoken":
                            path = write_meeting(sample, folder / f"{n:04d}.wav", seed=n)
                        else:
                            path = write_sample(
                                sample, folder / f"{n:04d}.pdf", variant == "scanned", seed=n
                            )
                        result = process_file(path, settings)
                        profile = result.get("profile") or {}
                        if variant == "spoken":
                            heard.append(" ".join(s["text"] or "" for s in result["segments"]))
                            said.append(" ".join(sample.lines))
                    got_type = profile.get("doc_type")
                    classified[(name, variant)][0] += got_type == name
                    classified[(name, variant)][1] += 1
                    if got_type != name:
                        misses.append(f"{name}/{layout}/{variant}: typed {got_type}")
                    fields = {k: v["value"] for k, v in (profile.get("fields") or {}).items()}
                    c = counts[(name, variant)]
                    for field_name, want in sample.truth.items():
                        got = fields.pop(field_name, None)
                        if same(got, want):
                            c[0] += 1
                        else:
                            c[2] += 1
                            if got is not None:
                                c[1] += 1
                            misses.append(
                                f"{name}/{layout}/{variant}: {field_name} {got!r} != {want!r}"
                            )
                    c[1] += sum(1 for v in fields.values() if v is not None)
                    table = next(iter((profile.get("tables") or {}).values()), [])
                    keys = list(sample.items[0]) if sample.items else []
                    keys = ["description", "amount"] if "description" in keys else keys
                    found = {
                        tuple(_norm((r.get(k) or {}).get("value")) for k in keys) for r in table
                    }
                    want_items = {tuple(_norm(i[k]) for k in keys) for i in sample.items}
                    c[0] += len(found & want_items)
                    c[1] += len(found - want_items)
                    c[2] += len(want_items - found)
                    if want_items - found:
                        misses.append(
                            f"{name}/{layout}/{variant}: items {sorted(want_items - found)} "
                            f"not found; got {sorted(found - want_items, key=str)}"
                        )
    print(
        f"{n} documents: {len(kinds)} profiles x 5 layouts x {args.per_layout}, {variants}"
        + ("" if args.no_spoken else " (meeting recordings: spoken)")
    )
    print(f"{'profile':18s} {'variant':8s} {'type acc':>8s} {'P':>6s} {'R':>6s} {'F1':>6s}")
    total_ok = total = 0
    for (name, variant), (tp, fp, fn) in sorted(counts.items()):
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        ok, seen = classified[(name, variant)]
        total_ok, total = total_ok + ok, total + seen
        print(f"{name:18s} {variant:8s} {ok / seen:8.2f} {p:6.3f} {r:6.3f} {f1:6.3f}")
    print(f"classification accuracy {total_ok / total:.3f} ({total_ok}/{total})")
    if heard:
        import jiwer

        def words(text: str) -> str:
            return " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())

        wer = jiwer.wer([words(t) for t in said], [words(t) for t in heard])
        print(f"meeting recordings: the recogniser's WER {wer:.4f} ({len(heard)} recordings)")
    elif args.as_said and not args.no_spoken:
        print("meeting recordings: extracted from the sentences said (--as-said), no recogniser")
    if misses:
        print(f"\nfirst misses ({len(misses)} in all):")
        for miss in misses[:25]:
            print("  " + miss)


if __name__ == "__main__":
    main()
