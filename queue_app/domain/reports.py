"""Reports: every figure derived from the event log (and the refusals), nothing else.

A ticket's story is its events in sequence order. From it we take its outcome (the state of its
last event), where it ended (service, counter and staff of its last round), its durations
(`domain.durations`: wait = first call − issue, walk = start − last call, service = finish −
start or − last call), and its time outside (first admission − issue).

Figures are counted where they happened:

* **issued**: by the service the number was drawn from, at the issue time;
* **served / no-show / cancelled / expired**: one outcome per ticket, by the service (and for
  served and no-show the counter and staff) of its last event, at the time of that event;
* **outcome of a service** (issue 18): each served ticket's, from its finish event's detail
  (none named: completed), where it was served; the incomplete-documents rate is those with
  incomplete documents ÷ served;
* **called**: every `call` event (not recalls), by its service, counter and staff;
* **transferred**: every `transfer` event, by the service it left and the counter that sent it;
* **wait**: by the issued service and the hour of issue; **walk** and **service**: by the service,
  counter and staff of the finish, at the hour of the finish;
* **per agency and per zone** (issue 15): the same figures, each counted under the agency and the
  zone of the service it is counted by above (the service's agency and zone as they are now);
  **applicants** are the tickets issued plus every refusal (an applicant who came to the kiosk
  and was turned away, or went home for a document), and **refused** counts the refusals by
  their reason string, whatever reasons appear;
* **occupancy**: people inside (waiting, called, serving) and outside (issued), replayed from each
  event's from/to state.

Statistics: mean, median, and 90th percentile by linear interpolation between closest ranks
(NumPy's default, `statistics.quantiles(method="inclusive")`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .durations import Durations, LoggedEvent, durations
from .states import INSIDE, Action, TicketState
from .vocabulary import Channel, Outcome

#: Outcomes a ticket of a closed day ends in (`no_show` may still be reinstated, but not after
#: its day).
OUTCOMES = ("done", "no_show", "cancelled", "expired")
#: Width of one occupancy bin.
OCCUPANCY_BIN = timedelta(minutes=5)
#: The refusal reason of an applicant who lacked a document and took no number (a visit saved).
NOT_READY = "not_ready"


# -- statistics ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stats:
    """Summary of durations in seconds; None where there are none."""

    count: int
    mean: float | None
    median: float | None
    p90: float | None


def quantile(values: Sequence[float], q: float) -> float:
    """The `q` quantile (0 ≤ q ≤ 1) of sorted or unsorted values, linear between closest ranks."""
    if not values:
        raise ValueError("quantile of no values")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = math.ceil(position)
    if low == high:
        return float(ordered[low])
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def stats(values: Iterable[float | None]) -> Stats:
    """Mean, median and 90th percentile of the values that are not None."""
    present = [float(v) for v in values if v is not None]
    if not present:
        return Stats(0, None, None, None)
    return Stats(
        len(present),
        sum(present) / len(present),
        quantile(present, 0.5),
        quantile(present, 0.9),
    )


def tenth(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


# -- input rows ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventRow:
    """One row of `ticket_events`."""

    ticket_id: int
    seq: int
    action: Action
    from_state: TicketState | None
    to_state: TicketState
    at: datetime
    service_id: int
    counter_id: int | None
    staff_id: int | None
    #: For a transfer: the service the ticket left.
    from_service_id: int | None = None
    #: For a finish: how the service ended (its detail's `outcome`; None before issue 18).
    outcome: str | None = None


@dataclass(frozen=True)
class TicketRow:
    """What the event log does not repeat: the ticket's code and how it was issued."""

    ticket_id: int
    code: str
    number: int
    issued_service_id: int
    service_day: date
    priority: str | None
    channel: str


@dataclass(frozen=True)
class RefusalRow:
    """One applicant turned away."""

    service_id: int
    at: datetime
    reason: str


