"""Users: a name, a role and an argon2id password hash; signing in by name and password
makes a session token (an api_tokens row marked ``session``), so a login works in every
API process and ends when it expires or at logout.

Roles, weakest first: ``viewer`` reads; ``editor`` also corrects and organises documents;
``admin`` also manages users, tokens and mail accounts."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from docintel.store.schema import ApiToken, utcnow
from docintel.store.tokens import PREFIX, ROLES, secret_hash
from docintel.store.users_schema import SavedView, User

NAME_MAX = 128  # users.name
PASSWORD_MIN = 8
# A login by password lasts as long as the page's cookie (api.auth sets the same 30 days).
SESSION_DAYS = 30


class UserError(ValueError):
    """A user request a person can correct (a name taken, an unknown role, a short password)."""


class NoSuchUser(UserError):
    """A user name that names no one."""


def _hasher() -> Any:
    # argon2-cffi: the memory-hard hash the password-storage guidance recommends; imported
    # here so the CLI's other commands do not load it
    from argon2 import PasswordHasher

    return PasswordHasher()


def check_role(role: str) -> str:
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}: choose one of {', '.join(ROLES)}")
    return role


def check_password(password: str) -> str:
    if len(password) < PASSWORD_MIN:
        raise UserError(f"a password needs at least {PASSWORD_MIN} characters")
    return password


def add_user(session: Session, name: str, role: str, password: str | None) -> User:
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise UserError(f"a user name needs 1 to {NAME_MAX} characters")
    if "/" in name or not name.isprintable():  # it is a path segment of the Users page
        raise UserError(f"a user name cannot hold '/' or control characters: {name!r}")
    check_role(role)
    if session.scalar(select(User.id).where(User.name == name)) is not None:
        raise UserError(f"a user named {name!r} exists; choose another name")
    taken = session.scalar(select(ApiToken.id).where(ApiToken.name == name))
    if taken is not None:  # a user's and a token's names share one namespace (saved views)
        raise UserError(f"a token is named {name!r}; choose another user name")
    hashed = _hasher().hash(check_password(password)) if password is not None else None
    user = User(name=name, role=role, password_hash=hashed)
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, name: str) -> User:
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise NoSuchUser(f"no user named {name!r} (`docintel users list` shows them)")
    return user


def set_password(session: Session, name: str, password: str) -> None:
    user = get_user(session, name)
    user.password_hash = _hasher().hash(check_password(password))
    # every browser signed in with the old password is signed out
    session.execute(delete(ApiToken).where(ApiToken.user_id == user.id, ApiToken.session))


def _keep_an_admin(session: Session, user: User) -> None:
    """Refuses to take the last admin away: no one could manage users from the page."""
    others = select(User.id).where(User.role == "admin", User.id != user.id)
    if user.role == "admin" and session.scalar(others.limit(1)) is None:
        raise UserError(f"{user.name!r} is the last admin: make another admin first")


def set_role(session: Session, name: str, role: str) -> None:
    user = get_user(session, name)
    if check_role(role) != "admin":
        _keep_an_admin(session, user)
    user.role = role


def remove_user(session: Session, name: str) -> None:
    """The user, its tokens and sessions (they stop working at once) and its saved views."""
    user = get_user(session, name)
    _keep_an_admin(session, user)
    session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    session.execute(delete(SavedView).where(SavedView.owner == user.name))
    session.delete(user)


def list_users(session: Session) -> list[dict[str, Any]]:
    live = ApiToken.revoked_at.is_(None) & ~ApiToken.session
    tokens: dict[int, list[str]] = {}
    for user_id, token in session.execute(
        select(ApiToken.user_id, ApiToken.name).where(live).order_by(ApiToken.id)
    ):
        tokens.setdefault(user_id, []).append(token)
    return [
        {
            "name": u.name,
            "role": u.role,
            "password": u.password_hash is not None,
            "tokens": tokens.get(u.id, []),
            "created_at": u.created_at.isoformat() if u.created_at else None,
        }
        for u in session.scalars(select(User).order_by(User.name))
    ]


def authenticate(session: Session, name: str, password: str) -> User | None:
    """The user when the password is theirs, else None (the same answer for an unknown
    name, so a login form does not tell which names exist)."""
    from argon2.exceptions import VerificationError

    user = session.scalar(select(User).where(User.name == name.strip()))
    hasher = _hasher()
    if user is None or user.password_hash is None:
        hasher.hash(password)  # about the same time as a wrong password takes
        return None
    try:
        hasher.verify(user.password_hash, password)
    except VerificationError:
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return user


def open_session(session: Session, user: User) -> str:
    """A session secret for a user who signed in; it works like a token until it expires."""
    secret = PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            name=f"session {secrets.token_hex(8)} of {user.name}"[:NAME_MAX],
            secret_hash=secret_hash(secret),
            user_id=user.id,
            session=True,
            expires_at=utcnow() + timedelta(days=SESSION_DAYS),
        )
    )
    session.flush()
    return secret


def close_session(session: Session, secret: str) -> None:
    session.execute(
        delete(ApiToken).where(ApiToken.secret_hash == secret_hash(secret), ApiToken.session)
    )
