"""The index step's read of pending chunks on a large corpus, with and without the partial
index of chunks not embedded yet (migration 0008).

    python bench/pending.py [--chunks 200000] [--pg URL]

Before each batch the index step asks PostgreSQL for the oldest few chunks with no
embedding, and after a run it counts them. On a corpus that is mostly embedded, a plan
without that index walks every embedded chunk first. Builds a scratch database of
``--chunks`` embedded chunks and 8 pending ones, and prints the best of 5 of each read,
with the index and with it dropped, and their ratio.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from docintel.store.db import get_engine, session_scope  # noqa: E402
from docintel.store.search import count_pending, pending_chunks  # noqa: E402


def best_ms(url: str, read: Callable[[Session], object], repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        with session_scope(url) as s:
            started = time.perf_counter()
            read(s)
            times.append(time.perf_counter() - started)
    return min(times) * 1000


def fill(url: str, chunks: int) -> None:
    vector = json.dumps([round(0.001 * i, 3) for i in range(384)])
    with session_scope(url) as s:
        s.execute(
            text(
                "INSERT INTO documents (sha256, name, size, status, warnings, attempts, meta, "
                "created_at, updated_at) VALUES ('x', 'x.pdf', 0, 'done', '[]', 0, '{}', "
                "now(), now())"
            )
        )
        s.execute(
            text(
                "INSERT INTO chunks (document_id, index, text, embedding, embedding_model) "
                "SELECT (SELECT min(id) FROM documents), g, 'a passage of the corpus, ' || g, "
                "CAST(:v AS jsonb), 'bench' FROM generate_series(0, :n - 1) g"
            ),
            {"v": vector, "n": chunks},
        )
        s.execute(
            text(
                "INSERT INTO chunks (document_id, index, text) SELECT (SELECT min(id) FROM "
                "documents), g, 'a passage not embedded yet, ' || g "
                "FROM generate_series(:n, :n + 7) g"
            ),
            {"n": chunks},
        )
        s.execute(text("ANALYZE chunks"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--chunks", type=int, default=200_000)
    ap.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = ap.parse_args()
    name = f"docintel_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = args.pg.rsplit("/", 1)[0] + "/" + name
    try:
        from docintel import migrations

        migrations.upgrade(url)
        print(f"{args.chunks} embedded chunks and 8 pending, PostgreSQL (building...)")
        fill(url, args.chunks)
        reads = {
            "oldest 8 pending (before each batch)": lambda s: pending_chunks(s, 8),
            "count pending (after a run)": count_pending,
        }
        with_index = {what: best_ms(url, read) for what, read in reads.items()}
        with session_scope(url) as s:
            s.execute(text("DROP INDEX ix_chunks_pending"))
        without = {what: best_ms(url, read) for what, read in reads.items()}
        for what in reads:
            print(
                f"{what:38s} with the index {with_index[what]:8.2f} ms   without "
                f"{without[what]:8.2f} ms   ratio {with_index[what] / without[what]:.4f}"
            )
    finally:
        get_engine(url).dispose()
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
