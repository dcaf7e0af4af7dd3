"""Settings read from the environment. `create_app(config)` overrides any of them (tests do)."""

from __future__ import annotations

import os
from typing import Any


def database_url(raw: str | None) -> str | None:
    """Normalise `DATABASE_URL`: plain `postgres://` or `postgresql://` URLs use psycopg 3."""
    if not raw:
        return None
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix) :]
    return raw


def from_environment() -> dict[str, Any]:
    """The settings of this process, from environment variables with safe defaults."""
    env = os.environ
    return {
        # None: the app factory generates one per installation under instance/.
        "SECRET_KEY": env.get("SECRET_KEY") or None,
        # None: the app factory puts an SQLite file under instance/.
        "SQLALCHEMY_DATABASE_URI": database_url(env.get("DATABASE_URL")),
        "PUBLIC_BASE_URL": (env.get("PUBLIC_BASE_URL") or "").rstrip("/") or None,
        "REDIS_URL": env.get("REDIS_URL") or None,
        "SITE_TIMEZONE": env.get("SITE_TIMEZONE", "Asia/Jakarta"),
        "SOCKETIO_ASYNC_MODE": env.get("SOCKETIO_ASYNC_MODE") or None,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SECURE": env.get("SESSION_COOKIE_SECURE", "").lower() in ("1", "true"),
        # API requests larger than this are refused with 413 before they reach a view.
        "MAX_CONTENT_LENGTH": 64 * 1024,
    }
