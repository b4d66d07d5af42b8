"""The tables a person organises documents with, beside tags (``mail_schema``): the
organisations documents are from or to (correspondents, with the names merged into them kept
as aliases), a person's notes on a document, and the rules that tag a document as it
finishes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from docintel.store.base import Base, utcnow


class Correspondent(Base):
    """One organisation. ``key`` is its name folded (case, accents, punctuation and legal
    form gone), so 'ACME GmbH' and 'Acme gmbh.' are one correspondent."""

    __tablename__ = "correspondents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), doc="as a person reads it")
    key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CorrespondentAlias(Base):
    """Another name of a correspondent (one merged into it, or its old name before a
    rename): a document that names it is given the correspondent."""

    __tablename__ = "correspondent_aliases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    correspondent_id: Mapped[int] = mapped_column(
        ForeignKey("correspondents.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(200), unique=True)


class DocumentNote(Base):
    """A person's free text on a document: who wrote it and when."""

    __tablename__ = "document_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    author: Mapped[str] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TagRule(Base):
    """A tag a finishing document is given where every condition the rule has holds: its
    type, a field condition ('total > 1000', as `docintel query --where` reads it), and its
    correspondent or mail sender containing ``correspondent``."""

    __tablename__ = "tag_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    tag: Mapped[str] = mapped_column(String(128))
    doc_type: Mapped[str | None] = mapped_column(String(64))
    condition: Mapped[str | None] = mapped_column(Text)
    correspondent: Mapped[str | None] = mapped_column(String(200))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
