"""Every answer of the API is what its OpenAPI document declares: each GET endpoint (and the
upload, ask and event stream) is called on a live server over real documents (a PDF invoice,
a CSV, an e-mail with an attachment, a recording), and each JSON body is validated against
the schema /openapi.json gives for that status, with no key more and none less; every
other body has a media type the document names. A GET endpoint this test does not call
fails it, and so does a key an endpoint gains or loses without its model."""

from __future__ import annotations

import json
import threading
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import httpx
from jsonschema import Draft202012Validator

from docintel.testkit.audio_samples import speak, write_wav
from tests.apiserver import make_token, serving
from tests.helpers import wait_for

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def validator(spec: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    """``schema`` with the document's components beside it, so its $refs resolve."""
    return Draft202012Validator({**schema, "components": spec["components"]})


def declared(spec: dict[str, Any], path: str, method: str, status: int) -> dict[str, Any]:
    responses = spec["paths"][path][method]["responses"]
    assert str(status) in responses, f"{method.upper()} {path} answered {status}, undeclared"
    return responses[str(status)].get("content", {})


def check(spec: dict[str, Any], path: str, method: str, response: httpx.Response) -> Any:
    """The response's body against what the document declares for it; the parsed JSON."""
    content = declared(spec, path, method, response.status_code)
    media = response.headers.get("content-type", "").split(";")[0].strip()
    matched = [m for m in content if fnmatch(media, m)]
    assert matched, f"{method.upper()} {path}: {media} is not one of {list(content)}"
    if media != "application/json":
        return None
    body = response.json()
    errors = list(validator(spec, content[matched[0]]["schema"]).iter_errors(body))
    assert not errors, f"{method.upper()} {path}: " + "; ".join(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5]
    )
    return body


def read_events(served, token: str, seen: list[dict], opened: threading.Event) -> None:
    with served.client(token) as c, c.stream("GET", "/v1/events", timeout=120) as response:
        seen.append({"content-type": response.headers["content-type"]})
        for line in response.iter_lines():
            if line.startswith("retry:"):
                opened.set()
            elif line.startswith("data:"):
                seen.append(json.loads(line[5:]))
                if len(seen) > 12:
                    return


def upload(c: httpx.Client, path: Path) -> httpx.Response:
    with open(path, "rb") as f:
        return c.post("/v1/documents", files={"file": (path.name, f)})


