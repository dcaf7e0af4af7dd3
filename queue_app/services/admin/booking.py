"""The admin console's verbs and reads of online registration (*antrean daring*, issue 16):
the site's booking settings, its closed days (holidays) and the places of a service day's
arrival sessions.

None of these is on a screen that follows the hall live (the kiosk and the boards show no
booking rule; `/daftar` and the availability API read them per request), so they advance no
`seq` and publish no `ConfigChanged`, as the notification settings do not. Each change writes
one audit row (entity `booking`, or `booking_session` for a session's places) and flushes;
the view commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...domain import booking as rules
from ...domain.booking import ChannelPolicy
from ...domain.errors import InvalidInput, NotFound
from ...models import Agency, Booking, BookingSession, BookingSettings, ClosedDay, Service, Site
from .. import audit, bookings
from ..clock import utcnow
from ..holders import KINDS as HOLDER_KINDS
from .changes import diff

#: The ranges the console allows (the table's checks are the floor: days_ahead, week_limit ≥ 1,
#: session_min ≥ 5, tolerances ≥ 0).
DAYS_AHEAD = (1, 60)
WEEK_LIMIT = (1, 50)
TOLERANCE_MIN = (0, 240)
SESSION_MIN = (5, 480)
#: A closed day's name, at most.
CLOSED_NAME_MAX = 120
#: Places of one session, at most.
PLACES_MAX = 10_000


@dataclass(frozen=True)
class BookingValues:
    """A site's booking settings as the console edits them."""

    #: "06:00-10:00,16:00-22:00" (domain.booking.parse_windows).
    windows: str
    days_ahead: int
    #: ISO weekdays the hall works (1 = Monday).
    working_days: frozenset[int]
    #: `nik` or `phone` (services.holders.KINDS).
    holder_kind: str
    week_limit: int
    early_min: int
    late_min: int
    session_min: int


# -- reading --------------------------------------------------------------------------------


def settings(session: Session, site_id: int) -> BookingSettings:
    """The site's settings (the defaults, unsaved, when it has no row)."""
    return bookings.settings_of(session, site_id)


def closed_days(session: Session, site_id: int, since: date) -> list[ClosedDay]:
    """The site's closed days from `since` on, by day (earlier ones are kept, not listed)."""
    return list(
        session.scalars(
            select(ClosedDay)
            .where(ClosedDay.site_id == site_id, ClosedDay.day >= since)
            .order_by(ClosedDay.day)
        )
    )


def today(session: Session, site: Site, now: datetime | None = None) -> date:
    """The site's service day now."""
    return bookings.rules_of(session, site).today(now or utcnow())


def bookable_days(session: Session, site: Site, now: datetime | None = None) -> list[date]:
    """The days one may book now (those the sessions page offers)."""
    book = bookings.rules_of(session, site)
    return rules.bookable_days(
        book.today(now or utcnow()), book.days_ahead, book.working_days, book.closed
    )


def bookable_services(session: Session, site_id: int) -> list[Service]:
    """The site's services that take bookings (policy online or both), in kiosk order."""
    return [
        service
        for service, agency in session.execute(
            select(Service, Agency)
            .join(Agency, Agency.id == Service.agency_id)
            .where(Service.site_id == site_id)
            .order_by(Service.position, Service.code)
        )
        if bookings.policy_of(service, agency) is not ChannelPolicy.WALK_IN
    ]


def holding_on(session: Session, site_id: int, day: date) -> int:
    """Bookings holding a place (booked or checked in) for `day` at the site."""
    return int(
        session.scalar(
            select(func.count(Booking.id)).where(
                Booking.site_id == site_id,
                Booking.day == day,
                Booking.state.in_(bookings.HOLDING_STATES),
            )
        )
        or 0
    )


# -- the settings ---------------------------------------------------------------------------


def _fields(row: BookingSettings) -> dict[str, Any]:
    return {
        "windows": row.windows,
        "days_ahead": row.days_ahead,
        "working_days": row.working_days,
        "holder_kind": row.holder_kind,
        "week_limit": row.week_limit,
        "early_min": row.early_min,
        "late_min": row.late_min,
        "session_min": row.session_min,
    }


