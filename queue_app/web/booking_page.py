"""The booking's status page `/b/<token>` (issue 16): server-rendered, Indonesian first, for
the phone that booked. It shows the agency, service, floor and room, the day and session,
the check-in window, what to bring, the code and its QR (the kiosk's scanner reads it), and
a cancel button (a form post with its CSRF token; no script needed)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from ..domain.errors import BookingRefused
from ..extensions import db_session
from ..i18n import current_language
from ..models import Site
from ..security import BOOKING_PER_ADDRESS, BOOKING_READ_PER_ADDRESS, rate_limited
from ..services import booking_read, bookings
from ..services.clock import utcnow
from .commit import commit_without_expiring
from .common import qr_svg

bp = Blueprint("booking_page", __name__)


class CancelForm(FlaskForm):
    """The cancel button: only its CSRF token."""


def long_day(day: date) -> str:
    """Selasa, 16 Juni 2026 / Tuesday, 16 June 2026 (Babel's names of the page's language)."""
    return format_date(day, "EEEE, d MMMM y", locale=current_language())


def clock(at: str, zone: ZoneInfo) -> str:
    """An ISO timestamp as the hall's local time (09.00 in Indonesian, 09:00 in English)."""
    local = datetime.fromisoformat(at).astimezone(zone)
    return local.strftime("%H.%M" if current_language() == "id" else "%H:%M")


@bp.get("/b/<token>")
@rate_limited(BOOKING_READ_PER_ADDRESS)
def booking_status(token: str) -> str:
    """The booking's page."""
    session = db_session()
    booking = bookings.by_token(session, token)
    view = booking_read.booking_view(session, booking)
    site = session.get(Site, booking.site_id)
    assert site is not None
    zone = bookings.rules_of(session, site).zone
    return render_template(
        "booking.html",
        booking=view,
        site_name=site.name,
        day=long_day(booking.day),
        starts=clock(view["session"]["starts_at"], zone),
        ends=clock(view["session"]["ends_at"], zone),
        check_in_from=clock(view["check_in_from"], zone),
        check_in_until=clock(view["check_in_until"], zone),
        qr=qr_svg(token),
        form=CancelForm() if view["state"] == "booked" else None,
    )


@bp.post("/b/<token>/cancel")
@rate_limited(BOOKING_PER_ADDRESS)
def booking_cancel(token: str) -> Response:
    """The cancel button: the place is freed, back to the page (which says so)."""
    form = CancelForm()
    if not form.validate_on_submit():
        flash(gettext("The page was open too long: please try again."), "error")
        return redirect(url_for("booking_page.booking_status", token=token))
    session = db_session()
    try:
        bookings.cancel(session, token, utcnow())
        commit_without_expiring()
        flash(gettext("Your booking is cancelled: its place is free for someone else."), "ok")
    except BookingRefused as refused:
        session.rollback()
        flash(refused_words(refused), "error")
    return redirect(url_for("booking_page.booking_status", token=token))


def refused_words(refused: BookingRefused) -> str:
    """Why a booking cannot be cancelled, in the page's language."""
    if refused.code == "already_checked_in":
        words = gettext("This booking was checked in already: it cannot be cancelled.")
    elif refused.code == "booking_expired":
        words = gettext("This booking expired: its session is over.")
    else:
        words = gettext("This booking was cancelled already.")
    return str(words)
