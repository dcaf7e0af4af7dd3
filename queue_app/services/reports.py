"""Reports of a day or a range of days: read the event log and the refusals, let
`domain.reports` aggregate, and shape the result for JSON (its CSV files:
services/csv_export)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..contract import reports as contract
from ..contract.payloads import SiteRef
from ..domain.errors import InvalidInput, NotFound
from ..domain.numbering import site_zone
from ..domain.reports import (
    AFTER_DAY,
    BookingEventRow,
    BookingFigures,
    BookingReport,
    BookingRow,
    ChannelFigures,
    EventRow,
    Figures,
    RefusalRow,
    Report,
    SessionKey,
    SessionRow,
    Stats,
    TicketRow,
    build_booking_report,
    build_report,
    tenth,
)
from ..domain.states import Action, TicketState
from ..domain.vocabulary import Outcome
from ..models import (
    Agency,
    Booking,
    BookingEvent,
    BookingSession,
    Counter,
    Refusal,
    Service,
    Site,
    Ticket,
    TicketEvent,
    User,
    Zone,
)
from .clock import utcnow

Json = dict[str, Any]

#: The refusal reasons the reports know by name (labels.REFUSAL_LABELS words them), in the
#: order their columns come; a reason not listed still counts, after these.
KNOWN_REASONS = (
    "quota_reached",
    "agency_cap_reached",
    "walk_in_not_accepted",
    "closed_early",
    "not_ready",
)

#: The longest range one report covers.
MAX_DAYS = 92


@dataclass(frozen=True)
class Period:
    """The service days a report covers, both ends included."""

    first: date
    last: date

    @classmethod
    def checked(cls, first: date, last: date) -> Period:
        """A period of at most MAX_DAYS, first not after last; else `InvalidInput`."""
        if last < first:
            raise InvalidInput("'to' is before 'from'")
        if (last - first).days + 1 > MAX_DAYS:
            raise InvalidInput(f"a report covers at most {MAX_DAYS} days")
        return cls(first, last)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def label(self) -> str:
        """`2026-06-15`, or `2026-06-01_2026-06-30` for a range (file names)."""
        if self.first == self.last:
            return self.first.isoformat()
        return f"{self.first.isoformat()}_{self.last.isoformat()}"


class HallReport:
    """One site's report for a period, with the names the figures are shown under."""

    def __init__(self, session: Session, site_id: int, period: Period) -> None:
        site = session.get(Site, site_id)
        if site is None:
            raise NotFound(f"no site {site_id}")
        self.session = session
        self.site = site
        self.period = period
        self.zone: ZoneInfo = site_zone(site.timezone)
        self.generated_at = utcnow()

    @property
    def period_label(self) -> str:
        return self.period.label

    # -- loading ------------------------------------------------------------------------------

    @cached_property
    def report(self) -> Report:
        """The aggregated figures, from the event log and the refusals."""
        return build_report(
            self._tickets(),
            self._events(),
            self._refusals(),
            self.zone,
            agency_of=self.agency_of,
            zone_of={s.id: s.zone_id for s in self.services},
        )

    @cached_property
    def bookings(self) -> BookingReport:
        """The online-registration figures (issue 16): the sessions and bookings of the
        period's days (the days booked for), and the channels of the tickets already read."""
        bookings, events = self._bookings()
        return build_booking_report(
            self._sessions(),
            bookings,
            events,
            [r.ticket for r in self.report.records],
            self.zone,
            agency_of=self.agency_of,
        )

    def _sessions(self) -> list[SessionRow]:
        rows = self.session.execute(
            select(
                BookingSession.id,
                BookingSession.service_id,
                BookingSession.day,
                BookingSession.starts_at,
                BookingSession.ends_at,
                BookingSession.capacity,
                BookingSession.capacity_override,
            ).where(
                BookingSession.site_id == self.site.id,
                BookingSession.day >= self.period.first,
                BookingSession.day <= self.period.last,
            )
        )
        return [
            SessionRow(sid, service_id, day, starts, ends, cap if override is None else override)
            for sid, service_id, day, starts, ends, cap, override in rows
        ]

    def _bookings(self) -> tuple[list[BookingRow], list[BookingEventRow]]:
        """The period's bookings and all their events, in one statement (every booking has
        its `book` event)."""
        rows = self.session.execute(
            select(
                Booking.id,
                Booking.session_id,
                Booking.service_id,
                Booking.day,
                BookingEvent.id,
                BookingEvent.action,
                BookingEvent.to_state,
                BookingEvent.at,
                BookingEvent.detail,
            )
            .join(BookingEvent, BookingEvent.booking_id == Booking.id)
            .where(
                Booking.site_id == self.site.id,
                Booking.day >= self.period.first,
                Booking.day <= self.period.last,
            )
            .order_by(BookingEvent.id)
        )
        bookings: dict[int, BookingRow] = {}
        events: list[BookingEventRow] = []
        for booking_id, session_id, service_id, day, seq, action, to_state, at, detail in rows:
            bookings.setdefault(booking_id, BookingRow(booking_id, session_id, service_id, day))
            reason = (detail or {}).get("reason")
            events.append(
                BookingEventRow(
                    booking_id,
                    seq,
                    action,
                    to_state,
                    at,
                    reason if isinstance(reason, str) else None,
                )
            )
        return list(bookings.values()), events

    def _in_period(self) -> list[Any]:
        return [
            Ticket.site_id == self.site.id,
            Ticket.service_day >= self.period.first,
            Ticket.service_day <= self.period.last,
        ]

    def _tickets(self) -> list[TicketRow]:
        rows = self.session.execute(
            select(
                Ticket.id,
                Ticket.code,
                Ticket.number,
                Ticket.issued_service_id,
                Ticket.service_day,
                Ticket.priority,
                Ticket.channel,
            ).where(*self._in_period())
        )
        return [TicketRow(*row) for row in rows]

    def _events(self) -> list[EventRow]:
        # The details reports read: the service a transfer left, the outcome of a finish.
        details = {
            (ticket_id, seq): detail or {}
            for ticket_id, seq, detail in self.session.execute(
                select(TicketEvent.ticket_id, TicketEvent.seq, TicketEvent.detail)
                .join(Ticket, Ticket.id == TicketEvent.ticket_id)
                .where(
                    *self._in_period(),
                    TicketEvent.action.in_([Action.TRANSFER.value, Action.FINISH.value]),
                )
            )
        }
        known = {o.value for o in Outcome}
        rows = self.session.execute(
            select(
                TicketEvent.ticket_id,
                TicketEvent.seq,
                TicketEvent.action,
                TicketEvent.from_state,
                TicketEvent.to_state,
                TicketEvent.at,
                TicketEvent.service_id,
                TicketEvent.counter_id,
                TicketEvent.staff_id,
            )
            .join(Ticket, Ticket.id == TicketEvent.ticket_id)
            .where(*self._in_period())
            .order_by(TicketEvent.seq)
        )
        actions = {a.value: a for a in Action}
        states = {s.value: s for s in TicketState}
        return [
            EventRow(
                ticket_id,
                seq,
                actions[action],
                states[from_state] if from_state else None,
                states[to_state],
                at,
                service_id,
                counter_id,
                staff_id,
                details.get((ticket_id, seq), {}).get("from_service_id"),
                _outcome(details.get((ticket_id, seq), {}).get("outcome"), known),
            )
            for (
                ticket_id,
                seq,
                action,
                from_state,
                to_state,
                at,
                service_id,
                counter_id,
                staff_id,
            ) in rows
        ]

    def _refusals(self) -> list[RefusalRow]:
        rows = self.session.execute(
            select(Refusal.service_id, Refusal.at, Refusal.reason).where(
                Refusal.site_id == self.site.id,
                Refusal.service_day >= self.period.first,
                Refusal.service_day <= self.period.last,
            )
        )
        return [RefusalRow(*row) for row in rows]

    # -- names --------------------------------------------------------------------------------

    @cached_property
    def services(self) -> list[Service]:
        stmt = select(Service).where(Service.site_id == self.site.id)
        return list(self.session.scalars(stmt.order_by(Service.position, Service.code)))

    @cached_property
    def agency_of(self) -> dict[int, int | None]:
        """Service id → its agency's id."""
        return {s.id: s.agency_id for s in self.services}

    @cached_property
    def agencies(self) -> list[Agency]:
        stmt = select(Agency).where(Agency.site_id == self.site.id)
        return list(self.session.scalars(stmt.order_by(Agency.position, Agency.code)))

    @cached_property
    def zones(self) -> list[Zone]:
        stmt = select(Zone).where(Zone.site_id == self.site.id)
        return list(self.session.scalars(stmt.order_by(Zone.floor, Zone.position, Zone.name)))

    @cached_property
    def refusal_reasons(self) -> list[str]:
        """Every refusal reason that occurred in the period, in a stable order: the known ones
        first (as `labels.REFUSAL_LABELS` lists them), then any other alphabetically."""
        seen = set(self.report.totals.refusals)
        known = [r for r in KNOWN_REASONS if r in seen]
        return known + sorted(seen - set(KNOWN_REASONS))

    @cached_property
    def service_codes(self) -> dict[int, str]:
        return {s.id: s.code for s in self.services}

    @cached_property
    def counters(self) -> list[Counter]:
        stmt = select(Counter).where(Counter.site_id == self.site.id)
        return list(self.session.scalars(stmt.order_by(Counter.number)))

    @cached_property
    def counter_numbers(self) -> dict[int, int]:
        return {c.id: c.number for c in self.counters}

    @cached_property
    def usernames(self) -> dict[int, str]:
        ids = set(self.report.by_staff) | {
            r.staff_id for r in self.report.records if r.staff_id is not None
        }
        if not ids:
            return {}
        rows = self.session.execute(select(User.id, User.username).where(User.id.in_(ids)))
        return {user_id: name for user_id, name in rows}

    # -- shaped -------------------------------------------------------------------------------

    def service_rows(self) -> list[tuple[Service, Figures]]:
        """Every service of the site, with its figures (empty ones too)."""
        return [(s, self.report.by_service.get(s.id, Figures())) for s in self.services]

    def agency_rows(self) -> list[tuple[Agency, Figures]]:
        """Every agency of the site, with its figures (empty ones too)."""
        return [(a, self.report.by_agency.get(a.id, Figures())) for a in self.agencies]

    def zone_rows(self) -> list[tuple[Zone, Figures]]:
        """Every zone of the site, with its figures (empty ones too)."""
        return [(z, self.report.by_zone.get(z.id, Figures())) for z in self.zones]

    def counter_rows(self) -> list[tuple[Counter, Figures]]:
        """Every counter that called, served or sent anyone on."""
        return [
            (c, self.report.by_counter[c.id])
            for c in self.counters
            if c.id in self.report.by_counter
        ]

    def staff_rows(self) -> list[tuple[int, str, Figures]]:
        """Every staff member who acted at a counter, by username."""
        rows = [
            (staff_id, self.usernames.get(staff_id, f"#{staff_id}"), figures)
            for staff_id, figures in self.report.by_staff.items()
        ]
        return sorted(rows, key=lambda r: r[1])

    def hour_rows(self) -> list[tuple[int, Figures]]:
        """Local hours from the first to the last with anything in them, then what happened
        after the day (hour 24: leftovers expired after midnight)."""
        hours = self.report.by_hour
        day_hours = [h for h in hours if h != AFTER_DAY]
        rows = (
            [(h, hours.get(h, Figures())) for h in range(min(day_hours), max(day_hours) + 1)]
            if day_hours
            else []
        )
        if AFTER_DAY in hours:
            rows.append((AFTER_DAY, hours[AFTER_DAY]))
        return rows

    def session_rows(self) -> list[tuple[Service, SessionKey, BookingFigures]]:
        """Every session of the period with its bookings, by service (in the services' order)
        and start time; over a range, each session time of a service once."""
        by_service: dict[int, list[tuple[SessionKey, BookingFigures]]] = {}
        for key, figures in sorted(self.bookings.by_session.items()):
            by_service.setdefault(key.service_id, []).append((key, figures))
        return [
            (service, key, figures)
            for service in self.services
            for key, figures in by_service.get(service.id, [])
        ]

    def booking_service_rows(self) -> list[tuple[Service, BookingFigures, ChannelFigures]]:
        """Every service of the site: its bookings and its tickets' channels."""
        made = self.bookings
        return [
            (
                s,
                made.by_service.get(s.id, BookingFigures()),
                made.channels_by_service.get(s.id, ChannelFigures()),
            )
            for s in self.services
        ]

    def booking_agency_rows(self) -> list[tuple[Agency, BookingFigures, ChannelFigures]]:
        """Every agency of the site: its services' bookings and tickets' channels."""
        made = self.bookings
        return [
            (
                a,
                made.by_agency.get(a.id, BookingFigures()),
                made.channels_by_agency.get(a.id, ChannelFigures()),
            )
            for a in self.agencies
        ]

    def bookings_json(self) -> contract.Bookings:
        """The `bookings` of `GET /api/v1/reports/daily`."""
        made = self.bookings
        codes = self.service_codes
        return contract.Bookings(
            totals=contract.BookingTotals(
                **booking_figures_json(made.totals), **channel_json(made.channels)
            ),
            sessions=[
                contract.SessionBookings(
                    service_id=key.service_id,
                    service=codes.get(key.service_id, ""),
                    starts=key.starts.strftime("%H:%M"),
                    ends=key.ends.strftime("%H:%M"),
                    **booking_figures_json(f),
                )
                for _s, key, f in self.session_rows()
            ],
            services=[
                contract.ServiceBookings(
                    id=s.id,
                    code=s.code,
                    name=s.name_id,
                    name_en=s.name_en,
                    **booking_figures_json(f),
                    **channel_json(c),
                )
                for s, f, c in self.booking_service_rows()
            ],
            agencies=[
                contract.AgencyBookings(
                    id=a.id,
                    code=a.code,
                    name=a.name_id,
                    name_en=a.name_en,
                    **booking_figures_json(f),
                    **channel_json(c),
                )
                for a, f, c in self.booking_agency_rows()
            ],
        )

    def as_json(self) -> contract.DailyReport:
        """`GET /api/v1/reports/daily`."""
        site = self.site
        return {
            "site": SiteRef(id=site.id, name=site.name, timezone=site.timezone),
            "from": self.period.first.isoformat(),
            "to": self.period.last.isoformat(),
            "generated_at": self.generated_at.isoformat(),
            "hall_capacity": site.hall_capacity,
            "totals": figures_json(self.report.totals),
            "services": [
                contract.ServiceFigures(
                    id=s.id, code=s.code, name=s.name_id, name_en=s.name_en, **figures_json(f)
                )
                for s, f in self.service_rows()
            ],
            "counters": [
                contract.CounterFigures(id=c.id, number=c.number, label=c.label, **figures_json(f))
                for c, f in self.counter_rows()
            ],
            "staff": [
                contract.StaffFigures(id=staff_id, username=name, **figures_json(f))
                for staff_id, name, f in self.staff_rows()
            ],
            "hours": [
                contract.HourFigures(hour=hour, **figures_json(f)) for hour, f in self.hour_rows()
            ],
            "occupancy": [
                contract.Occupancy(
                    day=o.day.isoformat(),
                    capacity=site.hall_capacity,
                    peak_inside=o.peak_inside,
                    peak_inside_at=self.local_iso(o.peak_inside_at),
                    peak_outside=o.peak_outside,
                    peak_outside_at=self.local_iso(o.peak_outside_at),
                    bin_minutes=5,
                    bins=[
                        contract.OccupancyBin(
                            start=b.start.astimezone(self.zone).isoformat(),
                            inside_max=b.inside_max,
                            outside_max=b.outside_max,
                        )
                        for b in o.bins
                    ],
                )
                for o in self.report.occupancy
            ],
            "agencies": [
                contract.AgencyFigures(
                    id=a.id,
                    code=a.code,
                    name=a.name_id,
                    name_en=a.name_en,
                    colour=a.colour,
                    **mall_json(f),
                )
                for a, f in self.agency_rows()
            ],
            "zones": [
                contract.ZoneFigures(
                    id=z.id, name=z.name, floor=z.floor, capacity=z.cap, **mall_json(f)
                )
                for z, f in self.zone_rows()
            ],
            "bookings": self.bookings_json(),
        }

    def local_iso(self, value: datetime | None, timespec: str = "auto") -> str | None:
        """An instant in the hall's local time, ISO 8601 with its offset (None for none)."""
        if value is None:
            return None
        return value.astimezone(self.zone).isoformat(timespec=timespec)


