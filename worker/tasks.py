"""The per-document tasks. Each is a few lines: load by sha256, call ``docintel.pipeline``
with the runtime's settings and engine, write through ``docintel.store``, hand on. They
are registered by name (``worker.steps``): Celery's tasks on a worker, called directly on the
in-process local queues;
the canvas is in ``worker.workflow`` and the guard in ``worker.guard``."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from docintel.config import Settings
from docintel.models.embedding import embedder_for
from docintel.models.runtime import uses_model
from docintel.pipeline.agent import extract_document, injection_warning, is_sheet
from docintel.pipeline.agent.chunks import document_chunks, table_chunk_warnings
from docintel.pipeline.agent.ner import load_ner
from docintel.pipeline.imports import import_first
from docintel.pipeline.merge import merge as merge_content
from docintel.pipeline.pages import keep_form_fields, read_pages, unreadable_warnings
from docintel.pipeline.route import Routed, route_file
from docintel.pipeline.types import DocumentContent
from docintel.store.db import one_writer
from docintel.store.records import (
    add_warnings,
    audit,
    save_extraction,
    save_pages,
    save_segments,
    save_tables,
)
from docintel.store.retrieval import hybrid_search, passage
from docintel.store.schema import Document, Status, utcnow
from docintel.store.search import save_chunks
from docintel.worker import workflow
from docintel.worker.children import attachment_summaries, known_children, register_children
from docintel.worker.content import (
    document_content,
    planned_windows,
    route_fields,
    route_reasons,
)
from docintel.worker.guard import FIRST_RUN, run_step
from docintel.worker.indexing import IndexLock, index_pending, pending_count
from docintel.worker.labels import task_label
from docintel.worker.organising import organise_finished
from docintel.worker.profiles import ProfileRead, profile_reading, write_profile_fields
from docintel.worker.queues import QUEUES
from docintel.worker.recovery import documents_waiting
from docintel.worker.runtime import Runtime, current
from docintel.worker.steps import StepTask, in_process, step
from docintel.worker.warming import (
    wait_for_warm_up,
    warm_agent_models,
    warm_for_recording,
    warming_threads,
)
from docintel.worker.webhooks import notify

log = logging.getLogger("docintel.worker")
INDEX_BATCH, INDEX_BATCHES = 8, 256  # chunks per batch, batches per task


def labels_of(s: Session, shas: list[str]) -> dict[str, str]:
    """Flower's names of the documents ``shas`` (an e-mail's attachments, an archive's
    members)."""
    if not shas:
        return {}
    rows = s.execute(select(Document.id, Document.name, Document.sha256).where(
        Document.sha256.in_(shas)))  # fmt: skip
    return {sha: task_label(i, name, sha) for i, name, sha in rows}


def _source(doc: Document) -> Path:
    return Path(doc.archive_path or "")


@step("docintel.route", max_retries=None)
def route(self: StepTask, sha256: str) -> None:
    def body(s: Session, doc: Document, rt: Runtime) -> Callable[[], None]:
        started = time.perf_counter()
        model = rt.answers_with_model()  # asked once: it looks for the model's weights
        if not model and in_process(self.app):
            # in-process, a recording's agent models load while route listens for its
            # speech; the audio step waits for them (warming)
            warm_for_recording(_source(doc), rt.settings)
        routed = route_file(_source(doc), rt.settings)
        doc.kind, doc.media_type = routed.kind, routed.media_type
        doc.page_count, doc.duration_s = routed.page_count, routed.duration_s
        if routed.einvoice is not None:
            doc.meta = {**(doc.meta or {}), "einvoice": routed.einvoice}
        add_warnings(s, doc, routed.warnings)
        save_pages(s, doc.id, [p.as_row() for p in routed.pages])
        save_tables(s, doc.id, [t.as_row() for t in routed.tables])
        save_segments(s, doc.id, [g.as_row() for g in routed.segments])
        audit(
            s,
            run=sha256,
            document_id=doc.id,
            step="route",
            content=routed.decision,
            duration_ms=(time.perf_counter() - started) * 1000,
            engine=routed.engine,
            status="warning" if routed.warnings else "ok",
        )
        children = register_children(s, doc, routed, rt.settings)
        child_labels = labels_of(s, children)
        doc_id, doc_name = doc.id, doc.name

        def label(part: str) -> str:
            return task_label(doc_id, doc_name, sha256, part)

        mail = routed.kind == "mail" and not (routed.model_pages or routed.audio_windows)
        # An attachment whose bytes another file brought first is that file's document: on
        # the local queues the mail's agent step waits for it where it is still in flight.
        known = known_children(s, doc) if mail and in_process(self.app) else []
        if mail and (children or known):
            # The attachments go first, so that the mail's agent step can read their
            # summaries (in-process they are done by then; on workers, those done by then).
            def attachments_first() -> None:
                workflow.children_then_tail(
                    self.app, children, child_labels, sha256, label(""), known
                )

            return attachments_first
        # On embedded `up`'s local queues, a long document's entities hold the interpreter
        # for seconds: its rest goes to the cores' lane for such work (one at a time), and
        # the light lane's thread, free, takes the CSVs and short PDFs behind it.
        long_tail = not model and workflow.lanes_apart() and long_text(routed)
        if not (routed.model_pages or routed.audio_windows or model or long_tail):
            # Nothing to fan out and no model to wait for (a digital PDF, a sheet, on the
            # CPU engine): the rest of the canvas runs here, in this unit of work, instead of
            # three more tasks, each a broker round trip and two transactions.
            content = DocumentContent(
                doc.name, routed.pages, routed.tables, routed.segments, "", routed.einvoice
            )
            _merge(s, doc, content, sha256)
            _agent(s, doc, rt, content, sha256)
            then = _finalize(self, s, doc, sha256)
        else:
            # If the worker dies between the commit and the send, the route task is
            # re-delivered (acks_late) and sends again; the next steps write idempotently.
            def then() -> None:
                workflow.dispatch_rest(
                    self.app, sha256, routed.model_pages, routed.audio_windows, label, long_tail
                )

        def send() -> None:
            if then is not None:
                then()
            workflow.send_children(self.app, children, child_labels)

        return send

    run_step(self, sha256, "route", body)


# Past this many characters of text, a document's entities take ~0.2 s of a core or more
# (spaCy's small English model reads ~90,000 a second on this project's 2-core machine).
LONG_TEXT = 20_000
# What is not read yet is reckoned: a page to OCR as a full page of text, a second of speech
# as what a speaker says in it
PAGE_CHARS, SPEECH_CHARS_PER_S = 2_000, 15


def long_text(routed: Routed) -> bool:
    """Whether the document's text will hold more than ``LONG_TEXT`` characters: the text
    routed, and the pages and speech still to read, reckoned. A sheet's cells are not read
    for entities, and are not counted."""
    known = sum(len(p.markdown or "") for p in routed.pages if p.status != "needs_ocr")
    to_read = sum(PAGE_CHARS for p in routed.pages if p.status == "needs_ocr")
    to_hear = SPEECH_CHARS_PER_S * (routed.duration_s or 0) if routed.audio_windows else 0
    return known + to_read + to_hear > LONG_TEXT


# Chord members keep their (empty) results: the chord counts them in the result backend.
@step("docintel.page", max_retries=None, ignore_result=False)
def page(self: StepTask, sha256: str, pages: list[int]) -> None:
    def body(s: Session, doc: Document, rt: Runtime) -> None:
        reasons = route_reasons(s, doc.id, pages)
        # in-process, the agent's models load on a thread while Tesseract reads the pages
        # (not the typing's embedder: a page's words rarely leave the type in doubt)
        here = in_process(self.app)
        warm = (lambda: warm_agent_models(rt.settings, embedder=False)) if here else None
        source, kind = _source(doc), doc.kind or ""
        reads = read_pages(source, kind, pages, rt.settings, rt.engine(), reasons, on_ocr=warm)
        keep_form_fields(reads, route_fields(s, doc.id, pages))
        for read in reads:
            for event in read.audits:
                audit(s, run=sha256, document_id=doc.id, **event)
            save_tables(s, doc.id, [t.as_row() for t in read.tables])
        save_pages(s, doc.id, [r.page.as_row() for r in reads])
        if warnings := unreadable_warnings(reads):
            add_warnings(s, doc, warnings)

    run_step(self, sha256, f"page:{pages[0]}-{pages[-1]}", body)


@step("docintel.audio", max_retries=None, ignore_result=False)
def audio(self: StepTask, sha256: str, windows: list[int]) -> None:
    def body(s: Session, doc: Document, rt: Runtime) -> None:
        from docintel.pipeline.audio.asr import transcribe  # only where there is speech

        spans = planned_windows(s, doc.id, windows)
        settings = rt.settings
        if in_process(self.app):
            if not uses_model(rt.engine()):
                settings = speech_model_made(settings)
            wait_for_warm_up(rt.settings)  # the speech engine's threads are the cores free
        heard = transcribe(_source(doc), spans, settings, rt.engine())
        for window in heard:
            audit(s, run=sha256, document_id=doc.id, **window.audit)
        save_segments(s, doc.id, [w.segment.as_row() for w in heard])

    run_step(self, sha256, f"audio:{windows[0]}-{windows[-1]}", body)


def speech_model_made(settings: Settings) -> Settings:
    """The CPU speech engine's model made while the agent's models finish loading (their
    own core; the speech waits for them, ``wait_for_warm_up``), its threads the cores free
    beside that load: the settings that name it. Made after the load, it was ~0.4 s more
    (the cores sampled, then the model read) on every recording, heard only after."""
    from docintel.pipeline.audio.whisper import threads_chosen, whisper_model

    chosen = threads_chosen(settings, beside=warming_threads(settings))
    whisper_model(chosen)
    return chosen


@step("docintel.merge", max_retries=None)
def merge(self: StepTask, sha256: str) -> None:
    def body(s: Session, doc: Document, rt: Runtime) -> None:
        _merge(s, doc, document_content(s, doc), sha256)

    run_step(self, sha256, "merge", body)


@step("docintel.agent", max_retries=None)
def agent(self: StepTask, sha256: str) -> None:
    def body(s: Session, doc: Document, rt: Runtime) -> None:
        _agent(s, doc, rt, document_content(s, doc), sha256)

    run_step(self, sha256, "agent", body)


@step("docintel.finalize", max_retries=None)
def finalize(self: StepTask, sha256: str) -> None:
    def body(s: Session, doc: Document, rt: Runtime) -> Callable[[], None] | None:
        return _finalize(self, s, doc, sha256)

    run_step(self, sha256, "finalize", body)


def _merge(s: Session, doc: Document, content: DocumentContent, sha256: str) -> None:
    stitched = merge_content(content)
    if stitched:
        save_segments(s, doc.id, [g.as_row() for g in stitched])
    doc.markdown = content.markdown
    audit(
        s,
        run=sha256,
        document_id=doc.id,
        step="merge",
        content=f"merged {len(doc.markdown)} characters of Markdown",
    )


def _agent(s: Session, doc: Document, rt: Runtime, content: DocumentContent, sha256: str) -> None:
    settings = rt.settings
    if summaries := attachment_summaries(s, doc):
        # a mail is read with what its attachments say
        content.markdown = f"{content.markdown}\n\n{summaries}".strip()
        doc.markdown = content.markdown
    engine = rt.engine()
    started = time.perf_counter()
    chunks = document_chunks(content, settings.chunk_chars, settings.max_table_chunks)
    if capped := table_chunk_warnings(content, settings.chunk_chars, settings.max_table_chunks):
        add_warnings(s, doc, capped)
    # A model's tool loop searches this document now: its chunks are embedded first.
    # Rules search nothing: the embedding follows in the index step, batched.
    embedder = embedder_for(settings) if uses_model(engine) else None
    vectors = embedder.embed([c["text"] for c in chunks]) if embedder and chunks else None
    # Rows of an earlier run are replaced; a first run has none to delete.
    replace = not s.info.get(FIRST_RUN, False)
    save_chunks(s, doc.id, chunks, vectors, embedder.name if embedder else None, replace=replace)
    audit(
        s,
        run=sha256,
        document_id=doc.id,
        step="index",
        content=f"{len(chunks)} chunk(s) stored for search; "
        + (f"embedded with {embedder.name}" if embedder else "embedding follows"),
        duration_ms=(time.perf_counter() - started) * 1000,
        engine=embedder.name if embedder else None,
    )
    warning = injection_warning(content.markdown)
    if warning:
        audit(s, run=sha256, document_id=doc.id, **warning)
    if one_writer(s) and (uses_model(engine) or not is_sheet(content)):
        # What is written so far (in-process, the route's pages and tables too) is committed
        # before the document is read: its entities and a model's turns take seconds, and
        # SQLite has one writer, whom every other document's steps would wait for meanwhile
        # (a CSV behind a long report's entities). A model's searches find the chunks.
        s.commit()
    scope = None if settings.agent_corpus_search else doc.id

    def retrieve(query: str, top_k: int) -> list[dict]:
        found = embedder or embedder_for(settings)
        return [passage(h) for h in hybrid_search(s, query, top_k, found, scope)]

    reading = profile_reading(s, doc, settings, content, engine, retrieve)
    # By the rules, the document's type (its opening embedded on onnxruntime, which lets go
    # of the interpreter) is read on another core while spaCy finds the entities here
    # (bench/digital.py). A model's turns share one engine and its retrieve shares this
    # session, and a sheet has no entities to wait for: they run in turn.
    typing = None
    if not uses_model(engine) and not is_sheet(content):
        # spaCy (and numpy with it) is loaded here before the other thread starts: two
        # threads importing numpy for the first time at once leave it half-imported
        # ("cannot load module more than once per process") for the process's life
        load_ner(settings.ner_model)
        import_first("numpy")  # where no NER model is installed, the embedder still wants it
        typing = _beside(reading)
    extraction, events = extract_document(content, settings, engine, retrieve)
    save_extraction(
        s,
        doc.id,
        extraction.as_row(),
        extraction.entities,
        extraction.relationships,
        replace=replace,
    )
    for event in events:
        audit(s, run=sha256, document_id=doc.id, **event)
    read = typing.result() if typing is not None else reading()
    write_profile_fields(s, doc, read, sha256, replace)


# one per core: embedded `up` runs a document per core, each with its typing beside it
_TYPING = ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="docintel-typing")


def _beside(reading: Callable[[], ProfileRead]) -> Future[ProfileRead]:
    return _TYPING.submit(reading)


def _finalize(task: StepTask, s: Session, doc: Document, sha256: str) -> Callable[[], None] | None:
    # on the loaded row: written in the one UPDATE of the document at commit
    doc.status = Status.done.value
    doc.finished_at = doc.updated_at = utcnow()
    organise_finished(s, current().settings, doc, sha256)  # correspondent, tags by rule
    audit(
        s,
        run=sha256,
        document_id=doc.id,
        step="finalize",
        content=f"done; {len(doc.warnings or [])} warning(s)",
        status="warning" if doc.warnings else "ok",
    )
    settings, doc_id = current().settings, doc.id
    label = task_label(doc_id, doc.name, sha256, "index")

    def then() -> None:
        notify(task.app, settings, doc_id, sha256)
        if not in_process(task.app):  # embedded: indexed before a search
            workflow.send_index(task.app, sha256, label)

    return then


@step("docintel.index", max_retries=None)
def index(self: StepTask, sha256: str) -> None:
    """Embed what is pending, across documents, in small batches while no document waits
    (a batch is ~0.3 s of one core: a document that arrives meanwhile waits that long at
    most); what is left is sent on, behind the documents. One process indexes at a time:
    another's index task ends at once, its chunks taken by the holder. Sent by workers only:
    embedded, the index is brought up to date before a search."""
    settings = current().settings
    yielded = False
    with self.app.connection_for_write() as conn:
        lock = IndexLock(conn.default_channel.client)
        if not lock.acquire():
            return

        def documents_first() -> bool:
            nonlocal yielded
            lock.renew()
            # only the queues this worker takes: a page waiting for a GPU worker is not ours
            queues = tuple(self.app.amqp.queues.consume_from or QUEUES)
            yielded = documents_waiting(self.app, queues)
            return yielded

        try:
            embedded = index_pending(
                settings,
                batch=INDEX_BATCH,
                max_batches=INDEX_BATCHES,
                yield_to=documents_first,
            )
        except Exception as exc:
            if self.request.retries < settings.max_attempts:
                raise self.retry(
                    exc=exc, countdown=min(2 ** (self.request.retries + 1), 60)
                ) from exc
            log.exception("indexing failed; the chunks stay searchable by full text")
            return
        finally:
            lock.release()
    # A document that ended after the last read found the lock held: its chunks are sent on.
    if yielded or embedded >= INDEX_BATCHES * INDEX_BATCH or pending_count(settings):
        workflow.send_index(self.app, sha256, "index: what is left, across documents")
