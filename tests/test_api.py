"""The HTTP API over a real uvicorn on 127.0.0.1, with PostgreSQL: upload, the event
stream, the detail JSON against `docintel show --json`, duplicates, 413, tokens, range
requests, webhooks with signatures and retries, and /metrics."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families
from typer.testing import CliRunner

from docintel.testkit.audio_samples import build_recording, write_wav
from tests.apiserver import make_token, serving
from tests.helpers import wait_for

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


def upload(client, path: Path, name: str | None = None):
    with open(path, "rb") as f:
        return client.post("/v1/documents", files={"file": (name or path.name, f)})


def events_until(served, token: str, doc_ids: set[int], seen: list, ready: threading.Event):
    """Read the event stream until each of ``doc_ids`` has ended (done, failed, duplicate)."""
    ended: set[int] = set()
    with served.client(token) as c, c.stream("GET", "/v1/events", timeout=120) as response:
        kind = None
        for line in response.iter_lines():
            if line.startswith("retry:"):
                ready.set()
            if line.startswith("event:"):
                kind = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and kind == "status":
                change = json.loads(line[5:])
                seen.append(change)
                if change["id"] in doc_ids and change["status"] in ("done", "failed", "duplicate"):
                    ended.add(change["id"])
                if ended >= doc_ids:
                    return


def test_upload_streams_status_then_detail_equals_show_json(api_settings):
    token = make_token(api_settings, "tester")
    with serving(api_settings) as served, served.client(token) as c:
        seen: list[dict] = []
        ready = threading.Event()
        # the document ids are not known before the upload: listen for the next two ids
        reader = threading.Thread(
            target=events_until, args=(served, token, {1, 2}, seen, ready), daemon=True
        )
        reader.start()
        assert ready.wait(10), "the event stream did not open"
        first = upload(c, SAMPLES / "invoice.pdf")
        assert first.status_code == 201, first.text
        doc = first.json()
        assert doc["status"] == "queued" and doc["duplicate_of"] is None
        assert len(doc["sha256"]) == 64
        again = upload(c, SAMPLES / "invoice.pdf", name="invoice-copy.pdf")
        assert again.status_code == 201
        assert again.json()["status"] == "duplicate"
        assert again.json()["duplicate_of"] == doc["id"]
        reader.join(90)
        mine = [e["status"] for e in seen if e["id"] == doc["id"]]
        assert mine == ["received", "queued", "processing", "done"], seen  # every step, in order
        assert [e["status"] for e in seen if e["id"] == again.json()["id"]][-1] == "duplicate"
        # search indexing follows 'done' in the background; the trail is whole after it
        assert wait_for(
            lambda: any(
                e["step"] == "index:embed" for e in c.get(f"/v1/documents/{doc['id']}/audit").json()
            ),
            30,
        )
        detail = c.get(f"/v1/documents/{doc['id']}")
        assert detail.status_code == 200
    from docintel.cli import app

    shown = CliRunner().invoke(app, ["show", str(doc["id"]), "--json"])
    assert shown.exit_code == 0, shown.output
    assert detail.json() == json.loads(shown.stdout)
    assert "Acme Industrial GmbH" in detail.json()["markdown"]


def test_listing_filters_and_cursor(api_settings):
    token = make_token(api_settings, "tester")
    with serving(api_settings) as served, served.client(token) as c:
        ids = [upload(c, SAMPLES / n).json()["id"] for n in ("invoice.pdf", "shipments.csv")]
        assert wait_for(
            lambda: all(
                c.get(f"/v1/documents/{i}").json()["document"]["status"] == "done" for i in ids
            ),
            90,
        )
        page = c.get("/v1/documents", params={"limit": 1}).json()
        assert [d["id"] for d in page["documents"]] == [ids[1]]
        rest = c.get("/v1/documents", params={"limit": 1, "cursor": page["next_cursor"]}).json()
        assert [d["id"] for d in rest["documents"]] == [ids[0]] and rest["next_cursor"] is None
        assert [d["id"] for d in c.get("/v1/documents?type=pdf").json()["documents"]] == [ids[0]]
        assert c.get("/v1/documents?name=ship").json()["documents"][0]["id"] == ids[1]
        assert c.get("/v1/documents?name=%25").json()["documents"] == []  # % is literal
        found = c.get("/v1/documents", params={"search": "Acme"}).json()["documents"]
        assert found[0]["id"] == ids[0] and found[0]["match"]["page"] == 1
        bad = c.get("/v1/documents", params={"where": "no operator here"})
        assert bad.status_code == 422
        image = c.get(f"/v1/documents/{ids[0]}/pages/1/image")
        assert image.status_code == 200 and image.content[:8] == b"\x89PNG\r\n\x1a\n"
        assert c.get(f"/v1/documents/{ids[0]}/pages/9/image").status_code == 404
        original = c.get(f"/v1/documents/{ids[0]}/original")
        assert original.content == (SAMPLES / "invoice.pdf").read_bytes()
        audit = c.get(f"/v1/documents/{ids[0]}/audit").json()
        assert {"route", "finalize"} <= {e["step"] for e in audit}
        assert c.get("/v1/documents/999").status_code == 404


def test_over_the_limit_is_413_and_nothing_is_left(api_settings, tmp_path):
    settings = api_settings.model_copy(update={"max_file_mb": 1})
    token = make_token(settings, "tester")
    big = tmp_path / "big.csv"
    big.write_text("a,b\n" + "1,2\n" * 400_000)  # 1.6 MB
    with serving(settings) as served, served.client(token) as c:
        response = upload(c, big)
        assert response.status_code == 413
        assert "DOCINTEL_MAX_FILE_MB" in response.json()["detail"]
        assert c.get("/v1/documents").json()["documents"] == []
    leftovers = (
        list((settings.archive_dir / "tmp").glob("**/*")) if settings.archive_dir.exists() else []
    )
    assert not [p for p in leftovers if p.is_file()]


def test_tokens_401_403_and_revocation(api_settings):
    from docintel.store.db import session_scope
    from docintel.store.tokens import revoke_token

    writer = make_token(api_settings, "writer")
    reader = make_token(api_settings, "reader", read_only=True)
    with serving(api_settings) as served:
        with served.client() as anonymous:
            assert anonymous.get("/v1/documents").status_code == 401
            assert upload(anonymous, SAMPLES / "invoice.pdf").status_code == 401
            assert anonymous.get("/healthz").status_code == 200
            # the API's reference needs a credential like every other request
            assert anonymous.get("/openapi.json").status_code == 401
            assert anonymous.get("/docs").status_code == 401
        with served.client("dit_not-a-token") as wrong:
            assert wrong.get("/v1/documents").status_code == 401
        with served.client(reader) as c:
            assert c.get("/v1/documents").status_code == 200
            assert c.get("/openapi.json").json()["paths"]["/v1/documents"]
            assert "swagger" in c.get("/docs").text.lower()
            assert upload(c, SAMPLES / "invoice.pdf").status_code == 403
            assert c.post("/v1/ask", json={"question": "what?"}).status_code == 403
        with served.client(writer) as c:
            doc = upload(c, SAMPLES / "invoice.pdf").json()
            assert wait_for(
                lambda: c.get(f"/v1/documents/{doc['id']}").json()["document"]["status"] == "done",
                60,
            )
        with served.client(reader) as c:
            assert c.post(f"/v1/documents/{doc['id']}/retry").status_code == 403
        with served.client(writer) as c:
            assert c.post(f"/v1/documents/{doc['id']}/retry").status_code == 200
        with session_scope(api_settings.db_url) as s:
            revoke_token(s, "writer")
        with served.client(writer) as c:  # within TOKEN_CHECK_S of the revocation
            assert wait_for(lambda: c.get("/v1/documents").status_code == 401, 5)


def test_recording_range_requests_slices_and_captions(api_settings, tmp_path):
    token = make_token(api_settings, "tester")
    rec = build_recording(2)
    path = write_wav(tmp_path / "call.wav", rec.samples)
    with serving(api_settings) as served, served.client(token) as c:
        doc = upload(c, path).json()
        assert wait_for(
            lambda: c.get(f"/v1/documents/{doc['id']}").json()["document"]["status"] == "done", 120
        )
        whole = path.read_bytes()
        part = c.get(f"/v1/documents/{doc['id']}/audio", headers={"Range": "bytes=100-199"})
        assert part.status_code == 206
        assert part.headers["content-range"] == f"bytes 100-199/{len(whole)}"
        assert part.content == whole[100:200]
        assert c.get(f"/v1/documents/{doc['id']}/audio").headers["accept-ranges"] == "bytes"
        second = c.get(f"/v1/documents/{doc['id']}/audio", params={"start": 1, "end": 2})
        assert second.status_code == 200 and second.content[:4] == b"RIFF"
        assert abs(len(second.content) - 44 - 16_000 * 2) <= 64  # one second, 16 kHz 16-bit
        vtt = c.get(f"/v1/documents/{doc['id']}/transcript.vtt")
        assert vtt.text.startswith("WEBVTT") and "-->" in vtt.text
        assert c.get(f"/v1/documents/{doc['id']}/transcript.srt").text.startswith("1\n")


class Receiver(BaseHTTPRequestHandler):
    """Answers 500 to the first delivery, 200 after; keeps what it got."""

    got: list[tuple[dict, bytes]] = []

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.got.append((dict(self.headers), body))
        self.send_response(500 if len(Receiver.got) == 1 else 200)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def test_webhook_is_signed_retried_after_a_500_and_audited(api_settings):
    Receiver.got = []
    receiver = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    hook = f"http://127.0.0.1:{receiver.server_port}/hook"
    settings = api_settings.model_copy(update={"webhook_urls": hook, "webhook_secret": "s3cret"})
    token = make_token(settings, "tester")
    try:
        with serving(settings) as served, served.client(token) as c:
            doc = upload(c, SAMPLES / "invoice.pdf").json()
            assert wait_for(lambda: len(Receiver.got) >= 2, 60), Receiver.got
            audit = c.get(f"/v1/documents/{doc['id']}/audit").json()
    finally:
        receiver.shutdown()
    for headers, body in Receiver.got[:2]:
        want = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
        assert headers["X-Docintel-Signature"] == want
        payload = json.loads(body)
        assert payload["event"] == "done" and payload["document"]["id"] == doc["id"]
        assert "archive_path" not in payload["document"]
    hooks = sorted((e["seq"], e["status"]) for e in audit if e["step"].startswith("webhook:"))
    assert hooks == [(1, "error"), (2, "ok")]
    assert "-> 500 (attempt 1)" in " ".join(e["content"] or "" for e in audit)


def _samples(text: str) -> dict[tuple[str, tuple], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_metrics_parse_and_move(api_settings):
    token = make_token(api_settings, "tester")
    with serving(api_settings) as served, served.client(token) as c:
        assert c.get("/readyz").json() == {"ready": True, "database": "ok"}
        assert served.client().get("/metrics").status_code == 401
        before = _samples(c.get("/metrics").text)
        doc = upload(c, SAMPLES / "quarterly-report.pdf").json()
        assert wait_for(
            lambda: c.get(f"/v1/documents/{doc['id']}").json()["document"]["status"] == "done", 60
        )
        after = _samples(c.get("/metrics").text)
    pages = ("docintel_pages_processed_total", ())
    assert after[pages] > before.get(pages, 0)
    done = [
        v
        for (name, labels), v in after.items()
        if name == "docintel_documents" and ("status", "done") in labels
    ]
    assert sum(done) == 1
    route = [
        v
        for (name, labels), v in after.items()
        if name == "docintel_step_duration_seconds_count" and ("step", "route") in labels
    ]
    before_route = [
        v
        for (name, labels), v in before.items()
        if name == "docintel_step_duration_seconds_count" and ("step", "route") in labels
    ]
    assert sum(route) == sum(before_route) + 1


def test_distributed_upload_goes_to_the_queue_and_readyz_sees_the_broker(distributed):
    import redis

    token = make_token(distributed, "tester")
    with serving(distributed) as served, served.client(token) as c:
        doc = upload(c, SAMPLES / "invoice.pdf").json()
        assert doc["status"] == "queued"
        assert c.get("/readyz").json() == {"ready": True, "database": "ok", "broker": "ok"}
        depth = _samples(c.get("/metrics").text)[("docintel_queue_depth", (("queue", "cpu"),))]
    client = redis.Redis.from_url(distributed.broker_url)
    waiting = sum(client.llen(k) for k in client.keys("cpu*"))
    assert waiting == 1 and depth == 1


def test_the_openapi_document_validates_and_says_how_to_call_the_api(api_settings):
    """A client can be made from it: the bearer scheme, the upload's multipart 'file' field,
    each operation's error responses with their body; enumerations are checked (422); the
    reference page works offline, its files served by the package."""
    from openapi_spec_validator import validate

    reader = make_token(api_settings, "reader", read_only=True)
    with serving(api_settings) as served, served.client(reader) as c:
        spec = c.get("/openapi.json").json()
        validate(spec)
        assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
        assert spec["security"] == [{"bearer": []}]
        post = spec["paths"]["/v1/documents"]["post"]
        form = post["requestBody"]["content"]["multipart/form-data"]["schema"]
        assert form["properties"]["file"]["format"] == "binary"
        assert {"401", "403", "413", "415"} <= set(post["responses"])
        for path, operations in spec["paths"].items():
            for method, operation in operations.items():
                error = operation["responses"]["401"]["content"]["application/json"]
                assert error["schema"]["$ref"] == "#/components/schemas/Error", (path, method)
        listing = spec["paths"]["/v1/documents"]["get"]["parameters"]
        status = next(p for p in listing if p["name"] == "status")
        assert "failed" in spec["components"]["schemas"]["Status"]["enum"]
        assert status["schema"]["anyOf"][0]["$ref"] == "#/components/schemas/Status"
        for bogus in ({"status": "bogus"}, {"type": "bogus"}):
            assert c.get("/v1/documents", params=bogus).status_code == 422
        assert c.get("/v1/documents", params={"status": "done"}).status_code == 200
        page = c.get("/docs").text
        assert "cdn" not in page.lower() and "/docs/assets/swagger-ui-bundle.js" in page
        asset = c.get("/docs/assets/swagger-ui-bundle.js")
        assert asset.status_code == 200 and "SwaggerUIBundle" in asset.text


def test_an_upload_of_two_files_or_a_wrong_field_is_refused_not_cut(api_settings):
    """The second file of a request was dropped without a word, and a file in any field was
    taken: each is a 422 that says what to do, and nothing of the request is kept."""
    token = make_token(api_settings, "writer")
    with serving(api_settings) as served, served.client(token) as c:
        two = [("file", ("a.csv", b"sku,qty\nA1,3\n")), ("file", ("b.csv", b"sku,qty\nB2,4\n"))]
        refused = c.post("/v1/documents", files=two)
        assert refused.status_code == 422 and "one file per upload" in refused.json()["detail"]
        wrong = c.post("/v1/documents", files={"upload": ("a.csv", b"sku,qty\nA1,3\n")})
        assert wrong.status_code == 422 and "'upload'" in wrong.json()["detail"]
        assert c.get("/v1/documents").json()["documents"] == []
        taken = c.post("/v1/documents", files={"file": ("a.csv", b"sku,qty\nA1,3\n")})
        assert taken.status_code == 201


CLIENT_SCRIPT = """
import json, sys
from docintel_client import AuthenticatedClient
from docintel_client.api.documents import (
    detail_v1_documents_ref_get, listing_v1_documents_get, upload_v1_documents_post,
)
from docintel_client.models import (
    DocumentDetail, DocumentListing, Error, Status, UploadV1DocumentsPostBody, Uploaded,
)
from docintel_client.types import File

