"""Online registration's API (*antrean daring*, issue 16): availability, booking, a booking
by token, cancelling, and the check-in at the kiosk. Its routes join the API's blueprint
(`api.*`, under /api/v1). Each view: parse → one service verb → commit once → answer."""

from __future__ import annotations

from datetime import date, datetime

from flask import Response, current_app, g, jsonify, request
from flask_login import current_user

from ..contract import booking as contract
from ..device_cookie import current_kiosk
from ..domain import booking as rules
from ..domain.access import Actor
from ..domain.errors import InvalidHolderId, SessionFull
from ..domain.vocabulary import Channel, Role
from ..extensions import csrf, db_session, writing
from ..models import Site
from ..realtime import availability, snapshots
from ..security import (
    BOOKING_PER_ADDRESS,
    BOOKING_READ_PER_ADDRESS,
    ISSUE_PER_DEVICE,
    rate_limited,
)
from ..services import booking_read, bookings, holders
from ..services.clock import utcnow
from ..services.holders import HolderId
from .api import bp, contact_arg
from .commit import commit_and_publish, commit_without_expiring
from .common import site_id_arg, status_base, status_url
from .errors import ApiError
from .guards import staff_required
from .validation import json_object, parse_body


def booking_url(token: str, site_id: int) -> str:
    """The absolute URL of a booking's status page, `/b/<token>`."""
    return f"{status_base(site_id)}/b/{token}"


def holder_of(raw: object, kind: str) -> HolderId:
    """The holder id a booking needs, checked: a NIK's structure in words (422)."""
    key = holders.holder_key(current_app.secret_key or "")
    if raw is None or raw == "":
        what = "NIK" if kind == holders.NIK else "mobile phone number"
        raise InvalidHolderId(
            f"send the holder's {what} as 'holder_id'", field="holder_id", kind=kind
        )
    holder = holders.parse_holder_id(kind, raw, key)
    if kind == holders.NIK:
        problem = rules.nik_problem(holder.value, utcnow().date())
        if problem is not None:
            raise InvalidHolderId(problem, field="holder_id", kind=kind, reason=problem)
    return holder


@bp.get("/booking/availability")
@rate_limited(BOOKING_READ_PER_ADDRESS)
def booking_availability() -> Response:
    """A service day's arrival sessions and their places left (`?service=<id or code>`,
    `?date=YYYY-MM-DD`), whether booking is open now and when it opens next. A read of the
    read model (realtime/availability.py: built once per committed booking change, shared by
    every reader); the day's sessions are cut the first time anyone asks for it (a one-time
    write in a transaction of its own)."""
    ref = request.args.get("service")
    body = parse_body(contract.AvailabilityQuery, {"service": ref})
    site_id, now = site_id_arg(), utcnow()
    kept = availability.cache()
    service = kept.rules_of(db_session(), site_id, body.service)
    day = bookings.parse_day(request.args.get("date"))
    bookings.require_bookable(service.rules, day, now)
    places = None
    if not service.walk_in:
        places = kept.day(service.service_id, day)
        if not places.rows:
            cut_day(site_id, service.service_id, day, now)
            places = kept.day(service.service_id, day)
    return current_app.response_class(
        availability.body(service, day, places, now), mimetype="application/json"
    )


def cut_day(site_id: int, service_id: int, day: date, now: datetime) -> None:
    """Cut a service day's sessions (the first asker's one-time write; two at once: one
    inserts, the other reads its rows). Its commit tells the read model."""
    session = db_session()
    session.rollback()  # end the reading transaction: the cut is written on its own
    with writing():
        bookings.availability(session, site_id, service_id, day.isoformat(), now)
        commit_without_expiring()


@bp.post("/bookings")
@rate_limited(BOOKING_PER_ADDRESS)
def create_booking() -> tuple[Response, int]:
    """Book a place in a session: 201 with the booking's code, token and status page."""
    asks = parse_body(contract.BookingBody, json_object())
    session = db_session()
    site_id = site_id_arg()
    site = session.get(Site, site_id)
    if site is None:
        raise ApiError(404, "not_found", f"no site {site_id}")
    # The rules are read once, for the holder id, the booking and the answer.
    book_rules = bookings.rules_of(session, site)
    holder = holder_of(asks.holder_id, book_rules.holder_kind)
    try:
        # The session and service stay referenced, so the answer finds them in the session's
        # (weak) identity map instead of reading them again.
        booking, _place, _service = bookings.book(
            session,
            site_id,
            asks.service,
            asks.date,
            asks.session,
            holder,
            (asks.name or "").strip() or None,
            utcnow(),
            contact=contact_arg(asks.phone, asks.lang, site_id),
            book_rules=book_rules,
        )
    except SessionFull as full:
        # The locked row counted it full: this process's kept places may still show room
        # (another process's booking, up to BOOKING_AVAILABILITY_STALE_S old). The page reloads
        # the sessions on this answer, and must then see it full.
        if full.service_day is not None:
            availability.cache().changed([full.service_day], rules=False)
        raise
    view = booking_read.booking_view(session, booking, book_rules)
    answer = contract.BookedReceipt(
        **view, token=booking.token, status_url=booking_url(booking.token, site_id)
    )
    commit_without_expiring()
    return jsonify(answer), 201


