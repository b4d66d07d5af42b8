"""Webhooks: a POST of the document's summary to each of DOCINTEL_WEBHOOK_URLS when it is
done or failed, signed with HMAC-SHA256 over the body (``X-Docintel-Signature:
sha256=<hex>``, as GitHub signs its hooks), retried with exponential backoff, each delivery
(status code, attempt) written to the document's audit trail.

Distributed: one ``docintel.webhook`` task per URL on the cpu queue, retried by Celery with a
countdown. Embedded: the same delivery in a thread of its own (an eager Celery retry would
run again at once, with no backoff, and hold up the next document). Not a daemon: a daemon
thread died with a one-shot command, and `docintel process` delivered nothing; the
interpreter waits for the deliveries under way, which `docintel process` says it does
(``deliveries_under_way``)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
from typing import TYPE_CHECKING, Any

from docintel.config import Settings, redact_url
from docintel.store.db import session_scope
from docintel.store.queries import document_summary
from docintel.store.records import audit
from docintel.store.schema import Document
from docintel.worker.labels import task_label
from docintel.worker.runtime import current
from docintel.worker.steps import StepTask, in_process, step

if TYPE_CHECKING:
    from celery import Celery

log = logging.getLogger("docintel.webhooks")
EVENTS = ("done", "failed")
TIMEOUT_S = 10.0


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_urls(settings: Settings) -> list[str]:
    return [u.strip() for u in settings.webhook_urls.split(",") if u.strip()]


def payload(settings: Settings, doc_id: int) -> dict[str, Any] | None:
    with session_scope(settings.db_url) as s:
        doc = s.get(Document, doc_id)
        if doc is None:
            return None
        summary = document_summary(doc)
    summary.pop("archive_path", None)  # a server path is nobody's business outside
    return {"event": summary["status"], "document": summary}


def deliver_once(url: str, body: bytes, settings: Settings) -> int:
    """The receiver's status code; 0 when it could not be reached."""
    import httpx  # only a process that delivers pays for it

    headers = {"Content-Type": "application/json", "User-Agent": "docintel-webhook"}
    if settings.webhook_secret:
        headers["X-Docintel-Signature"] = signature(settings.webhook_secret, body)
    try:
        return httpx.post(url, content=body, headers=headers, timeout=TIMEOUT_S).status_code
    except httpx.HTTPError:
        return 0


def record(settings: Settings, doc_id: int, sha256: str, url: str, attempt: int, code: int) -> None:
    ok = 200 <= code < 300
    with session_scope(settings.db_url) as s:
        audit(
            s,
            run=sha256,
            document_id=doc_id,
            step=f"webhook:{hashlib.sha256(url.encode()).hexdigest()[:8]}",
            seq=attempt,
            status="ok" if ok else "error",
            content=f"POST {redact_url(url)} -> {code or 'unreachable'} (attempt {attempt})",
        )


def backoff(attempt: int) -> float:
    return float(min(2**attempt, 300))


class DeliveryFailed(Exception):
    """A POST that got no 2xx: the reason of the task's retry, as Flower shows it."""


def attempt_delivery(
    settings: Settings, url: str, doc_id: int, sha256: str, attempt: int
) -> int | None:
    """One try: the receiver's status code (0: unreachable), None when nothing is to send."""
    body_obj = payload(settings, doc_id)
    if body_obj is None:
        return None
    body = json.dumps(body_obj, sort_keys=True).encode()
    code = deliver_once(url, body, settings)
    record(settings, doc_id, sha256, url, attempt, code)
    return code


def delivered(code: int | None) -> bool:
    """Nothing more to try: it got a 2xx, or there was nothing to send."""
    return code is None or 200 <= code < 300


@step("docintel.webhook", max_retries=None, ignore_result=True)
def webhook(self: StepTask, url: str, doc_id: int, sha256: str) -> None:
    settings = current().settings
    attempt = self.request.retries + 1
    code = attempt_delivery(settings, url, doc_id, sha256, attempt)
    if not delivered(code) and attempt < settings.webhook_max_attempts:
        wait = backoff(attempt)
        # the reason travels with the retry: Flower shows the task as RETRY and says why
        reason = DeliveryFailed(
            f"POST {redact_url(url)} -> {code or 'unreachable'} (attempt {attempt} of "
            f"{settings.webhook_max_attempts}); trying again in {wait:.0f} s"
        )
        raise self.retry(exc=reason, countdown=wait)


DELIVERY_THREAD = "docintel-webhook"


def deliveries_under_way() -> list[threading.Thread]:
    """This process's in-process deliveries not ended yet."""
    return [t for t in threading.enumerate() if t.name == DELIVERY_THREAD and t.is_alive()]


def _deliver_in_thread(settings: Settings, url: str, doc_id: int, sha256: str) -> None:
    attempts = settings.webhook_max_attempts
    for attempt in range(1, attempts + 1):
        try:
            if delivered(attempt_delivery(settings, url, doc_id, sha256, attempt)):
                return
        except Exception:  # a hook must never take the in-process worker down
            log.exception("webhook to %s", redact_url(url))
        if attempt < attempts:  # no wait after the last: a command's exit waits for it
            time.sleep(backoff(attempt) / 4)  # in-process: the same curve, shorter


def notify(app: Celery | None, settings: Settings, doc_id: int, sha256: str) -> None:
    """Send the document's ending to every webhook; returns at once. ``app`` is None (or
    eager) in-process: delivered from a thread here."""
    here = in_process(app)
    urls = webhook_urls(settings)
    name = _name(settings, doc_id) if urls and not here else ""
    for url in urls:
        if here:
            thread = threading.Thread(
                target=_deliver_in_thread,
                args=(settings, url, doc_id, sha256),
                name=DELIVERY_THREAD,
                daemon=False,
            )
            thread.start()
        else:
            # Flower shows the document and where to, never the URL's secrets
            label = task_label(doc_id, name, sha256, f"POST {redact_url(url)}")
            app.send_task(  # type: ignore[union-attr]
                "docintel.webhook", args=[url, doc_id, sha256], queue="cpu", argsrepr=label
            )


def _name(settings: Settings, doc_id: int) -> str:
    with session_scope(settings.db_url) as s:
        doc = s.get(Document, doc_id)
        return doc.name if doc is not None else ""