base, token, path = sys.argv[1:4]
client = AuthenticatedClient(base_url=base, token=token)
with open(path, "rb") as f:
    body = UploadV1DocumentsPostBody(file=File(payload=f, file_name="shipments.csv"))
    up = upload_v1_documents_post.sync(client=client, body=body)
listed = listing_v1_documents_get.sync_detailed(client=client, status=Status.DONE)
missing = detail_v1_documents_ref_get.sync(ref="999999", client=client)
detail = detail_v1_documents_ref_get.sync(ref=str(up.id), client=client)
with open(path, "rb") as f:
    anonymous = upload_v1_documents_post.sync_detailed(
        client=AuthenticatedClient(base_url=base, token="dit_wrong"),
        body=UploadV1DocumentsPostBody(file=File(payload=f, file_name="shipments.csv")),
    )
print(json.dumps({
    "uploaded": up.to_dict(),
    "listed": listed.status_code,
    "typed": [isinstance(up, Uploaded), isinstance(listed.parsed, DocumentListing),
              isinstance(detail, DocumentDetail)],
    "detail_name": detail.document.name,
    "detail_status": isinstance(detail.document.status, Status),
    "missing": isinstance(missing, Error) and missing.detail,
    "anonymous": anonymous.status_code,
    "anonymous_error": isinstance(anonymous.parsed, Error),
}))
"""


def test_a_client_generated_from_the_openapi_document_calls_the_api(api_settings, tmp_path):
    """openapi-python-client, in a venv of its own, generates a client from /openapi.json; the
    client uploads through the multipart body, lists with an enumeration, gets typed results
    (the response models) and reads the errors as the document describes them."""
    import subprocess
    import sys

    writer = make_token(api_settings, "writer")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = str(venv / "bin" / "python")
    pip = [python, "-m", "pip", "install", "-q"]
    subprocess.run([*pip, "openapi-python-client"], check=True, timeout=300, capture_output=True)
    with serving(api_settings) as served, served.client(writer) as c:
        (tmp_path / "openapi.json").write_text(c.get("/openapi.json").text)
        # the generator reads only JSON, text and octet-stream bodies: a page image, an
        # original or a recording is bytes to it (its documented content_type_overrides)
        (tmp_path / "config.yml").write_text(
            "content_type_overrides:\n"
            + "".join(
                f'  "{m}": application/octet-stream\n' for m in ("image/png", "audio/*", "*/*")
            )
        )
        made = subprocess.run(
            [str(venv / "bin" / "openapi-python-client"), "generate", "--path",
             str(tmp_path / "openapi.json"), "--output-path", str(tmp_path / "client"),
             "--config", str(tmp_path / "config.yml")],
            capture_output=True, text=True, timeout=300,
            # its post-hooks run ruff: ours, found beside this interpreter, activated or not
            env={**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"},
        )  # fmt: skip
        assert made.returncode == 0, made.stdout + made.stderr
        assert "Warning" not in made.stdout + made.stderr, made.stdout + made.stderr
        subprocess.run([*pip, str(tmp_path / "client")], check=True, timeout=300)
        called = subprocess.run(
            [python, "-c", CLIENT_SCRIPT, served.url, writer, str(SAMPLES / "shipments.csv")],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert called.returncode == 0, called.stderr[-2000:]
    got = json.loads(called.stdout.strip().splitlines()[-1])
    assert got["uploaded"]["name"] == "shipments.csv" and got["uploaded"]["id"]
    assert got["listed"] == 200
    # results are typed: the models of the document, not bare dicts
    assert got["typed"] == [True, True, True] and got["detail_status"]
    assert got["detail_name"] == "shipments.csv"
    assert "999999" in got["missing"]
    assert got["anonymous"] == 401 and got["anonymous_error"]
