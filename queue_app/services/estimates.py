"""Wait estimates of one hall from what the database recorded today (domain.estimates decides).

Reads only: the open counters, the rounds recorded today (the most recent per service) and the
arrivals of the last half hour; today's queue and what each counter is doing come from the
view's one read of the active tickets (`read.HallView.active`). `read.HallView` builds one
`WaitEstimates` per view, so a page, an API response or a broadcast projects the hall once.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Float, bindparam, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from ..contract.payloads import EstimateBasis
from ..domain.booking import BookingState
from ..domain.estimates import (
    RECENCY_HALF_LIFE_S,
    ArrivalRate,
    CounterNow,
    HallNow,
    Projection,
    QueueNow,
    RecordedRound,
    arrival_rate,
    can_be_served_before,
    closing_in_s,
    expected_check_ins,
    opening_in_s,
    remaining_seconds,
    round_seconds,
    show_rate,
)
from ..domain.states import TicketState
from ..domain.vocabulary import CounterState
from ..models import Counter, CounterService, Service, Site, Ticket
from ..models.base import UTCDateTime
from . import hall_state
from .hall_state import (
    ROUND_COLUMNS,
    BookingsToday,
    HallCounter,
    RecordedTimes,
    Round,
    TicketRow,
    ended_round,
)

#: Rounds per service the estimate reads (older ones weigh next to nothing anyway).
RECENT_ROUNDS = hall_state.RECENT_ROUNDS
#: Rounds older than this are not read (they would weigh 1/16 of a fresh one).
ROUNDS_WINDOW = timedelta(seconds=4 * RECENCY_HALF_LIFE_S)
#: Arrivals are expected at the rate of this last stretch of time.
ARRIVAL_WINDOW = hall_state.ARRIVAL_WINDOW

QUEUED_STATES = [TicketState.ISSUED.value, TicketState.WAITING.value]
AT_COUNTER_STATES = [TicketState.CALLED.value, TicketState.SERVING.value]
ENDED_STATES = [TicketState.DONE.value, TicketState.NO_SHOW.value]


class seconds_between(FunctionElement[float]):
    """Seconds from one UTC timestamp to another, computed by the database (a busy hall's
    estimate reads hundreds of rounds; converting each timestamp in Python would dominate)."""

    type = Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between)
def _seconds_between(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"EXTRACT(EPOCH FROM ({end} - {start}))"


@compiles(seconds_between, "sqlite")
def _seconds_between_sqlite(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"((julianday({end}) - julianday({start})) * 86400.0)"


# The queries, built once (bound parameters): a busy hall estimates after every change. The
# rounds are read as the ended tickets' timestamps; `hall_state.ended_round` says when a round
# began, for these rows and for a change's ticket alike.
_ranked = (
    select(
        Ticket.service_id,
        *ROUND_COLUMNS,
        func.row_number()
        .over(partition_by=Ticket.service_id, order_by=Ticket.closed_at.desc())
        .label("rank"),
    )
    .where(
        Ticket.site_id == bindparam("site_id"),
        Ticket.service_day == bindparam("day"),
        Ticket.state.in_(ENDED_STATES),
        Ticket.called_at.is_not(None),
        # Older rounds weigh next to nothing (a sixteenth after four half-lives).
        Ticket.closed_at > bindparam("since", type_=UTCDateTime()),
    )
    .subquery()
)
#: Today's most recent rounds per service, as the ended tickets' rows (`hall_state.round_of`).
ROUNDS_QUERY = select(
    _ranked.c.service_id, *(_ranked.c[column.key] for column in ROUND_COLUMNS)
).where(_ranked.c.rank <= bindparam("rank"))

#: The tickets issued since the arrival window began, oldest first (what a snapshot carries).
ARRIVALS_QUERY = (
    select(Ticket.issued_service_id, Ticket.issued_at, Ticket.priority.is_not(None))
    .where(
        Ticket.site_id == bindparam("site_id"),
        Ticket.service_day == bindparam("day"),
        Ticket.issued_at > bindparam("since", type_=UTCDateTime()),
    )
    .order_by(Ticket.issued_at, Ticket.id)
)

#: Their numbers per service, counted by the database (a view that carries nothing forward).
ARRIVAL_COUNTS_QUERY = (
    select(Ticket.issued_service_id, func.count(Ticket.id), func.count(Ticket.priority))
    .where(
        Ticket.site_id == bindparam("site_id"),
        Ticket.service_day == bindparam("day"),
        Ticket.issued_at > bindparam("since", type_=UTCDateTime()),
        # Strictly before now: a ticket issued this instant does not change its own estimate,
        # so the printed ticket says what the kiosk button said.
        Ticket.issued_at < bindparam("now", type_=UTCDateTime()),
    )
    .group_by(Ticket.issued_service_id)
)

COUNTERS_QUERY = (
    select(
        Counter.id,
        Counter.number,
        Counter.state,
        Counter.regular_streak,
        CounterService.service_id,
        Counter.label,
    )
    # Outer: a counter that serves nothing yet is still on the board.
    .outerjoin(CounterService, CounterService.counter_id == Counter.id)
    .where(Counter.site_id == bindparam("site_id"))
    .order_by(Counter.number, CounterService.rank)
)


def read_counters(session: Session, site_id: int) -> list[HallCounter]:
    """A site's counters with their services in preference order (`COUNTERS_QUERY`)."""
    counters: dict[int, HallCounter] = {}
    for counter_id, number, state, streak, service_id, label in session.execute(
        COUNTERS_QUERY, {"site_id": site_id}
    ):
        counter = counters.get(counter_id)
        if counter is None:
            counter = counters[counter_id] = HallCounter(
                counter_id, number, state, streak, [], label
            )
        if service_id is not None:
            counter.service_ids.append(service_id)
    return list(counters.values())


