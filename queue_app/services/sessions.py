"""Staff sign-ins that can end (OWASP ASVS 3.3, docs/decisions.md "Sessions").

A browser sign-in is a `StaffSession` row; the signed session cookie carries a random
256-bit token whose SHA-256 is stored (as API tokens are), so a copied database does not
hold usable cookies. A session is valid while its row has not ended and its user is active;
`auth.py` applies the absolute lifetime (from `created_at`) and the idle timeout (against the
last activity the signed, so unforgeable, cookie records).

Ending is final: sign-out ends one session; a password reset, a deactivation and a role
change end every session and API token of the user (`end_everything`); reactivation brings
none back. Flushes, never commits."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, lazyload

from ..models import ApiToken, StaffSession, User
from ..models.user import user_counters
from .clock import utcnow
from .staff import known_counters, token_digest

#: Why a session ended (StaffSession.end_reason).
SIGN_OUT = "sign_out"
SIGN_OUT_EVERYWHERE = "sign_out_everywhere"
PASSWORD_RESET = "password_reset"
DEACTIVATED = "deactivated"
ROLE_CHANGED = "role_changed"


def start(session: Session, user: User) -> str:
    """Open a session for `user` and return its token (for the cookie; only its digest is
    stored)."""
    token = secrets.token_urlsafe(32)
    session.add(StaffSession(user_id=user.id, token_hash=token_digest(token), created_at=utcnow()))
    session.flush()
    return token


#: The active user of an open session, when it began, and the counters the user may use, one
#: row per counter: the one statement a browser request spends on who is asking.
SESSION_QUERY = (
    select(User, StaffSession.created_at, user_counters.c.counter_id)
    .join(StaffSession, StaffSession.user_id == User.id)
    .outerjoin(user_counters, user_counters.c.user_id == User.id)
    .where(
        StaffSession.token_hash == bindparam("digest"),
        StaffSession.user_id == bindparam("user_id"),
        StaffSession.ended_at.is_(None),
        User.active.is_(True),
    )
    .options(lazyload(User.counters))
)


def user_for(session: Session, user_id: int, token: str) -> tuple[User, datetime] | None:
    """The active user whose open session this token is, with when it began; None when the
    session is unknown, has ended or belongs to someone else."""
    rows = session.execute(SESSION_QUERY, {"digest": token_digest(token), "user_id": user_id}).all()
    if not rows:
        return None
    user: User = rows[0][0]
    known_counters[user] = frozenset(c for _, _, c in rows if c is not None)
    return user, rows[0][1]


def end(session: Session, token: str, reason: str = SIGN_OUT) -> bool:
    """End the session with this token; False when it had ended already (or never was)."""
    result = session.execute(
        update(StaffSession)
        .where(StaffSession.token_hash == token_digest(token), StaffSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def end_all(session: Session, user_id: int, reason: str) -> int:
    """End every open session of a user; how many there were."""
    result = session.execute(
        update(StaffSession)
        .where(StaffSession.user_id == user_id, StaffSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def revoke_tokens(session: Session, user_id: int) -> int:
    """Revoke every API token of a user; how many were live."""
    result = session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def end_everything(session: Session, user_id: int, reason: str) -> dict[str, int]:
    """End every session and revoke every API token of a user (for the audit trail: how
    many of each)."""
    return {
        "sessions_ended": end_all(session, user_id, reason),
        "api_tokens_revoked": revoke_tokens(session, user_id),
    }