@bp.get("/bookings/by-token/<token>")
@rate_limited(BOOKING_READ_PER_ADDRESS)
def booking_by_token(token: str) -> Response:
    """The booking's public view (its status page and a portal read this)."""
    session = db_session()
    return jsonify(booking_read.booking_view(session, bookings.by_token(session, token)))


@bp.get("/bookings/lookup")
@staff_required
def look_up_bookings(actor: Actor) -> Response:
    """The desk looks a booking up: `?code=`, or `?holder_id=` (NIK or number, as the site
    asks) with `?date=`. 200 with the bookings found (none: an empty list)."""
    code, raw_holder = request.args.get("code"), request.args.get("holder_id")
    if (code is None) == (raw_holder is None):
        raise ApiError(422, "invalid_input", "send either 'code', or 'holder_id' with 'date'")
    session = db_session()
    site_id = site_id_arg()
    if session.get(Site, site_id) is None:
        raise ApiError(404, "not_found", f"no site {site_id}")
    holder, day = None, None
    if raw_holder is not None:
        day = bookings.parse_day(request.args.get("date"))
        holder = holder_of(raw_holder, bookings.settings_of(session, site_id).holder_kind)
    found = bookings.look_up(session, site_id, code=code, holder=holder, day=day)
    return jsonify([booking_read.desk_view(session, row) for row in found])


@bp.post("/bookings/by-token/<token>/cancel")
@rate_limited(BOOKING_PER_ADDRESS)
def cancel_booking(token: str) -> Response:
    """The holder cancels: 200, state `cancelled`, the place freed; 409 once checked in,
    expired or cancelled. The token is the credential (rate-limited per address)."""
    session = db_session()
    booking = bookings.cancel(session, token, utcnow())
    answer = booking_read.booking_view(session, booking)
    commit_without_expiring()
    return jsonify(answer)


def check_in_channel() -> tuple[Channel, int | None]:
    """Who checks in: an enrolled kiosk, a kiosk account, or signed-in staff (for someone at
    the desk); else 401. A browser session must send the page's CSRF token."""
    if current_user.is_authenticated:
        if not g.get("bearer_sent") and current_app.config.get("WTF_CSRF_ENABLED", True):
            csrf.protect()
        if current_user.role == Role.KIOSK.value:
            return Channel.KIOSK, None
        return Channel.STAFF, int(current_user.id)
    if g.get("bearer_sent"):
        raise ApiError(401, "invalid_token", "the Bearer token is unknown or revoked")
    if current_kiosk() is not None:
        return Channel.KIOSK, None
    raise ApiError(401, "unauthorized", "check-in is for an enrolled kiosk or signed-in staff")


@bp.post("/bookings/check-in")
@rate_limited(ISSUE_PER_DEVICE)
def check_in_booking() -> tuple[Response, int]:
    """Check a booking in (its `code` typed, or its `token` scanned from the QR): 201 with
    the ticket issued, channel `online`, queued from its session's start."""
    channel, staff_id = check_in_channel()
    asks = parse_body(contract.CheckInBody, json_object())
    if (asks.code is None) == (asks.token is None):
        raise ApiError(422, "invalid_input", "send the booking's 'code' or its 'token'")
    session = db_session()
    site_id = site_id_arg()
    booking, ticket, events = bookings.check_in(
        session,
        site_id,
        code=asks.code,
        token=asks.token,
        channel=channel,
        staff_id=staff_id,
        now=utcnow(),
    )
    code = booking.code
    snapshot = commit_and_publish(events) or snapshots.current(session, ticket.site_id)
    answer = contract.CheckedIn(
        **snapshot.ticket_public(ticket),
        id=ticket.id,
        token=ticket.token,
        status_url=status_url(ticket.token, ticket.site_id, snapshot),
        channel=ticket.channel,
        booking=code,
    )
    return jsonify(answer), 201
