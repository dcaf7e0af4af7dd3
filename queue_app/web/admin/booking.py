"""Online registration in the admin console (issue 16): the site's booking settings and
closed days (`/admin/booking`), and the places of a service day's sessions
(`/admin/booking/sessions`). Admins only, as every set-up page.

No screen follows these live (services/admin/booking.py), so a change ends with its one
commit and no news."""

from __future__ import annotations

from datetime import date

from babel.dates import get_day_names
from flask import abort, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ...domain.errors import InvalidDate, LoketError
from ...extensions import db, db_session, writing
from ...models import ClosedDay, Service, Site
from ...services.admin import booking as verbs
from ...services.admin.changes import Applied
from ..commit import commit_without_expiring
from ..common import id_arg
from ..guards import admin_page
from . import bp
from ._chrome import chosen_site, done, me, refused_on, render
from ._guards import ID
from .forms import REASONS, ActionForm, BookingSettingsForm, ClosedDayForm


def _weekdays() -> list[tuple[int, str]]:
    """(ISO weekday, its name in the page's language), Monday first."""
    names = get_day_names("wide", locale=get_locale())
    return [(iso, names[iso - 1].capitalize()) for iso in range(1, 8)]


def _settings_form(site_id: int) -> BookingSettingsForm:
    form = BookingSettingsForm()
    form.working_days.choices = _weekdays()
    if request.method == "GET":
        row = verbs.settings(db_session(), site_id)
        form.windows.data = row.windows
        form.days_ahead.data = row.days_ahead
        form.working_days.data = [int(d) for d in row.working_days if d.isdigit()]
        form.holder_kind.data = row.holder_kind
        form.week_limit.data = row.week_limit
        form.early_min.data = row.early_min
        form.late_min.data = row.late_min
        form.session_min.data = row.session_min
    return form


def _settings_page(
    site_id: int,
    form: BookingSettingsForm,
    closed_form: ClosedDayForm,
    status: int = 200,
) -> tuple[str, int]:
    session = db_session()
    site = session.get(Site, site_id)
    assert site is not None  # chosen_site
    return render(
        "admin/booking_settings.html",
        status,
        site_id=site_id,
        form=form,
        closed_form=closed_form,
        closed=verbs.closed_days(session, site_id, verbs.today(session, site)),
        action=ActionForm(),
        days=verbs.bookable_days(session, site),
    )


@bp.route("/booking", methods=["GET", "POST"])
@admin_page
def booking_settings() -> tuple[str, int] | Response:
    """The site's booking rules: windows, days ahead, working days, holder id, limits,
    check-in tolerance, session length; with its closed days below."""
    site_id = chosen_site()
    form = _settings_form(site_id)
    if form.validate_on_submit():
        values = verbs.BookingValues(
            windows=form.windows.data or "",
            days_ahead=form.days_ahead.data or 0,
            working_days=frozenset(form.working_days.data or ()),
            holder_kind=form.holder_kind.data or "",
            week_limit=form.week_limit.data or 0,
            early_min=form.early_min.data or 0,
            late_min=form.late_min.data or 0,
            session_min=form.session_min.data or 0,
        )
        with refused_on(form, "windows"):
            verbs.update_settings(db_session(), site_id, me(), values)
            return done(
                Applied(),
                _("Online registration settings saved."),
                url_for("admin.booking_settings", site=site_id),
            )
    status = 422 if form.is_submitted() else 200
    return _settings_page(site_id, form, ClosedDayForm(formdata=None), status)


@bp.post("/booking/closed-days")
@admin_page
def closed_day_add() -> tuple[str, int] | Response:
    """Close the hall on a day (a holiday): nobody may book it any more."""
    site_id = chosen_site()
    closed_form = ClosedDayForm()
    if closed_form.validate_on_submit():
        day: date = closed_form.closed_day.data  # InputRequired
        with refused_on(closed_form, "closed_day"):
            row, holding = verbs.add_closed_day(
                db_session(), site_id, me(), day, closed_form.closed_name.data or ""
            )
            message = _("%(day)s is closed: %(name)s.", day=row.day.isoformat(), name=row.name)
            if holding:
                message += " " + _(
                    "%(n)s bookings already hold a place that day: they are not cancelled, "
                    "so tell those applicants.",
                    n=holding,
                )
            return done(Applied(), message, url_for("admin.booking_settings", site=site_id))
    form = _settings_form(site_id)
    return _settings_page(site_id, form, closed_form, 422)


