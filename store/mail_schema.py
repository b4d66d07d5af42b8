"""The mail-in tables: IMAP accounts (and how their last poll went), each folder's place
(its UIDVALIDITY and the highest UID examined), the ledger of messages taken, and the tags
a rule (or a person) puts on a document.

The ledger and the folders are keyed by the account's name, not by a foreign key: an
account removed and added again under the same name does not take its mailbox again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy import UniqueConstraint as Unique
from sqlalchemy.orm import Mapped, mapped_column

from docintel.store.base import Base, Json, utcnow


class MailAccount(Base):
    """An IMAP mailbox. No secret is stored here: the password is read, when connecting,
    from the environment variable or the file the account names, and an OAuth2 token from
    the output of its token command."""

    __tablename__ = "mail_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    host: Mapped[str] = mapped_column(String(255))
    port: Mapped[int] = mapped_column(Integer)
    security: Mapped[str] = mapped_column(String(16), doc="tls (IMAPS) or starttls")
    username: Mapped[str] = mapped_column(String(255))
    auth: Mapped[str] = mapped_column(String(16), doc="password or xoauth2")
    password_env: Mapped[str | None] = mapped_column(String(128))
    password_file: Mapped[str | None] = mapped_column(Text)
    token_command: Mapped[str | None] = mapped_column(Text)
    ca_file: Mapped[str | None] = mapped_column(Text, doc="CA bundle; empty: the system's")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # How the last poll went: what `docintel status` and /metrics show.
    last_ok_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failures: Mapped[int] = mapped_column(Integer, default=0, doc="failed polls in a row")
    next_try_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class MailFolder(Base):
    """Where a folder's examination stands: UIDs up to ``last_uid`` (under ``uidvalidity``,
    for the rules of ``rules_hash``) were taken, or matched no rule."""

    __tablename__ = "mail_folders"
    __table_args__ = (Unique("account", "folder"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account: Mapped[str] = mapped_column(String(64))
    folder: Mapped[str] = mapped_column(String(255))
    uidvalidity: Mapped[int] = mapped_column(BigInteger, default=0)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    rules_hash: Mapped[str] = mapped_column(String(16), default="")


class MailMessage(Base):
    """The processed-once ledger: one row per message a rule matched, claimed (``taking``)
    before it is read, ``stored`` once its documents are, ``done`` once the rule's action
    was carried out; or ``duplicate`` (its Message-ID was taken before), ``skipped``
    (nothing passed the rule's filters) or ``refused`` (too large)."""

    __tablename__ = "mail_messages"
    __table_args__ = (
        Unique("account", "folder", "uidvalidity", "uid"),
        Index("ix_mail_messages_account_message_id", "account", "message_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account: Mapped[str] = mapped_column(String(64))
    folder: Mapped[str] = mapped_column(String(255))
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    uid: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[str | None] = mapped_column(String(512))
    rule: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str | None] = mapped_column(Text)
    documents: Mapped[list[int]] = mapped_column(Json, default=list)
    owner: Mapped[str | None] = mapped_column(String(128), doc="the fetcher that claimed it")
    error: Mapped[str | None] = mapped_column(Text)
    taken_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    stored_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DocumentTag(Base):
    __tablename__ = "document_tags"
    __table_args__ = (Unique("document_id", "tag"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    tag: Mapped[str] = mapped_column(String(128), index=True)
