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


#: libpq connection settings for PostgreSQL: a database that does not answer fails a request
#: after a few seconds (503) instead of holding it, and dead idle connections are noticed.
POSTGRES_CONNECT_ARGS = {
    "connect_timeout": 5,
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
}


def engine_options(uri: str, options: dict[str, Any] | None) -> dict[str, Any]:
    """SQLAlchemy engine options for `uri`: `options` plus the PostgreSQL connection settings
    above (those already given win)."""
    result = dict(options or {})
    if uri.startswith("postgresql"):
        result["connect_args"] = {**POSTGRES_CONNECT_ARGS, **result.get("connect_args", {})}
        # Connections per process: PROCESSES × (pool + overflow) must stay below PostgreSQL's
        # max_connections (100 by default) with room for migrations and operators.
        env = os.environ
        result.setdefault("pool_size", int(env.get("DB_POOL_SIZE") or 5))
        result.setdefault("max_overflow", int(env.get("DB_MAX_OVERFLOW") or 10))
    return result


def flag(raw: str | None, default: bool) -> bool:
    """A yes/no environment variable: 1/true/yes/on or 0/false/no/off; unset → `default`."""
    if raw is None or not raw.strip():
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{raw!r} is not a yes/no value (true/false)")


def count(raw: str | None) -> int:
    """A small non-negative number from the environment (unset or empty → 0)."""
    if raw is None or not raw.strip():
        return 0
    if not raw.strip().isdigit():
        raise ValueError(f"{raw!r} is not a whole number (0, 1, 2 …)")
    return int(raw)


def hours(raw: str | None, default: float) -> float:
    """A positive number of hours from the environment (unset or empty → `default`)."""
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{raw!r} is not a number of hours (e.g. 12 or 0.5)") from None
    if not value > 0:
        raise ValueError(f"{raw!r} is not a positive number of hours")
    return value


def names(raw: str | None) -> list[str]:
    """A comma-separated list from the environment, blanks dropped (unset or empty → [])."""
    return [item.strip() for item in (raw or "").split(",") if item.strip()]


