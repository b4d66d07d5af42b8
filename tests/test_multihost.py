"""Several hosts on one machine: the database and the broker on one host, two workers on
two others, each in a network namespace this test creates and reaches over a veth pair with
loopback-range addresses of its own (127.91.0.0/24, 127.92.0.0/24; route_localnet lets them
cross). Mid-run one worker's link is cut: the tasks it held are handed to the other worker
once their visibility timeout passes, and every document ends done once, nothing doubled.
Everything it creates (namespaces, links, servers) is torn down at the end."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from docintel.testkit.samples import text_pdf_spec, write_pdf

PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"))), None)
NETS = {"w1": ("dimh1", "127.91.0"), "w2": ("dimh2", "127.92.0")}
REDIS_PORT, PG_PORT = 16391, 15432


def sh(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), capture_output=True, text=True, check=check)


def pg_ctl(pgdata: Path, *args: str, check: bool = True) -> None:
    """The private server's pg_ctl, as the postgres user (PostgreSQL refuses root)."""
    assert PG_BIN is not None
    sh(
        "runuser",
        "-u",
        "postgres",
        "--",
        str(PG_BIN / "pg_ctl"),
        "-D",
        str(pgdata),
        *args,
        check=check,
    )


def _can_make_namespaces() -> str | None:
    if os.geteuid() != 0:
        return "needs root to create network namespaces"
    for tool in ("ip", "redis-server", "runuser"):
        if not shutil.which(tool):
            return f"{tool} is not installed"
    if PG_BIN is None:
        return "no PostgreSQL server binaries under /usr/lib/postgresql"
    probe = sh("ip", "netns", "add", "dimh-probe", check=False)
    if probe.returncode != 0:
        return f"this machine cannot create network namespaces: {probe.stderr.strip()}"
    sh("ip", "netns", "del", "dimh-probe", check=False)
    return None


@pytest.fixture
def hosts(tmp_path):
    why = _can_make_namespaces()
    if why:
        pytest.skip(why)
    procs: list[subprocess.Popen[bytes]] = []
    # The server runs as the postgres user, who cannot enter pytest's private tmp folders.
    outer = Path(tempfile.mkdtemp(prefix="docintel-pg-"))
    outer.chmod(0o755)
    pgdata = outer / "pgdata"
    try:
        sh("sysctl", "-qw", "net.ipv4.conf.all.route_localnet=1")
        for link, net in NETS.values():
            sh("ip", "netns", "add", link)
            sh("ip", "link", "add", link, "type", "veth", "peer", "name", f"{link}p")
            sh("ip", "link", "set", f"{link}p", "netns", link)
            sh("ip", "addr", "add", f"{net}.1/24", "dev", link)
            sh("ip", "link", "set", link, "up")
            sh("sysctl", "-qw", f"net.ipv4.conf.{link}.route_localnet=1")
            inside = ("ip", "netns", "exec", link)
            sh(*inside, "ip", "addr", "add", f"{net}.2/24", "dev", f"{link}p")
            sh(*inside, "ip", "link", "set", f"{link}p", "up")
            sh(*inside, "ip", "link", "set", "lo", "up")
            sh(*inside, "sysctl", "-qw", "net.ipv4.conf.all.route_localnet=1")
            sh(*inside, "sysctl", "-qw", f"net.ipv4.conf.{link}p.route_localnet=1")
        addresses = [f"{net}.1" for _, net in NETS.values()]
        procs.append(
            subprocess.Popen(
                [
                    "redis-server",
                    "--port",
                    str(REDIS_PORT),
                    "--bind",
                    *addresses,
                    "--protected-mode",
                    "no",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ],
                stdout=subprocess.DEVNULL,
            )
        )
        # A private PostgreSQL that listens on the host's veth addresses only.
        pgdata.mkdir()
        shutil.chown(pgdata, "postgres")
        sh(
            "runuser",
            "-u",
            "postgres",
            "--",
            str(PG_BIN / "initdb"),
            "-D",
            str(pgdata),
            "-A",
            "trust",
            "-U",
            "postgres",
        )
        with (pgdata / "pg_hba.conf").open("a") as fh:
            fh.writelines(f"host all all {net}.0/24 trust\n" for _, net in NETS.values())
        pg_ctl(
            pgdata,
            "-w",
            "-l",
            str(pgdata / "log"),
            "-o",
            f"-c listen_addresses={','.join(addresses)} -p {PG_PORT} -k {pgdata}",
            "start",
        )
        yield addresses
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(10)
        if (pgdata / "postmaster.pid").exists():
            pg_ctl(pgdata, "-m", "immediate", "stop", check=False)
        for link, _ in NETS.values():
            sh("ip", "link", "del", link, check=False)
            sh("ip", "netns", "del", link, check=False)
        shutil.rmtree(outer, ignore_errors=True)


