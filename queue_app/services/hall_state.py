"""What a hall view is computed from, and how one committed change moves it forward.

`HallInputs` holds everything `read.HallView` reads of one site at one `seq`: the site and its
services, the counters with their services, today's active tickets, the numbers drawn today,
the recorded rounds and recent arrivals the estimates rest on (as raw timestamps, so that the
figures can be recomputed at a later instant without reading them again), and the recent calls
the board lists.

`advance` moves inputs forward by the changes of the event log (one row per ticket event, with
the ticket as it is now) without reading the rest again: a change costs its readers nothing
when the writer hands its own rows over, and one statement (`changes_since`) when another
process made it. Whatever the rules below do not cover exactly (a counter or set-up change,
which leaves no ticket event; a reinstated no-show, whose round leaves the recorded ones; the
day turning; a gap in the `seq`) returns None, and the caller reads the hall whole again.
`tests/realtime/test_incremental_snapshots.py` checks, change after change, that the result is
what a whole read gives.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import Session

from ..contract import payloads
from ..domain.booking import BookingState
from ..domain.states import INSIDE, Action, TicketState
from ..domain.vocabulary import Channel
from ..models import Agency, Service, Site, Ticket, TicketEvent, Zone

#: States of a ticket still in today's hall (queued outside, queued inside, at a counter).
ACTIVE_STATES = frozenset(s.value for s in (TicketState.ISSUED, *INSIDE))
ENDED_STATES = frozenset((TicketState.DONE.value, TicketState.NO_SHOW.value))

#: Rounds kept per service (the estimate reads the most recent ones; older weigh nothing).
RECENT_ROUNDS = 20
#: Arrivals are expected at the rate of this last stretch of time (services.estimates).
ARRIVAL_WINDOW = timedelta(minutes=30)
#: Calls kept for the board's list (it shows fewer: a recalled ticket appears once).
RECENT_CALLS_KEPT = 30

#: Actions `advance` follows exactly; any other one makes the hall be read whole.
FOLLOWED = frozenset(
    {
        Action.ISSUE,
        Action.ADMIT,
        Action.CALL,
        Action.RECALL,
        Action.START,
        Action.FINISH,
        Action.NO_SHOW,
        Action.REQUEUE,
        Action.TRANSFER,
        Action.CANCEL,
    }
)
#: More changes than this since the kept inputs: reading the hall whole is cheaper.
MAX_CHANGES = 500

#: The ticket columns a view needs (today's active tickets, and a change's ticket).
TICKET_COLUMNS = (
    Ticket.id,
    Ticket.token,
    Ticket.code,
    Ticket.service_id,
    Ticket.state,
    Ticket.front,
    Ticket.priority,
    Ticket.counter_id,
    Ticket.called_at,
    Ticket.started_at,
    Ticket.issued_at,
    Ticket.admitted_at,
    Ticket.queue_at,
    Ticket.issued_service_id,
    Ticket.service_day,
    Ticket.first_called_at,
    Ticket.closed_at,
    Ticket.channel,
)


class TicketRow(NamedTuple):
    """A ticket as the hall view sees it (the columns of `TICKET_COLUMNS`, in order)."""

    id: int
    token: str
    code: str
    service_id: int
    state: str
    front: bool
    priority: str | None
    counter_id: int | None
    called_at: datetime | None
    started_at: datetime | None
    issued_at: datetime
    admitted_at: datetime | None
    queue_at: datetime
    issued_service_id: int
    service_day: date
    first_called_at: datetime | None
    closed_at: datetime | None
    channel: str

    @classmethod
    def of(cls, ticket: Ticket) -> TicketRow:
        """The row of a ticket object (its attributes as the request left them)."""
        return cls(*(getattr(ticket, column.key) for column in TICKET_COLUMNS))


def queue_order(row: TicketRow) -> tuple[int, bool, datetime, int]:
    """The order of `read.ACTIVE_QUERY`: by service, transferred (front) tickets first, then by
    time in the queue."""
    return (row.service_id, not row.front, row.queue_at, row.id)


class Change(NamedTuple):
    """One row of the event log with its ticket as it is now."""

    seq: int
    action: str
    at: datetime
    counter_id: int | None
    service_id: int | None
    ticket: TicketRow


class CallRow(NamedTuple):
    """A call or recall of today, as the board lists it."""

    seq: int
    code: str
    counter_id: int
    counter_number: int
    service_code: str
    recall: bool
    at: datetime


@dataclass
class HallCounter:
    """A counter as the estimate and the board need it: its services in preference order."""

    id: int
    number: int
    state: str
    regular_streak: int
    service_ids: list[int]
    label: str = ""


class Round(NamedTuple):
    """A round recorded today: a ticket's time at a counter from its call to finish or
    no-show."""

    ticket_id: int
    ended: datetime
    seconds: float


def round_of(row: TicketRow) -> Round | None:
    """The round a ticket that ended (done, no-show) recorded, as the estimate reads it."""
    if row.state not in ENDED_STATES:
        return None
    return ended_round(
        row.id, row.called_at, row.closed_at, row.first_called_at, row.queue_at, row.issued_at
    )


#: The columns `ended_round` takes, in order (services.estimates reads them).
ROUND_COLUMNS = (
    Ticket.id,
    Ticket.called_at,
    Ticket.closed_at,
    Ticket.first_called_at,
    Ticket.queue_at,
    Ticket.issued_at,
)


def ended_round(
    ticket_id: int,
    called_at: datetime | None,
    closed_at: datetime | None,
    first_called_at: datetime | None,
    queue_at: datetime,
    issued_at: datetime,
) -> Round | None:
    """The round of an ended ticket: a ticket that never went back to the queue began at its
    first call (a recall does not restart the clerk's time); otherwise at its last call."""
    if called_at is None or closed_at is None:
        return None
    began = first_called_at if queue_at == issued_at else called_at
    if began is None:
        return None
    return Round(ticket_id, closed_at, (closed_at - began).total_seconds())


@dataclass
class RecordedTimes:
    """Today's recorded times the estimates rest on, as raw timestamps: the most recent rounds
    per service (newest first) and the tickets issued per service since the arrival window
    began when they were read (oldest first)."""

    rounds: dict[int, list[Round]] = field(default_factory=dict)
    arrivals: dict[int, list[tuple[datetime, bool]]] = field(default_factory=dict)


#: Booking states of a booking never checked in (its place goes back to walk-ins once its
#: session is over, where the service says so).
NOT_SHOWN = frozenset((BookingState.BOOKED.value, BookingState.EXPIRED.value))


class BookedRow(NamedTuple):
    """How many of today's bookings of one session are in one state (and how many of those
    came too late and took a walk-in ticket instead: expired with reason `late_walk_in`)."""

    service_id: int
    starts_at: datetime
    ends_at: datetime
    state: str
    n: int
    late_walk_ins: int = 0


@dataclass(frozen=True)
class BookingsToday:
    """Today's online bookings by service, session and state, and how late after a session's
    end one may still check in: the estimates expect the booked ones (services.estimates).

    A check-in issues a ticket of channel `online`, after which the hall is read whole; a
    cancel or a no-show's expiry leaves no ticket event, so a kept view counts that booking
    until its next whole read (at least every minute, realtime.snapshots)."""

    rows: tuple[BookedRow, ...] = ()
    late_min: int = 0

    def released(self, service_id: int, now: datetime) -> int:
        """Places of one service's no-shows of today that went back to walk-ins, as
        `services.bookings.released_to_walk_ins` counts them (for a service that releases
        them): bookings never checked in whose session ended more than the late tolerance
        before `now`, less those that came late and took a walk-in ticket themselves."""
        cutoff = now - timedelta(minutes=self.late_min)
        ended = late = 0
        for row in self.rows:
            if row.service_id != service_id:
                continue
            late += row.late_walk_ins
            if row.state in NOT_SHOWN and row.ends_at < cutoff:
                ended += row.n
        return max(0, ended - late)


@dataclass(frozen=True)
class HallInputs:
    """Everything a view of one site at one `seq` is computed from (see the module's doc)."""

    seq: int
    today: date
    site: Site
    services: list[Service]
    counters: list[HallCounter]
    #: Today's active tickets by id (a view orders them with `queue_order`).
    active: dict[int, TicketRow]
    issued_today: dict[int, int]
    recorded: RecordedTimes
    #: Today's calls, newest first.
    recent_calls: list[CallRow]
    #: Service id → the documents it asks for, in order (set-up: a change of them is a config
    #: change, after which the hall is read whole). Services asking none are left out.
    requirements: dict[int, list[payloads.Requirement]] = field(default_factory=dict)
    #: The site's zones and agencies, in display order (set-up, like the services).
    zones: list[Zone] = field(default_factory=list)
    agencies: list[Agency] = field(default_factory=list)
    #: Today's online bookings (set-up of the day, changed by check-ins: see BookingsToday).
    bookings: BookingsToday = field(default_factory=BookingsToday)
    #: Numbers drawn today per service by any channel but `online` (what a service's walk-in
    #: share counts: services.bookings.walk_in_share_left).
    walk_ins_today: dict[int, int] = field(default_factory=dict)


def changes_query() -> Any:
    """The changes of a site since a `seq`, each with its ticket as it is now, and the site's
    `seq` (a row with no change when there is none): one statement."""
    return (
        select(
            Site.seq,
            TicketEvent.seq,
            TicketEvent.action,
            TicketEvent.at,
            TicketEvent.counter_id,
            TicketEvent.service_id,
            *TICKET_COLUMNS,
        )
        .select_from(Site)
        .outerjoin(
            TicketEvent,
            and_(TicketEvent.site_id == Site.id, TicketEvent.seq > bindparam("since")),
        )
        .outerjoin(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(Site.id == bindparam("site_id"))
        .order_by(TicketEvent.seq)
        .limit(MAX_CHANGES + 1)
    )


CHANGES_QUERY = changes_query()


def changes_since(session: Session, site_id: int, since: int) -> tuple[int, list[Change]] | None:
    """The site's `seq` and the changes after `since` (None: too many, read the hall whole)."""
    rows = session.execute(CHANGES_QUERY, {"site_id": site_id, "since": since}).all()
    if not rows or len(rows) > MAX_CHANGES:
        return None
    seq = int(rows[0][0])
    changes = [
        Change(row[1], row[2], row[3], row[4], row[5], TicketRow._make(row[6:]))
        for row in rows
        if row[1] is not None
    ]
    return seq, changes


def advance(
    inputs: HallInputs,
    seq: int,
    changes: Sequence[Change],
    now: datetime,
    counters: Iterable[HallCounter] | None = None,
) -> HallInputs | None:
    """`inputs` moved forward to `seq` by `changes` (every ticket event after `inputs.seq`, in
    order) as of `now`, or None when they do not say everything that changed. The caller makes
    sure `now` is on the same service day. `counters`: the counters as they are now, when a
    call changed one (a call moves the counter's priority streak)."""
    today = inputs.today
    if seq < inputs.seq:
        return None
    expected = inputs.seq + 1
    for change in changes:
        if change.seq != expected:
            return None  # a step without a ticket event: a counter or set-up change
        expected += 1
    if expected != seq + 1:
        return None
    if not changes:
        return inputs
    if any(change.action not in FOLLOWED for change in changes):
        return None
    calls = any(change.action in (Action.CALL, Action.RECALL) for change in changes)
    if calls and counters is None:
        return None

    issued = dict(inputs.issued_today)
    walk_ins = dict(inputs.walk_ins_today)
    rounds = {s: list(kept) for s, kept in inputs.recorded.rounds.items()}
    # Arrivals before the window of `now` are never counted again: they are dropped from the
    # front (the lists run in time order; one a moment out of order stays a little longer,
    # and the estimates count only those in the window). A list is copied only when it
    # changes: the kept snapshot still reads the old one.
    since = now - ARRIVAL_WINDOW
    arrivals = dict(inputs.recorded.arrivals)
    for service_id, times in arrivals.items():
        old = 0
        while old < len(times) and times[old][0] <= since:
            old += 1
        if old:
            arrivals[service_id] = times[old:]
    recent = list(inputs.recent_calls)
    active = dict(inputs.active)
    counter_list = [replace(c, service_ids=list(c.service_ids)) for c in (counters or ())]
    if not counter_list:
        counter_list = inputs.counters
    numbers = {c.id: c.number for c in counter_list}
    codes = {s.id: s.code for s in inputs.services}
    for change in changes:
        row = change.ticket
        if row.service_day != today:
            return None  # a ticket of another day: only the day's close moves those
        if change.action == Action.ISSUE and row.channel == Channel.ONLINE.value:
            return None  # a check-in: its booking is no longer expected (read them again)
        if change.action == Action.ISSUE:
            issued[row.issued_service_id] = issued.get(row.issued_service_id, 0) + 1
            walk_ins[row.issued_service_id] = walk_ins.get(row.issued_service_id, 0) + 1
            arrivals[row.issued_service_id] = [
                *arrivals.get(row.issued_service_id, ()),
                (row.issued_at, row.priority is not None),
            ]
        elif change.action in (Action.CALL, Action.RECALL):
            if change.counter_id is None or change.service_id is None:
                return None
            number, code = numbers.get(change.counter_id), codes.get(change.service_id)
            if number is None or code is None:
                return None
            recent.insert(
                0,
                CallRow(
                    change.seq,
                    row.code,
                    change.counter_id,
                    number,
                    code,
                    change.action == Action.RECALL,
                    change.at,
                ),
            )
    for row in {change.ticket.id: change.ticket for change in changes}.values():
        if row.state in ACTIVE_STATES:
            active[row.id] = row
        else:
            active.pop(row.id, None)
        recorded = round_of(row)
        if recorded is not None:
            kept = rounds.setdefault(row.service_id, [])
            if all(r.ticket_id != row.id for r in kept):
                kept.insert(0, recorded)
                kept.sort(key=lambda r: r.ended, reverse=True)
                del kept[RECENT_ROUNDS:]
    return HallInputs(
        seq=seq,
        today=today,
        site=inputs.site,
        services=inputs.services,
        counters=counter_list,
        active=active,
        issued_today=issued,
        recorded=RecordedTimes(rounds, arrivals),
        recent_calls=recent[:RECENT_CALLS_KEPT],
        requirements=inputs.requirements,
        zones=inputs.zones,
        agencies=inputs.agencies,
        bookings=inputs.bookings,
        walk_ins_today=walk_ins,
    )
