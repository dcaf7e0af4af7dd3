"""Security settings that apply to the whole app: response headers (Content-Security-Policy and
friends, via Flask-Talisman), rate limits on issuing and signing in (Flask-Limiter), the proxy
fix for a deployment behind nginx, and the production check on SECRET_KEY.

`check_secret_key` runs first in `create_app` (before a missing key is generated), `init_app`
once the blueprints exist (the limits wrap their views). Decisions: docs/decisions.md, Security.
"""

from __future__ import annotations

import logging
import math
import re
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, request
from flask_limiter import Limiter
from flask_login import current_user
from flask_talisman import DENY, Talisman
from limits import parse_many
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

ROOT = Path(__file__).resolve().parent.parent

#: A production SECRET_KEY is at least this long (32 characters: 128+ bits when random).
SECRET_KEY_MIN = 32
#: Values no production key may be (case-insensitive), nor contain (see `secret_key_problem`).
PLACEHOLDER_SECRETS = frozenset(
    {"change-me", "changeme", "dev", "development", "secret", "secret-key", "test", "testing"}
)
PLACEHOLDER_WORDS = ("change-me", "changeme", "change_me", "replace-me", "example", "placeholder")
#: Where example configurations live; a SECRET_KEY written there is published, so refused.
EXAMPLE_FILES = ("README.md", "docs/*.md", "deploy/**/*")
_ASSIGNED_KEY = re.compile(r"SECRET_KEY\s*[=:]\s*[\"']?([^\"'\s]+)")

#: Every page's policy: nothing inline may run (no inline script, style or event handler) and
#: nothing loads from elsewhere (no CDN). 'self' in connect-src also covers the same-origin
#: ws:/wss: of Socket.IO in CSP Level 3 browsers (Chromium: checked by tests/security).
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "media-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
#: Browser features no screen uses.
PERMISSIONS_POLICY = {"camera": "()", "microphone": "()", "geolocation": "()", "payment": "()"}
#: Pages whose URL carries a ticket's token: their requests send no Referer at all.
TOKEN_PAGES = frozenset({"pages.ticket_status", "screens.printed_ticket"})
#: The rate-limit settings (README, "Security"); each is a `limits` string.
LIMIT_SETTINGS = (
    "ISSUE_RATE_LIMIT_PER_IP",
    "ISSUE_RATE_LIMIT_PER_DEVICE",
    "LOGIN_RATE_LIMIT",
    "LOGIN_RATE_LIMIT_PER_USER",
)


class InsecureConfiguration(RuntimeError):
    """The app refuses to start with this configuration."""


# -- SECRET_KEY ------------------------------------------------------------------------------


def check_secret_key(app: Flask) -> None:
    """In production (LOKET_ENV=production), refuse to start on a missing, short or published
    SECRET_KEY. Elsewhere a missing key is generated per installation (create_app)."""
    if not app.config.get("PRODUCTION"):
        return
    problem = secret_key_problem(app.config.get("SECRET_KEY"), published_secret_keys())
    if problem:
        raise InsecureConfiguration(
            f"Loket refuses to start in production (LOKET_ENV=production): {problem}. "
            "Set SECRET_KEY to a long random value shared by every process, e.g. the output of "
            "`python3 -c 'import secrets; print(secrets.token_hex(32))'`."
        )


def secret_key_problem(value: object, published: Iterable[str] = ()) -> str | None:
    """Why `value` is not fit to sign production sessions, or None."""
    if not value:
        return "SECRET_KEY is not set"
    if not isinstance(value, str):
        return "SECRET_KEY must be a string"
    lowered = value.strip().lower()
    if lowered in PLACEHOLDER_SECRETS or any(word in lowered for word in PLACEHOLDER_WORDS):
        return "SECRET_KEY is a placeholder value"
    if value in set(published):
        return "SECRET_KEY is the example value published in this repository"
    if len(value) < SECRET_KEY_MIN:
        return f"SECRET_KEY is shorter than {SECRET_KEY_MIN} characters"
    if len(set(value)) < 8:
        return "SECRET_KEY repeats too few characters to be random"
    return None


