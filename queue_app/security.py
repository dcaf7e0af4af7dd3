"""Security settings that apply to the whole app: response headers (Content-Security-Policy and
friends, via Flask-Talisman), rate limits on issuing and signing in (Flask-Limiter), forwarded
addresses believed only from known proxies (TrustedProxies), the host names the site answers
for, and the production checks on SECRET_KEY and the site's public address.

`check_secret_key` and `check_public_address` run first in `create_app` (before a missing key is
generated), `init_app` once the blueprints exist (the limits wrap their views). Decisions:
docs/decisions.md, "Security" and "Forwarded addresses and host names".
"""

from __future__ import annotations

import ipaddress
import logging
import math
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from flask import Flask, Response, current_app, request
from flask_limiter import Limiter
from flask_login import current_user
from flask_talisman import DENY, Talisman
from limits import parse_many
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from .device_cookie import current_kiosk

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

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
TOKEN_PAGES = frozenset(
    {
        "pages.ticket_status",
        "screens.printed_ticket",
        "booking_page.booking_status",
        "daftar.booking_qr",
    }
)
#: The rate-limit settings (README, "Security"); each is a `limits` string.
LIMIT_SETTINGS = (
    "ISSUE_RATE_LIMIT_PER_IP",
    "ISSUE_RATE_LIMIT_PER_DEVICE",
    "LOGIN_RATE_LIMIT",
    "LOGIN_RATE_LIMIT_PER_USER_ADDRESS",
    "HOLDER_CANCEL_RATE_LIMIT_PER_IP",
    "SURVEY_RATE_LIMIT_PER_IP",
    "NOT_READY_RATE_LIMIT_PER_IP",
    "NOT_READY_RATE_LIMIT_PER_DEVICE",
    "BOOKING_RATE_LIMIT_PER_IP",
    "BOOKING_READ_RATE_LIMIT_PER_IP",
)
#: The forwarding headers (as WSGI environ keys) a request from an untrusted peer loses.
FORWARDING_HEADERS = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_PREFIX",
)
#: A TRUSTED_HOSTS entry: a host name or IPv4 address (a leading dot: and its subdomains), or a
#: bracketed IPv6 address; a port is allowed (Werkzeug ignores it).
_HOST_NAME = re.compile(r"\.?[a-z0-9.-]+(:[0-9]{1,5})?|\[[0-9a-f:.]+\](:[0-9]{1,5})?")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


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


def check_public_address(app: Flask) -> None:
    """In production, refuse to start when neither PUBLIC_BASE_URL nor TRUSTED_HOSTS says what
    the site's address is: the Host header of each request would decide the status URL (and QR
    code) of the tickets it issues."""
    if not app.config.get("PRODUCTION"):
        return
    if app.config.get("PUBLIC_BASE_URL") or trusted_hosts(app.config.get("TRUSTED_HOSTS")):
        return
    raise InsecureConfiguration(
        "Loket refuses to start in production (LOKET_ENV=production): neither PUBLIC_BASE_URL "
        "nor TRUSTED_HOSTS is set, so any request's Host header would decide the address in "
        "its ticket's QR code. Set PUBLIC_BASE_URL to the address phones should open (e.g. "
        "https://antrean.example.go.id), TRUSTED_HOSTS to the host names this site answers for "
        "(e.g. antrean.example.go.id), or both."
    )


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
    """Headers, rate limits, trusted proxies and hosts. Call after the blueprints are registered."""
    _check_limit_settings(app.config)
    networks, x_for, x_proto = proxy_settings(app.config)
    # Flask's own TRUSTED_HOSTS: a request naming another host gets 400 (web/errors.py).
    app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config.get("TRUSTED_HOSTS"))
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
    # Outside the Socket.IO middleware (socketio.init_app wrapped wsgi_app before): socket
    # handshakes see the same client address as pages and the API.
    app.wsgi_app = TrustedProxies(app.wsgi_app, networks, x_for, x_proto)  # type: ignore[method-assign]


def _check_limit_settings(config: Mapping[str, Any]) -> None:
    for name in LIMIT_SETTINGS:
        value = config.get(name) or ""
        try:
            parse_many(value) if value else None
        except ValueError as exc:
            raise InsecureConfiguration(
                f"{name}={value!r} is not a rate limit such as '10 per minute;100 per hour'"
            ) from exc


# -- forwarded addresses and host names --------------------------------------------------------