# -- one ticket ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TicketRecord:
    """One ticket's story, read from its events."""

    ticket: TicketRow
    state: TicketState
    final_service_id: int
    counter_id: int | None
    staff_id: int | None
    issued_at: datetime | None
    admitted_at: datetime | None
    first_called_at: datetime | None
    last_called_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    closed_at: datetime | None
    calls: int
    recalls: int
    transfers: int
    durations: Durations
    outside_s: float | None
    #: A served ticket's outcome (`Outcome`; a finish that names none: completed); else None.
    outcome: str | None = None


def ticket_record(ticket: TicketRow, events: Sequence[EventRow]) -> TicketRecord:
    """Read one ticket's events (any order; sorted by seq here) into its record."""
    ordered = sorted(events, key=lambda e: e.seq)
    if not ordered:
        raise ValueError(f"ticket {ticket.ticket_id} has no events")
    first: dict[Action, datetime] = {}
    last: dict[Action, datetime] = {}
    for event in ordered:
        first.setdefault(event.action, event.at)
        last[event.action] = event.at
    final = ordered[-1]
    issued_at = first.get(Action.ISSUE)
    admitted_at = first.get(Action.ADMIT)
    state = final.to_state
    at_counter = state in (TicketState.DONE, TicketState.NO_SHOW)
    span = durations(LoggedEvent(e.action, e.at) for e in ordered)
    return TicketRecord(
        ticket=ticket,
        state=state,
        final_service_id=final.service_id,
        counter_id=final.counter_id if at_counter else None,
        staff_id=final.staff_id if at_counter else None,
        issued_at=issued_at,
        admitted_at=admitted_at,
        first_called_at=first.get(Action.CALL),
        last_called_at=_latest(last.get(Action.CALL), last.get(Action.RECALL)),
        started_at=last.get(Action.START),
        finished_at=last.get(Action.FINISH),
        closed_at=final.at if state.value in OUTCOMES else None,
        calls=sum(1 for e in ordered if e.action is Action.CALL),
        recalls=sum(1 for e in ordered if e.action is Action.RECALL),
        transfers=sum(1 for e in ordered if e.action is Action.TRANSFER),
        durations=span,
        outside_s=(
            (admitted_at - issued_at).total_seconds()
            if admitted_at is not None and issued_at is not None
            else None
        ),
        outcome=(final.outcome or Outcome.COMPLETED.value) if state is TicketState.DONE else None,
    )


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None or b is None:
        return a or b
    return max(a, b)


# -- aggregates ---------------------------------------------------------------------------------


@dataclass
class Figures:
    """Counts and duration statistics of one group (a service, a counter, an hour …)."""

    issued: int = 0
    called: int = 0
    served: int = 0
    no_show: int = 0
    cancelled: int = 0
    expired: int = 0
    transferred: int = 0
    refused_quota: int = 0
    closed_early: int = 0
    #: Applicants who saw at the kiosk that they lacked a document and took no number: a
    #: wasted wait and counter visit saved (refusals with reason `not_ready`).
    visits_saved: int = 0
    waits: list[float] = field(default_factory=list)
    walks: list[float] = field(default_factory=list)
    services: list[float] = field(default_factory=list)
    #: Served tickets by their outcome (every `Outcome`, zeros included).
    outcomes: dict[str, int] = field(default_factory=lambda: {o.value: 0 for o in Outcome})
    #: Every refusal by its reason as recorded (`quota_reached`, `closed_early`, `not_ready`,
    #: `agency_cap_reached`, `walk_in_not_accepted` …), only the reasons that occurred.
    refusals: dict[str, int] = field(default_factory=dict)

    @property
    def refused(self) -> int:
        """Applicants turned away: every refusal but the visits saved (`not_ready`, the
        applicant's own choice)."""
        return sum(n for reason, n in self.refusals.items() if reason != NOT_READY)

    @property
    def applicants(self) -> int:
        """People who came for a number: the tickets issued and every refusal."""
        return self.issued + sum(self.refusals.values())

    @property
    def incomplete_documents_rate(self) -> float | None:
        """Served with incomplete documents ÷ served (finished); None when none was served."""
        if not self.served:
            return None
        return self.outcomes[Outcome.INCOMPLETE_DOCUMENTS] / self.served

    @property
    def wait(self) -> Stats:
        return stats(self.waits)

    @property
    def walk(self) -> Stats:
        return stats(self.walks)

    @property
    def service(self) -> Stats:
        return stats(self.services)


