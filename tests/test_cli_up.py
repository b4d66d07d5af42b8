"""`docintel up` (embedded all-in-one) and `docintel show --audit`, as a user runs them."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def test_up_watches_and_processes_then_show_prints_the_audit_timeline(tmp_path):
    env = {
        **os.environ,
        "DOCINTEL_HOME": str(tmp_path / "home"),
        "DOCINTEL_BROKER_URL": "",
        "DOCINTEL_STABLE_SECONDS": "0.5",
        "DOCINTEL_EMBEDDING_MODEL": "hashing",
        "COLUMNS": "200",
        "DOCINTEL_API_PORT": "0",  # any free port: the printed link says which
    }
    env.pop("DOCINTEL_DATABASE_URL", None)
    up = subprocess.Popen(
        [sys.executable, "-m", "docintel.cli", "up"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    said: list[str] = []
    threading.Thread(target=lambda: said.extend(iter(up.stdout.readline, b"")), daemon=True).start()
    try:
        inbox = tmp_path / "home" / "inbox"
        deadline = time.monotonic() + 60
        while not inbox.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        shutil.copy(ROOT / "samples" / "invoice.pdf", inbox / "invoice.pdf")
        shown = None
        while time.monotonic() < deadline:
            run = subprocess.run(
                [sys.executable, "-m", "docintel.cli", "query", "--json"],
                env=env,
                cwd=tmp_path,
                capture_output=True,
                text=True,
            )
            docs = json.loads(run.stdout or "[]") if run.returncode == 0 else []
            if docs and docs[0]["status"] == "done":
                shown = docs[0]
                break
            time.sleep(0.5)
        assert shown is not None, "docintel up did not process the dropped file"
        assert not (inbox / "invoice.pdf").exists()  # taken into the archive
        # the web page, through the one-time login link `up` printed
        links = [m for line in said for m in re.findall(rb"http://\S+/login\?code=\S+", line)]
        assert links, b"".join(said)
        link = links[0].decode()
        with httpx.Client(follow_redirects=True, timeout=30) as browser:
            page = browser.get(link)
            assert page.status_code == 200 and "invoice.pdf" in page.text
            assert browser.get(link.split("/login")[0] + "/v1/documents").status_code == 200
        assert httpx.get(link).status_code == 401  # a login link works once
    finally:
        os.killpg(up.pid, signal.SIGINT)
        up.wait(20)
    show = subprocess.run(
        [sys.executable, "-m", "docintel.cli", "show", "invoice.pdf", "--audit"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert show.returncode == 0, show.stderr
    for step in ("route", "merge", "index", "agent", "finalize"):
        assert step in show.stdout
    assert "Acme Industrial GmbH" in show.stdout
