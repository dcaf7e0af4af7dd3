"""The admin console's verbs and reads of staff accounts: add, change role and counters,
activate or deactivate, reset a password. Accounts belong to no hall (their audit rows have no
site and show in every hall's trail)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...domain.errors import InvalidInput, NotFound
from ...domain.vocabulary import Role
from ...models import Counter, User
from .. import audit, sessions
from ..passwords import MIN_PASSWORD, hash_password
from ..staff import create_user
from .changes import diff

# -- reading --------------------------------------------------------------------------------


def every_account(session: Session) -> list[User]:
    """Every staff account (the page orders them by role)."""
    return list(session.scalars(select(User)))


def usernames(session: Session) -> list[tuple[int, str]]:
    """Every account's id and username, by username."""
    return [
        (uid, name)
        for uid, name in session.execute(select(User.id, User.username).order_by(User.username))
    ]


# -- changing -------------------------------------------------------------------------------


def _user_fields(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "role": user.role,
        "counters": sorted(c.number for c in user.counters),
        "active": user.active,
    }


def _counters(session: Session, counter_ids: Iterable[int]) -> list[Counter]:
    ids = sorted(set(counter_ids))
    counters = list(session.scalars(select(Counter).where(Counter.id.in_(ids))))
    if len(counters) != len(ids):
        raise InvalidInput("no such counter", field="counters", reason="counters_unknown")
    return sorted(counters, key=lambda c: (c.site_id, c.number))


def _role(name: str) -> Role:
    try:
        return Role(name)
    except ValueError as exc:
        raise InvalidInput(f"no role {name!r}", field="role", reason="role_unknown") from exc


def create_staff(
    session: Session,
    user_id: int,
    username: str,
    password: str,
    role: str,
    counter_ids: Iterable[int],
) -> User:
    """Add a staff account allowed at these counters."""
    username = username.strip()
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise InvalidInput(
            f"the username {username!r} is taken", field="username", reason="username_taken"
        )
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(
            f"a password has at least {MIN_PASSWORD} characters",
            field="password",
            reason="password_short",
        )
    counters = _counters(session, counter_ids)
    user = create_user(session, username, password, _role(role))
    user.counters = counters
    session.flush()
    audit.record_change(
        session,
        site_id=None,
        user_id=user_id,
        entity=audit.USER,
        entity_id=user.id,
        action="create",
        changes=_user_fields(user),
    )
    session.flush()
    return user


def update_staff(
    session: Session, user_id: int, target_id: int, role: str, counter_ids: Iterable[int]
) -> User:
    """Change a staff member's role and the counters they may use. A role change ends every
    session and API token of the user (what they may do changed: they sign in again); a
    change of counters takes effect at their next request. An admin cannot take their own
    admin role away (someone must be left to manage the hall)."""
    user = _user(session, target_id)
    new_role = _role(role)
    if user.id == user_id and new_role is not Role.ADMIN:
        raise InvalidInput(
            "you cannot take away your own admin role", field="role", reason="own_role"
        )
    before = _user_fields(user)
    user.role = new_role.value
    user.counters = _counters(session, counter_ids)
    changes: dict[str, Any] = diff(before, _user_fields(user))
    if "role" in changes:
        # What the user may do changed under their feet: they sign in again.
        changes.update(sessions.end_everything(session, user.id, sessions.ROLE_CHANGED))
    if changes:
        audit.record_change(
            session,
            site_id=None,
            user_id=user_id,
            entity=audit.USER,
            entity_id=user.id,
            action="update",
            changes=changes,
        )
    session.flush()
    return user


def set_staff_active(session: Session, user_id: int, target_id: int, active: bool) -> User:
    """Activate or deactivate an account. A deactivated account cannot sign in, and every
    session and API token of it ends for good: reactivation revives none of them."""
    user = _user(session, target_id)
    if user.id == user_id and not active:
        raise InvalidInput(
            "you cannot deactivate your own account", field="active", reason="own_account"
        )
    if user.active == active:
        return user
    user.active = active
    changes: dict[str, Any] = {"active": [not active, active]}
    if not active:
        changes.update(sessions.end_everything(session, user.id, sessions.DEACTIVATED))
    audit.record_change(
        session,
        site_id=None,
        user_id=user_id,
        entity=audit.USER,
        entity_id=user.id,
        action="activate" if active else "deactivate",
        changes=changes,
    )
    session.flush()
    return user


def reset_password(session: Session, user_id: int, target_id: int, password: str) -> User:
    """Give an account a new password; every session and API token of it ends. The audit
    trail records that it happened, never the password."""
    user = _user(session, target_id)
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(
            f"a password has at least {MIN_PASSWORD} characters",
            field="password",
            reason="password_short",
        )
    user.password_hash = hash_password(password)
    audit.record_change(
        session,
        site_id=None,
        user_id=user_id,
        entity=audit.USER,
        entity_id=user.id,
        action="reset_password",
        changes=sessions.end_everything(session, user.id, sessions.PASSWORD_RESET),
    )
    session.flush()
    return user


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    return user
