"""/v1/documents: upload, list, one document and what hangs off it (its page images, the
original, the recording, captions, the audit trail), retry."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, PlainTextResponse, Response
from starlette.requests import ClientDisconnect

from docintel.api import schemas
from docintel.api.auth import caller, writer
from docintel.api.media import audio_slice, page_png
from docintel.api.uploads import UploadError, discard, receive_file
from docintel.config import Settings
from docintel.pipeline.audio.captions import captions
from docintel.store.db import session_scope
from docintel.store.profiles import ConditionError
from docintel.store.queries import audit_trail, document_result, find_document
from docintel.store.schema import Document, Status
from docintel.watcher.ingest import NotReady, Refused, ingest
from docintel.worker.listing import Filters, document_listing

# What route reads a file as (the documents' `kind`): a filter outside these is a 422.
DocumentKind = Literal["pdf", "image", "audio", "table", "text", "mail", "archive"]

router = APIRouter(prefix="/v1/documents", tags=["documents"])
log = logging.getLogger("docintel.api")


def as_json(data: Any) -> Response:
    """The data as JSON, written once: FastAPI's own encoder walks every value of a result
    through pydantic first, which cost more than the queries behind it (bench/api.py)."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    return Response(body, media_type="application/json")


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


def load(settings: Settings, ref: str) -> dict[str, Any]:
    """The document's result (the same JSON as `docintel show --json`), or 404."""
    with session_scope(settings.db_url) as s:
        doc = find_document(s, ref)
        if doc is None:
            raise HTTPException(404, f"no document {ref!r}")
        return document_result(s, doc)


def row(settings: Settings, ref: str) -> Document:
    with session_scope(settings.db_url) as s:
        doc = find_document(s, ref)
        if doc is None:
            raise HTTPException(404, f"no document {ref!r}")
        s.expunge(doc)
        return doc


UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
                "required": ["file"],
            }
        }
    },
}


@router.post(
    "",
    status_code=201,
    dependencies=[Depends(writer)],
    response_model=schemas.Uploaded,
    openapi_extra={"requestBody": UPLOAD_BODY},  # read as a stream, not by FastAPI
)
async def upload(request: Request) -> dict[str, Any]:
    """Upload a file (multipart, field ``file``): streamed to disk, then the watcher's
    ingest (sha256, duplicate check, archive) and the queue. 413 over DOCINTEL_MAX_FILE_MB."""
    settings = settings_of(request)
    limit = settings.max_file_mb * 2**20
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + 64 * 1024:
        raise HTTPException(413, f"the file is over DOCINTEL_MAX_FILE_MB ({settings.max_file_mb})")
    try:
        path = await receive_file(
            request.headers.get("content-type", ""),
            request.stream(),
            settings.archive_dir / "tmp",
            limit,
        )
    except UploadError as exc:
        raise HTTPException(exc.status, str(exc)) from exc
    except ClientDisconnect:
        log.info("an upload was cut off by its client before it ended; nothing was kept")
        raise HTTPException(400, "the upload was cut off before it ended; send it again") from None
    try:
        taken = await run_in_threadpool(ingest, path, settings, record_duplicate=True)
    except (Refused, NotReady) as exc:
        raise HTTPException(422, str(exc)) from exc
    except OSError as exc:
        raise HTTPException(507, f"the file could not be stored: {exc.strerror or exc}") from exc
    finally:
        discard(path)
    if taken.status == "queued" and not taken.known:
        request.app.state.work.send(taken.sha256)
    return {
        "id": taken.document_id,
        "sha256": taken.sha256,
        "name": path.name,
        "status": taken.status,
        "duplicate_of": taken.duplicate_of,
    }


@router.get("", dependencies=[Depends(caller)], response_model=schemas.DocumentListing)
def listing(
    request: Request,
    status: Status | None = None,
    type: Annotated[DocumentKind | None, Query(description="What the file was read as.")] = None,
    name: str | None = None,
    contains: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    entity: str | None = None,
    entity_type: str | None = None,
    related_to: str | None = None,
    search: Annotated[str | None, Query(description="Full-text search of passages.")] = None,
    similar: Annotated[str | None, Query(description="Vector search of passages.")] = None,
    doc_type: str | None = None,
    where: Annotated[list[str] | None, Query(description="field<op>value, e.g. total>100")] = None,
    parent: int | None = None,
    tag: Annotated[
        list[str] | None, Query(description="Carrying this tag; repeated: every one.")
    ] = None,
    trashed: Annotated[bool, Query(description="List the trash instead.")] = False,
    top_level: Annotated[
        bool,
        Query(
            description="Only documents that came in on their own, not an e-mail's "
            "attachments or an archive's members (list those with parent=ID)."
        ),
    ] = False,
    correspondent: Annotated[int | None, Query(description="A correspondent's id.")] = None,
    limit: Annotated[int | None, Query(ge=1, le=500)] = None,
    cursor: Annotated[
        int | None,
        Query(
            description="next_cursor of the previous page (a document id; with search or "
            "similar, a place in the ranking)"
        ),
    ] = None,
) -> Response:
    """Documents, newest first (best match first with ``search``/``similar``): every filter
    `docintel query` has, and cursor pagination."""
    settings = settings_of(request)
    filters = Filters(
        status=status.value if status is not None else None,
        kind=type,
        name=name,
        contains=contains,
        since=since,
        until=until,
        entity=entity,
        entity_type=entity_type,
        related_to=related_to,
        search=search,
        similar=similar,
        doc_type=doc_type,
        where=list(where or []),
        parent=parent,
        tags=list(tag or []),
        trashed=trashed,
        top_level=top_level,
        correspondent=correspondent,
    )
    try:
        docs, next_cursor = document_listing(
            settings, filters, limit or settings.api_page_size, cursor
        )
    except ConditionError as exc:
        raise HTTPException(422, str(exc)) from exc
    return as_json({"documents": docs, "next_cursor": next_cursor})