class TrustedProxies:
    """WSGI middleware: Werkzeug's ProxyFix for requests whose direct peer (REMOTE_ADDR) is a
    trusted proxy, nothing for any other.

    ProxyFix alone believes X-Forwarded-For from every peer: a process reached directly (the
    processes of a city listen on LAN addresses) would count each made-up address as a new
    client, and the per-address limits would count nothing. So a request from a peer outside
    TRUSTED_PROXIES is taken at its peer address, and loses its X-Forwarded-* headers so that
    nothing later (the socket Origin check) reads them either."""

    def __init__(
        self, app: WSGIApplication, networks: Sequence[Network], x_for: int, x_proto: int
    ) -> None:
        self.app = app
        self.networks = tuple(networks)
        self.proxy_fix = ProxyFix(app, x_for=x_for, x_proto=x_proto, x_host=0, x_port=0)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if self.trusts(environ.get("REMOTE_ADDR")):
            return self.proxy_fix(environ, start_response)
        for name in FORWARDING_HEADERS:
            environ.pop(name, None)
        return self.app(environ, start_response)

    def trusts(self, peer: str | None) -> bool:
        """Whether `peer` (a REMOTE_ADDR) is one of the trusted proxies."""
        try:
            address = ipaddress.ip_address(peer or "")
        except ValueError:  # none, or a Unix socket's: no proxy we know
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped  # ::ffff:10.0.0.5 from a dual-stack socket
        return any(address in network for network in self.networks)


def trusted_networks(value: object) -> list[Network]:
    """TRUSTED_PROXIES as networks: addresses and CIDR networks, comma-separated or a list.
    Anything else refuses to start, host bits under a prefix too (10.0.0.1/8: a typo of
    10.0.0.0/8 or 10.0.0.1/32?)."""
    networks = []
    for item in _items(value):
        try:
            networks.append(ipaddress.ip_network(item))
        except ValueError as exc:
            raise InsecureConfiguration(
                f"TRUSTED_PROXIES: {item!r} is not an IP address or network "
                f"({exc}); list the proxies' addresses, e.g. 127.0.0.1,10.0.0.0/24"
            ) from exc
    return networks


def proxy_settings(config: Mapping[str, Any]) -> tuple[list[Network], int, int]:
    """The trusted proxies and the hop counts of X-Forwarded-For and -Proto; refuses a count
    without proxies to believe it from (anyone could claim any address), and proxies without a
    count (every applicant behind nginx would count as nginx)."""
    networks = trusted_networks(config.get("TRUSTED_PROXIES"))
    x_for = int(config.get("PROXY_FIX_X_FOR") or 0)
    x_proto = int(config.get("PROXY_FIX_X_PROTO") or 0)
    if (x_for or x_proto) and not networks:
        raise InsecureConfiguration(
            f"PROXY_FIX_X_FOR={x_for} / PROXY_FIX_X_PROTO={x_proto} without TRUSTED_PROXIES: "
            "X-Forwarded-For would be believed from every client, so anyone could dodge the "
            "per-address limits. Set TRUSTED_PROXIES to nginx's address(es), e.g. "
            "TRUSTED_PROXIES=127.0.0.1 (nginx on this box) or 10.0.0.0/24."
        )
    if networks and not (x_for or x_proto):
        raise InsecureConfiguration(
            "TRUSTED_PROXIES is set but PROXY_FIX_X_FOR and PROXY_FIX_X_PROTO are 0: nothing "
            "would be taken from the proxies, and every applicant behind them would share "
            "nginx's address in the per-address limits. Set PROXY_FIX_X_FOR=1 (and "
            "PROXY_FIX_X_PROTO=1) for one nginx in front."
        )
    return networks, x_for, x_proto


def trusted_hosts(value: object) -> list[str] | None:
    """TRUSTED_HOSTS as Flask wants it (a list of lower-case names; None: any host), from a
    comma-separated string or a list. A URL or anything that is no host name refuses to
    start (it would match no request, and every one would get 400)."""
    hosts = [item.lower() for item in _items(value)]
    for host in hosts:
        if not _HOST_NAME.fullmatch(host):
            raise InsecureConfiguration(
                f"TRUSTED_HOSTS: {host!r} is not a host name; list names only, e.g. "
                "antrean.example.go.id or .example.go.id (with its subdomains)"
            )
    return hosts or None


def _items(value: object) -> Iterator[str]:
    """The non-blank entries of a comma-separated string or a list of strings."""
    if value is None:
        return
    raw = value.split(",") if isinstance(value, str) else value
    if not isinstance(raw, Iterable):
        raise InsecureConfiguration(f"{value!r} is not a comma-separated list")
    for item in raw:
        if str(item).strip():
            yield str(item).strip()


def _referrer_policy_of_token_pages(response: Response) -> Response:
    if request.endpoint in TOKEN_PAGES:
        response.headers["Referrer-Policy"] = "no-referrer"
    return response


# -- rate limits -----------------------------------------------------------------------------


def client_address() -> str:
    """The client's address: the peer's, or the X-Forwarded-For of a trusted proxy (nginx)."""
    return request.remote_addr or "unknown"


def issuer_key() -> str:
    """Who issues, for the device limit: the enrolled kiosk, else the signed-in account (a
    kiosk account, or staff issuing for someone)."""
    kiosk = current_kiosk()
    if kiosk is not None:
        return f"device:{kiosk.id}"
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


def attempted_username_at_address() -> str:
    """The username a sign-in attempt names, with the address it comes from."""
    return f"{attempted_username()}|{client_address()}"