def _in(value: int, bounds: tuple[int, int], name: str) -> None:
    if not bounds[0] <= value <= bounds[1]:
        raise InvalidInput(
            f"{name} is {bounds[0]} to {bounds[1]}", field=name, reason="range", a=bounds[0]
        )


def normalise_windows(text: str) -> str:
    """The windows as stored ("06:00-10:00,16:00-22:00": sorted, zero-padded); InvalidInput
    (reason `windows`, with the domain's words) for anything parse_windows refuses."""
    try:
        windows = rules.parse_windows(text)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="windows", reason="windows", problem=str(exc)) from exc
    return rules.format_windows(windows)


def update_settings(
    session: Session, site_id: int, user_id: int, values: BookingValues
) -> BookingSettings:
    """Save the site's booking settings, audited; every value is checked first, so a refused
    one changes nothing. A new session length applies to days not cut yet (a cut day keeps
    its sessions: bookings hold places in them). Flushes."""
    windows = normalise_windows(values.windows)
    _in(values.days_ahead, DAYS_AHEAD, "days_ahead")
    _in(values.week_limit, WEEK_LIMIT, "week_limit")
    _in(values.early_min, TOLERANCE_MIN, "early_min")
    _in(values.late_min, TOLERANCE_MIN, "late_min")
    _in(values.session_min, SESSION_MIN, "session_min")
    if not values.working_days or not values.working_days <= set(range(1, 8)):
        raise InvalidInput(
            "the hall works on at least one weekday", field="working_days", reason="no_weekday"
        )
    if values.holder_kind not in HOLDER_KINDS:
        raise InvalidInput("no such holder id", field="holder_kind", reason="choice")
    if session.get(Site, site_id) is None:
        raise NotFound(f"no site {site_id}")
    row = session.get(BookingSettings, site_id)
    before = _fields(row if row is not None else settings(session, site_id))
    if row is None:
        row = BookingSettings(site_id=site_id)
        session.add(row)
    row.windows = windows
    row.days_ahead = values.days_ahead
    row.working_days = "".join(str(d) for d in sorted(values.working_days))
    row.holder_kind = values.holder_kind
    row.week_limit = values.week_limit
    row.early_min = values.early_min
    row.late_min = values.late_min
    row.session_min = values.session_min
    changes = diff(before, _fields(row))
    if changes:
        audit.record_change(
            session,
            site_id=site_id,
            user_id=user_id,
            entity=audit.BOOKING,
            entity_id=site_id,
            action="settings",
            changes=changes,
            at=utcnow(),
        )
    session.flush()
    return row


# -- closed days ----------------------------------------------------------------------------


def add_closed_day(
    session: Session, site_id: int, user_id: int, day: date, name: str, now: datetime | None = None
) -> tuple[ClosedDay, int]:
    """Close the site on `day` (a holiday, *cuti bersama*): nobody may book it any more.
    Returns the row and how many bookings already hold a place that day (they are not
    cancelled: the hall tells those people). Refused for a past day or one closed already.
    Flushes."""
    label = name.strip()
    if not label or len(label) > CLOSED_NAME_MAX:
        raise InvalidInput(
            f"a closed day needs a name of 1 to {CLOSED_NAME_MAX} characters",
            field="closed_name",
            reason="required",
        )
    site = session.get(Site, site_id)
    if site is None:
        raise NotFound(f"no site {site_id}")
    if day < today(session, site, now):
        raise InvalidInput("that day is past", field="closed_day", reason="past_day")
    taken = session.scalar(
        select(ClosedDay.name).where(ClosedDay.site_id == site_id, ClosedDay.day == day)
    )
    if taken is not None:
        raise InvalidInput(
            f"{day.isoformat()} is closed already ({taken})",
            field="closed_day",
            reason="closed_day_taken",
            name=taken,
        )
    row = ClosedDay(site_id=site_id, day=day, name=label)
    session.add(row)
    session.flush()
    audit.record_change(
        session,
        site_id=site_id,
        user_id=user_id,
        entity=audit.BOOKING,
        entity_id=site_id,
        action="closed_day_add",
        changes={"day": day.isoformat(), "name": label},
        at=utcnow(),
    )
    session.flush()
    return row, holding_on(session, site_id, day)