@bp.post(f"/booking/closed-days/{ID % 'closed_id'}/remove")
@admin_page
def closed_day_remove(closed_id: int) -> Response:
    """Open a closed day again."""
    row = db.session.get(ClosedDay, closed_id)
    if row is None:
        abort(404)
    site_id = row.site_id
    if not ActionForm().validate_on_submit():
        abort(400)
    removed = verbs.remove_closed_day(db_session(), site_id, me(), closed_id)
    return done(
        Applied(),
        _("%(day)s is open again.", day=removed.day.isoformat()),
        url_for("admin.booking_settings", site=site_id),
    )


# -- a service day's sessions ---------------------------------------------------------------


def _chosen_day(raw: str | None, days: list[date]) -> date | None:
    """The day `?date=` names (the first bookable one without it); None for a malformed
    one."""
    if not raw:
        return days[0] if days else None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


@bp.route("/booking/sessions", methods=["GET", "POST"])
@admin_page
def booking_sessions() -> tuple[str, int] | Response:
    """The sessions of one service on one bookable day (`?service=<id>&date=YYYY-MM-DD`):
    default places, booked, and the admin's override (empty: the default). Never below what
    is booked: the refusal names the session, and nothing is saved."""
    site_id = chosen_site()
    session = db_session()
    site = session.get(Site, site_id)
    assert site is not None  # chosen_site
    services = verbs.bookable_services(session, site_id)
    days = verbs.bookable_days(session, site)
    service_id = id_arg("service")
    service: Service | None = None
    if service_id is not None:
        service = session.get(Service, service_id)
        if service is None or service.site_id != site_id:
            abort(404)
    elif services:
        service = services[0]
    day = _chosen_day(request.args.get("date"), days)
    errors: dict[int, str] = {}
    problem: str | None = None
    status = 200
    if day is None and request.args.get("date"):
        problem, status = _("Give the day as YYYY-MM-DD."), 422
    if request.method == "POST":
        if service is None or day is None or not ActionForm().validate_on_submit():
            abort(400)
        places, errors = _posted_places()
        if not errors:
            try:
                changed = verbs.set_places(session, site_id, me(), service.id, day, places)
            except LoketError as exc:
                db.session.rollback()
                session_id = exc.detail.get("session")
                text = _reason(exc)
                if isinstance(session_id, int):
                    errors[session_id] = text
                else:
                    problem = text
            else:
                return done(
                    Applied(),
                    _("Places saved (%(n)s sessions changed).", n=len(changed)),
                    url_for(
                        "admin.booking_sessions",
                        site=site_id,
                        service=service.id,
                        date=day.isoformat(),
                    ),
                )
        status = 422
    lines: list[verbs.SessionLine] = []
    if service is not None and day is not None and service in services:
        try:
            lines, uncut = verbs.day_sessions(session, site_id, service.id, day, cut=False)
            if uncut:
                session.rollback()  # end the reading transaction: the cut is written on its own
                with writing():
                    lines, _uncut = verbs.day_sessions(session, site_id, service.id, day)
                    commit_without_expiring()
        except InvalidDate as exc:
            problem, status = _reason(exc), max(status, 422)
    return render(
        "admin/booking_sessions.html",
        status,
        site_id=site_id,
        services=services,
        service=service,
        takes_bookings=service is None or service in services,  # walk-ins only: no sessions
        days=days,
        day=day,
        lines=lines,
        posted=request.form if request.method == "POST" else None,
        errors=errors,
        problem=problem,
        action=ActionForm(),
    )


def _posted_places() -> tuple[dict[int, int | None], dict[int, str]]:
    """`places-<session id>` → places (empty: the default), and the fields that are no
    number."""
    places: dict[int, int | None] = {}
    errors: dict[int, str] = {}
    for name, raw in request.form.items():
        if not name.startswith("places-"):
            continue
        try:
            session_id = int(name.removeprefix("places-"))
        except ValueError:
            continue
        text = raw.strip()
        if not text:
            places[session_id] = None
        elif text.isdigit() and int(text) <= verbs.PLACES_MAX:
            places[session_id] = int(text)
        else:
            errors[session_id] = _("Give a number from %(a)s to %(b)s.", a=0, b=verbs.PLACES_MAX)
    return places, errors


def _reason(error: LoketError) -> str:
    """A refusal in the page's words."""
    reason = str(error.detail.get("reason") or "")
    if isinstance(error, InvalidDate):
        if reason == "closed":
            return str(_("The hall is closed on that day: choose another."))
        if reason in ("past", "today"):
            return str(_("Only coming days can be booked, not today or a past day."))
        return str(_("That day is beyond the days one may book now: choose one of the list."))
    message = REASONS.get(reason)
    if message is None:
        return error.message
    return str(message) % error.detail if "%(" in str(message) else str(message)
