"""One place that shapes errors: JSON `{"error": code, "message": ...}` under /api, HTML elsewhere.

Any unexpected exception rolls the session back, so nothing half-done is ever committed.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, jsonify, render_template, request
from flask.globals import request_ctx
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, SecurityError

from ..contract import payloads
from ..domain.errors import (
    AgencyCapReached,
    AlreadyHolding,
    BookingRefused,
    CounterBusy,
    CounterNotOpen,
    Forbidden,
    HallClosed,
    InvalidInput,
    InvalidTransition,
    LoketError,
    NotFound,
    QuotaReached,
    ServiceClosed,
    SurveyClosed,
    WalkInNotAccepted,
)
from ..extensions import rollback_session
from ..security import retry_after_s

log = logging.getLogger(__name__)

STATUS: dict[type[LoketError], int] = {
    InvalidTransition: 409,
    QuotaReached: 409,
    AgencyCapReached: 409,
    WalkInNotAccepted: 409,
    ServiceClosed: 409,
    HallClosed: 409,
    CounterNotOpen: 409,
    CounterBusy: 409,
    AlreadyHolding: 409,
    SurveyClosed: 409,
    BookingRefused: 409,
    NotFound: 404,
    Forbidden: 403,
    InvalidInput: 422,
}

# Stable codes for the HTTP errors Werkzeug raises.
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}


class ApiError(Exception):
    """An error a view raises with an explicit status and code."""

    def __init__(self, status: int, code: str, message: str, **detail: object) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.detail = status, code, message, detail


def wants_json() -> bool:
    """API paths and clients that ask for JSON get JSON errors."""
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def error_response(status: int, code: str, message: str, **detail: object) -> Response:
    """Build the error response for this request's audience."""
    rollback_session()  # even when the database connection is gone
    if wants_json():
        body: payloads.Error = {"error": code, "message": message}
        if detail:
            body["detail"] = detail
        response = jsonify(body)
    else:
        response = Response(
            render_template("error.html", status=status, code=code, message=message, detail=detail),
            mimetype="text/html",
        )
    response.status_code = status
    if status == 401 and wants_json():
        response.headers["WWW-Authenticate"] = 'Bearer realm="loket"'
    return response


def _urls_without_routing() -> None:
    """A request refused before routing (an untrusted Host) has no URL adapter, and the error
    page's url_for('static', …) needs one: build its (relative) URLs as for the first trusted
    host."""
    if request_ctx.url_adapter is not None:
        return
    hosts = current_app.config.get("TRUSTED_HOSTS") or ["localhost"]
    request_ctx.url_adapter = current_app.url_map.bind(
        hosts[0].lstrip("."), script_name=request.script_root or None, url_scheme=request.scheme
    )


def init_app(app: Flask) -> None:
    """Register the handlers."""

    @app.teardown_appcontext
    def end_transaction(_exc: BaseException | None) -> None:
        # Runs before Flask-SQLAlchemy's own teardown, whose rollback on a connection the
        # database dropped would fail the request with a 500 after its answer was ready.
        rollback_session()

    @app.errorhandler(LoketError)
    def handle_domain(exc: LoketError) -> Response:
        status = next((s for cls, s in STATUS.items() if isinstance(exc, cls)), 400)
        return error_response(status, exc.code, exc.message, **exc.detail)

    @app.errorhandler(ApiError)
    def handle_api(exc: ApiError) -> Response:
        return error_response(exc.status, exc.code, exc.message, **exc.detail)

    @app.errorhandler(CSRFError)
    def handle_csrf(exc: CSRFError) -> Response:
        return error_response(400, "csrf_failed", exc.description or "missing CSRF token")

    @app.errorhandler(RateLimitExceeded)
    def handle_rate_limited(exc: RateLimitExceeded) -> Response:
        # Flask-Limiter (queue_app/security.py): too many tickets from one kiosk or address,
        # or too many failed sign-ins. Nothing was done; the client may try again later.
        wait = retry_after_s()
        response = error_response(
            429,
            "rate_limited",
            f"too many requests ({exc.description}); try again in {wait} s",
            retry_after_s=wait,
        )
        response.headers["Retry-After"] = str(wait)
        return response

    @app.errorhandler(SecurityError)
    def handle_untrusted_host(exc: SecurityError) -> Response:
        # Flask's TRUSTED_HOSTS (queue_app/security.py): the request names a host this site
        # does not answer for. The error page echoes nothing of it.
        _urls_without_routing()
        return error_response(
            400, "untrusted_host", "this site does not answer for the host name in the request"
        )

    @app.errorhandler(HTTPException)
    def handle_http(exc: HTTPException) -> Response:
        status = exc.code or 500
        response = error_response(
            status, HTTP_CODES.get(status, "http_error"), exc.description or ""
        )
        # The headers the exception carries besides its own body's type: `Allow` on a 405
        # (the methods the URL accepts, RFC 9110), `WWW-Authenticate`, `Retry-After`.
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(DataError)
    def handle_unstorable_value(exc: DataError) -> Response:
        # The database refused a value (a NUL character, a number out of range): bad input.
        return error_response(422, "invalid_input", "a value in the request cannot be stored")

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)  # psycopg: "the connection is closed"
    @app.errorhandler(PoolTimeout)  # every pooled connection busy for pool_timeout seconds
    def handle_database_down(exc: SQLAlchemyError) -> Response:
        # The pool (pool_pre_ping) replaces dead connections by itself once the database is back.
        log.error("database unavailable: %s", getattr(exc, "orig", None) or exc)
        return error_response(
            503, "database_unavailable", "the database is not reachable; try again shortly"
        )

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception) -> Response:
        log.exception("unhandled error")
        return error_response(500, "internal_error", "something went wrong; nothing was changed")
