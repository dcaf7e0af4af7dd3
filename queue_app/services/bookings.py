"""Online registration (*antrean daring*, issue 16): availability, book, cancel, check in, and
the expiry of no-shows. Verbs flush, never commit or emit (the views do).

Concurrency: a booking locks its session's row (`FOR UPDATE` on PostgreSQL; SQLite has one
writer at a time), then the holder's row of that week (`BookingHolder`): capacity is counted
under the first, the per-person limits under the second. Every path takes them in that order
(a booking's own row before a zone's, at check-in), so none waits on another in a circle.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..domain import booking as rules
from ..domain.booking import BookingState, ChannelPolicy, CheckInOutcome
from ..domain.errors import (
    AlreadyBooked,
    AlreadyCheckedIn,
    BookingCancelled,
    BookingClosed,
    BookingExpired,
    BookingLimit,
    InvalidDate,
    InvalidSession,
    NotFound,
    NotToday,
    SessionFull,
    TooEarly,
    TooLate,
    WalkInOnly,
)
from ..domain.events import DomainEvent
from ..domain.numbering import site_zone
from ..domain.vocabulary import Channel
from ..models import (
    Agency,
    Booking,
    BookingEvent,
    BookingHolder,
    BookingSession,
    BookingSettings,
    ClosedDay,
    Counter,
    CounterService,
    Service,
    Site,
    Ticket,
    Zone,
)
from . import notifications
from .hall import READ_WHOLE
from .holders import HolderId
from .notifications import Contact
from .tickets import TOKEN_BYTES, issue_ticket, resolve_service

HOLDING_STATES = [s.value for s in rules.HOLDING]


@dataclass(frozen=True)
class Rules:
    """A site's booking settings as the domain reads them."""

    windows: tuple[rules.Window, ...]
    working_days: frozenset[int]
    closed: frozenset[date]
    days_ahead: int
    holder_kind: str
    week_limit: int
    early_min: int
    late_min: int
    session_min: int
    zone: ZoneInfo

    def local(self, at: datetime) -> datetime:
        """`at` (aware) as naive local time."""
        return at.astimezone(self.zone).replace(tzinfo=None)

    def aware(self, local: datetime) -> datetime:
        """Naive local time as an aware UTC datetime."""
        return local.replace(tzinfo=self.zone).astimezone(UTC)

    def today(self, now: datetime) -> date:
        return self.local(now).date()


def settings_of(session: Session, site_id: int) -> BookingSettings:
    """The site's settings row (the defaults, unsaved, when it has none)."""
    row = session.get(BookingSettings, site_id)
    if row is not None:
        return row
    return BookingSettings(
        site_id=site_id,
        windows=rules.format_windows(rules.DEFAULT_WINDOWS),
        days_ahead=1,
        working_days="12345",
        holder_kind="nik",
        week_limit=2,
        early_min=30,
        late_min=15,
        session_min=60,
    )


def rules_of(session: Session, site: Site) -> Rules:
    """The booking rules of a site."""
    row = settings_of(session, site.id)
    closed = session.scalars(select(ClosedDay.day).where(ClosedDay.site_id == site.id))
    return Rules(
        windows=rules.parse_windows(row.windows),
        working_days=frozenset(int(d) for d in row.working_days if d.isdigit()),
        closed=frozenset(closed),
        days_ahead=row.days_ahead,
        holder_kind=row.holder_kind,
        week_limit=row.week_limit,
        early_min=row.early_min,
        late_min=row.late_min,
        session_min=row.session_min,
        zone=site_zone(site.timezone),
    )


def policy_of(service: Service, agency: Agency) -> ChannelPolicy:
    """The channel policy of a service: its own, else its agency's; an agency without one
    follows its `walk_in` flag (walk-ins only, or online only)."""
    return rules.service_policy(
        service.channels, rules.agency_policy(agency.channels, agency.walk_in)
    )


def online_pct_of(service: Service, agency: Agency) -> int:
    return service.online_pct if service.online_pct is not None else agency.online_pct