@dataclass(frozen=True)
class OccupancyBin:
    """People inside and outside during one bin: the most at any moment, and at its end."""

    start: datetime
    inside_max: int
    outside_max: int
    inside_end: int
    outside_end: int


@dataclass(frozen=True)
class Occupancy:
    """One service day's occupancy curve."""

    day: date
    bins: list[OccupancyBin]
    peak_inside: int
    peak_inside_at: datetime | None
    peak_outside: int
    peak_outside_at: datetime | None


@dataclass
class Report:
    """The figures of a day or a range of days."""

    totals: Figures
    by_service: dict[int, Figures]
    by_counter: dict[int, Figures]
    by_staff: dict[int, Figures]
    #: Local hour of day (0–23) → figures; over a range, the same hours of every day together.
    by_hour: dict[int, Figures]
    occupancy: list[Occupancy]
    records: list[TicketRecord]
    #: Agency id → figures, and zone id → figures (issue 15), when the services' agencies and
    #: zones were given; a service without one counts in neither.
    by_agency: dict[int, Figures] = field(default_factory=dict)
    by_zone: dict[int, Figures] = field(default_factory=dict)


def build_report(
    tickets: Iterable[TicketRow],
    events: Iterable[EventRow],
    refusals: Iterable[RefusalRow],
    zone: ZoneInfo,
    agency_of: Mapping[int, int | None] | None = None,
    zone_of: Mapping[int, int | None] | None = None,
) -> Report:
    """Aggregate tickets (with all their events) and refusals into a report; `agency_of` and
    `zone_of` (service id → agency id, zone id) add the figures per agency and per zone."""
    agencies = agency_of or {}
    zones = zone_of or {}
    by_ticket: dict[int, list[EventRow]] = {}
    for event in events:
        by_ticket.setdefault(event.ticket_id, []).append(event)
    rows = {t.ticket_id: t for t in tickets}
    report = Report(Figures(), {}, {}, {}, {}, [], [])

    def groups(
        service: int | None = None,
        counter: int | None = None,
        staff: int | None = None,
        at: datetime | None = None,
        day: date | None = None,
    ) -> list[Figures]:
        found = [report.totals]
        if service is not None:
            found.append(report.by_service.setdefault(service, Figures()))
            agency_id = agencies.get(service)
            if agency_id is not None:
                found.append(report.by_agency.setdefault(agency_id, Figures()))
            zone_id = zones.get(service)
            if zone_id is not None:
                found.append(report.by_zone.setdefault(zone_id, Figures()))
        if counter is not None:
            found.append(report.by_counter.setdefault(counter, Figures()))
        if staff is not None:
            found.append(report.by_staff.setdefault(staff, Figures()))
        if at is not None:
            found.append(report.by_hour.setdefault(hour_of(at, day, zone), Figures()))
        return found

    for ticket_id in sorted(rows):
        ticket = rows[ticket_id]
        story = sorted(by_ticket.get(ticket_id, []), key=lambda e: e.seq)
        if not story:
            continue
        record = ticket_record(ticket, story)
        report.records.append(record)
        day = ticket.service_day
        for g in groups(service=ticket.issued_service_id, at=record.issued_at, day=day):
            g.issued += 1
            if record.durations.wait_s is not None:
                g.waits.append(record.durations.wait_s)
        for event in story:
            if event.action is Action.CALL:
                for g in groups(event.service_id, event.counter_id, event.staff_id, event.at, day):
                    g.called += 1
            elif event.action is Action.TRANSFER:
                left = event.from_service_id
                for g in groups(left, event.counter_id, event.staff_id, event.at, day):
                    g.transferred += 1
        final = story[-1]
        outcome_groups = groups(final.service_id, record.counter_id, record.staff_id, final.at, day)
        for g in outcome_groups:
            if record.state is TicketState.DONE:
                g.served += 1
                outcome = record.outcome or Outcome.COMPLETED.value
                g.outcomes[outcome] = g.outcomes.get(outcome, 0) + 1
                if record.durations.walk_s is not None:
                    g.walks.append(record.durations.walk_s)
                if record.durations.service_s is not None:
                    g.services.append(record.durations.service_s)
            elif record.state is TicketState.NO_SHOW:
                g.no_show += 1
            elif record.state is TicketState.CANCELLED:
                g.cancelled += 1
            elif record.state is TicketState.EXPIRED:
                g.expired += 1

    for refusal in refusals:
        for g in groups(service=refusal.service_id, at=refusal.at):
            g.refusals[refusal.reason] = g.refusals.get(refusal.reason, 0) + 1
            if refusal.reason == "closed_early":
                g.closed_early += 1
            elif refusal.reason == NOT_READY:
                g.visits_saved += 1
            else:
                g.refused_quota += 1

    per_day: dict[date, list[EventRow]] = {}
    for ticket_id, story in by_ticket.items():
        if ticket_id in rows:
            per_day.setdefault(rows[ticket_id].service_day, []).extend(story)
    report.occupancy = [occupancy(per_day[day], day, zone) for day in sorted(per_day)]
    return report


