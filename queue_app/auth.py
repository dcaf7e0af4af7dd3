"""Staff authentication: Flask-Login for the browser session, Bearer tokens for the API."""

from __future__ import annotations

from flask import Flask, Request, g

from .extensions import db, db_session, login_manager
from .models import User
from .services import staff


def init_app(app: Flask) -> None:
    """Register the user and request loaders."""
    login_manager.login_view = "pages.login"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        if not user_id.isdigit():
            return None
        user = db.session.get(User, int(user_id))
        return user if user is not None and user.active else None

    @login_manager.request_loader
    def load_user_from_request(request: Request) -> User | None:
        token = bearer_token(request)
        if token is None:
            return None
        return staff.user_for_token(db_session(), token)


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer …` header, remembering that one was sent."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    g.bearer_sent = True
    return token.strip()