def _agency(session: Session, service: Service) -> Agency:
    agency = session.get(Agency, service.agency_id)
    assert agency is not None  # a service always has its agency
    return agency


# -- sessions ---------------------------------------------------------------------------------


def default_capacities(
    session: Session, site: Site, service: Service, cut: Sequence[tuple[datetime, datetime]]
) -> list[int]:
    """Each session's default places: counters serving the service × session length ÷ its
    prior service time, capped by its share of its zone's cap and, under *both*, cut down to
    the online share of its daily quota."""
    counters = session.scalar(
        select(func.count(func.distinct(CounterService.counter_id)))
        .join(Counter, Counter.id == CounterService.counter_id)
        .where(CounterService.service_id == service.id)
    )
    zone = session.get(Zone, service.zone_id)
    in_zone = session.scalar(
        select(func.count()).select_from(Service).where(Service.zone_id == service.zone_id)
    )
    zone_cap = zone.cap if zone is not None else None
    share = rules.zone_share(zone_cap, int(in_zone or 1))
    caps = [
        rules.default_capacity(
            int(counters or 0), int((end - start).total_seconds()), service.prior_service_s, share
        )
        for start, end in cut
    ]
    agency = _agency(session, service)
    if policy_of(service, agency) is ChannelPolicy.BOTH:
        online, _ = rules.split_quota(service.daily_quota, online_pct_of(service, agency))
        caps = rules.cap_sessions(caps, online)
    elif service.daily_quota is not None:
        caps = rules.cap_sessions(caps, service.daily_quota)
    return caps


def ensure_sessions(
    session: Session, site: Site, service: Service, day: date, book: Rules
) -> list[BookingSession]:
    """The service day's sessions, cut (and their default capacity fixed) the first time the
    day is asked for. Two first askers at once: one inserts, the other reads its rows."""
    existing = _sessions(session, service.id, day)
    if existing:
        return existing
    cut = []
    for start, end in rules.cut_sessions(site.opens_at, site.closes_at, book.session_min):
        end_day = day if end > start else day + timedelta(days=1)  # a session to midnight
        cut.append(
            (book.aware(datetime.combine(day, start)), book.aware(datetime.combine(end_day, end)))
        )
    caps = default_capacities(session, site, service, cut)
    try:
        with session.begin_nested():
            for (starts, ends), cap in zip(cut, caps, strict=True):
                session.add(
                    BookingSession(
                        site_id=site.id,
                        service_id=service.id,
                        day=day,
                        starts_at=starts,
                        ends_at=ends,
                        capacity=cap,
                        taken=0,
                    )
                )
    except IntegrityError:
        pass  # cut at the same moment by another request: read its rows
    return _sessions(session, service.id, day)


def _sessions(session: Session, service_id: int, day: date) -> list[BookingSession]:
    stmt = (
        select(BookingSession)
        .where(BookingSession.service_id == service_id, BookingSession.day == day)
        .order_by(BookingSession.starts_at)
    )
    return list(session.scalars(stmt))


def set_capacity(session: Session, session_id: int, places: int | None) -> BookingSession:
    """An admin's override of a session's places (None: back to the default). Never below
    what is booked already."""
    row = session.scalars(
        select(BookingSession).where(BookingSession.id == session_id).with_for_update()
    ).first()
    if row is None:
        raise NotFound(f"no session {session_id}")
    if places is not None and places < row.taken:
        raise InvalidSession(
            f"{row.taken} places of this session are booked: it cannot hold fewer",
            field="capacity",
            reason="below_booked",
            taken=row.taken,
        )
    row.capacity_override = places
    session.flush()
    return row


# -- reading ----------------------------------------------------------------------------------


def parse_day(raw: object) -> date:
    """YYYY-MM-DD, or InvalidDate (422)."""
    if not isinstance(raw, str) or len(raw) != 10 or not raw.isascii():
        raise InvalidDate("'date' must be a day as YYYY-MM-DD", field="date")
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise InvalidDate("'date' must be a day as YYYY-MM-DD", field="date") from exc


