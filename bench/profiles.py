"""Profiles on the CPU engine: classification accuracy and field-level precision, recall
and F1 per bundled profile, on generated documents in 5 visibly different layouts each
(label wording and order, value beside or below its label, wide gaps, key-value tables,
English and German, both decimal conventions, five date forms), digital and scanned.

    python bench/profiles.py [--per-layout 2] [--no-scanned]

A field counts as found when its normalised value equals the truth (amounts as decimals,
dates as ISO, texts case- and space-insensitive); line items count by (description, amount).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from docintel.testkit.profile_samples import MAKERS, write_sample  # noqa: E402


def same(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return False
    return " ".join(a.lower().split()) == " ".join(b.lower().split())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--per-layout", type=int, default=2)
    ap.add_argument("--no-scanned", action="store_true")
    args = ap.parse_args()
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
    rng = random.Random(2026)
    n = 0
    for name, make in MAKERS.items():
        for layout in range(5):
            for _ in range(args.per_layout):
                sample = make(rng, layout)
                for variant in variants:
                    n += 1
                    path = write_sample(
                        sample, folder / f"{n:04d}.pdf", variant == "scanned", seed=n
                    )
                    result = process_file(path, settings)
                    profile = result.get("profile") or {}
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
                    found = {
                        (
                            (r.get("description") or {}).get("value"),
                            (r.get("amount") or {}).get("value"),
                        )
                        for r in table
                    }
                    want_items = {(i["description"], i["amount"]) for i in sample.items}
                    c[0] += len(found & want_items)
                    c[1] += len(found - want_items)
                    c[2] += len(want_items - found)
                    if want_items - found:
                        misses.append(
                            f"{name}/{layout}/{variant}: items {sorted(want_items - found)} "
                            f"not found; got {sorted(found - want_items, key=str)}"
                        )
    print(f"{n} documents: {len(MAKERS)} profiles x 5 layouts x {args.per_layout} x {variants}")
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
    if misses:
        print(f"\nfirst misses ({len(misses)} in all):")
        for miss in misses[:25]:
            print("  " + miss)


if __name__ == "__main__":
    main()
