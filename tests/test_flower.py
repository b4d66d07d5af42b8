"""Flower, as a person reads it, on the real Redis and PostgreSQL: each task names its
document, and the documents that fail are Flower's failed tasks (a file route refuses and a
file that fails in a later step), with the reason as the exception; a done file's tasks
succeed; a task tried again is a retry, with its reason."""

from __future__ import annotations

import io
import random
import shutil
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import httpx
import pytest
from PIL import Image, ImageDraw

from docintel.testkit.samples import write_csv
from tests.helpers import shot
from tests.stack import Stack

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _cut_png(path):  # type: ignore[no-untyped-def]
    """A scan cut short: route reads its header, the page step cannot decode it."""
    image = Image.new("RGB", (1200, 900), "white")
    ImageDraw.Draw(image).text((50, 50), "Delivery note 4471", fill="black")
    rng = random.Random(3)
    pixels = image.load()
    for _ in range(20000):
        pixels[rng.randrange(1200), rng.randrange(900)] = (rng.randrange(255),) * 3
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    path.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    return path


def test_flower_names_each_document_and_shows_failed_documents_as_failed_tasks(
    tmp_path, pg_url, redis_url, browser
):
    from docintel import migrations

    migrations.upgrade(pg_url)
    port = _free_port()
    stack = Stack(tmp_path / "home", pg_url, redis_url, DOCINTEL_FLOWER_BASIC_AUTH="ops:s3cret")
    api = httpx.Client(base_url=f"http://127.0.0.1:{port}", auth=("ops", "s3cret"), timeout=5)
    try:
        stack._start("flower", "flower", "--port", str(port))
        stack.wait(lambda: _up(api), 60, "Flower did not start")
        stack.start_worker()
        stack.start_watcher()
        src = tmp_path / "src"
        src.mkdir()
        files = [
            write_csv(src / "ledger.csv", [["date", "amount"], ["2026-01-01", "10.00"]]),
            src / "setup.pdf",
            _cut_png(src / "delivery-scan.png"),
        ]
        files[1].write_bytes(b"MZ\x90\x00" + b"\x00" * 4096)  # a program named .pdf
        for f in files:
            shutil.copyfile(f, stack.inbox / (f.name + ".part"))
            (stack.inbox / (f.name + ".part")).rename(stack.inbox / f.name)
        stack.wait(lambda: stack.settled(3), 120, "the three files did not settle")
        assert stack.counts() == {"done": 1, "failed": 2}

        def tasks() -> list[dict]:
            return list(api.get("/api/tasks").json().values())

        def failed() -> list[dict]:
            return [t for t in tasks() if t.get("state") == "FAILURE"]

        stack.wait(lambda: len(failed()) >= 2, 30, f"Flower's failed tasks: {failed()}")
        by_file = {name: [t for t in failed() if name in (t.get("args") or "")] for name in
                   ("setup.pdf", "delivery-scan.png", "ledger.csv")}  # fmt: skip
        (refused,) = by_file["setup.pdf"]
        assert refused["name"] == "docintel.route"
        assert "setup.pdf" in refused["exception"] and "doc " in refused["args"]
        (later,) = by_file["delivery-scan.png"]
        assert later["name"] == "docintel.page" and "pages 1" in later["args"]
        assert "cut short" in later["exception"]
        assert by_file["ledger.csv"] == []  # done: none of its tasks failed

        def csv_tasks() -> list[dict]:
            return [t for t in tasks() if "ledger.csv" in (t.get("args") or "")]

        # its index task may still run when the document is done: every one ends a success
        stack.wait(
            lambda: bool(csv_tasks()) and all(t["state"] == "SUCCESS" for t in csv_tasks()),
            30,
            f"the done CSV's tasks: {csv_tasks()}",
        )
        # every document's task names it: no bare sha256 in the list
        assert all(
            "doc " in (t.get("args") or "") for t in tasks() if t["name"] != "docintel.index"
        )
        _shoot_failed_tab(browser, f"http://127.0.0.1:{port}", later)
    finally:
        api.close()
        stack.stop()