def test_a_worker_cut_off_mid_run_loses_and_doubles_nothing(hosts, tmp_path):
    from docintel import migrations

    urls = {
        ns: (
            f"postgresql+psycopg://postgres@{net}.1:{PG_PORT}/postgres",
            f"redis://{net}.1:{REDIS_PORT}/0",
        )
        for ns, (_, net) in NETS.items()
    }
    db_url, broker = urls["w2"]  # the host side of w2's link stays up
    migrations.upgrade(db_url)
    base = {
        **os.environ,
        "DOCINTEL_HOME": str(tmp_path / "home"),
        "DOCINTEL_EMBEDDING_MODEL": "hashing",
        "DOCINTEL_ENGINE": "cpu",
        # Hard limits (and so the visibility timeout) scaled down: a task held by a worker
        # that is cut off comes back after about 20 s, not hours.
        "DOCINTEL_TIME_LIMIT_SCALE": "0.01",
        "DOCINTEL_VISIBILITY_TIMEOUT": "1",
        "DOCINTEL_UNACKED_RESTORE_INTERVAL": "2",
        "DOCINTEL_STABLE_SECONDS": "0.5",
        "DOCINTEL_RECOVER_INTERVAL": "3",
        "DOCINTEL_ORPHAN_GRACE_SECONDS": "60",
    }
    procs = []
    logs = tmp_path / "logs"
    logs.mkdir()

    def start(name: str, argv: list[str], db: str, bus: str, netns: str | None = None):
        env = {**base, "DOCINTEL_DATABASE_URL": db, "DOCINTEL_BROKER_URL": bus}
        prefix = ["ip", "netns", "exec", netns] if netns else []
        proc = subprocess.Popen(
            [*prefix, sys.executable, "-m", "docintel.cli", *argv],
            env=env,
            stdout=(logs / f"{name}.log").open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        procs.append(proc)

    def start_worker(ns: str) -> None:
        link = NETS[ns][0]
        start(ns, ["worker", "--concurrency", "1", "--name", f"{ns}@%h"], *urls[ns], link)

    def task_ids(name: str, event: str) -> set[str]:
        log = (logs / f"{name}.log").read_text(errors="replace")
        return set(re.findall(r"Task docintel\.\w+\[([0-9a-f-]+)\] " + event, log))

    try:
        # w1 works alone first, so that when its link is cut it surely holds tasks.
        start_worker("w1")
        start("watcher", ["watch", "--polling"], db_url, broker)
        inbox = tmp_path / "home" / "inbox"
        inbox.mkdir(parents=True, exist_ok=True)
        rng = random.Random(11)
        count = 40
        for i in range(count):
            write_pdf(inbox / f"d{i:02d}.pdf", text_pdf_spec(rng, 3))
        engine = create_engine(db_url)

        def done() -> int:
            with engine.connect() as c:
                return c.execute(
                    text("SELECT count(*) FROM documents WHERE status = 'done'")
                ).scalar()

        import redis

        bus = redis.Redis.from_url(broker)

        def taken() -> int:
            with engine.connect() as c:
                return c.execute(text("SELECT count(*) FROM documents")).scalar()

        # Cut w1 off mid-run while work is still queued for it (acks late, one prefetched,
        # so it nearly always holds a delivery). What it holds once cut it can never
        # acknowledge; should it have acknowledged its last one in the instant before the
        # cut, its link comes back up and the cut is tried again.
        link = NETS["w1"][0]
        held: set[bytes] = set()
        deadline = time.monotonic() + 120
        while not held and time.monotonic() < deadline:
            while time.monotonic() < deadline and not (
                taken() == count and 3 <= done() <= count - 10 and bus.hlen("unacked") >= 1
            ):
                time.sleep(0.02)
            sh("ip", "link", "set", link, "down")  # w1 is gone mid-run
            time.sleep(0.2)  # an acknowledgement already on the wire lands or is lost
            held = set(bus.hkeys("unacked"))
            if not held:
                sh("ip", "link", "set", link, "up")
        assert held, f"w1 held no task to cut off ({done()} done)"
        held_tasks = [json.loads(v)[0]["headers"]["task"] for v in bus.hvals("unacked")]
        start_worker("w2")
        deadline = time.monotonic() + 240
        # Done is not enough: w1 may have finished a document whose delivery it could not
        # acknowledge; that delivery must still come back and be acknowledged by w2.
        while time.monotonic() < deadline and (done() < count or held & set(bus.hkeys("unacked"))):
            time.sleep(0.5)
        with engine.connect() as c:
            statuses = dict(
                c.execute(text("SELECT status, count(*) FROM documents GROUP BY status")).all()
            )
            pages = c.execute(text("SELECT count(*) FROM pages")).scalar()
            unique_pages = c.execute(
                text("SELECT count(*) FROM (SELECT DISTINCT document_id, page FROM pages) p")
            ).scalar()
        engine.dispose()
        assert statuses == {"done": count}, statuses
        assert pages == unique_pages == 3 * count  # nothing doubled
        # What w1 held when it was cut off (it can never acknowledge it) was put back and
        # taken by w2: none of those deliveries is left unacknowledged.
        left = held & set(bus.hkeys("unacked"))
        assert not left, (held_tasks, left, sorted(task_ids("w2", "received"))[:5])
    finally:
        for proc in procs:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(10)