def test_every_answer_validates_against_the_openapi_document(api_settings, tmp_path):
    token = make_token(api_settings, "tester")
    recording = write_wav(tmp_path / "call.wav", speak("Forty pallets of copper wire arrived."))
    files = [SAMPLES / n for n in ("invoice.pdf", "shipments.csv", "mail-with-invoice.eml")]
    with serving(api_settings) as served, served.client(token) as c:
        spec = c.get("/openapi.json").json()
        events: list[dict] = []
        opened = threading.Event()
        threading.Thread(
            target=read_events, args=(served, token, events, opened), daemon=True
        ).start()
        assert opened.wait(10), "the event stream did not open"
        uploaded = [upload(c, p) for p in [*files, recording]]
        invoice, table, mail, call = [
            check(spec, "/v1/documents", "post", u)["id"] for u in uploaded
        ]
        assert wait_for(
            lambda: (
                not c.get("/v1/documents", params={"status": "queued"}).json()["documents"]
                and not c.get("/v1/documents", params={"status": "processing"}).json()["documents"]
            ),
            180,
        )
        assert c.post("/v1/users", json={"name": "vi", "role": "viewer"}).status_code == 201
        saved = c.put("/v1/views/Paid", json={"filters": {"tag": "paid"}})
        assert check(spec, "/v1/views/{name}", "put", saved)["filters"] == {"tag": "paid"}
        calls: dict[str, list[tuple[str, dict[str, Any]]]] = {
            "/v1/documents": [
                ("/v1/documents", {}),
                ("/v1/documents", {"search": "Acme"}),
                ("/v1/documents", {"parent": mail}),
                ("/v1/documents", {"top_level": True, "similar": "copper wire"}),
            ],
            "/v1/documents/{ref}": [
                (f"/v1/documents/{d}", {}) for d in (invoice, table, mail, call)
            ],
            "/v1/documents/{ref}/pages/{number}/image": [
                (f"/v1/documents/{invoice}/pages/1/image", {})
            ],
            "/v1/documents/{ref}/thumbnail": [
                (f"/v1/documents/{d}/thumbnail", {}) for d in (invoice, table)
            ],
            "/v1/documents/{ref}/original": [(f"/v1/documents/{invoice}/original", {})],
            "/v1/documents/{ref}/audio": [
                (f"/v1/documents/{call}/audio", {}),
                (f"/v1/documents/{call}/audio", {"start": 0, "end": 1}),
            ],
            "/v1/documents/{ref}/transcript.{fmt}": [
                (f"/v1/documents/{call}/transcript.{fmt}", {}) for fmt in ("srt", "vtt", "txt")
            ],
            "/v1/documents/{ref}/audit": [(f"/v1/documents/{invoice}/audit", {})],
            "/v1/tags": [("/v1/tags", {})],
            "/v1/trash": [("/v1/trash", {})],
            "/v1/me": [("/v1/me", {})],
            "/v1/users": [("/v1/users", {})],
            "/v1/views": [("/v1/views", {})],
            "/v1/correspondents": [("/v1/correspondents", {})],
            "/v1/documents/{ref}/notes": [(f"/v1/documents/{invoice}/notes", {})],
            "/v1/tag-rules": [("/v1/tag-rules", {})],
            "/healthz": [("/healthz", {})],
            "/readyz": [("/readyz", {})],
            "/metrics": [("/metrics", {})],
        }  # fmt: skip
        gets = {p for p, ops in spec["paths"].items() if "get" in ops} - {"/v1/events"}
        assert gets == set(calls), f"GET endpoints this test does not call: {gets - set(calls)}"
        bodies: dict[str, list[Any]] = {}
        for path, requests in calls.items():
            for url, params in requests:
                response = c.get(url, params=params)
                assert response.status_code == 200, (url, response.text[:300])
                bodies.setdefault(path, []).append(check(spec, path, "get", response))
        missing = c.get("/v1/documents/999999")
        assert check(spec, "/v1/documents/{ref}", "get", missing)["detail"]
        answer = c.post("/v1/ask", json={"question": "Who sent the invoice?"})
        assert check(spec, "/v1/ask", "post", answer)["citations"]
        tagged = c.put(f"/v1/documents/{invoice}/tags/paid")
        assert check(spec, "/v1/documents/{ref}/tags/{name}", "put", tagged)["tags"] == ["paid"]
        tags = c.get("/v1/tags")
        assert check(spec, "/v1/tags", "get", tags) == {"paid": 1}
        retried = c.post(f"/v1/documents/{table}/retry")
        assert check(spec, "/v1/documents/{ref}/retry", "post", retried)["status"] == "queued"

    # the documents were rich enough for the models to be tried on every part of a result
    details = dict(zip((invoice, table, mail, call), bodies["/v1/documents/{ref}"], strict=True))
    assert details[invoice]["pages"] and details[invoice]["profile"]["fields"]
    assert details[invoice]["extraction"]["entities"] and details[invoice]["audit"]
    assert details[table]["tables"] and details[mail]["children"] and details[call]["segments"]
    assert bodies["/v1/documents"][1]["documents"][0]["match"]
    assert [d["parent_id"] for d in bodies["/v1/documents"][2]["documents"]] == [mail]
    assert bodies["/v1/documents"][3]["documents"][0]["name"] == "call.wav"

    # the event stream: its media type, and each event's data a StatusChange
    stream = declared(spec, "/v1/events", "get", 200)
    assert events[0]["content-type"].startswith("text/event-stream") and stream
    data_schema = stream["text/event-stream"]["x-event-data"]
    for change in events[1:]:
        errors = list(validator(spec, data_schema).iter_errors(change))
        assert not errors, (change, [e.message for e in errors])
    assert {e["id"] for e in events[1:]} & {invoice, table, mail, call}

    # the schemas are exact: a key more or less, at any depth, is refused
    detail_schema = validator(spec, declared(spec, "/v1/documents/{ref}", "get", 200)[
        "application/json"
    ]["schema"])  # fmt: skip
    good = details[invoice]
    assert detail_schema.is_valid(good)
    assert not detail_schema.is_valid({**good, "new_key": 1})
    assert not detail_schema.is_valid({k: v for k, v in good.items() if k != "markdown"})
    fewer = {**good, "document": {k: v for k, v in good["document"].items() if k != "tags"}}
    assert not detail_schema.is_valid(fewer)
    page = {**good["pages"][0], "extra": True}
    assert not detail_schema.is_valid({**good, "pages": [page]})
