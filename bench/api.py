"""The HTTP API under load: 10,000 documents in PostgreSQL, 50 concurrent clients on
127.0.0.1, each sending its next request as soon as the last is answered.

    python bench/api.py [--docs 10000] [--clients 50] [--seconds 15] [--workers 1]

Fills a fresh PostgreSQL database (pages, chunks, entities and an audit trail per
document, like a processed corpus), starts `docintel serve` in its own process(es), and
drives list, detail and full-text search in turn with wrk (Debian's package; a Lua
script picks a random document, page of the listing or pair of words per request), or
with asyncio + httpx where wrk is missing (that client costs ~3 ms of CPU a request, on the
same two cores as the server and PostgreSQL). Prints p50/p95/p99 latency and requests/s
for each, against the targets (list and detail p95 < 50 ms, search p95 < 200 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ADMIN = os.environ.get("DOCINTEL_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
TARGETS = {"list": 0.050, "detail": 0.050, "search": 0.200}
WORDS = (
    "invoice delivery supplier warehouse freight customs harbour ledger balance account "
    "carrier manifest quarterly revenue budget contract payment shipment pallet order "
    "schedule insurance claim policy transfer audit report customer vendor outlook terms"
).split()


def fresh_database(name: str) -> str:
    from sqlalchemy import create_engine, text

    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return ADMIN.rsplit("/", 1)[0] + f"/{name}"


def sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 16))).capitalize() + "."


def fill(url: str, docs: int, seed: int = 3) -> None:
    """A processed corpus: per document 1-3 pages, 2 chunks, 3 entities, 8 audit events."""
    from sqlalchemy import insert

    from docintel import migrations
    from docintel.store.db import session_scope
    from docintel.store.schema import AuditEvent, Chunk, Document, Entity, Extraction, Page, utcnow

    migrations.upgrade(url)
    rng = random.Random(seed)
    now = utcnow()
    batch = 1000
    for first in range(1, docs + 1, batch):
        ids = range(first, min(first + batch, docs + 1))
        documents, pages, chunks, entities, extractions, events = [], [], [], [], [], []
        for i in ids:
            sha = f"{i:064x}"
            bodies = [" ".join(sentence(rng) for _ in range(12)) for _ in range(rng.randint(1, 3))]
            markdown = "\n\n".join(f"<!-- page {n} -->\n{b}" for n, b in enumerate(bodies, 1))
            documents.append(
                dict(
                    id=i,
                    sha256=sha,
                    name=f"doc-{i}.pdf",
                    media_type="application/pdf",
                    kind="pdf",
                    size=10_000,
                    status="done",
                    warnings=[],
                    attempts=1,
                    page_count=len(bodies),
                    markdown=markdown,
                    meta={},
                    created_at=now,
                    updated_at=now,
                    finished_at=now,
                    doc_type="invoice",
                )
            )
            for n, body in enumerate(bodies, 1):
                pages.append(
                    dict(
                        document_id=i,
                        page=n,
                        status="done",
                        text_source="text_layer",
                        decision="text",
                        kind="text",
                        markdown=body,
                        fields={},
                        timings={},
                        engine="pymupdf",
                    )
                )
            half = len(bodies[0]) // 2
            for k, part in enumerate((bodies[0][:half], bodies[0][half:])):
                chunks.append(dict(document_id=i, index=k, text=part, page=1))
            for k in range(3):
                entities.append(
                    dict(
                        document_id=i,
                        name=f"{rng.choice(WORDS).title()} {k}",
                        type="org",
                        pages=[1],
                        seconds=[],
                    )
                )
            extractions.append(
                dict(
                    document_id=i,
                    status="done",
                    summary=sentence(rng),
                    confidence=0.9,
                    engine="rules",
                    turns=0,
                )
            )
            for seq, step in enumerate(
                (
                    "route",
                    "merge",
                    "index",
                    "agent",
                    "agent:classify",
                    "agent:fields",
                    "finalize",
                    "index:embed",
                )
            ):
                events.append(
                    dict(
                        run=sha,
                        document_id=i,
                        step=step,
                        seq=0,
                        role="pipeline",
                        status="ok",
                        content=f"{step} finished",
                        duration_ms=seq + 1.5,
                        created_at=now,
                    )
                )
        with session_scope(url) as s:
            for model, rows in (
                (Document, documents),
                (Page, pages),
                (Chunk, chunks),
                (Entity, entities),
                (Extraction, extractions),
                (AuditEvent, events),
            ):
                s.execute(insert(model), rows)
        print(f"\r  filled {ids[-1]:,} documents", end="", flush=True)
    with session_scope(url) as s:
        from sqlalchemy import text

        s.execute(text("SELECT setval('documents_id_seq', :n)"), {"n": docs})
        s.execute(text("ANALYZE"))
    print()


def start_server(url: str, home: Path, workers: int) -> tuple[subprocess.Popen, str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    env = {
        **os.environ,
        "DOCINTEL_DATABASE_URL": url,
        "DOCINTEL_BROKER_URL": "",
        "DOCINTEL_HOME": str(home),
        "DOCINTEL_API_WORKERS": str(workers),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "docintel.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    import httpx

    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return server, base
        except httpx.HTTPError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the server did not start: " + server.stderr.read().decode()[-2000:])


async def drive(base: str, token: str, paths, clients: int, seconds: float):  # type: ignore[no-untyped-def]
    import httpx

    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(
        base_url=base, headers={"Authorization": f"Bearer {token}"}, limits=limits, timeout=30
    ) as client:
        end = time.perf_counter() + seconds

        async def one_client(rng: random.Random) -> None:
            nonlocal errors
            while time.perf_counter() < end:
                path = paths(rng)
                started = time.perf_counter()
                response = await client.get(path)
                latencies.append(time.perf_counter() - started)
                errors += response.status_code != 200

        await asyncio.gather(*(one_client(random.Random(i)) for i in range(clients)))
    return latencies, errors


WRK_SCRIPT = """
local words = {%(words)s}
local docs = tonumber(os.getenv("DOCS"))
local kind = os.getenv("KIND")
setup = function(thread) thread:set("seed", math.random(1, 1e6)) end
init = function() math.randomseed(seed or os.time()) end
request = function()
  local path
  if kind == "list" then
    path = "/v1/documents?limit=50&cursor=" .. math.random(51, docs + 1)
  elseif kind == "detail" then
    path = "/v1/documents/" .. math.random(1, docs)
  else
    local a, b = words[math.random(#words)], words[math.random(#words)]
    path = "/v1/documents?limit=20&search=" .. a .. "+" .. b
  end
  return wrk.format("GET", path)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%d %%d %%d %%d %%d\\n",
    summary.requests, summary.duration,
    e.connect + e.read + e.write + e.status + e.timeout, latency:percentile(50),
    latency:percentile(95), latency:percentile(99), 0))
