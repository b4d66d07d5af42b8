"""The watcher on a real folder with real inotify (and polling) events."""

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