def published_secret_keys(root: Path = ROOT) -> set[str]:
    """Every value assigned to SECRET_KEY in the README, the docs and deploy/ examples."""
    found: set[str] = set()
    for pattern in EXAMPLE_FILES:
        for path in root.glob(pattern):
            if not path.is_file() or path.stat().st_size > 1_000_000:
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            found.update(_ASSIGNED_KEY.findall(text))
    return found


# -- the app ---------------------------------------------------------------------------------


def init_app(app: Flask) -> None:
    """Headers, rate limits and the proxy fix. Call after the blueprints are registered."""
    _check_limit_settings(app.config)
    # Registered before Talisman so it runs after it (Flask runs after_request hooks in
    # reverse): it has the last word on the Referer policy of token pages.
    app.after_request(_referrer_policy_of_token_pages)
    Talisman(
        app,
        force_https=False,  # TLS ends at nginx; `make run` serves a LAN over plain http
        frame_options=DENY,
        content_security_policy=CONTENT_SECURITY_POLICY,
        permissions_policy=PERMISSIONS_POLICY,
        # same-origin, not no-referrer: Flask-WTF's CSRF check on HTTPS compares the Referer
        # with the host, so our own form posts must send it; no other site ever gets it.
        referrer_policy="same-origin",
        session_cookie_secure=bool(app.config.get("SESSION_COOKIE_SECURE")),
        session_cookie_http_only=True,
        session_cookie_samesite=app.config.get("SESSION_COOKIE_SAMESITE") or "Lax",
        strict_transport_security=bool(app.config.get("PRODUCTION")),
        strict_transport_security_include_subdomains=False,
    )
    limiter = Limiter(
        key_func=client_address,
        storage_uri=app.config.get("RATELIMIT_STORAGE_URI")
        or app.config.get("REDIS_URL")
        or "memory://",
        strategy="moving-window",  # no double burst at a window's edge
        # Retry-After comes with the 429 only (web/errors.py), not on every answer.
        headers_enabled=False,
        key_prefix="loket",
        # A rate-limit store that is down (Redis restarting) must not fail issuing: count in
        # this process's memory until it is back.
        in_memory_fallback_enabled=True,
        swallow_errors=True,
    )
    limiter.init_app(app)
    app.extensions["loket_limiter"] = limiter
    _limit_views(app, limiter)
    x_for, x_proto = (
        int(app.config.get("PROXY_FIX_X_FOR") or 0),
        int(app.config.get("PROXY_FIX_X_PROTO") or 0),
    )
    if x_for or x_proto:
        # Behind nginx: trust exactly that many proxies' X-Forwarded-For / -Proto, so the
        # per-address limits see the applicant's address rather than nginx's.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=x_for, x_proto=x_proto)  # type: ignore[method-assign]


def _check_limit_settings(config: Mapping[str, Any]) -> None:
    for name in LIMIT_SETTINGS:
        value = config.get(name) or ""
        try:
            parse_many(value) if value else None
        except ValueError as exc:
            raise InsecureConfiguration(
                f"{name}={value!r} is not a rate limit such as '10 per minute;100 per hour'"
            ) from exc


def _referrer_policy_of_token_pages(response: Response) -> Response:
    if request.endpoint in TOKEN_PAGES:
        response.headers["Referrer-Policy"] = "no-referrer"
    return response


# -- rate limits -----------------------------------------------------------------------------


def client_address() -> str:
    """The client's address (nginx's X-Forwarded-For only through ProxyFix, when enabled)."""
    return request.remote_addr or "unknown"


def account_key() -> str:
    """The signed-in account (a kiosk device, or staff issuing for someone)."""
    return f"account:{current_user.get_id()}"


def attempted_username() -> str:
    """The username a sign-in attempt names, from the form or the JSON body ("" when it names
    none, or the body is too large to read: the view refuses that one with 413 anyway)."""
    try:
        name = request.form.get("username")
        if name is None:
            body = request.get_json(silent=True)
            name = body.get("username") if isinstance(body, dict) else None
    except HTTPException:
        name = None
    return "user:" + (name.strip().lower()[:64] if isinstance(name, str) else "")


