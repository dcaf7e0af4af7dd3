"""Staff authentication: Flask-Login for the browser session, Bearer tokens for the API.

A browser sign-in is held on the server (services/sessions.py): the signed session cookie
carries the session's token beside Flask-Login's user id, and every request looks the session
up, so sign-out, a password reset, a deactivation or a role change end it at once. Staff
sessions also end after SESSION_IDLE_TIMEOUT_HOURS without a request, and
SESSION_LIFETIME_HOURS after sign-in (docs/decisions.md, "Sessions")."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, Request, current_app, g, session
from flask_babel import gettext
from flask_login import login_user, logout_user

from .domain.vocabulary import Role
from .extensions import db_session, login_manager
from .models import User
from .services import sessions, staff
from .services.clock import utcnow

#: Keys of the session cookie: the server-side session's token, and the time (epoch seconds)
#: of the last request seen with it.
TOKEN_KEY = "loket_session"
SEEN_KEY = "loket_seen"
#: Last-seen is written back into the cookie at most this often (a new Set-Cookie per request
#: would be noise); the idle timeout is therefore exact to within this.
SEEN_RESOLUTION_S = 60


def N_(message: str) -> str:
    """Marks a msgid for extraction (make translations: -k N_) without translating it."""
    return message


#: Flask-Login passes it to `gettext` when it flashes it.
LOGIN_MESSAGE = N_("Please sign in to open this page.")


def init_app(app: Flask) -> None:
    """Register the user and request loaders."""
    login_manager.login_view = "pages.login"
    # Flask-Login flashes this when a page needs sign-in; translated when flashed.
    login_manager.login_message = LOGIN_MESSAGE
    login_manager.localize_callback = gettext

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        if not user_id.isdigit():
            return None
        return user_for_session(int(user_id))

    @login_manager.request_loader
    def load_user_from_request(request: Request) -> User | None:
        token = bearer_token(request)
        if token is None:
            return None
        return staff.user_for_token(db_session(), token)


def sign_in(user: User) -> None:
    """Start a server-side session for `user` in this browser (the caller commits). Whatever
    session the browser held before is ended first, so a sign-in never inherits one."""
    sign_out()
    token = sessions.start(db_session(), user)
    session[TOKEN_KEY] = token
    session[SEEN_KEY] = int(utcnow().timestamp())
    login_user(user)


def sign_out() -> None:
    """End this browser's session on the server (the caller commits) and forget it here."""
    token = session.pop(TOKEN_KEY, None)
    session.pop(SEEN_KEY, None)
    if isinstance(token, str):
        sessions.end(db_session(), token)
    logout_user()


def user_for_session(user_id: int) -> User | None:
    """The user of this request's session cookie, when its server-side session is open, not
    idle too long and not too old."""
    token = session.get(TOKEN_KEY)
    if not isinstance(token, str):
        return None  # a cookie from before server-side sessions, or none
    found = sessions.user_for(db_session(), user_id, token)
    if found is None:
        return None
    user, began = found
    now = utcnow().timestamp()
    seen = session.get(SEEN_KEY)
    seen_at = seen if isinstance(seen, int) else 0
    # A kiosk account waits idle through the night by design; it is bound only by sign-out,
    # the admin's verbs and the cookie's own lifetime (device enrolment replaces it).
    if user.role != Role.KIOSK.value:
        idle, lifetime = limits()
        if (
            now - seen_at > idle.total_seconds()
            or now - began.timestamp() > lifetime.total_seconds()
        ):
            return None
    if now - seen_at >= SEEN_RESOLUTION_S:
        session[SEEN_KEY] = int(now)
    return user


def limits() -> tuple[timedelta, timedelta]:
    """The idle timeout and the absolute lifetime of a staff session (settings)."""
    config = current_app.config
    return (
        timedelta(hours=float(config["SESSION_IDLE_TIMEOUT_HOURS"])),
        timedelta(hours=float(config["SESSION_LIFETIME_HOURS"])),
    )


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer …` header, remembering that one was sent."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    g.bearer_sent = True
    return token.strip()