def from_environment() -> dict[str, Any]:
    """The settings of this process, from environment variables with safe defaults."""
    env = os.environ
    # LOKET_ENV=production: secure cookies by default, HSTS, and SECRET_KEY must be strong.
    production = env.get("LOKET_ENV", "").strip().lower() == "production"
    secure_cookies = flag(env.get("SESSION_COOKIE_SECURE"), default=production)
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
        "SESSION_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # Staff sign-ins (auth.py, docs/decisions.md "Sessions"): a session ends after this
        # long without a request, and this long after sign-in however busy it is.
        "SESSION_IDLE_TIMEOUT_HOURS": hours(env.get("SESSION_IDLE_TIMEOUT_HOURS"), 12),
        "SESSION_LIFETIME_HOURS": hours(env.get("SESSION_LIFETIME_HOURS"), 16),
        "PRODUCTION": production,
        # Rate limits (Flask-Limiter strings; README "Security"). Storage: RATELIMIT_STORAGE_URI,
        # else REDIS_URL, else this process's memory (resolved in security.init_app).
        "RATELIMIT_ENABLED": flag(env.get("RATELIMIT_ENABLED"), default=True),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI") or None,
        "ISSUE_RATE_LIMIT_PER_IP": env.get("ISSUE_RATE_LIMIT_PER_IP", "10 per minute;100 per hour"),
        "ISSUE_RATE_LIMIT_PER_DEVICE": env.get(
            "ISSUE_RATE_LIMIT_PER_DEVICE", "30 per minute;600 per hour"
        ),
        # "Not yet" at the kiosk's requirements step (POST /api/v1/services/<id>/not-ready): a
        # visit saved, counted in the reports; per address, and per enrolled kiosk or account.
        "NOT_READY_RATE_LIMIT_PER_IP": env.get(
            "NOT_READY_RATE_LIMIT_PER_IP", "10 per minute;100 per hour"
        ),
        "NOT_READY_RATE_LIMIT_PER_DEVICE": env.get(
            "NOT_READY_RATE_LIMIT_PER_DEVICE", "30 per minute;600 per hour"
        ),
        # Phones leaving the queue (POST /api/v1/tickets/by-token/<token>/cancel), per address:
        # a mall's guest Wi-Fi puts many phones behind one address, so it is generous.
        "HOLDER_CANCEL_RATE_LIMIT_PER_IP": env.get(
            "HOLDER_CANCEL_RATE_LIMIT_PER_IP", "20 per minute;200 per hour"
        ),
        # Survey answers by token (POST /api/v1/tickets/by-token/<token>/survey), per address.
        "SURVEY_RATE_LIMIT_PER_IP": env.get(
            "SURVEY_RATE_LIMIT_PER_IP", "20 per minute;200 per hour"
        ),
        # Online registration (issue 16), per address: booking and cancelling, and reading
        # availability and bookings (a phone polling its booking page stays well under).
        "BOOKING_RATE_LIMIT_PER_IP": env.get(
            "BOOKING_RATE_LIMIT_PER_IP", "10 per minute;60 per hour"
        ),
        "BOOKING_READ_RATE_LIMIT_PER_IP": env.get(
            "BOOKING_READ_RATE_LIMIT_PER_IP", "60 per minute;1000 per hour"
        ),
        # Seconds availability's read model serves a service day's places after checking
        # them (realtime/availability.py): another process's booking shows within this, this
        # process's own at once. 0: one statement on every read.
        "BOOKING_AVAILABILITY_STALE_S": float(env.get("BOOKING_AVAILABILITY_STALE_S", "1.0")),
        "LOGIN_RATE_LIMIT": env.get("LOGIN_RATE_LIMIT", "5 per minute;30 per hour"),
        "LOGIN_RATE_LIMIT_PER_USER_ADDRESS": env.get(
            "LOGIN_RATE_LIMIT_PER_USER_ADDRESS", "3 per minute;10 per hour"
        ),
        # Behind nginx (security.py, TrustedProxies): the proxies whose X-Forwarded-* headers
        # are believed (addresses or networks; a request from any other peer is taken at its
        # own address), and how many proxies in front of the app set X-Forwarded-For / -Proto.
        "TRUSTED_PROXIES": names(env.get("TRUSTED_PROXIES")),
        "PROXY_FIX_X_FOR": count(env.get("PROXY_FIX_X_FOR")),
        "PROXY_FIX_X_PROTO": count(env.get("PROXY_FIX_X_PROTO")),
        # The host names this site answers for (Flask's own setting: another Host gets 400);
        # None answers for any. Production needs this or PUBLIC_BASE_URL (security.py).
        "TRUSTED_HOSTS": names(env.get("TRUSTED_HOSTS")) or None,
        # API requests larger than this are refused with 413 before they reach a view.
        "MAX_CONTENT_LENGTH": 64 * 1024,
        # Seconds untouched after which a kiosk starts afresh for the next applicant (its
        # language back to Indonesian, no priority or number left from the last one).
        "KIOSK_IDLE_S": float(env.get("KIOSK_IDLE_S", "30")),
        # Sockets (docs/realtime.md, "Limits"): anonymous sockets per client address and
        # process (a mall's guest Wi-Fi may put hundreds of phones behind one address: raise
        # it there; 0 = no cap), seconds between two answered resyncs of one socket, the
        # largest message a client may send (bytes), and the origins besides this site's own
        # that may open a socket (comma-separated, e.g. https://loket.example.id).
        "SOCKET_MAX_PER_ADDRESS": count(env.get("SOCKET_MAX_PER_ADDRESS", "200")),
        "RESYNC_MIN_INTERVAL_S": float(env.get("RESYNC_MIN_INTERVAL_S", "2")),
        "SOCKET_MAX_PAYLOAD": count(env.get("SOCKET_MAX_PAYLOAD", "16384")),
        # Notifications through an SMS/WhatsApp gateway (queue_app/notify/, docs/notifications.md).
        **notify_settings(env),
        "SOCKET_ALLOWED_ORIGINS": [
            o.strip().rstrip("/")
            for o in env.get("SOCKET_ALLOWED_ORIGINS", "").split(",")
            if o.strip()
        ],
    }


def notify_settings(env: Any) -> dict[str, Any]:
    """The notification settings: on by default once a gateway URL is set."""
    url = env.get("NOTIFY_WEBHOOK_URL") or None
    return {
        "NOTIFY_ENABLED": flag(env.get("NOTIFY_ENABLED"), default=bool(url)),
        "NOTIFY_WEBHOOK_URL": url,
        "NOTIFY_WEBHOOK_SECRET": env.get("NOTIFY_WEBHOOK_SECRET") or None,
        # A Fernet key for the numbers at rest; unset: derived from SECRET_KEY (not in production).
        "NOTIFY_KEY": env.get("NOTIFY_KEY") or None,
        "NOTIFY_RETENTION_DAYS": count(env.get("NOTIFY_RETENTION_DAYS", "7")),
        "NOTIFY_RETRY_FOR_S": float(env.get("NOTIFY_RETRY_FOR_S") or 7200),
        "NOTIFY_TIMEOUT_S": float(env.get("NOTIFY_TIMEOUT_S") or 10),
        # How long a delivering process's lease lasts unrenewed: after a crash, another process
        # (or the restarted one) takes over delivery this long after the last renewal.
        "NOTIFY_LEASE_S": float(env.get("NOTIFY_LEASE_S") or 30),
        # Deliver from inside the server (a greenlet per process, one at a time by a lease);
        # off when `flask notify-worker` runs alone.
        "NOTIFY_IN_SERVER": flag(env.get("NOTIFY_IN_SERVER"), default=True),
    }
