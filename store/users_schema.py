"""The people who use the web page and the API, and the inbox views they saved.

A user has a role: ``admin`` (everything, and the users and their tokens), ``editor``
(correct and organise documents) or ``viewer`` (read only). A token belongs to a user and
acts with the user's role (``api_tokens.user_id``); tokens made before users existed have no
user and keep acting as they did (see ``store.users.role_of``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy import UniqueConstraint as Unique
from sqlalchemy.orm import Mapped, mapped_column

from docintel.store.base import Base, Json, utcnow


class User(Base):
    """A person. The password is kept as an argon2id hash (None: the user signs in with a
    token only)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    role: Mapped[str] = mapped_column(String(16), doc="admin, editor or viewer")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SavedView(Base):
    """An inbox filter set saved under a name by its owner (a user's or a token's name): a
    click on it in the inbox's sidebar opens the inbox filtered so."""

    __tablename__ = "saved_views"
    __table_args__ = (Unique("owner", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner: Mapped[str] = mapped_column(String(128), index=True)
    name: Mapped[str] = mapped_column(String(128))
    filters: Mapped[dict] = mapped_column(Json, doc="q, mode, status, type, tag")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
