"""The JSON the API answers with, as pydantic models for its OpenAPI document, so a client
generated from it gets typed results. Each model says exactly the keys its endpoint writes:
no key more (``additionalProperties: false``), none less (every key ``required``, a value
that may be empty is nullable), so tests/test_openapi_models.py fails when an endpoint
gains or loses a key and its model was not changed with it. The endpoints that answer with
the most data write their JSON themselves (``as_json``): these models describe it, they are
not on the path of every request."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from docintel.store.schema import Status


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PassageMatch(Strict):
    """The best passage of a listed document, with ``search`` or ``similar``."""

    document: str = Field(description="The document's name.")
    document_id: int
    page: int | None = Field(default=None, description="Absent for a recording.")
    seconds: list[float] | None = Field(default=None, description="[start, end] in a recording.")
    score: float
    text: str = Field(
        description="About 300 characters of the passage around the first word searched for, "
        "as read (no Markdown marks); '…' where cut."
    )
    highlights: list[list[int]] = Field(
        description="[start, end) offsets in text of each word searched for (or the same word "
        "with another ending): escape the text, then mark these."
    )


class DocumentSummary(Strict):
    id: int
    sha256: str
    name: str
    media_type: str | None
    kind: str | None = Field(description="What route read the file as: pdf, image, audio, ...")
    size: int
    status: Status
    error: str | None = Field(description="Why it failed, and what to do.")
    warnings: list[str]
    attempts: int
    duplicate_of: int | None
    page_count: int | None
    duration_s: float | None
    archive_path: str | None
    created_at: datetime | None
    finished_at: datetime | None
    doc_type: str | None
    parent_id: int | None
    member: str | None = Field(description="Its name inside its parent (archive, e-mail).")
    correspondent: str | None
    correspondent_id: int | None = Field(description="The correspondent's id (/v1/correspondents).")
    deleted_at: datetime | None = Field(description="When it was put in the trash; null: not.")
    meta: dict[str, Any]


class ListedDocument(DocumentSummary):
    tags: list[str]
    parent_name: str | None = Field(
        description="The name of the document it came in (an e-mail, an archive); null: none."
    )
    match: PassageMatch | None = Field(
        default=None, description="Only with search or similar: why it was listed."
    )


class DocumentListing(Strict):
    documents: list[ListedDocument]
    next_cursor: int | None = Field(description="Pass as cursor for the next page; null: last.")


class TaggedDocument(DocumentSummary):
    tags: list[str]


class TrashListing(Strict):
    documents: list[ListedDocument] = Field(description="In the trash, newest first.")
    trash_days: int = Field(
        description="How long the trash keeps a document (DOCINTEL_TRASH_DAYS)."
    )


class Tagged(Strict):
    id: int
    tags: list[str]


class Trashed(Strict):
    id: int
    trashed: list[int] = Field(description="The document and what was deleted with it.")
    trash_days: int


class Restored(Strict):
    id: int
    restored: list[int]


class Purged(Strict):
    purged: list[dict[str, Any]] = Field(description="Each document purged: id, name, deleted_at.")


class Table(Strict):
    headers: list[str]
    rows: list[list[str]]
    caption: str | None
    footnotes: list[str]
    sheet: str | None
    engine: str | None


class PageResult(Strict):
    page: int
    status: str
    text_source: str | None
    decision: str | None
    kind: str | None
    markdown: str | None
    tables: list[Table]
    fields: dict[str, Any] = Field(description="Form fields on the page, by name.")
    chart: dict[str, Any] | None
    visual_tokens: int | None
    engine: str | None
    model: str | None
    precision: str | None
    error: str | None
    timings: dict[str, Any]


class Segment(Strict):
    window: int
    start_s: float
    end_s: float
    skipped: bool
    text: str | None
    translation: str | None
    language: str | None
    engine: str | None
    model: str | None
    words: list[list[Any]] = Field(description="[word, start_s, end_s, ...] each.")
    flag: str | None = Field(description="Why this window's text may be short.")


class EntityResult(Strict):
    name: str
    type: str
    pages: list[int]
    seconds: list[float]
    attributes: dict[str, Any] | None = Field(default=None, description="Absent when none.")


class RelationshipResult(Strict):
    source: str
    target: str
    type: str
    evidence: str | None


class ExtractionResult(Strict):
    status: str = Field(description="complete or incomplete")
    reason: str | None
    entities: list[EntityResult]
    relationships: list[RelationshipResult]
    summary: str | None
    confidence: float | None
    engine: str | None
    model: str | None
    precision: str | None
    turns: int | None


class FieldValue(Strict):
    value: str | None = Field(description="The corrected value where a person set one.")
    text: str | None
    currency: str | None
    page: int | None
    seconds: float | None
    quote: str | None
    confidence: float | None
    engine: str | None
    valid: bool
    reason: str | None
    machine_value: str | None
    corrected: str | None


class ProfileResult(Strict):
    doc_type: str
    confidence: float | None
    profile_hash: str | None
    fields: dict[str, FieldValue]
    tables: dict[str, list[dict[str, FieldValue]]] = Field(description="Line items as rows.")


class Child(Strict):
    id: int
    name: str
    member: str | None
    status: Status
    kind: str | None
    doc_type: str | None
    duplicate_of: int | None
    error: str | None


class AuditEntry(Strict):
    attempt: int = Field(
        description="1 for the first run through the workflow; a retry by hand starts the next"
    )
    step: str
    seq: int
    role: str
    status: str
    content: str | None
    thinking: str | None
    tool_name: str | None
    tool_args: dict[str, Any] | None
    tool_result: str | None
    prompt_tokens: int | None
    output_tokens: int | None
    duration_ms: float | None
    engine: str | None
    model: str | None
    precision: str | None
    prompt_hash: str | None
    at: datetime | None


class DocumentDetail(Strict):
    """The one result format: the same JSON as `docintel show --json`."""

    document: TaggedDocument
    pages: list[PageResult]
    tables: list[Table] = Field(description="Tables on no page (CSV, XLSX).")
    segments: list[Segment]
    markdown: str | None
    extraction: ExtractionResult | None
    profile: ProfileResult | None
    children: list[Child]
    audit: list[AuditEntry]


class Uploaded(Strict):
    id: int
    sha256: str
    name: str
    status: Status = Field(description="queued, or duplicate (see duplicate_of).")
    duplicate_of: int | None


class Retried(Strict):
    id: int
    status: Status


class Citation(Strict):
    """A passage an answer rests on: quoted by the model, or (``composed`` false) the
    passage itself with its score."""

    document: str
    document_id: int | None = None
    page: int | None = None
    seconds: list[float] | None = None
    quote: str | None = None
    text: str | None = None
    score: float | None = None


class Answer(Strict):
    question: str
    run: str = Field(description="The run's audit trail id (ask:...).")
    engine: str
    composed: bool = Field(description="False: no model wrote it; the passages are cited.")
    answer: str
    citations: list[Citation]


class Health(Strict):
    status: str


class Readiness(Strict):
    ready: bool
    database: str = Field(description="ok, or why not.")
    broker: str | None = Field(default=None, description="Distributed mode only.")


class StatusChange(Strict):
    """The data of one ``event: status`` of GET /v1/events."""

    id: int
    name: str
    status: Status
    kind: str | None
    doc_type: str | None
    error: str | None
    parent_id: int | None
    at: float = Field(description="When it changed, in seconds since the epoch.")
    trashed: bool = Field(description="In the trash (the inbox drops its row; Trash shows it).")


def binary(media_type: str, description: str) -> dict[int | str, dict[str, Any]]:
    """A 200 answered with bytes of ``media_type``, for ``responses=``."""
    content = {media_type: {"schema": {"type": "string", "format": "binary"}}}
    return {200: {"description": description, "content": content}}


def text(media_types: tuple[str, ...], description: str) -> dict[int | str, dict[str, Any]]:
    content = {m: {"schema": {"type": "string"}} for m in media_types}
    return {200: {"description": description, "content": content}}
