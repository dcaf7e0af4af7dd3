"""`/enrol/<code>`: a kiosk or board opens its one-time enrolment link and gets its device
cookie (HttpOnly, SameSite=Lax, Secure where sessions are; device_cookie.py recognises it on
every later request)."""

from __future__ import annotations

from flask import Blueprint, current_app, g, redirect, url_for
from werkzeug.wrappers import Response

from ..device_cookie import COOKIE, COOKIE_MAX_AGE_S
from ..domain.vocabulary import DeviceKind
from ..extensions import db, db_session
from ..security import client_address
from ..services import devices

bp = Blueprint("devices", __name__)


@bp.get("/enrol/<code>")
def enrol(code: str) -> Response:
    """Open on the device itself: the code is used up, the browser keeps the device cookie,
    and goes to its screen (a kiosk to /kiosk, a board to /display, a survey tablet to
    /survey, of its hall)."""
    device, token = devices.enrol(db_session(), code[:128], client_address())
    db.session.commit()
    screen = {
        DeviceKind.KIOSK.value: "screens.kiosk",
        DeviceKind.SURVEY.value: "survey_tablet.tablet",  # its counter is chosen there
    }.get(device.kind, "screens.display")
    response = redirect(url_for(screen, site=device.site_id))
    response.set_cookie(
        COOKIE,
        token,
        max_age=COOKIE_MAX_AGE_S,
        path="/",
        httponly=True,
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        samesite="Lax",
    )
    g.loket_device_enrolled = True  # an old cookie of this browser is replaced, not dropped
    return response