@dataclass(frozen=True)
class ExpectedCheckIns:
    """Online bookings of sessions that have started, still expected to check in: per
    service, (their place in today's queue, how many); `show_rate`, the share of the booked
    expected."""

    show_rate: float
    ahead: dict[int, list[tuple[int, int]]] = field(default_factory=dict)


@dataclass(frozen=True)
class ServingCounter:
    """An open counter serving a service, with the rank of that service in its preferences
    (0 = it serves this service first)."""

    number: int
    rank: int


class WaitEstimates:
    """Estimates for one site at one instant; every figure is computed at most once."""

    def __init__(
        self,
        session: Session,
        site: Site,
        now: datetime,
        today: date,
        zone: ZoneInfo,
        services: Sequence[Service],
        issued_today: Mapping[int, int],
        active: Sequence[TicketRow],
        counters: list[HallCounter] | None = None,
        recorded: RecordedTimes | None = None,
        agency_left: Mapping[int, int] | None = None,
        bookings: BookingsToday | None = None,
    ) -> None:
        self.session = session
        self.site = site
        self.now = now
        self.today = today
        self.zone = zone
        self.services = list(services)
        self.issued_today = issued_today
        #: Agency id → numbers its daily cap still allows today (agencies with a cap only):
        #: like a service's quota, the cap ends its services' arrivals.
        self.agency_left = agency_left or {}
        #: Today's online bookings: those still to check in are expected (issue 16).
        self.bookings = bookings or BookingsToday()
        #: Today's queued and at-counter tickets, in queue order within each service (front
        #: first, then by time in the queue): `read.HallView.active`, read once per view.
        self.active = active
        # Carried from an earlier view (realtime.snapshots), else read on first use.
        if counters is not None:
            self.__dict__["counters"] = counters
        if recorded is not None:
            self.__dict__["recorded"] = recorded

    # -- answers ----------------------------------------------------------------------------

    def wait_s(self, service: Service, people_ahead: int, *, priority: bool = False) -> int | None:
        """Expected seconds until a ticket with `people_ahead` ahead of it is called, or None
        when no open counter serves the service (nobody can say when one will open: the
        screens say so in words rather than guess).

        `priority`: the ticket is a priority one (then people ahead are the transferred and
        earlier priority tickets, as `read.people_ahead` counts them).
        """
        ahead = people_ahead
        if not priority:
            # Expected check-ins put in at or before this ticket's place stand ahead of it.
            places = self.check_ins.ahead.get(service.id, ())
            ahead += sum(n for place, n in places if place <= people_ahead)
        called = self.projection.call_at(service.id, ahead, priority=priority)
        if called is None:
            return None
        return max(0, round(called))

    def new_ticket_s(self, service: Service, *, priority: bool = False) -> int | None:
        """The wait of a ticket taken now (what the kiosk button shows); None while the hall
        is closed (no ticket can be taken now) or no open counter serves the service."""
        if self.opening_in_s > 0:
            return None
        ahead = self.new_ticket_ahead(service.id, priority=priority)
        return self.wait_s(service, ahead, priority=priority)

    def closed_early(self, service: Service) -> bool:
        """True when the service closes early (if it is set to) because a ticket taken now
        would not be served before the hall's closing time."""
        if not service.closes_early or self.opening_in_s > 0:
            return False  # outside opening hours the hall as a whole is closed
        closing_in = self.closing_in_s
        if math.isinf(closing_in):
            return False
        call_in = self.new_ticket_s(service)
        if call_in is None:
            return False  # no open counter serves it: the kiosk says so, it does not close
        return not can_be_served_before(closing_in, call_in, self.round_s[service.id])

    def serving_counters(self, service_id: int) -> list[ServingCounter]:
        """Open counters serving a service now, those serving it first first."""
        serving = [
            ServingCounter(c.number, c.service_ids.index(service_id))
            for c in self._open_counters
            if service_id in c.service_ids
        ]
        return sorted(serving, key=lambda s: (s.rank, s.number))

    def basis(self, service: Service) -> EstimateBasis:
        """What the estimate of a service rests on (for the API and the reports page)."""
        rounds = self.rounds.get(service.id, [])
        return EstimateBasis(
            round_s=round(self.round_s[service.id]),
            prior_s=service.prior_service_s,
            rounds_recorded=len(rounds),
            from_prior=len(rounds) == 0,
        )

    # -- inputs -----------------------------------------------------------------------------

    @cached_property
    def closing_in_s(self) -> float:
        """Seconds until the hall closes (infinite when open around the clock, 0 if closed)."""
        local = self.now.astimezone(self.zone)
        return closing_in_s(local, self.site.opens_at, self.site.closes_at)

    @cached_property
    def opening_in_s(self) -> float:
        """Seconds until the hall opens (0 when it is open now)."""
        local = self.now.astimezone(self.zone)
        return opening_in_s(local, self.site.opens_at, self.site.closes_at)

    @cached_property
    def counters(self) -> list[HallCounter]:
        """The site's counters with their services in preference order (one query)."""
        return read_counters(self.session, self.site.id)

    @cached_property
    def _open_counters(self) -> list[HallCounter]:
        return [c for c in self.counters if c.state == CounterState.OPEN.value]

    @cached_property
    def queues(self) -> dict[int, QueueNow]:
        """Today's queue of each service: its length, and where its transferred and priority
        tickets stand; with the check-ins expected of sessions that have started put in."""
        queues = {service_id: QueueNow.of(pairs) for service_id, pairs in self._queued.items()}
        for service_id, places in self.check_ins.ahead.items():
            queue = queues.get(service_id, QueueNow(0))
            # The latest place first, so an earlier one's place is not moved by it.
            for place, count in sorted(places, reverse=True):
                queue = queue.with_regular(place, count)
            queues[service_id] = queue
        return queues

    @cached_property
    def _queued(self) -> dict[int, list[tuple[bool, bool]]]:
        """(priority, front) of each queued ticket, per service in queue order."""
        order: dict[int, list[tuple[bool, bool]]] = {}
        for t in self.active:
            if t.state in QUEUED_STATES:
                order.setdefault(t.service_id, []).append((t.priority is not None, t.front))
        return order

    @cached_property
    def check_ins(self) -> ExpectedCheckIns:
        """The online bookings of today expected to check in (issue 16): a checked-in ticket
        queues as if issued at its session's start, so those of a session that has started
        stand ahead of everyone queued since its start. (Those of a session to come will stand
        behind everyone queued now: they delay no one the hall can estimate yet.) Each
        session's booked ones count at today's show rate."""
        late = timedelta(minutes=self.bookings.late_min)
        checked = not_shown = 0
        for row in self.bookings.rows:
            if row.ends_at + late <= self.now:  # its window closed: did they come?
                if row.state == BookingState.CHECKED_IN.value:
                    checked += row.n
                elif row.state in (BookingState.EXPIRED.value, BookingState.BOOKED.value):
                    not_shown += row.n
        rate = show_rate(checked, not_shown)
        queue_at: dict[int, list[datetime]] = {}
        for t in self.active:
            if t.state in QUEUED_STATES and not t.front:
                queue_at.setdefault(t.service_id, []).append(t.queue_at)
        ahead: dict[int, list[tuple[int, int]]] = {}
        for row in self.bookings.rows:
            if row.state != BookingState.BOOKED.value or row.starts_at > self.now:
                continue
            if row.ends_at + late <= self.now:
                continue  # its check-in window closed: expired, or about to be
            count = expected_check_ins(row.n, rate)
            if count == 0:
                continue
            fronts = sum(1 for _, front in self._queued.get(row.service_id, ()) if front)
            earlier = sum(1 for at in queue_at.get(row.service_id, ()) if at <= row.starts_at)
            ahead.setdefault(row.service_id, []).append((fronts + earlier, count))
        return ExpectedCheckIns(rate, ahead)

    @cached_property
    def recorded(self) -> RecordedTimes:
        """Today's recent rounds and arrivals as raw timestamps (two queries), which a later
        view at another instant or `seq` can carry forward (services.hall_state)."""
        params: dict[str, Any] = {
            "site_id": self.site.id,
            "day": self.today,
            "rank": RECENT_ROUNDS,
            "since": self.now - ROUNDS_WINDOW,
        }
        rounds: dict[int, list[Round]] = {}
        for service_id, *columns in self.session.execute(ROUNDS_QUERY, params):
            recorded = ended_round(*columns)
            if recorded is not None:
                rounds.setdefault(service_id, []).append(recorded)
        for kept in rounds.values():
            kept.sort(key=lambda r: r.ended, reverse=True)
        arrivals: dict[int, list[tuple[datetime, bool]]] = {}
        params = {"site_id": self.site.id, "day": self.today, "since": self.now - ARRIVAL_WINDOW}
        for service_id, issued_at, priority in self.session.execute(ARRIVALS_QUERY, params):
            arrivals.setdefault(service_id, []).append((issued_at, bool(priority)))
        return RecordedTimes(rounds, arrivals)

    @cached_property
    def rounds(self) -> dict[int, list[RecordedRound]]:
        """The most recent rounds of today per service (call → finish or no-show), with their
        age now."""
        since = self.now - ROUNDS_WINDOW
        return {
            service_id: [
                RecordedRound(r.seconds, (self.now - r.ended).total_seconds())
                for r in kept
                if r.ended > since
            ][:RECENT_ROUNDS]
            for service_id, kept in self.recorded.rounds.items()
        }

    @cached_property
    def round_s(self) -> dict[int, float]:
        """Expected counter time per call of each service (recorded rounds, else the prior)."""
        return {
            s.id: round_seconds(self.rounds.get(s.id, []), s.prior_service_s) for s in self.services
        }

    @cached_property
    def arrivals(self) -> dict[int, ArrivalRate]:
        """Tickets expected per service from the last half hour's, until the kiosk closes."""
        since = self.now - ARRIVAL_WINDOW
        recent: dict[int, tuple[int, int]] = {}
        if "recorded" in self.__dict__:  # carried or read as raw times: count them here
            for service_id, issued in self.recorded.arrivals.items():
                # Strictly before now, as ARRIVAL_COUNTS_QUERY counts.
                times = [priority for at, priority in issued if since < at < self.now]
                recent[service_id] = (len(times), sum(times))
        else:
            params = {"site_id": self.site.id, "day": self.today, "since": since, "now": self.now}
            for service_id, total, priority in self.session.execute(ARRIVAL_COUNTS_QUERY, params):
                recent[service_id] = (total, priority)
        window = ARRIVAL_WINDOW.total_seconds()
        rates: dict[int, ArrivalRate] = {}
        for service in self.services:
            total, priority = recent.get(service.id, (0, 0))
            if not service.is_open or total == 0:
                continue
            left = (
                None
                if service.daily_quota is None
                else service.daily_quota - self.issued_today.get(service.id, 0)
            )
            agency_left = self.agency_left.get(service.agency_id)
            if agency_left is not None:
                left = agency_left if left is None else min(left, agency_left)
            rates[service.id] = arrival_rate(
                total - priority,
                priority,
                window,
                until_s=self.closing_in_s,
                tickets_left=left,
                full_at_closing_s=self.closing_in_s if service.closes_early else None,
            )
        return rates

    @cached_property
    def _busy(self) -> dict[int, tuple[int, datetime]]:
        """Counter id → (service, called at) of the ticket at it now."""
        return {
            t.counter_id: (t.service_id, t.called_at)
            for t in self.active
            if t.state in AT_COUNTER_STATES and t.counter_id is not None and t.called_at is not None
        }

    @cached_property
    def projection(self) -> Projection:
        """The hall played forward from now (lazily, as far as the questions need)."""
        counters = []
        for counter in self._open_counters:
            busy = self._busy.get(counter.id)
            free_in = 0.0
            if busy is not None:
                service_id, called_at = busy
                elapsed = (self.now - called_at).total_seconds()
                free_in = remaining_seconds(elapsed, self.round_s.get(service_id, 0.0))
            counters.append(
                CounterNow(counter.id, tuple(counter.service_ids), free_in, counter.regular_streak)
            )
        return Projection(
            HallNow(
                counters=counters,
                queues=self.queues,
                round_s=self.round_s,
                priority_ratio=self.site.priority_ratio,
                arrivals=self.arrivals,
            )
        )

    # -- helpers ----------------------------------------------------------------------------

    def new_ticket_ahead(self, service_id: int, *, priority: bool = False) -> int:
        """People ahead of a ticket taken now (as `read.people_ahead` will count them)."""
        queue = self.queues.get(service_id, QueueNow(0))
        if not priority:
            # The real ones: `wait_s` puts the expected check-ins ahead of them itself.
            return queue.length - sum(n for _, n in self.check_ins.ahead.get(service_id, ()))
        return len(queue.front_priority) + len(queue.priority_at)