def _signed_in() -> bool:
    return bool(current_user.is_authenticated)


def _anonymous() -> bool:
    return not current_user.is_authenticated


def _failed_sign_in(response: Response) -> bool:
    return response.status_code == 401


def _limit_views(app: Flask, limiter: Limiter) -> None:
    """Wrap the views that need limits. Per app (tests build many apps): a Limiter holds its
    own storage and switch, so it cannot be a module-level extension shared between apps."""
    config = app.config

    def wrap(endpoint: str, *decorators: Callable[[Any], Any] | None) -> None:
        view = app.view_functions[endpoint]
        for decorate in decorators:
            if decorate is not None:
                view = decorate(view)
        app.view_functions[endpoint] = view

    def limit(name: str, **options: Any) -> Callable[[Any], Any] | None:
        value = config.get(name)
        return limiter.limit(value, **options) if value else None

    def shared(name: str, scope: str, **options: Any) -> Callable[[Any], Any] | None:
        value = config.get(name)
        return limiter.shared_limit(value, scope, **options) if value else None

    # Issuing: anonymous clients per address, signed-in accounts (kiosks) per account.
    wrap(
        "api.issue",
        limit("ISSUE_RATE_LIMIT_PER_IP", key_func=client_address, exempt_when=_signed_in),
        limit("ISSUE_RATE_LIMIT_PER_DEVICE", key_func=account_key, exempt_when=_anonymous),
    )
    # Password guessing: failed sign-ins (401) count, per address and per username, across
    # the sign-in form and the API token endpoint alike.
    for endpoint in ("pages.login", "api.create_token"):
        wrap(
            endpoint,
            shared(
                "LOGIN_RATE_LIMIT",
                "sign-in-address",
                key_func=client_address,
                methods=["POST"],
                deduct_when=_failed_sign_in,
            ),
            shared(
                "LOGIN_RATE_LIMIT_PER_USER",
                "sign-in-user",
                key_func=attempted_username,
                methods=["POST"],
                deduct_when=_failed_sign_in,
            ),
        )


def retry_after_s() -> int:
    """Seconds until the limit this request broke lets the client in again (at least 1)."""
    limiter = current_app.extensions.get("loket_limiter")
    limit = limiter.current_limit if limiter is not None else None
    if limit is None:
        return 60
    return max(1, math.ceil(float(limit.reset_at) - time.time()))


def socket_origin_check(allowed: list[str]) -> Callable[[str | None, dict[str, Any]], bool]:
    """Engine.IO's Origin check for a socket handshake: the origin of the page must be this
    site (scheme and host the request came to, or nginx's X-Forwarded-Proto/Host) or one of
    `allowed`. A client that sends no Origin (not a browser) is not checked by Engine.IO."""
    extra = {origin.rstrip("/") for origin in allowed}

    def check(origin: str | None, environ: dict[str, Any]) -> bool:
        if origin is None:
            return True
        origin = origin.rstrip("/")
        if origin in extra:
            return True
        host = environ.get("HTTP_HOST", "")
        scheme = environ.get("wsgi.url_scheme", "http")
        own = {f"{scheme}://{host}"}
        forwarded_host = environ.get("HTTP_X_FORWARDED_HOST", host).split(",")[0].strip()
        forwarded_proto = environ.get("HTTP_X_FORWARDED_PROTO", scheme).split(",")[0].strip()
        own.add(f"{forwarded_proto}://{forwarded_host}")
        return origin in own

    return check


class OneLineLogger(logging.LoggerAdapter):  # type: ignore[type-arg]
    """python-socketio and python-engineio log a client's malformed packet with a traceback
    (`logger.exception`); this logger says it in one line. Everything else passes through."""

    def __init__(self, name: str) -> None:
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.WARNING)  # as quiet as the libraries' own default
        super().__init__(logger, {})

    def exception(self, msg: object, *args: object, exc_info: Any = True, **kwargs: Any) -> None:
        error = sys.exc_info()[1]
        detail = f"{type(error).__name__}: {error}" if error is not None else "unknown error"
        text = str(msg) % args if args else str(msg)
        self.warning("%s (%s)", text, detail[:200])