#: The hour bucket of what happened after the service day had ended (the close-day expiry).
AFTER_DAY = 24


def hour_of(at: datetime, day: date | None, zone: ZoneInfo) -> int:
    """The local hour of an instant; `AFTER_DAY` when it falls after the ticket's service day
    (leftovers expired after midnight), so they do not land in the small hours."""
    local = at.astimezone(zone)
    if day is not None and local.date() > day:
        return AFTER_DAY
    return local.hour


def occupancy(
    events: Iterable[EventRow], day: date, zone: ZoneInfo, width: timedelta = OCCUPANCY_BIN
) -> Occupancy:
    """Replay a day's events in log order: people inside and outside, per bin of local time.

    The bins run from the first bin with anyone in the hall or outside to the last one, within
    the local day.
    """
    ordered = sorted(events, key=lambda e: e.seq)
    start = datetime(day.year, day.month, day.day, tzinfo=zone)
    end = start + timedelta(days=1)
    count = int((end - start) / width)
    inside_max = [0] * count
    outside_max = [0] * count
    inside_end = [0] * count
    outside_end = [0] * count
    touched = [False] * count
    inside = outside = 0
    peak_inside = peak_outside = 0
    peak_inside_at: datetime | None = None
    peak_outside_at: datetime | None = None
    last_bin = -1

    previous_inside = previous_outside = 0

    def carry(until: int) -> None:
        """Bins up to `until` (inclusive) without events stay at the last instant's level."""
        nonlocal last_bin
        for b in range(last_bin + 1, until + 1):
            inside_max[b] = inside_end[b] = previous_inside
            outside_max[b] = outside_end[b] = previous_outside
        last_bin = max(last_bin, until)

    # One transaction's events share their time: levels are read after each instant, so a
    # ticket issued and admitted at once is never counted outside.
    i = 0
    while i < len(ordered):
        at = ordered[i].at
        while i < len(ordered) and ordered[i].at == at:
            event = ordered[i]
            inside += _in(event.to_state, INSIDE) - _in(event.from_state, INSIDE)
            outside += _is(event.to_state, TicketState.ISSUED) - _is(
                event.from_state, TicketState.ISSUED
            )
            i += 1
        b = int((at - start) / width) if at >= start else -1
        in_day = 0 <= b < count
        if in_day:
            carry(b - 1)
            if b > last_bin:
                # The bin starts at the level the previous instant left.
                inside_max[b] = max(inside, previous_inside)
                outside_max[b] = max(outside, previous_outside)
                last_bin = b
        if inside > peak_inside:
            peak_inside, peak_inside_at = inside, at
        if outside > peak_outside:
            peak_outside, peak_outside_at = outside, at
        if in_day:
            inside_max[b] = max(inside_max[b], inside)
            outside_max[b] = max(outside_max[b], outside)
            inside_end[b], outside_end[b] = inside, outside
            touched[b] = True
        previous_inside, previous_outside = inside, outside
    used = [i for i in range(count) if touched[i]]
    bins: list[OccupancyBin] = []
    if used:
        for i in range(used[0], used[-1] + 1):
            bins.append(
                OccupancyBin(
                    start + i * width, inside_max[i], outside_max[i], inside_end[i], outside_end[i]
                )
            )
    return Occupancy(day, bins, peak_inside, peak_inside_at, peak_outside, peak_outside_at)


