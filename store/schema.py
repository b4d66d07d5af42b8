"""The schema. Every row a pipeline step writes has a natural key (the document plus page,
window, table index or step), so a step that runs twice writes once."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from docintel.store.base import (  # noqa: F401  (re-exported)
    NAMING,
    Base,
    Json,
    PartialIndex,
    utcnow,
)

# The mail-in tables share this metadata: imported here so that whoever imports the schema
# (Alembic's env, the drift test) sees every table.
from docintel.store.mail_schema import (  # noqa: F401
    DocumentTag,
    MailAccount,
    MailFolder,
    MailMessage,
)
from docintel.store.organise_schema import (  # noqa: F401
    Correspondent,
    CorrespondentAlias,
    DocumentNote,
    TagRule,
)
from docintel.store.users_schema import SavedView, User  # noqa: F401


class Status(enum.StrEnum):
    received = "received"
    queued = "queued"
    processing = "processing"
    done = "done"
    failed = "failed"
    duplicate = "duplicate"


# Statuses that mean "the pipeline still owes this document work".
IN_FLIGHT = (Status.queued.value, Status.processing.value)


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (
        # One original per content; duplicate drops get rows of their own (status
        # 'duplicate', pointing at the original), so the uniqueness is partial.
        PartialIndex(
            "uq_documents_sha256_original",
            "sha256",
            unique=True,
            where=text("status <> 'duplicate'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(1024))
    media_type: Mapped[str | None] = mapped_column(String(128))
    kind: Mapped[str | None] = mapped_column(String(16), doc="pdf, image, audio, table")
    size: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default=Status.received.value, index=True)
    error: Mapped[str | None] = mapped_column(Text)
    warnings: Mapped[list[str]] = mapped_column(Json, default=list)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("documents.id"), index=True, doc="the e-mail or archive it came out of"
    )
    member: Mapped[str | None] = mapped_column(Text, doc="its name inside the parent")
    source_path: Mapped[str | None] = mapped_column(Text, doc="where the file was found")
    archive_path: Mapped[str | None] = mapped_column(Text)
    page_count: Mapped[int | None] = mapped_column(Integer)
    duration_s: Mapped[float | None] = mapped_column(Float)
    markdown: Mapped[str | None] = mapped_column(Text, doc="the merged document text")
    doc_type: Mapped[str | None] = mapped_column(
        String(64), index=True, doc="a profile's name, or 'other'"
    )
    doc_type_confidence: Mapped[float | None] = mapped_column(Float)
    correspondent: Mapped[str | None] = mapped_column(
        String(200), index=True, doc="who sent it, as a mail rule (or a person) says"
    )
    correspondent_id: Mapped[int | None] = mapped_column(
        ForeignKey("correspondents.id", ondelete="SET NULL"),
        index=True,
        doc="the organisation ``correspondent`` names (its name is kept in step)",
    )
    meta: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow, index=True
    )
    queued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deleted_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True),
        index=True,
        doc="put in the trash then; purged (row and archived original) DOCINTEL_TRASH_DAYS on",
    )

    pages: Mapped[list[Page]] = relationship(
        back_populates="document", order_by="Page.page", cascade="all, delete-orphan"
    )


class Page(Base):
    __tablename__ = "pages"
    __table_args__ = (UniqueConstraint("document_id", "page"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    page: Mapped[int] = mapped_column(Integer, doc="1-based")
    status: Mapped[str] = mapped_column(String(16), doc="done, needs_ocr, failed")
    text_source: Mapped[str | None] = mapped_column(String(16), doc="text_layer, gemma, tesseract")
    decision: Mapped[str | None] = mapped_column(Text, doc="why this text source was chosen")
    kind: Mapped[str | None] = mapped_column(
        String(16), doc="text, table, form, chart, photo, blank"
    )
    markdown: Mapped[str | None] = mapped_column(Text)
    fields: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    chart: Mapped[dict[str, Any] | None] = mapped_column(Json)
    width: Mapped[float | None] = mapped_column(Float)
    height: Mapped[float | None] = mapped_column(Float)
    visual_tokens: Mapped[int | None] = mapped_column(Integer)
    engine: Mapped[str | None] = mapped_column(String(32))
    model: Mapped[str | None] = mapped_column(String(256))
    precision: Mapped[str | None] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    timings: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)

    document: Mapped[Document] = relationship(back_populates="pages")


class AudioSegment(Base):
    __tablename__ = "audio_segments"
    __table_args__ = (UniqueConstraint("document_id", "window"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    window: Mapped[int] = mapped_column(Integer, doc="0-based window index")
    start_s: Mapped[float] = mapped_column(Float)
    end_s: Mapped[float] = mapped_column(Float)
    skipped: Mapped[bool] = mapped_column(Boolean, default=False, doc="silence, not transcribed")
    text: Mapped[str | None] = mapped_column(Text)
    translation: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))
    engine: Mapped[str | None] = mapped_column(String(32))
    model: Mapped[str | None] = mapped_column(String(256))
    precision: Mapped[str | None] = mapped_column(String(16))
    timings: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    words: Mapped[list[list[Any]]] = mapped_column(
        Json, default=list, server_default="[]", doc="[word, start s, end s, probability]"
    )


class DocTable(Base):
    __tablename__ = "tables"
    __table_args__ = (UniqueConstraint("document_id", "page", "index"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    page: Mapped[int] = mapped_column(Integer, doc="1-based page; 0 for CSV/XLSX")
    index: Mapped[int] = mapped_column(Integer, doc="0-based order on the page or in the book")
    sheet: Mapped[str | None] = mapped_column(String(256))
    headers: Mapped[list[str]] = mapped_column(Json, default=list)
    rows: Mapped[list[list[str]]] = mapped_column(Json, default=list)
    caption: Mapped[str | None] = mapped_column(Text)
    footnotes: Mapped[list[str]] = mapped_column(Json, default=list)
    engine: Mapped[str | None] = mapped_column(String(32))


class Extraction(Base):
    __tablename__ = "extractions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[str] = mapped_column(String(16), doc="complete or incomplete")
    reason: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)
    confidence: Mapped[float | None] = mapped_column(Float)
    turns: Mapped[int | None] = mapped_column(Integer)
    engine: Mapped[str | None] = mapped_column(String(32))
    model: Mapped[str | None] = mapped_column(String(256))
    precision: Mapped[str | None] = mapped_column(String(16))
    output: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)


class Entity(Base):
    __tablename__ = "entities"
    __table_args__ = (UniqueConstraint("document_id", "type", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(1024))
    type: Mapped[str] = mapped_column(String(64), index=True)
    pages: Mapped[list[int]] = mapped_column(Json, default=list)
    seconds: Mapped[list[float]] = mapped_column(Json, default=list)
    attributes: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)


class ProfileField(Base):
    """One field of the document's profile, or one cell of its line items (``row`` from 1,
    ``column`` named): the machine's value, what it was read from and where, its checks,
    and a person's correction beside it."""

    __tablename__ = "fields"
    __table_args__ = (UniqueConstraint("document_id", "field", "row", "column"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    profile: Mapped[str] = mapped_column(String(64), index=True)
    profile_hash: Mapped[str | None] = mapped_column(String(16))
    field: Mapped[str] = mapped_column(String(64))
    row: Mapped[int] = mapped_column(Integer, default=0, doc="0: the field; 1..: a line item")
    column: Mapped[str] = mapped_column(String(64), default="")
    value: Mapped[str | None] = mapped_column(Text, doc="the text it was read from")
    normalized: Mapped[str | None] = mapped_column(Text, doc="ISO date, decimal, enum value")
    number: Mapped[float | None] = mapped_column(Float)
    currency: Mapped[str | None] = mapped_column(String(8))
    day: Mapped[date | None] = mapped_column(Date)
    page: Mapped[int | None] = mapped_column(Integer)
    seconds: Mapped[float | None] = mapped_column(Float)
    quote: Mapped[str | None] = mapped_column(Text)
    confidence: Mapped[float | None] = mapped_column(Float)
    engine: Mapped[str | None] = mapped_column(String(32))
    valid: Mapped[bool] = mapped_column(Boolean, default=True)
    reason: Mapped[str | None] = mapped_column(Text)
    corrected: Mapped[str | None] = mapped_column(Text, doc="a person's value, kept beside")
    corrected_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Relationship(Base):
    __tablename__ = "relationships"
    __table_args__ = (UniqueConstraint("document_id", "source", "target", "type"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(1024))
    target: Mapped[str] = mapped_column(String(1024))
    type: Mapped[str] = mapped_column(String(64))
    evidence: Mapped[str | None] = mapped_column(Text)


class StepRun(Base):
    """One row per (document, step): how often it started, so a step that keeps killing
    its worker ends the document as failed instead of looping forever."""

    __tablename__ = "step_runs"
    __table_args__ = (UniqueConstraint("document_id", "step"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    step: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEvent(Base):
    """The reasoning audit trail. ``run`` is the document's sha256 (or ``ask:<id>`` for a
    question); (run, step, seq) is the key, so a re-run step overwrites its own events."""

    __tablename__ = "audit_events"
    __table_args__ = (UniqueConstraint("run", "step", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run: Mapped[str] = mapped_column(String(80), index=True)
    document_id: Mapped[int | None] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    step: Mapped[str] = mapped_column(String(64), doc="route, page:3:ocr, audio:2, agent:turn:1")
    seq: Mapped[int] = mapped_column(Integer, default=0)
    role: Mapped[str] = mapped_column(String(16), doc="system, user, assistant, tool, pipeline")
    status: Mapped[str] = mapped_column(String(16), default="ok", doc="ok, error, retry, warning")
    content: Mapped[str | None] = mapped_column(Text)
    thinking: Mapped[str | None] = mapped_column(Text)
    tool_name: Mapped[str | None] = mapped_column(String(128))
    tool_args: Mapped[dict[str, Any] | None] = mapped_column(Json)
    tool_result: Mapped[str | None] = mapped_column(Text)
    prompt_tokens: Mapped[int | None] = mapped_column(Integer)
    output_tokens: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[float | None] = mapped_column(Float)
    engine: Mapped[str | None] = mapped_column(String(32))
    model: Mapped[str | None] = mapped_column(String(256))
    precision: Mapped[str | None] = mapped_column(String(16))
    prompt_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Chunk(Base):
    """A retrieval unit of a document's merged text, knowing its page or its seconds.
    ``embedding`` is kept here for the exact search that works on every database; on
    PostgreSQL with pgvector a copy lives in ``chunk_vectors`` (created by the migration)."""

    __tablename__ = "chunks"
    __table_args__ = (
        UniqueConstraint("document_id", "index"),
        # The index step reads the oldest pending chunks: only they are in this index.
        PartialIndex("ix_chunks_pending", "id", where=text("embedding IS NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    index: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    page: Mapped[int | None] = mapped_column(Integer)
    start_s: Mapped[float | None] = mapped_column(Float)
    end_s: Mapped[float | None] = mapped_column(Float)
    embedding: Mapped[list[float] | None] = mapped_column(Json)
    embedding_model: Mapped[str | None] = mapped_column(String(256))


class ApiToken(Base):
    """A credential for the HTTP API and the web page. Only a hash of the secret is kept:
    a leaked database does not leak working tokens."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    read_only: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # whose token it is (None: made before users, see store.users.role_of); no foreign key,
    # so that SQLite adds the column without rebuilding the table (store.users removes a
    # user's tokens with the user)
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # a web page login by name and password: not listed as a token, ends at expires_at
    session: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LayoutHint(Base):
    """Where a person's correction found a field's value on a correspondent's document: the
    label beside it and the place from it (same cell, right, below, next line). The next
    document that names the correspondent is read there first."""

    __tablename__ = "layout_hints"
    __table_args__ = (UniqueConstraint("correspondent", "profile", "field"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    correspondent: Mapped[str] = mapped_column(String(200), index=True, doc="its name, folded")
    profile: Mapped[str] = mapped_column(String(64))
    field: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(Text)
    place: Mapped[str] = mapped_column(String(16), doc="same, right, below, next_line")
    example: Mapped[str | None] = mapped_column(Text, doc="the corrected value")
    document_id: Mapped[int | None] = mapped_column(
        ForeignKey("documents.id", ondelete="SET NULL"), doc="the document it was taught on"
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# Database objects the migrations create outside the ORM: SQLite's FTS5 index (and its
# shadow tables) and pgvector's table. Autogenerate leaves them alone.
UNMAPPED_PREFIXES = ("chunks_fts", "chunk_vectors", "ix_chunks_fts")  # ix_chunks_fts_tsv too


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    if type_ == "column" and name == "tsv" and getattr(obj, "table", None) is not None:
        return obj.table.name != "chunks"  # PostgreSQL's generated tsvector (0007)
    return not (type_ in ("table", "index") and name and name.startswith(UNMAPPED_PREFIXES))