end
"""


def drive_wrk(base: str, token: str, kind: str, docs: int, clients: int, seconds: float):  # type: ignore[no-untyped-def]
    """wrk (C, a few microseconds of CPU per request) as the 50 clients; None without it."""
    import shutil
    import tempfile

    if not shutil.which("wrk"):
        return None
    script = Path(tempfile.mkdtemp()) / "api.lua"
    script.write_text(WRK_SCRIPT % {"words": ", ".join(f'"{w}"' for w in WORDS)})
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{clients}",
            f"-d{seconds:.0f}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            "-H",
            f"Authorization: Bearer {token}",
            base,
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "DOCS": str(docs), "KIND": kind},
    )
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("RESULT"))
    n, duration_us, errors, p50, p95, p99, _ = (int(x) for x in line.split()[1:])
    return n, duration_us / 1e6, errors, p50 / 1e6, p95 / 1e6, p99 / 1e6


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--workers", type=int, default=1, help="server processes")
    ap.add_argument("--keep", action="store_true", help="reuse the filled database")
    ap.add_argument("--python-client", action="store_true", help="asyncio + httpx, not wrk")
    args = ap.parse_args()
    import tempfile

    from docintel.store.db import session_scope
    from docintel.store.tokens import create_token

    name = f"docintel_bench_api_{args.docs}"
    if args.keep:
        url = ADMIN.rsplit("/", 1)[0] + f"/{name}"
    else:
        url = fresh_database(name)
        started = time.perf_counter()
        fill(url, args.docs)
        print(f"  {args.docs:,} documents in {time.perf_counter() - started:.0f} s")
    with session_scope(url) as s:
        from sqlalchemy import delete

        from docintel.store.schema import ApiToken

        s.execute(delete(ApiToken).where(ApiToken.name == "bench"))
        token = create_token(s, "bench")
    server, base = start_server(url, Path(tempfile.mkdtemp(prefix="bench-api-")), args.workers)
    docs = args.docs
    cases = {
        "list": lambda rng: f"/v1/documents?limit=50&cursor={rng.randint(51, docs + 1)}",
        "detail": lambda rng: f"/v1/documents/{rng.randint(1, docs)}",
        "search": lambda rng: (
            f"/v1/documents?limit=20&search={rng.choice(WORDS)}+{rng.choice(WORDS)}"
        ),
    }
    print(f"\n{args.clients} clients, {args.seconds:.0f} s each, {args.workers} server process(es)")
    print(
        f"{'endpoint':10} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
        f" {'target p95':>11} {'met':>4}"
    )
    try:
        for label, paths in cases.items():
            measured = None
            if not args.python_client:
                drive_wrk(base, token, label, docs, args.clients, 2)  # warm caches and pools
                measured = drive_wrk(base, token, label, docs, args.clients, args.seconds)
            if measured is None:
                asyncio.run(drive(base, token, paths, args.clients, 2))
                latencies, errors = asyncio.run(
                    drive(base, token, paths, args.clients, args.seconds)
                )
                measured = (
                    len(latencies),
                    args.seconds,
                    errors,
                    percentile(latencies, 0.5),
                    percentile(latencies, 0.95),
                    percentile(latencies, 0.99),
                )
            n, duration, errors, p50, p95, p99 = measured
            print(
                f"{label:10} {n:9d} {n / duration:8.1f} {p50 * 1e3:8.1f} {p95 * 1e3:8.1f} "
                f"{p99 * 1e3:8.1f} {TARGETS[label] * 1e3:9.0f} ms "
                f"{'yes' if p95 < TARGETS[label] else 'no':>4}"
                + (f"  ({errors} errors)" if errors else "")
            )
        python = args.python_client or not shutil.which("wrk")
        print(f"client: {'python (asyncio + httpx)' if python else 'wrk'}")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
