"""Which enrolled device a request or socket comes from: the device cookie that `/enrol/<code>`
(web/devices.py) gives a kiosk or board. As `auth.py` is for people, this is for screens;
the web views and the socket handlers both ask it.

The cookie's token is looked up once per request that carries it (requests without one cost
nothing); a revoked or unknown token is dropped from the browser in the answer, so a revoked
device is anonymous from its next request on. Each request, socket connect and heartbeat of a
device marks it seen, at most once a minute, in a short transaction of its own."""

from __future__ import annotations

from flask import Flask, g, request
from werkzeug.wrappers import Response

from .domain.vocabulary import DeviceKind
from .extensions import db_session, writing
from .models import Device
from .services import devices
from .services.clock import utcnow

COOKIE = "loket_device"
#: 400 days: the longest browsers keep a cookie.
COOKIE_MAX_AGE_S = 400 * 24 * 3600


def init_app(app: Flask) -> None:
    """Recognise the device of each request before its view runs."""
    app.before_request(_recognise)
    app.after_request(_forget_dead_cookie)
    app.jinja_env.globals["current_device"] = current_device


def current_device() -> Device | None:
    """The enrolled, not revoked device this request comes from (recognised on first ask:
    the rate limiter may ask before this module's hook has run)."""
    _recognise()
    device: Device | None = g.get("loket_device")
    return device


def current_kiosk() -> Device | None:
    device = current_device()
    return device if device is not None and device.kind == DeviceKind.KIOSK.value else None


def seen_by_socket() -> None:
    """A socket of an enrolled device connected or said it is alive: mark it seen."""
    token = request.cookies.get(COOKIE)
    if token:
        device = _load(token)
        if device is not None:
            _mark_seen(device)


def _recognise() -> None:
    if "loket_device_checked" in g:
        return
    g.loket_device_checked = True
    token = request.cookies.get(COOKIE)
    if not token or request.endpoint == "static":
        return
    device = _load(token)
    if device is None:
        g.loket_device_dead = True  # revoked (or never was): it loses its access now
        return
    g.loket_device = device
    _mark_seen(device)


def _load(token: str) -> Device | None:
    session = db_session()
    device = devices.by_token(session, token[:128])
    if device is not None:
        session.expunge(device)  # a plain record: the request's commits do not expire it
    return device


def _mark_seen(device: Device) -> None:
    now = utcnow()
    if not devices.seen_due(device, now):
        return
    session = db_session()
    session.rollback()  # end the reading transaction; the mark is written on its own
    with writing():
        devices.mark_seen(session, device.id, now)
        session.commit()
    device.last_seen_at = now


def _forget_dead_cookie(response: Response) -> Response:
    if g.get("loket_device_dead") and not g.get("loket_device_enrolled"):
        response.delete_cookie(COOKIE, path="/")
    return response