def _in(state: TicketState | None, states: frozenset[TicketState]) -> int:
    return 1 if state is not None and state in states else 0


def _is(state: TicketState | None, wanted: TicketState) -> int:
    return 1 if state is wanted else 0


# -- online registration (issue 16) ---------------------------------------------------------
#
# A booking counts on the day it is **for** (its session's service day), never on the day it
# was made: the 08:00 session of Tuesday is Tuesday's figure, even when every place was booked
# on Monday evening. Each booking counts once, by what became of it (its last event's state):
# checked in, cancelled, expired (a no-show, or came too late and took a walk-in ticket), or
# still booked (its session is not over, or nothing has swept it yet). Per session, per service
# (the booking's), per agency (the service's, as it is now) and for the site.

#: A no-show's expiry reason; and the one of a booking that came after its window and took a
#: walk-in ticket instead (services.bookings._late).
NO_SHOW = "no_show"
LATE_WALK_IN = "late_walk_in"


@dataclass(frozen=True)
class SessionRow:
    """One arrival session of a service day, with its places (an admin's override, or the
    default)."""

    session_id: int
    service_id: int
    day: date
    starts_at: datetime
    ends_at: datetime
    places: int


@dataclass(frozen=True)
class BookingRow:
    """One booking: its session and service, and the day it is for."""

    booking_id: int
    session_id: int
    service_id: int
    day: date


@dataclass(frozen=True)
class BookingEventRow:
    """One row of `booking_events`; `reason` is an expiry's detail reason."""

    booking_id: int
    seq: int
    action: str
    to_state: str
    at: datetime
    reason: str | None = None


def ratio(part: int, whole: int) -> float | None:
    """`part ÷ whole`, None when there is no whole (nothing to divide: shown as a dash)."""
    return None if whole == 0 else part / whole


@dataclass
class BookingFigures:
    """Bookings of one group (a session, a service, an agency, the site)."""

    #: Sessions counted (over a range: the same session time on each day it was cut).
    sessions: int = 0
    #: Their places (each session's override, else its default).
    places: int = 0
    #: Every booking made for them, whatever became of it.
    booked: int = 0
    checked_in: int = 0
    cancelled: int = 0
    #: Expired at the session's end plus the late tolerance without a check-in.
    no_show: int = 0
    #: Came after the window and took a walk-in ticket (the booking expired with it).
    late_walk_in: int = 0
    #: Neither checked in, cancelled nor expired yet.
    still_booked: int = 0

    @property
    def expired(self) -> int:
        return self.no_show + self.late_walk_in

    @property
    def kept(self) -> int:
        """The bookings not cancelled: those the hall expected to see."""
        return self.booked - self.cancelled

    @property
    def show_rate(self) -> float | None:
        """Checked in ÷ bookings not cancelled; None when none was kept."""
        return ratio(self.checked_in, self.kept)

    @property
    def cancel_rate(self) -> float | None:
        """Cancelled ÷ booked; None when nothing was booked."""
        return ratio(self.cancelled, self.booked)