def remove_closed_day(session: Session, site_id: int, user_id: int, closed_id: int) -> ClosedDay:
    """Open a closed day again (it becomes bookable when it is a working weekday). Flushes."""
    row = session.get(ClosedDay, closed_id)
    if row is None or row.site_id != site_id:
        raise NotFound(f"no closed day {closed_id}")
    audit.record_change(
        session,
        site_id=site_id,
        user_id=user_id,
        entity=audit.BOOKING,
        entity_id=site_id,
        action="closed_day_remove",
        changes={"day": row.day.isoformat(), "name": row.name},
        at=utcnow(),
    )
    session.delete(row)
    session.flush()
    return row


# -- a service day's sessions ---------------------------------------------------------------


@dataclass(frozen=True)
class SessionLine:
    """One session as the sessions page lists it (times local to the site)."""

    id: int
    starts: datetime
    ends: datetime
    #: The default places, fixed when the day was cut.
    capacity: int
    override: int | None
    taken: int

    @property
    def places(self) -> int:
        return self.capacity if self.override is None else self.override


def day_sessions(
    session: Session,
    site_id: int,
    service_id: int,
    day: date,
    now: datetime | None = None,
    *,
    cut: bool = True,
) -> tuple[list[SessionLine], bool]:
    """The sessions of a bookable service day, and whether the day is still uncut. With
    `cut`, a day without sessions is cut (its default places fixed), as availability does
    the first time anyone asks for it; without, nothing is written. InvalidDate for a day one
    may not book now; NotFound for a service of another site; none for a walk-in-only
    service."""
    found = bookings.availability(
        session, site_id, service_id, day.isoformat(), now or utcnow(), cut=cut
    )
    site = session.get(Site, site_id)
    assert site is not None  # availability found it
    book = bookings.rules_of(session, site)
    lines = [
        SessionLine(
            id=s.id,
            starts=book.local(s.starts_at),
            ends=book.local(s.ends_at),
            capacity=s.capacity,
            override=s.capacity_override,
            taken=s.taken,
        )
        for s in found.sessions
    ]
    return lines, found.uncut


def set_places(
    session: Session,
    site_id: int,
    user_id: int,
    service_id: int,
    day: date,
    places: dict[int, int | None],
) -> list[int]:
    """Set the places of the day's sessions (`places`: session id → places, None = back to
    the default) through `bookings.set_capacity`, never below what is booked (its refusal,
    `InvalidSession` with `taken`, names the session in `detail.session`). Every session is
    checked before the caller commits: one refusal and the caller rolls all back. One audit
    row per session whose override changed. Returns the ids changed. Flushes."""
    service = session.get(Service, service_id)
    if service is None or service.site_id != site_id:
        raise NotFound(f"no service {service_id}")
    site = session.get(Site, site_id)
    assert site is not None
    book = bookings.rules_of(session, site)
    changed = []
    for session_id in sorted(places):
        wanted = places[session_id]
        if wanted is not None and not 0 <= wanted <= PLACES_MAX:
            raise InvalidInput(
                f"places are 0 to {PLACES_MAX}", field="places", reason="range", session=session_id
            )
        row = session.get(BookingSession, session_id)
        if row is None or row.service_id != service_id or row.day != day:
            raise NotFound(f"no session {session_id} of this service day")
        before = row.capacity_override
        if before == wanted:
            continue
        try:
            row = bookings.set_capacity(session, session_id, wanted)
        except InvalidInput as exc:
            exc.detail["session"] = session_id
            raise
        starts, ends = book.local(row.starts_at), book.local(row.ends_at)
        audit.record_change(
            session,
            site_id=site_id,
            user_id=user_id,
            entity=audit.BOOKING_SESSION,
            entity_id=row.id,
            action="capacity",
            changes={
                "service": service.code,
                "day": day.isoformat(),
                "session": f"{starts:%H:%M}–{ends:%H:%M}",
                "capacity": row.capacity,
                "capacity_override": [before, wanted],
            },
            at=utcnow(),
        )
        changed.append(row.id)
    session.flush()
    return changed
