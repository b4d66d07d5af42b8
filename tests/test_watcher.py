"""The watcher on a real folder with real inotify (and polling) events."""

import random
import threading
import time
from pathlib import Path

import pytest

from docintel.testkit.samples import text_pdf_spec, write_pdf
from docintel.watcher.ingest import sha256_file
from docintel.watcher.watch import InboxWatcher, ignored
from tests.helpers import wait_for


@pytest.fixture
def running(embedded, monkeypatch, request):
    monkeypatch.setattr(embedded, "stable_seconds", 1.0)
    monkeypatch.setattr(embedded, "poll_interval", 0.2)
    taken: list[tuple[str, str, Path]] = []
    watcher = InboxWatcher(
        embedded,
        lambda r, p: taken.append((r.status, r.sha256, p)),
        polling=getattr(request, "param", False),
    )
    embedded.inbox_dir.mkdir(parents=True, exist_ok=True)
    thread = threading.Thread(target=watcher.run, kwargs={"tick": 0.05}, daemon=True)
    yield embedded, taken, thread
    watcher.stop()
    thread.join(5)


def test_temporary_names_are_ignored():
    for name in ("a.part", "b.tmp", "~$book.xlsx", ".hidden.pdf", "x.crdownload"):
        assert ignored(Path(name))
    assert not ignored(Path("invoice.pdf"))


@pytest.mark.parametrize("running", [False, True], ids=["inotify", "polling"], indirect=True)
def test_file_is_taken_only_when_stable(running, tmp_path):
    settings, taken, thread = running
    source = write_pdf(tmp_path / "src.pdf", text_pdf_spec(__import__("random").Random(1), 5))
    data = source.read_bytes()
    thread.start()
    target = settings.inbox_dir / "sub" / "slow.pdf"
    target.parent.mkdir()
    with target.open("wb") as fh:  # a slow copy: four pieces, 0.4 s apart
        for i in range(4):
            fh.write(data[i * len(data) // 4 : (i + 1) * len(data) // 4])
            fh.flush()
            time.sleep(0.4)
            assert not taken, "taken while still being written"
    assert wait_for(lambda: taken)
    ((status, sha, _),) = taken
    assert status == "queued" and sha == sha256_file(source)
    assert not target.exists()  # moved into the archive, not deleted
    archived = list(settings.archive_dir.rglob(f"{sha}.pdf"))
    assert archived and archived[0].read_bytes() == data


def test_existing_files_duplicates_and_partial_names(running, tmp_path):
    settings, taken, thread = running
    pdf = write_pdf(tmp_path / "a.pdf", text_pdf_spec(__import__("random").Random(2), 1))
    (settings.inbox_dir / "first.pdf").write_bytes(pdf.read_bytes())  # there before start
    thread.start()
    assert wait_for(lambda: len(taken) == 1)
    (settings.inbox_dir / "again.pdf").write_bytes(pdf.read_bytes())
    partial = settings.inbox_dir / "upload.pdf.part"
    partial.write_bytes(b"%PDF-1.4 half")
    assert wait_for(lambda: len(taken) == 2)
    assert taken[1][0] == "duplicate"
    assert list(settings.duplicates_dir.iterdir())[0].name.endswith("again.pdf")
    time.sleep(1.5)
    assert partial.exists() and len(taken) == 2  # never taken under its temporary name
    partial.rename(settings.inbox_dir / "upload2.pdf")
    assert wait_for(lambda: len(taken) == 3)


def test_a_dead_watchers_claim_is_put_back_at_once_and_a_live_ones_never(embedded, tmp_path):
    """A watcher killed between claiming a file and archiving it: the next watcher puts the
    file back as it starts (the dead one's lock is free). A live watcher's claim stays,
    however old the file's times; one with no owner file is put back after ten minutes."""
    import os
    import subprocess
    import sys

    from docintel.watcher.claims import ClaimOwner, abandoned_claims
    from docintel.watcher.ingest import CLAIMS, claim

    inbox = embedded.inbox_dir
    inbox.mkdir(parents=True, exist_ok=True)
    folder = inbox / CLAIMS
    for name in ("dead.pdf", "live.pdf", "unowned.pdf"):
        write_pdf(inbox / name, text_pdf_spec(random.Random(1), 1))
    code = (
        "import os, sys; from pathlib import Path; from docintel.watcher.claims import "
        "ClaimOwner; from docintel.watcher.ingest import CLAIMS, claim; "
        "inbox = Path(sys.argv[1]); owner = ClaimOwner(inbox / CLAIMS); "
        "claim(inbox / 'dead.pdf', inbox, owner.hold()); os._exit(0)"  # no goodbye: as killed
    )
    subprocess.run([sys.executable, "-c", code, str(inbox)], check=True, timeout=60)
    assert not (inbox / "dead.pdf").exists()
    live = ClaimOwner(folder)
    held = claim(inbox / "live.pdf", inbox, live.hold())
    os.utime(held, (time.time() - 7200, time.time() - 7200))
    unowned = claim(inbox / "unowned.pdf", inbox)

    InboxWatcher(embedded).release_stale_claims()
    assert (inbox / "dead.pdf").is_file()
    assert held.is_file() and unowned.is_file()
    assert sorted(p.name.split("-")[0] for p in folder.glob(".owner-*")) == [".owner"]
    later = abandoned_claims(folder, "me", now=time.time() + 601)
    assert later == [unowned]
    live.close()
    assert not list(folder.glob(".owner-*"))