def _shoot_failed_tab(browser, base: str, task: dict) -> None:  # type: ignore[no-untyped-def]
    """Flower as a person opens it, in Chromium: the Failed tab lists the two failed tasks,
    and the page step's task shows its document and reason. The screenshots are kept for
    the README (docs/screenshots/flower-*.png)."""
    import base64

    from selenium.webdriver.support.ui import WebDriverWait

    browser.execute_cdp_cmd("Network.enable", {})
    auth = base64.b64encode(b"ops:s3cret").decode()
    browser.execute_cdp_cmd(
        "Network.setExtraHTTPHeaders", {"headers": {"Authorization": f"Basic {auth}"}}
    )
    browser.set_window_size(1280, 800)
    browser.get(f"{base}/tasks?state=FAILURE")
    rows = "return [...document.querySelectorAll('table tbody tr')].map(r => r.innerText)"
    WebDriverWait(browser, 30).until(lambda d: len(d.execute_script(rows)) == 2)
    names = sorted(r.split()[0] for r in browser.execute_script(rows))
    assert names == ["docintel.page", "docintel.route"]  # the failed tab: these two only
    shot(browser, "flower-failed")
    browser.get(f"{base}/task/{task['uuid']}")
    WebDriverWait(browser, 30).until(lambda d: "delivery-scan.png" in d.page_source)
    page = browser.find_element("tag name", "body").text
    assert "delivery-scan.png · doc" in page and "cut short" in page
    shot(browser, "flower-task")


def _up(api: httpx.Client) -> bool:
    try:
        return api.get("/api/workers").status_code == 200
    except httpx.HTTPError:
        time.sleep(0.5)
        return False


class FailsOnce(BaseHTTPRequestHandler):
    """A webhook receiver that answers 500 to the first POST, 204 after."""

    posts: list[str] = []

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        FailsOnce.posts.append(self.path)
        self.send_response(500 if len(FailsOnce.posts) == 1 else 204)
        self.end_headers()

    def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
        pass


def test_a_retried_task_is_a_retry_in_flower_with_its_reason(tmp_path, pg_url, redis_url):
    """A webhook delivery that got a 500 is tried again by Celery: Flower counts a retry
    for the worker, and the task (named by its document, the URL's secret masked) keeps
    the reason it was retried, then succeeds."""
    from docintel import migrations

    migrations.upgrade(pg_url)
    FailsOnce.posts = []
    receiver = HTTPServer(("127.0.0.1", 0), FailsOnce)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    hook = f"http://127.0.0.1:{receiver.server_port}/hook?token=hunter2"
    port = _free_port()
    stack = Stack(
        tmp_path / "home",
        pg_url,
        redis_url,
        DOCINTEL_WEBHOOK_URLS=hook,
        DOCINTEL_FLOWER_BASIC_AUTH="ops:s3cret",
    )
    api = httpx.Client(base_url=f"http://127.0.0.1:{port}", auth=("ops", "s3cret"), timeout=5)
    try:
        stack._start("flower", "flower", "--port", str(port))
        stack.wait(lambda: _up(api), 60, "Flower did not start")
        stack.start_worker()
        stack.start_watcher()
        src = write_csv(tmp_path / "ledger.csv", [["date", "amount"], ["2026-01-01", "10.00"]])
        shutil.copyfile(src, stack.inbox / "ledger.csv.part")
        (stack.inbox / "ledger.csv.part").rename(stack.inbox / "ledger.csv")

        def hooks() -> list[dict]:
            return [t for t in api.get("/api/tasks").json().values()
                    if t["name"] == "docintel.webhook"]  # fmt: skip

        stack.wait(
            lambda: len(FailsOnce.posts) == 2 and [t["state"] for t in hooks()] == ["SUCCESS"],
            90,
            f"the webhook task: {hooks() if _up(api) else '?'}; posts {FailsOnce.posts}",
        )
        (task,) = hooks()
        assert task["retries"] == 1, task
        assert "ledger.csv · doc " in task["args"] and "POST http://127.0.0.1" in task["args"]
        assert "hunter2" not in task["args"] and "token=***" in task["args"]
        assert (
            "DeliveryFailed" in task["exception"]
            and "-> 500 (attempt 1 of 5)" in (task["exception"])
        )
        assert "hunter2" not in task["exception"]
        workers = api.get("/workers", params={"json": 1}).json()["data"]
        assert sum(w.get("task-retried", 0) for w in workers) == 1, workers
        assert sum(w.get("task-failed", 0) for w in workers) == 0, workers
    finally:
        receiver.shutdown()
        api.close()
        stack.stop()