def _known_issuer() -> bool:
    """An enrolled kiosk or a signed-in account: not limited per address."""
    return bool(current_user.is_authenticated) or current_kiosk() is not None


def _anonymous() -> bool:
    return not _known_issuer()


def _failed_sign_in(response: Response) -> bool:
    return response.status_code == 401


@dataclass(frozen=True)
class Limit:
    """One rate limit a view declares (`rate_limited`): the setting that holds it ("10 per
    minute;100 per hour"; empty turns it off), what it counts per, and when."""

    setting: str
    key: Callable[[], str]
    #: Views that name the same scope share one count (the sign-in form and the API token).
    scope: str | None = None
    exempt_when: Callable[[], bool] | None = None
    #: Count only the answers this says yes to (failed sign-ins), not every request.
    deduct_when: Callable[[Response], bool] | None = None
    methods: tuple[str, ...] | None = None


#: Issuing, anonymous clients: per address (a kiosk's crowd shares one, hence devices).
ISSUE_PER_ADDRESS = Limit("ISSUE_RATE_LIMIT_PER_IP", client_address, exempt_when=_known_issuer)
#: Issuing by enrolled kiosks (device_cookie.py) and signed-in accounts: per device or account.
ISSUE_PER_DEVICE = Limit("ISSUE_RATE_LIMIT_PER_DEVICE", issuer_key, exempt_when=_anonymous)
#: "Not yet" at the kiosk's requirements step (a visit saved), counted like issuing: per
#: address for anonymous clients, per enrolled kiosk or account for known ones.
NOT_READY_PER_ADDRESS = Limit(
    "NOT_READY_RATE_LIMIT_PER_IP", client_address, exempt_when=_known_issuer
)
NOT_READY_PER_DEVICE = Limit("NOT_READY_RATE_LIMIT_PER_DEVICE", issuer_key, exempt_when=_anonymous)
#: A holder's own actions by token (leave the queue, answer the survey): the token is the
#: credential, so every try counts, per address (a guesser of tokens is throttled).
HOLDER_CANCEL = Limit("HOLDER_CANCEL_RATE_LIMIT_PER_IP", client_address)
HOLDER_SURVEY = Limit("SURVEY_RATE_LIMIT_PER_IP", client_address)
#: Online registration (issue 16), per address: booking and cancelling (a signed-in
#: account, such as another agency's portal with its API token, is exempt: it books for
#: many users); and the reads of availability and of a booking by token.
BOOKING_PER_ADDRESS = Limit("BOOKING_RATE_LIMIT_PER_IP", client_address, exempt_when=_known_issuer)
BOOKING_READ_PER_ADDRESS = Limit("BOOKING_READ_RATE_LIMIT_PER_IP", client_address)
#: Password guessing: failed sign-ins (401) count, per address and per (username, address),
#: across the sign-in form and the API token endpoint alike. Never per username alone:
#: usernames are predictable, and a guesser spread over many addresses would then lock the real
#: clerk out (each address is throttled on its own; the windows of a setting such as "3 per
#: minute;10 per hour" make the wait grow with the failures).
SIGN_IN_PER_ADDRESS = Limit(
    "LOGIN_RATE_LIMIT",
    client_address,
    scope="sign-in-address",
    deduct_when=_failed_sign_in,
    methods=("POST",),
)
SIGN_IN_PER_USER_ADDRESS = Limit(
    "LOGIN_RATE_LIMIT_PER_USER_ADDRESS",
    attempted_username_at_address,
    scope="sign-in-user-address",
    deduct_when=_failed_sign_in,
    methods=("POST",),
)

ViewT = TypeVar("ViewT", bound=Callable[..., Any])


def rate_limited(*limits: Limit) -> Callable[[ViewT], ViewT]:
    """Declare a view's rate limits where the view is written (put it right under the route
    decorator). `init_app` applies them with each app's own Limiter: a Flask-Limiter Limiter
    holds its storage and its on/off switch, and the tests build many apps with different
    limits in one process, so one module-level Limiter decorating the views at import time
    cannot serve them all."""

    def mark(view: ViewT) -> ViewT:
        view.loket_limits = limits  # type: ignore[attr-defined]
        return view

    return mark


def _limit_views(app: Flask, limiter: Limiter) -> None:
    """Apply the limits each registered view declares (`rate_limited`) with this app's
    limiter and settings."""
    for endpoint, view in list(app.view_functions.items()):
        limited: Any = view
        for declared in getattr(view, "loket_limits", ()):
            value = app.config.get(declared.setting)
            if not value:
                continue
            options: dict[str, Any] = {
                "key_func": declared.key,
                "exempt_when": declared.exempt_when,
                "deduct_when": declared.deduct_when,
                "methods": list(declared.methods) if declared.methods else None,
            }
            if declared.scope is None:
                limited = limiter.limit(value, **options)(limited)
            else:
                limited = limiter.shared_limit(value, declared.scope, **options)(limited)
        app.view_functions[endpoint] = limited


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
