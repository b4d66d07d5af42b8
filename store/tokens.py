"""API tokens: made once, shown once, kept as a SHA-256 of the secret. The secrets are
random 256-bit strings, so a plain hash is enough (no password stretching needed) and a
lookup is one indexed equality. A token belongs to a user and acts with the user's role;
a login by password is a token too (``session``, with an end), see ``store.users``."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from docintel.store.events import stamp
from docintel.store.schema import ApiToken, utcnow
from docintel.store.users_schema import User

PREFIX = "dit_"
USE_RESOLUTION_S = 60.0
ROLES = ("viewer", "editor", "admin")  # weakest first


class TokenError(ValueError):
    """A token request a person can correct (a name already taken, an unknown name)."""


@dataclass(frozen=True)
class Caller:
    """Who is calling: the user's name (a token's, for a token made before users) and the
    role it acts with."""

    name: str
    role: str

    @property
    def read_only(self) -> bool:
        return self.role == "viewer"

    def may(self, role: str) -> bool:
        """Whether this caller's role is ``role`` or stronger."""
        return ROLES.index(self.role) >= ROLES.index(role)


def role_of(token: ApiToken, user: User | None) -> str:
    """A token's role: its user's, and a read-only token only reads. A token made before
    users existed has no user: a read-only one is a viewer and a full one an admin, since
    it could already do everything an admin can (and so no one is locked out)."""
    if token.read_only:
        return "viewer"
    return user.role if user is not None else "admin"


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    session: Session, name: str, *, read_only: bool = False, user: str | None = None
) -> str:
    """A new token's secret; only its hash is stored, so this is the one time it is seen.
    ``user``: the user it belongs to (None: a token of its own, acting as an admin, or a
    viewer when read-only, as tokens did before users)."""
    if session.scalar(select(ApiToken.id).where(ApiToken.name == name)) is not None:
        raise TokenError(f"a token named {name!r} exists; revoke it or choose another name")
    owner = None
    if user is not None:
        owner = session.scalar(select(User.id).where(User.name == user))
        if owner is None:
            raise TokenError(f"no user named {user!r} (`docintel users list` shows them)")
    secret = PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiToken(name=name, secret_hash=secret_hash(secret), read_only=read_only, user_id=owner)
    )
    session.flush()
    return secret


def caller_for(session: Session, secret: str) -> Caller | None:
    """Who the live token (or unexpired session) with this secret acts for, or None."""
    if not secret.startswith(PREFIX):
        return None
    found = session.execute(
        select(ApiToken, User)
        .outerjoin(User, User.id == ApiToken.user_id)
        .where(ApiToken.secret_hash == secret_hash(secret), ApiToken.revoked_at.is_(None))
    ).first()
    if found is None:
        return None
    row, user = found
    now = utcnow()
    if row.expires_at is not None and stamp(row.expires_at) <= stamp(now):
        return None
    if row.last_used_at is None or stamp(now) - stamp(row.last_used_at) > USE_RESOLUTION_S:
        row.last_used_at = now  # a write a minute, not one per request
    return Caller(user.name if user is not None else row.name, role_of(row, user))


def revoke_token(session: Session, name: str) -> None:
    done = session.execute(
        update(ApiToken)
        .where(ApiToken.name == name, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    if not done.rowcount:  # type: ignore[attr-defined]
        raise TokenError(f"no live token named {name!r}")


def list_tokens(session: Session) -> list[dict[str, Any]]:
    rows = session.execute(
        select(ApiToken, User)
        .outerjoin(User, User.id == ApiToken.user_id)
        .where(~ApiToken.session)
        .order_by(ApiToken.id)
    )
    return [
        {
            "name": t.name,
            "user": u.name if u is not None else None,
            "role": role_of(t, u),
            "read_only": t.read_only,
            "created_at": t.created_at.isoformat() if t.created_at else None,
            "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
            "revoked": t.revoked_at is not None,
        }
        for t, u in rows
    ]
