"""Staff accounts and API tokens. Passwords use Werkzeug's scrypt KDF; tokens are stored as
SHA-256 digests (they are 256-bit random, so a fast hash is enough and lookups stay cheap)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from functools import cache
from weakref import WeakKeyDictionary

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, lazyload
from werkzeug.security import check_password_hash

from ..domain.access import Actor
from ..domain.errors import InvalidInput, NotFound
from ..domain.vocabulary import Role
from ..models import ApiToken, Counter, User
from ..models.user import user_counters
from . import audit
from .clock import utcnow
from .passwords import MIN_PASSWORD, hash_password


@cache
def _dummy_hash() -> str:
    """A hash to check against when the user does not exist, so both paths take as long.
    Made on first use, not at import: scrypt costs tens of milliseconds."""
    return hash_password("loket-dummy-password")


def actor_for(user: User) -> Actor:
    """The domain's view of a signed-in user. Only clerks work at assigned counters."""
    role = Role(user.role)
    if role != Role.CLERK:
        return Actor(user.id, role, frozenset())
    known = known_counters.get(user)
    counters = known if known is not None else frozenset(c.id for c in user.counters)
    return Actor(user.id, role, counters)


def create_user(
    session: Session,
    username: str,
    password: str,
    role: Role,
    counter_numbers: Iterable[int] = (),
    site_id: int | None = None,
    hashed: str | None = None,
) -> User:
    """Create a staff user allowed at the counters with these numbers. `hashed`: the stored
    hash of `password` when the caller made it already (the demo's clerks share one)."""
    username = username.strip()
    if not username or len(username) > 64:
        raise InvalidInput("username must be 1 to 64 characters")
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"password must be at least {MIN_PASSWORD} characters")
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
        password_hash=hashed or hash_password(password),
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
    audit.record_change(
        session,
        site_id=None,
        user_id=user.id if user is not None else None,
        entity=audit.SESSION,
        entity_id=user.id if user is not None else None,
        action="sign_in_failed",
        changes={"via": via, "address": address[:64], "known_user": user is not None},
    )
    session.flush()


def issue_token(session: Session, user: User) -> str:
    """Create an API token for `user` and return it; only its digest is stored."""
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=token_digest(token), created_at=utcnow()))
    session.flush()
    return token


#: User → the ids of the counters they may use, read with the user by `user_for_token`
#: and `sessions.user_for` (held
#: as long as the user object lives: a request).
known_counters: WeakKeyDictionary[User, frozenset[int]] = WeakKeyDictionary()

#: A Bearer token's active user and the counters they may use, one row per counter: the one
#: statement a staff request spends on who is asking.
TOKEN_QUERY = (
    select(User, user_counters.c.counter_id)
    .join(ApiToken, ApiToken.user_id == User.id)
    .outerjoin(user_counters, user_counters.c.user_id == User.id)
    .where(
        ApiToken.token_hash == bindparam("digest"),
        ApiToken.revoked_at.is_(None),
        User.active.is_(True),
    )
    .options(lazyload(User.counters))
)


def user_for_token(session: Session, token: str) -> User | None:
    """The active user a Bearer token belongs to, or None."""
    rows = session.execute(TOKEN_QUERY, {"digest": token_digest(token)}).all()
    if not rows:
        return None
    user: User = rows[0][0]
    known_counters[user] = frozenset(c for _, c in rows if c is not None)
    return user


def token_digest(token: str) -> str:
    """What is stored of a secret token (API tokens, sessions, devices): its SHA-256. The
    tokens are 256-bit random, so a fast hash is enough and lookups stay cheap."""
    return hashlib.sha256(token.encode()).hexdigest()
