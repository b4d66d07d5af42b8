"""The agent step on a labelled set: task completion, entity and relationship F1, turns and
seconds per document, per engine available here.

    python bench/agent.py [--docs 21] [--engine cpu|gemma|all] [--model DIR]

Documents are invoices, contracts and forms of known content (docintel.extraction_samples),
run through the whole embedded pipeline.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import engines_to_run  # noqa: E402

from docintel.testkit.extraction_samples import labelled_documents, prf  # noqa: E402


def run(engine: str, docs, home: Path) -> None:  # type: ignore[no-untyped-def]
    os.environ.update(
        DOCINTEL_ENGINE=engine, DOCINTEL_HOME=str(home / engine), DOCINTEL_BROKER_URL=""
    )
    from docintel.config import get_settings

    get_settings.cache_clear()
    settings = get_settings()

    from docintel import migrations

    migrations.upgrade(settings.db_url)
    from docintel.embedded import process_file

    complete = 0
    turns: list[int] = []
    ent_f1: list[float] = []
    rel_f1: list[float] = []
    started = time.perf_counter()
    for doc in docs:
        result = process_file(doc.path, settings)
        ext = result["extraction"] or {}
        complete += ext.get("status") == "complete"
        turns.append(ext.get("turns") or 0)
        found = {(e["type"], e["name"]) for e in ext.get("entities", [])}
        ent_f1.append(prf(doc.entities, found)[2])
        if doc.relationships:
            rels = {(r["source"], r["target"], r["type"]) for r in ext.get("relationships", [])}
            rel_f1.append(prf(doc.relationships, rels)[2])
    elapsed = time.perf_counter() - started
    n = len(docs)
    print(f"\nengine {engine}: {n} documents ({', '.join(sorted({d.kind for d in docs}))})")
    print(f"  task completion (valid output)   {complete}/{n} = {complete / n:.2%}")
    print(f"  entity F1                        {sum(ent_f1) / n:.4f}")
    print(f"  relationship F1 (forms)          {sum(rel_f1) / max(1, len(rel_f1)):.4f}")
    print(
        f"  mean turns                       {sum(turns) / n:.2f}"
        + ("   (rules: no model turns)" if engine == "cpu" else "")
    )
    print(f"  seconds per document             {elapsed / n:.3f}   (whole pipeline)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=21)
    ap.add_argument("--engine", default="all")
    ap.add_argument("--model", default="")
    args = ap.parse_args()
    if args.model:
        os.environ["DOCINTEL_MODEL"] = args.model

    home = Path(tempfile.mkdtemp(prefix="docintel-agent-"))
    docs = labelled_documents(home / "docs", args.docs)
    for engine in engines_to_run(args.engine):
        run(engine, docs, home)


if __name__ == "__main__":
    main()
