"""Staff accounts and API tokens. Passwords use Werkzeug's scrypt KDF; tokens are stored as
SHA-256 digests (they are 256-bit random, so a fast hash is enough and lookups stay cheap)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from ..domain.access import Actor
from ..domain.errors import InvalidInput, NotFound
from ..domain.vocabulary import Role
from ..models import AdminChange, ApiToken, Counter, User
from .clock import utcnow
from .passwords import hash_password


@cache
def _dummy_hash() -> str:
    """A hash to check against when the user does not exist, so both paths take as long.
    Made on first use, not at import: scrypt costs tens of milliseconds."""
    return hash_password("loket-dummy-password")


def actor_for(user: User) -> Actor:
    """The domain's view of a signed-in user. Only clerks work at assigned counters."""
    role = Role(user.role)
    counters = frozenset(c.id for c in user.counters) if role == Role.CLERK else frozenset()
    return Actor(user.id, role, counters)


def create_user(
    session: Session,
    username: str,
    password: str,
    role: Role,
    counter_numbers: Iterable[int] = (),
    site_id: int | None = None,
) -> User:
    """Create a staff user allowed at the counters with these numbers."""
    username = username.strip()
    if not username or len(username) > 64:
        raise InvalidInput("username must be 1 to 64 characters")
    if len(password) < 8:
        raise InvalidInput("password must be at least 8 characters")
    if session.scalars(select(User).where(User.username == username)).first():
        raise InvalidInput(f"user {username!r} already exists")
    numbers = sorted(set(counter_numbers))
    stmt = select(Counter).where(Counter.number.in_(numbers))
    if site_id is not None:
        stmt = stmt.where(Counter.site_id == site_id)
    counters = list(session.scalars(stmt))
    missing = set(numbers) - {c.number for c in counters}
    if missing:
        raise NotFound(f"no counter numbered {', '.join(map(str, sorted(missing)))}")
    user = User(
        username=username,
        password_hash=hash_password(password),
        role=role.value,
        active=True,
        created_at=utcnow(),
        counters=counters,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with these credentials, or None."""
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def record_failed_sign_in(session: Session, username: str, *, via: str, address: str) -> None:
    """Audit a failed sign-in (admin_changes: entity `session`, action `sign_in_failed`): the
    account when one has this username, `via` (`form` or `api`) and the client's address.
    Never the password, nor the name typed for an unknown account (it may be a password
    typed into the wrong field). Flushes."""
    user = session.scalars(select(User).where(User.username == username)).first()
    session.add(
        AdminChange(
            site_id=None,
            at=utcnow(),
            user_id=user.id if user is not None else None,
            entity="session",
            entity_id=user.id if user is not None else None,
            action="sign_in_failed",
            changes={"via": via, "address": address[:64], "known_user": user is not None},
        )
    )
    session.flush()


def issue_token(session: Session, user: User) -> str:
    """Create an API token for `user` and return it; only its digest is stored."""
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=_digest(token), created_at=utcnow()))
    session.flush()
    return token


def user_for_token(session: Session, token: str) -> User | None:
    """The active user a Bearer token belongs to, or None."""
    row = session.scalars(
        select(ApiToken).where(ApiToken.token_hash == _digest(token), ApiToken.revoked_at.is_(None))
    ).first()
    if row is None:
        return None
    user = session.get(User, row.user_id)
    return user if user is not None and user.active else None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