def _outcome(value: object, known: set[str]) -> str | None:
    """A finish's recorded outcome; None (completed) when it names none we know."""
    return value if isinstance(value, str) and value in known else None


def rate(value: float | None) -> float | None:
    """A share (0–1) to four decimals, for JSON."""
    return None if value is None else round(value, 4)


def parse_period(
    day: str | None, first: str | None, last: str | None, *, today: date | None = None
) -> Period:
    """`date=YYYY-MM-DD`, or `from=…&to=…` (both ends included); `InvalidInput` otherwise."""
    if day is not None and (first is not None or last is not None):
        raise InvalidInput("give either 'date' or 'from' and 'to', not both")
    if day is not None:
        d = _parse_date(day, "date")
        return Period(d, d)
    if first is None and last is None:
        raise InvalidInput("'date' is required (YYYY-MM-DD), or 'from' and 'to'")
    if first is None or last is None:
        raise InvalidInput("give both 'from' and 'to' (YYYY-MM-DD)")
    return Period.checked(_parse_date(first, "from"), _parse_date(last, "to"))


def _parse_date(raw: str, name: str) -> date:
    text = raw.strip()
    if len(text) != 10 or not text.isascii():
        raise InvalidInput(f"'{name}' must be a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"'{name}' must be a date written YYYY-MM-DD") from exc


def site_today(session: Session, site_id: int) -> date:
    """The site's service day now (the reports page opens on it)."""
    site = session.get(Site, site_id)
    if site is None:
        raise NotFound(f"no site {site_id}")
    return utcnow().astimezone(site_zone(site.timezone)).date()


def days_back(day: date, n: int) -> Iterable[date]:
    """`day` and the `n - 1` days before it, newest first."""
    return (day - timedelta(days=i) for i in range(n))


def figures_json(figures: Figures) -> contract.Figures:
    """A group's counts and duration statistics, as the API gives them."""
    return contract.Figures(
        issued=figures.issued,
        called=figures.called,
        served=figures.served,
        no_show=figures.no_show,
        cancelled=figures.cancelled,
        expired=figures.expired,
        transferred=figures.transferred,
        refused_quota=figures.refused_quota,
        closed_early=figures.closed_early,
        visits_saved=figures.visits_saved,
        wait=stats_json(figures.wait),
        walk=stats_json(figures.walk),
        service=stats_json(figures.service),
        outcomes=contract.Outcomes(
            completed=figures.outcomes[Outcome.COMPLETED.value],
            incomplete_documents=figures.outcomes[Outcome.INCOMPLETE_DOCUMENTS.value],
            referred=figures.outcomes[Outcome.REFERRED.value],
            other=figures.outcomes[Outcome.OTHER.value],
        ),
        incomplete_documents_rate=rate(figures.incomplete_documents_rate),
    )


def booking_figures_json(figures: BookingFigures) -> contract.BookingFigures:
    """A group's bookings by what became of them, and its show and cancellation rates."""
    return contract.BookingFigures(
        sessions=figures.sessions,
        places=figures.places,
        booked=figures.booked,
        checked_in=figures.checked_in,
        cancelled=figures.cancelled,
        expired=figures.expired,
        no_show=figures.no_show,
        late_walk_in=figures.late_walk_in,
        still_booked=figures.still_booked,
        show_rate=rate(figures.show_rate),
        cancel_rate=rate(figures.cancel_rate),
    )


def channel_json(channels: ChannelFigures) -> contract.ChannelShare:
    """A group's tickets, online and walk-in, and the online share."""
    return contract.ChannelShare(
        tickets_issued=channels.issued,
        tickets_online=channels.online,
        tickets_walk_in=channels.walk_in,
        online_share=rate(channels.online_share),
    )


def mall_json(figures: Figures) -> contract.MallFigures:
    """An agency's or a zone's figures: the group's, its applicants and refusals by reason."""
    return contract.MallFigures(
        **figures_json(figures),
        applicants=figures.applicants,
        refused=figures.refused,
        refused_by_reason=dict(sorted(figures.refusals.items())),
    )


def stats_json(made: Stats) -> contract.DurationStats:
    """Duration statistics rounded to a tenth of a second, for display and JSON."""
    return contract.DurationStats(
        count=made.count,
        mean_s=tenth(made.mean),
        median_s=tenth(made.median),
        p90_s=tenth(made.p90),
    )
