"""API tokens: made once, shown once, kept as a SHA-256 of the secret. The secrets are
random 256-bit strings, so a plain hash is enough (no password stretching needed) and a
lookup is one indexed equality."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from docintel.store.events import stamp
from docintel.store.schema import ApiToken, utcnow

PREFIX = "dit_"
USE_RESOLUTION_S = 60.0


class TokenError(ValueError):
    """A token request a person can correct (a name already taken, an unknown name)."""


@dataclass(frozen=True)
class Caller:
    """Who is calling: a token's name and whether it may change anything."""

    name: str
    read_only: bool


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(session: Session, name: str, *, read_only: bool = False) -> str:
    """A new token's secret; only its hash is stored, so this is the one time it is seen."""
    if session.scalar(select(ApiToken.id).where(ApiToken.name == name)) is not None:
        raise TokenError(f"a token named {name!r} exists; revoke it or choose another name")
    secret = PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(name=name, secret_hash=secret_hash(secret), read_only=read_only))
    session.flush()
    return secret


def caller_for(session: Session, secret: str) -> Caller | None:
    """The live token this secret belongs to, or None."""
    if not secret.startswith(PREFIX):
        return None
    row = session.scalar(
        select(ApiToken).where(
            ApiToken.secret_hash == secret_hash(secret), ApiToken.revoked_at.is_(None)
        )
    )
    if row is None:
        return None
    now = utcnow()
    if row.last_used_at is None or stamp(now) - stamp(row.last_used_at) > USE_RESOLUTION_S:
        row.last_used_at = now  # a write a minute, not one per request
    return Caller(row.name, row.read_only)


def revoke_token(session: Session, name: str) -> None:
    done = session.execute(
        update(ApiToken)
        .where(ApiToken.name == name, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    if not done.rowcount:  # type: ignore[attr-defined]
        raise TokenError(f"no live token named {name!r}")


def list_tokens(session: Session) -> list[dict[str, Any]]:
    rows = session.scalars(select(ApiToken).order_by(ApiToken.id))
    return [
        {
            "name": t.name,
            "read_only": t.read_only,
            "created_at": t.created_at.isoformat() if t.created_at else None,
            "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
            "revoked": t.revoked_at is not None,
        }
        for t in rows
    ]