def require_bookable(book: Rules, day: date, now: datetime) -> None:
    """InvalidDate unless `day` is one of the days one may book now, with the reason."""
    today = book.today(now)
    days = rules.bookable_days(today, book.days_ahead, book.working_days, book.closed)
    if day in days:
        return
    if day <= today:
        reason = "past" if day < today else "today"
        message = "bookings are for coming days, not today" if day == today else "a past day"
    elif day in book.closed or day.isoweekday() not in book.working_days:
        reason, message = "closed", "the hall is closed on that day"
    else:
        reason, message = "too_far", f"one may book {book.days_ahead} working day(s) ahead"
    raise InvalidDate(
        f"'date' cannot be booked: {message}",
        field="date",
        reason=reason,
        bookable=[d.isoformat() for d in days],
    )


def opens_at(book: Rules, now: datetime) -> datetime | None:
    """When booking opens next (aware), None when it never does."""
    local = rules.next_opening(book.local(now), book.windows, book.working_days, book.closed)
    return book.aware(local) if local is not None else None


@dataclass
class Availability:
    service: Service
    day: date
    booking_open: bool
    opens_at: datetime | None
    sessions: list[BookingSession]
    #: The day's sessions are not cut yet (asked with `cut=False`).
    uncut: bool = False


def availability(
    session: Session,
    site_id: int,
    ref: int | str,
    raw_day: object,
    now: datetime,
    *,
    cut: bool = True,
) -> Availability:
    """The sessions of a service day and their places left. A service taking walk-ins only
    has none. NotFound for an unknown service; InvalidDate for a malformed or unbookable day.
    `cut=False`: only read (`uncut` says the day has no sessions yet, and nothing was
    written); else the day's sessions are cut when it has none."""
    site, service, book, walk_in = bookable_service(session, site_id, ref)
    day = parse_day(raw_day)
    require_bookable(book, day, now)
    opening = opens_at(book, now)
    is_open = opening is not None and opening <= now
    if walk_in:
        return Availability(service, day, False, None, [])
    if not cut:
        sessions = _sessions(session, service.id, day)
        return Availability(service, day, is_open, opening, sessions, uncut=not sessions)
    sessions = ensure_sessions(session, site, service, day, book)
    return Availability(service, day, is_open, opening, sessions)


def bookable_service(
    session: Session, site_id: int, ref: int | str
) -> tuple[Site, Service, Rules, bool]:
    """What a service's availability needs besides its sessions' counts: the site, the
    service, the site's booking rules, and whether the service takes walk-ins only. NotFound
    for an unknown site or service."""
    site = session.get(Site, site_id)
    if site is None:
        raise NotFound(f"no site {site_id}")
    service = resolve_service(session, ref, site_id)
    walk_in = policy_of(service, _agency(session, service)) is ChannelPolicy.WALK_IN
    return site, service, rules_of(session, site), walk_in


#: A session's figures as availability shows them: id, start, end, places, taken.
SessionCount = tuple[int, datetime, datetime, int, int]


def day_places(session: Session, service_id: int, day: date) -> tuple[SessionCount, ...]:
    """A service day's sessions and their places, in one statement (the unique index on
    service, day and start serves it): what availability's read model checks and shows."""
    rows = session.execute(
        select(
            BookingSession.id,
            BookingSession.starts_at,
            BookingSession.ends_at,
            func.coalesce(BookingSession.capacity_override, BookingSession.capacity),
            BookingSession.taken,
        )
        .where(BookingSession.service_id == service_id, BookingSession.day == day)
        .order_by(BookingSession.starts_at)
    ).all()
    return tuple((int(i), start, end, int(n), int(taken)) for i, start, end, n, taken in rows)


def by_token(session: Session, token: str) -> Booking:
    booking = session.scalars(select(Booking).where(Booking.token == token)).first()
    if booking is None:
        raise NotFound("no such booking")
    return booking