@router.get("/{ref}", dependencies=[Depends(caller)], response_model=schemas.DocumentDetail)
def detail(request: Request, ref: str) -> Response:
    """One document: the same JSON as `docintel show --json`."""
    return as_json(load(settings_of(request), ref))


@router.get(
    "/{ref}/pages/{number}/image",
    dependencies=[Depends(caller)],
    response_class=Response,
    responses=schemas.binary("image/png", "The page as PNG."),
)
def page_image(request: Request, ref: str, number: int) -> Response:
    """The page rendered as PNG (cached after the first time)."""
    settings = settings_of(request)
    doc = row(settings, ref)
    if not doc.page_count or not 1 <= number <= doc.page_count:
        raise HTTPException(404, f"document {doc.id} has no page {number}")
    try:
        path = page_png(settings, doc, number)
    except ValueError as exc:
        raise HTTPException(404, str(exc)) from exc
    return FileResponse(path, media_type="image/png", headers={"Cache-Control": "max-age=3600"})


@router.get(
    "/{ref}/original",
    dependencies=[Depends(caller)],
    response_class=Response,
    responses=schemas.binary("*/*", "The file, of its own media type."),
)
def original(request: Request, ref: str) -> Response:
    """The file as it was received (range requests answered)."""
    doc = row(settings_of(request), ref)
    if not doc.archive_path or not Path(doc.archive_path).is_file():
        raise HTTPException(404, f"the original of document {doc.id} is not in the archive")
    return FileResponse(doc.archive_path, media_type=doc.media_type, filename=doc.name)


@router.get(
    "/{ref}/audio",
    dependencies=[Depends(caller)],
    response_class=Response,
    responses=schemas.binary("audio/*", "The recording, or the stretch asked for as WAV."),
)
def audio(
    request: Request,
    ref: str,
    start: Annotated[float | None, Query(ge=0)] = None,
    end: Annotated[float | None, Query(ge=0)] = None,
) -> Response:
    """The recording: the original with range requests, or (with ``start``/``end``, in
    seconds) that stretch as WAV."""
    doc = row(settings_of(request), ref)
    if doc.kind != "audio" or not doc.archive_path:
        raise HTTPException(404, f"document {doc.id} is not a recording")
    if start is None and end is None:
        return FileResponse(doc.archive_path, media_type=doc.media_type or "audio/wav")
    lo, hi = start or 0.0, end if end is not None else (doc.duration_s or 0.0)
    if hi <= lo:
        raise HTTPException(422, "end must be after start")
    return Response(audio_slice(Path(doc.archive_path), lo, hi), media_type="audio/wav")


@router.get(
    "/{ref}/transcript.{fmt}",
    dependencies=[Depends(caller)],
    response_class=Response,
    responses=schemas.text(
        ("application/x-subrip", "text/vtt", "text/plain"), "The transcript as SRT, WebVTT or text."
    ),
)
def transcript(request: Request, ref: str, fmt: str) -> Response:
    """A recording's transcript as SRT, WebVTT or plain text."""
    if fmt not in ("srt", "vtt", "txt"):
        raise HTTPException(404, "use transcript.srt, transcript.vtt or transcript.txt")
    result = load(settings_of(request), ref)
    if not result["segments"]:
        raise HTTPException(404, "this document has no transcript (it is not a recording)")
    media = {"srt": "application/x-subrip", "vtt": "text/vtt", "txt": "text/plain"}[fmt]
    return PlainTextResponse(captions(result["segments"], fmt), media_type=media)


@router.get("/{ref}/audit", dependencies=[Depends(caller)], response_model=list[schemas.AuditEntry])
def audit(request: Request, ref: str) -> Response:
    """The document's audit trail: steps, engines, durations, tool calls, thinking."""
    settings = settings_of(request)
    doc = row(settings, ref)
    with session_scope(settings.db_url) as s:
        return as_json(audit_trail(s, doc.sha256))


@router.post("/{ref}/retry", dependencies=[Depends(writer)], response_model=schemas.Retried)
def retry(request: Request, ref: str) -> dict[str, Any]:
    """Send the document through the workflow again (a failed one, or one to re-read)."""
    doc = row(settings_of(request), ref)
    if doc.status in ("queued", "processing"):
        raise HTTPException(409, f"document {doc.id} is {doc.status}; it is already owed work")
    if doc.deleted_at is not None:
        raise HTTPException(409, f"document {doc.id} is in the trash; restore it first")
    if doc.status == "duplicate":
        raise HTTPException(409, f"document {doc.id} is a duplicate of {doc.duplicate_of_id}")
    request.app.state.work.retry(doc.id)
    return {"id": doc.id, "status": "queued"}