@dataclass
class ChannelFigures:
    """Tickets issued, online (checked in with a booking) and walk-in (every other channel:
    kiosk, staff, api), by the service their number was drawn from."""

    issued: int = 0
    online: int = 0

    @property
    def walk_in(self) -> int:
        return self.issued - self.online

    @property
    def online_share(self) -> float | None:
        """Online ÷ issued; None when no ticket was issued."""
        return ratio(self.online, self.issued)

    @property
    def walk_in_share(self) -> float | None:
        return ratio(self.walk_in, self.issued)


@dataclass(frozen=True, order=True)
class SessionKey:
    """A session as the report groups it: its service and its local start and end times (one
    session on one day; over a range, that session time of every day)."""

    service_id: int
    starts: time
    ends: time


@dataclass
class BookingReport:
    """The online-registration figures of a day or a range of days."""

    totals: BookingFigures
    by_session: dict[SessionKey, BookingFigures]
    by_service: dict[int, BookingFigures]
    by_agency: dict[int, BookingFigures]
    channels: ChannelFigures
    channels_by_service: dict[int, ChannelFigures]
    channels_by_agency: dict[int, ChannelFigures]


def booking_outcome(events: Iterable[BookingEventRow]) -> str:
    """What became of one booking: `checked_in`, `cancelled`, `no_show`, `late_walk_in` or
    `still_booked`, from its last event (in log order)."""
    ordered = sorted(events, key=lambda e: e.seq)
    if not ordered:
        return "still_booked"
    last = ordered[-1]
    if last.to_state == "expired":
        return LATE_WALK_IN if last.reason == LATE_WALK_IN else NO_SHOW
    if last.to_state in ("checked_in", "cancelled"):
        return last.to_state
    return "still_booked"


def session_key(row: SessionRow, zone: ZoneInfo) -> SessionKey:
    return SessionKey(
        row.service_id,
        row.starts_at.astimezone(zone).time().replace(tzinfo=None),
        row.ends_at.astimezone(zone).time().replace(tzinfo=None),
    )


def build_booking_report(
    sessions: Iterable[SessionRow],
    bookings: Iterable[BookingRow],
    events: Iterable[BookingEventRow],
    tickets: Iterable[TicketRow],
    zone: ZoneInfo,
    agency_of: Mapping[int, int | None] | None = None,
) -> BookingReport:
    """Aggregate a period's sessions and bookings (with all their events) per session, service,
    agency and site, and its tickets' channels per service, agency and site."""
    agencies = agency_of or {}
    report = BookingReport(BookingFigures(), {}, {}, {}, ChannelFigures(), {}, {})
    keys: dict[int, SessionKey] = {}

    def groups(service_id: int, key: SessionKey | None) -> list[BookingFigures]:
        found = [report.totals, report.by_service.setdefault(service_id, BookingFigures())]
        agency_id = agencies.get(service_id)
        if agency_id is not None:
            found.append(report.by_agency.setdefault(agency_id, BookingFigures()))
        if key is not None:
            found.append(report.by_session.setdefault(key, BookingFigures()))
        return found

    for row in sessions:
        key = keys[row.session_id] = session_key(row, zone)
        for g in groups(row.service_id, key):
            g.sessions += 1
            g.places += row.places

    stories: dict[int, list[BookingEventRow]] = {}
    for event in events:
        stories.setdefault(event.booking_id, []).append(event)
    for booking in sorted(bookings, key=lambda b: b.booking_id):
        outcome = booking_outcome(stories.get(booking.booking_id, []))
        for g in groups(booking.service_id, keys.get(booking.session_id)):
            g.booked += 1
            setattr(g, outcome, getattr(g, outcome) + 1)

    for ticket in tickets:
        found = [
            report.channels,
            report.channels_by_service.setdefault(ticket.issued_service_id, ChannelFigures()),
        ]
        agency_id = agencies.get(ticket.issued_service_id)
        if agency_id is not None:
            found.append(report.channels_by_agency.setdefault(agency_id, ChannelFigures()))
        for c in found:
            c.issued += 1
            if ticket.channel == Channel.ONLINE.value:
                c.online += 1
    return report