def by_code(session: Session, site_id: int, code: str) -> Booking:
    normal = rules.normalise_code(code)
    booking = None
    if normal is not None:
        booking = session.scalars(
            select(Booking).where(Booking.site_id == site_id, Booking.code == normal)
        ).first()
    if booking is None:
        raise NotFound("no booking with this code")
    return booking


def look_up(
    session: Session, site_id: int, *, code: str | None, holder: HolderId | None, day: date | None
) -> list[Booking]:
    """The desk's look-up: the booking with this code, or a holder's bookings of one day (the
    id typed again and hashed as stored: the desk never sees a list of ids)."""
    if code is not None:
        normal = rules.normalise_code(code)
        stmt = select(Booking).where(Booking.site_id == site_id, Booking.code == (normal or ""))
    else:
        assert holder is not None and day is not None
        stmt = select(Booking).where(
            Booking.site_id == site_id,
            Booking.day == day,
            Booking.holder_hash == holder.digest(day),
        )
    return list(session.scalars(stmt.order_by(Booking.id)))


# -- verbs ------------------------------------------------------------------------------------


def _record(
    session: Session,
    booking: Booking,
    action: str,
    before: BookingState | None,
    at: datetime,
    *,
    staff_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(
        BookingEvent(
            site_id=booking.site_id,
            booking_id=booking.id,
            action=action,
            from_state=before.value if before else None,
            to_state=booking.state,
            at=at,
            staff_id=staff_id,
            detail=detail,
        )
    )


def _lock_session(session: Session, session_id: int) -> BookingSession | None:
    return session.scalars(
        select(BookingSession)
        .where(BookingSession.id == session_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def _lock_holder(session: Session, site_id: int, week_hash: str) -> None:
    """Take the holder's row of the week, made if missing (both dialects: insert or ignore)."""
    dialect = session.get_bind().dialect.name
    values = {"site_id": site_id, "week_hash": week_hash}
    if dialect == "postgresql":
        session.execute(pg_insert(BookingHolder).values(values).on_conflict_do_nothing())
    else:
        session.execute(sqlite_insert(BookingHolder).values(values).on_conflict_do_nothing())
    session.execute(
        select(BookingHolder.site_id)
        .where(BookingHolder.site_id == site_id, BookingHolder.week_hash == week_hash)
        .with_for_update()
    )


def book(
    session: Session,
    site_id: int,
    ref: int | str,
    raw_day: object,
    session_id: int,
    holder: HolderId,
    name: str | None,
    now: datetime,
    contact: Contact | None = None,
    book_rules: Rules | None = None,
) -> tuple[Booking, BookingSession, Service]:
    """Book a place in a session. Refusals, in this order: unknown service (NotFound), a
    walk-in-only service (WalkInOnly), outside the windows (BookingClosed, with `opens_at`),
    a day one may not book (InvalidDate), no such session (InvalidSession), the holder's
    active booking of this service that day (AlreadyBooked), the weekly limit
    (BookingLimit), a full session (SessionFull). `book_rules`: the site's rules when the
    caller has read them already (the booking view, which also answers with them)."""
    site = session.get(Site, site_id)
    if site is None:
        raise NotFound(f"no site {site_id}")
    service = resolve_service(session, ref, site_id)
    if policy_of(service, _agency(session, service)) is ChannelPolicy.WALK_IN:
        raise WalkInOnly(
            f"service {service.code} takes walk-ins only: take a ticket at the kiosk",
            service=service.code,
        )
    day = parse_day(raw_day)
    if book_rules is None:
        book_rules = rules_of(session, site)
    opening = opens_at(book_rules, now)
    if opening is None or opening > now:
        when = opening.isoformat() if opening is not None else None
        raise BookingClosed("booking is closed now", opens_at=when)
    require_bookable(book_rules, day, now)
    ensure_sessions(session, site, service, day, book_rules)
    place = _lock_session(session, session_id)
    if place is None or place.service_id != service.id or place.day != day:
        raise InvalidSession(
            f"'session' is not a session of service {service.code} on {day.isoformat()}",
            field="session",
        )
    holder_hash = holder.digest(day)
    week_hash = holder.week_digest(rules.week_of(day))
    _lock_holder(session, site_id, week_hash)
    held = session.scalar(
        select(Booking.id).where(
            Booking.service_id == service.id,
            Booking.day == day,
            Booking.holder_hash == holder_hash,
            Booking.state.in_(HOLDING_STATES),
        )
    )
    if held is not None:
        raise AlreadyBooked(
            f"this holder already has a booking of service {service.code} on {day.isoformat()}"
        )
    this_week = session.scalar(
        select(func.count())
        .select_from(Booking)
        .where(
            Booking.site_id == site_id,
            Booking.week_hash == week_hash,
            Booking.state.in_(HOLDING_STATES),
        )
    )
    if int(this_week or 0) >= book_rules.week_limit:
        raise BookingLimit(
            f"one holder may book {book_rules.week_limit} times a week",
            limit=book_rules.week_limit,
        )
    if place.taken >= place.places:
        full = SessionFull("every place of this session is booked", session=place.id)
        full.service_day = (place.service_id, place.day)
        raise full
    place.taken += 1
    booking = Booking(
        site_id=site_id,
        service_id=service.id,
        session_id=place.id,
        day=day,
        code=_fresh_code(session),
        token=secrets.token_urlsafe(TOKEN_BYTES),
        holder_hash=holder_hash,
        week_hash=week_hash,
        name=name,
        state=BookingState.BOOKED.value,
        created_at=now,
        channel=Channel.API.value,
    )
    session.add(booking)
    session.flush()
    _record(session, booking, "book", None, now, detail={"session": place.id})
    session.flush()
    if contact is not None:
        notifications.attach_booking(session, booking, contact)
    return booking, place, service


def _fresh_code(session: Session) -> str:
    """A code no booking has (the unique constraint stays the last line of defence)."""
    while True:
        code = rules.new_booking_code()
        if session.scalar(select(Booking.id).where(Booking.code == code)) is None:
            return code


def _lock_booking(session: Session, booking_id: int) -> Booking:
    booking = session.scalars(
        select(Booking)
        .where(Booking.id == booking_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    return booking


def _session_of(session: Session, booking: Booking) -> BookingSession:
    place = session.get(BookingSession, booking.session_id)
    assert place is not None
    return place


def _expire_if_over(session: Session, booking: Booking, book: Rules, now: datetime) -> bool:
    """Expire a booking of a session over (end + late tolerance), under its row's lock."""
    place = _session_of(session, booking)
    state = BookingState(booking.state)
    if rules.is_no_show(book.local(now), state, book.local(place.ends_at), book.late_min):
        booking.state = BookingState.EXPIRED.value
        _record(session, booking, "expire", state, now, detail={"reason": "no_show"})
        session.flush()
        return True
    return False


def cancel(session: Session, token: str, now: datetime) -> Booking:
    """The holder cancels: the place goes back to the session. 409 once checked in, expired
    or cancelled."""
    found = by_token(session, token)
    place = _lock_session(session, found.session_id)
    assert place is not None
    booking = _lock_booking(session, found.id)
    site = session.get(Site, booking.site_id)
    assert site is not None
    _expire_if_over(session, booking, rules_of(session, site), now)
    _refuse_unless_booked(booking)
    booking.state = BookingState.CANCELLED.value
    place.taken -= 1
    _record(session, booking, "cancel", BookingState.BOOKED, now)
    session.flush()
    return booking


def _refuse_unless_booked(booking: Booking) -> None:
    state = BookingState(booking.state)
    if state is BookingState.CHECKED_IN:
        raise AlreadyCheckedIn(f"booking {booking.code} was checked in already")
    if state is BookingState.CANCELLED:
        raise BookingCancelled(f"booking {booking.code} was cancelled")
    if state is BookingState.EXPIRED:
        raise BookingExpired(f"booking {booking.code} expired: its session is over")


def check_in(
    session: Session,
    site_id: int,
    *,
    code: str | None,
    token: str | None,
    channel: Channel,
    staff_id: int | None,
    now: datetime,
) -> tuple[Booking, Ticket, list[DomainEvent]]:
    """Check a booking in at the kiosk or the desk: inside its session's window it becomes a
    ticket of channel `online`, queued as if issued at the session's start, through the
    zone's admission like any ticket. Too late: a walk-in ticket where the service takes
    walk-ins (the booking expires), else TooLate. Too early (TooEarly, `opens_at`), another
    day (NotToday), checked in, cancelled or expired: refused."""
    if token is not None:
        found = by_token(session, token)
        if found.site_id != site_id:
            raise NotFound("no such booking")
    else:
        found = by_code(session, site_id, code or "")
    # The no-shows of the hall first (a booking's row, then its zone: the order of every
    # check-in), so the walk-in share this issue may count sees them expired.
    # The booking itself is judged below (too late may still be a walk-in).
    expire_no_shows(session, site_id, now, sparing=found.id)
    booking = _lock_booking(session, found.id)
    site = session.get(Site, booking.site_id)
    assert site is not None
    book = rules_of(session, site)
    place = _session_of(session, booking)
    outcome = rules.check_in_outcome(
        book.local(now),
        BookingState(booking.state),
        booking.day,
        book.local(place.starts_at),
        book.local(place.ends_at),
        book.early_min,
        book.late_min,
    )
    match outcome.outcome:
        case CheckInOutcome.ALREADY_CHECKED_IN | CheckInOutcome.CANCELLED:
            _refuse_unless_booked(booking)
        case CheckInOutcome.EXPIRED:
            _refuse_unless_booked(booking)
        case CheckInOutcome.NOT_TODAY:
            raise NotToday(
                f"booking {booking.code} is for {booking.day.isoformat()}, not today",
                day=booking.day.isoformat(),
            )
        case CheckInOutcome.TOO_EARLY:
            assert outcome.opens_at is not None
            opens = book.aware(outcome.opens_at)
            raise TooEarly(
                f"too early: check in from {outcome.opens_at:%H:%M}",
                opens_at=opens.isoformat(),
            )
        case CheckInOutcome.TOO_LATE:
            return _late(session, booking, channel, book, now)
    service = session.get(Service, booking.service_id)
    assert service is not None
    ticket, events = issue_ticket(
        session,
        booking.service_id,
        channel=Channel.ONLINE,
        queue_at=place.starts_at,
        booked=True,
        holder_hash=booking.holder_hash,
    )
    # issue_ticket's lock reloaded every row: the booking's lock is still held.
    booking = _lock_booking(session, booking.id)
    booking.state = BookingState.CHECKED_IN.value
    booking.ticket_id = ticket.id
    _record(
        session,
        booking,
        "check_in",
        BookingState.BOOKED,
        now,
        staff_id=staff_id,
        detail={"ticket": ticket.id, "by": channel.value},
    )
    session.flush()
    return booking, ticket, events


def _late(
    session: Session, booking: Booking, channel: Channel, book: Rules, now: datetime
) -> tuple[Booking, Ticket, list[DomainEvent]]:
    """Too late to check in: a walk-in ticket where the service takes walk-ins (the booking
    expires with it), else TooLate (and the booking expires)."""
    service = session.get(Service, booking.service_id)
    assert service is not None
    policy = policy_of(service, _agency(session, service))
    if policy is ChannelPolicy.ONLINE:
        raise TooLate(f"too late: the session of booking {booking.code} is over")
    ticket, events = issue_ticket(session, booking.service_id, channel=channel)
    booking = _lock_booking(session, booking.id)
    booking.state = BookingState.EXPIRED.value
    _record(
        session,
        booking,
        "expire",
        BookingState.BOOKED,
        now,
        detail={"reason": "late_walk_in", "ticket": ticket.id},
    )
    session.flush()
    # The hall's read model counts this booking among the no-shows' places released to
    # walk-ins until it is read again: its ticket's events do not say so.
    session.info[READ_WHOLE] = True
    return booking, ticket, events


def expire_no_shows(
    session: Session, site_id: int, now: datetime, *, sparing: int | None = None
) -> int:
    """Expire every booking of the site whose session ended more than the late tolerance ago
    without a check-in: one `expire` event each (reason `no_show`). Each row changes only
    while still booked, so a check-in at the same instant wins or loses whole. `sparing`: a
    booking left as it is (the one being checked in)."""
    site = session.get(Site, site_id)
    if site is None:
        raise NotFound(f"no site {site_id}")
    book = rules_of(session, site)
    cutoff = now - timedelta(minutes=book.late_min)
    due = session.scalars(
        select(Booking.id)
        .join(BookingSession, BookingSession.id == Booking.session_id)
        .where(
            Booking.site_id == site_id,
            Booking.state == BookingState.BOOKED.value,
            BookingSession.ends_at < cutoff,
            Booking.id != (sparing or 0),
        )
        .order_by(Booking.id)
    ).all()
    expired = 0
    for booking_id in due:
        changed = session.execute(
            update(Booking)
            .where(Booking.id == booking_id, Booking.state == BookingState.BOOKED.value)
            .values(state=BookingState.EXPIRED.value)
        )
        if changed.rowcount:  # type: ignore[attr-defined]
            expired += 1
            session.add(
                BookingEvent(
                    site_id=site_id,
                    booking_id=booking_id,
                    action="expire",
                    from_state=BookingState.BOOKED.value,
                    to_state=BookingState.EXPIRED.value,
                    at=now,
                    detail={"reason": "no_show"},
                )
            )
    session.flush()
    return expired


def released_to_walk_ins(session: Session, service: Service, day: date, now: datetime) -> int:
    """Places of this service day's no-shows that go to walk-ins (the service chooses): the
    bookings never checked in whose session is over (end + late tolerance), expired or not
    yet swept."""
    if not service.release_no_shows:
        return 0
    site = session.get(Site, service.site_id)
    assert site is not None
    book = rules_of(session, site)
    cutoff = now - timedelta(minutes=book.late_min)
    count = session.scalar(
        select(func.count())
        .select_from(Booking)
        .join(BookingSession, BookingSession.id == Booking.session_id)
        .where(
            Booking.service_id == service.id,
            Booking.day == day,
            Booking.state.in_([BookingState.BOOKED.value, BookingState.EXPIRED.value]),
            BookingSession.ends_at < cutoff,
        )
    )
    late_walk_ins = session.scalar(
        select(func.count())
        .select_from(BookingEvent)
        .join(Booking, Booking.id == BookingEvent.booking_id)
        .where(
            Booking.service_id == service.id,
            Booking.day == day,
            BookingEvent.action == "expire",
            BookingEvent.detail["reason"].as_string() == "late_walk_in",
        )
    )
    # A booking that came late and took a walk-in ticket used its place itself.
    return max(0, int(count or 0) - int(late_walk_ins or 0))


def walk_in_share_left(session: Session, service: Service, day: date, now: datetime) -> int | None:
    """Walk-in places left today under *both* with a daily quota (None: no such limit): the
    walk-in share, plus the no-shows' places released, minus walk-in tickets drawn."""
    agency = _agency(session, service)
    if policy_of(service, agency) is not ChannelPolicy.BOTH:
        return None
    _, share = rules.split_quota(service.daily_quota, online_pct_of(service, agency))
    if share is None:
        return None
    drawn = session.scalar(
        select(func.count())
        .select_from(Ticket)
        .where(
            Ticket.issued_service_id == service.id,
            Ticket.service_day == day,
            Ticket.channel != Channel.ONLINE.value,
        )
    )
    return share + released_to_walk_ins(session, service, day, now) - int(drawn or 0)


def counts(session: Session, site_id: int, day: date) -> dict[str, int]:
    """A day's bookings by state (the reports' figures of online registration)."""
    rows = session.execute(
        select(Booking.state, func.count())
        .where(Booking.site_id == site_id, Booking.day == day)
        .group_by(Booking.state)
    ).all()
    found = {str(state): int(n) for state, n in rows}
    return {s.value: found.get(s.value, 0) for s in BookingState}
