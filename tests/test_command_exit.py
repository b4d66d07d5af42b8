"""A one-shot command (`docintel process`) ends with the work it started: a load its
warm-up began and a webhook's delivery are not cut short, or left undone, by the
interpreter's exit. Each runs the real command in a process of its own."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

from tests.helpers import run_python

EXIT_RUN = """
import atexit, json, sys
# atexit runs after the interpreter has joined the threads still working: what they
# imported at the command's exit is in sys.modules then
atexit.register(lambda: json.dump(sorted(sys.modules), open("modules.json", "w")))
from docintel.cli import app
sys.argv = ["docintel", "process", "--json", sys.argv[1]]
app()
"""


def test_a_command_that_ends_before_its_warm_up_leaves_no_load_cut_short(tmp_path):
    """The warm-up loads only what loads from what is ready: exporting the embedding model's
    graph (torch, seconds, once) was started by it and cut short where the command ended
    first (a one-page scan): transformers' loader could not start its threads at the exit,
    the embedder fell back to torch with a warning that the model cannot run on
    onnxruntime, and no graph was written, so every later command paid for it again."""
    import random

    from docintel.models.embedding import default_model_path
    from docintel.testkit.page_samples import images_to_pdf, scanned, text_page

    assert default_model_path(), "the test install carries all-MiniLM-L6-v2"
    rng = random.Random(11)
    scan = images_to_pdf(tmp_path / "scan.pdf", [scanned(text_page(rng, dpi=150)[0], rng)], 150)
    cache = tmp_path / "model-cache"
    out = run_python(
        ["-c", EXIT_RUN, str(scan)], tmp_path, timeout=300, DOCINTEL_MODEL_CACHE=str(cache)
    )
    assert json.loads(out.stdout)["document"]["status"] == "done"
    assert "cannot run on onnxruntime" not in out.stderr, out.stderr[-2000:]
    loaded = set(json.loads((tmp_path / "modules.json").read_text()))
    graphs = list(cache.glob("*.onnx"))
    # torch is imported only to export the graph, and an export that ran is finished
    assert "torch" not in loaded or graphs, (sorted(loaded & {"torch", "transformers"}), graphs)


class Receiver(BaseHTTPRequestHandler):
    got: list[bytes] = []

    def do_POST(self) -> None:
        Receiver.got.append(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_a_commands_webhook_is_delivered_before_it_exits(tmp_path):
    """In-process deliveries ran on a daemon thread, which died with the command: `docintel
    process` with DOCINTEL_WEBHOOK_URLS set delivered nothing."""
    Receiver.got = []
    receiver = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    csv = tmp_path / "four.csv"
    csv.write_text("sku,qty\nA1,3\nB2,5\n")
    hook = f"http://127.0.0.1:{receiver.server_port}/hook"
    try:
        argv = ["-m", "docintel.cli", "process", "--json", str(csv)]
        out = run_python(argv, tmp_path, DOCINTEL_WEBHOOK_URLS=hook)
    finally:
        receiver.shutdown()
    doc = json.loads(out.stdout)["document"]
    assert len(Receiver.got) == 1, out.stderr[-2000:]
    sent = json.loads(Receiver.got[0])
    assert sent["event"] == "done" and sent["document"]["id"] == doc["id"]
