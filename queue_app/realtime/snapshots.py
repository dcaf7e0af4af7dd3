"""The hall's read model, built once per committed change and shared by every reader.

A `HallSnapshot` is what the screens and the API show of one site at one `seq`: the board,
every service's queue figures, and each live ticket's place, estimate and counter. The
broadcast after a change builds it; the response of that change, every socket snapshot (connect
and resync), `GET /api/v1/board`, `/services` and `/tickets/by-token/…`, and the kiosk, board
and phone pages read it. A phone's place and estimate come out of it with no query of their own.

Rules (docs/realtime.md, "The read model"):
- A snapshot is built in a read-only transaction of its own (deferred on SQLite, so it never
  takes the write lock; REPEATABLE READ on PostgreSQL), so every figure in it is of one `seq`.
- Each process keeps the newest snapshot per site. A reader first reads the site's `seq` (one
  statement, or none when it reads a ticket row anyway), then takes the kept snapshot if it is at
  least that new, else builds one: concurrent readers of one `seq` wait for a single build.
- The kept snapshot only moves forward, so a client is never sent one older than it had.
- Estimates count down while nothing changes: a snapshot older than `MAX_AGE_S` is rebuilt on
  the next read even at the same `seq`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cached_property
from typing import Any, Protocol, TypeVar

from flask import Flask, current_app, has_app_context
from sqlalchemy import bindparam, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import instance_state

from ..contract import payloads
from ..domain.errors import NotFound
from ..domain.events import DomainEvent, TicketChanged
from ..domain.numbering import service_day, site_zone
from ..domain.states import Action, TicketState
from ..extensions import READ_ONLY, db
from ..models import Service, Site, Ticket
from ..services import estimates, hall, hall_state, read, tickets
from ..services.clock import utcnow

Json = dict[str, Any]

log = logging.getLogger(__name__)

#: Seconds a snapshot serves readers at an unchanged `seq` (its estimates count down).
MAX_AGE_S = 10.0

QUEUED = (TicketState.ISSUED.value, TicketState.WAITING.value)

#: How many of a service's queued tickets a counter terminal's waiting list is sent (the
#: front of the queue; the total is sent too): a list the clerk can read, and a message of a
#: few kB however long the day's queue grows.
WAITING_LIST_ROWS = 60


@dataclass(frozen=True)
class LiveTicket:
    """A ticket of today still queued or at a counter, as the snapshot saw it. The token only
    routes a place to its own phone's room; it is never put into a public payload."""

    id: int
    token: str
    code: str
    service_id: int
    state: str
    priority: bool
    position: int
    #: The estimate counts this ticket as a priority one (priority and not transferred).
    priority_queue: bool
    counter_id: int | None
    called_at: str | None


@dataclass
class HallSnapshot:
    """One site at one `seq`: everything its screens show, each part worked out when first
    asked for and then kept for every reader (a change's broadcast needs the hall's figures and
    the touched services' only; the board when a board connects; a place when a phone follows
    it). Everything comes from `inputs`: no part of a snapshot reads the database."""

    site_id: int
    seq: int
    #: The view of `inputs` (its figures are made at most once): the overview reuses it.
    view: read.HallView
    #: What it is computed from, which the next snapshot carries forward.
    inputs: hall_state.HallInputs
    #: When the hall was last read whole for it or the snapshots it was carried from.
    whole_at: datetime
    #: Ticket id → its estimate, worked out when first asked for (most queued tickets have no
    #: phone following them: their estimates are never needed).
    _estimates: dict[int, int | None] = field(default_factory=dict)
    #: Service id → its live tickets by id, in queue order (worked out per service).
    _lives: dict[int, dict[int, LiveTicket]] = field(default_factory=dict)
    #: Services one of whose tickets was asked for alone (`live_ticket`).
    _asked_once: set[int] = field(default_factory=set)
    #: Service id → its waiting list for counter terminals (worked out per service).
    _waiting: dict[int, payloads.WaitingList] = field(default_factory=dict)

    @cached_property
    def board(self) -> payloads.Board:
        """What a lobby screen shows (`GET /api/v1/board`)."""
        return read.board(None, self.site_id, view=self.view)  # type: ignore[arg-type]

    def zone_board(self, zone_id: int) -> payloads.Board:
        """One zone's board (`GET /api/v1/board?zone=`), made once per snapshot; NotFound
        for a zone not of this site."""
        known = self._zone_boards.get(zone_id)
        if known is None:
            zone = read.zone_of(self.view, zone_id)
            known = self._zone_boards[zone_id] = read.board(
                None,  # type: ignore[arg-type]
                self.site_id,
                view=self.view,
                zone=zone,
            )
        return known

    @cached_property
    def _zone_boards(self) -> dict[int, payloads.Board]:
        return {}

    @cached_property
    def entrance(self) -> Json:
        """What the board at the building's door shows (`/display?entrance=1`, the socket's
        `?board=<site>&entrance=1`): every zone's admission line and who is in it, from each
        zone's board of this snapshot (so the door and the floors name the same tickets)."""
        board = self.board
        zones = []
        for zone in self.view.zones:
            zone_board = self.zone_board(zone.id)
            zones.append(
                {
                    **read.zone_ref(zone),
                    "hall": zone_board["hall"],
                    "recently_admitted": zone_board["recently_admitted"],
                }
            )
        return {
            "seq": self.seq,
            "site": board["site"],
            "service_day": board["service_day"],
            "generated_at": board["generated_at"],
            "hall": board["hall"],
            "zones": zones,
        }

    def zone_of_service(self, service_id: int) -> int | None:
        """The zone of one of this snapshot's services (None: not a service of the site)."""
        return self.view.zone_by_service.get(service_id)

    @cached_property
    def zones_of_counter(self) -> dict[int, set[int]]:
        """Counter id → the zones whose boards show it (those of the services it serves, as
        `read.board` picks a zone's counters)."""
        by_service = self.view.zone_by_service
        return {
            c.id: {by_service[s] for s in c.service_ids if s in by_service}
            for c in self.view.estimates.counters
        }

    @cached_property
    def services(self) -> list[payloads.Service]:
        """Every service's queue figures (`GET /api/v1/services`), in the board's order."""
        return [self.view.service_summary(s) for s in self.view.services]

    def summaries(self, service_ids: Collection[int]) -> list[payloads.Service]:
        """The queue figures of these services only, in the board's order."""
        return [self.view.service_summary(s) for s in self.view.services if s.id in service_ids]

    @property
    def recently_admitted(self) -> list[str]:
        """The codes the board's "silakan masuk" line names, as in `board`."""
        return self.view.recently_admitted[: read.RECENT_CALLS]

    @cached_property
    def hall(self) -> payloads.Hall:
        """The hall's figures (inside, outside, cap, open), as on the board."""
        return self.view.hall_summary()

    @cached_property
    def service_info(self) -> dict[int, payloads.TicketService]:
        return {s.id: read.ticket_service(s) for s in self.view.services}

    @cached_property
    def counter_info(self) -> dict[int, payloads.TicketCounter]:
        return {
            c.id: payloads.TicketCounter(number=c.number, label=c.label)
            for c in self.view.hall_counters
        }

    @cached_property
    def _rows_by_service(self) -> dict[int, list[hall_state.TicketRow]]:
        grouped: dict[int, list[hall_state.TicketRow]] = {}
        for row in self.view.active:  # in queue order
            grouped.setdefault(row.service_id, []).append(row)
        return grouped

    def _service_lives(self, service_id: int) -> dict[int, LiveTicket]:
        found = self._lives.get(service_id)
        if found is None:
            found = self._lives[service_id] = _live_tickets(
                self._rows_by_service.get(service_id, [])
            )
        return found

    def live_ticket(self, ticket_id: int) -> LiveTicket | None:
        """A ticket of today still queued or at a counter, with its place (the response of
        an issue asks for one ticket: its service's other places are not worked out)."""
        row = self.inputs.active.get(ticket_id)
        if row is None:
            return None
        lives = self._lives.get(row.service_id)
        if lives is None and row.service_id not in self._asked_once:
            # The first ticket of its service asked for at this `seq`: count its place alone.
            self._asked_once.add(row.service_id)
            return _live_ticket(row, _position(self._rows_by_service[row.service_id], row))
        # Asked again (phones connecting at one `seq`): work out the whole service once.
        return (lives or self._service_lives(row.service_id))[ticket_id]

    def queue(self, service_id: int) -> list[LiveTicket]:
        """A service's queued tickets, the front of the queue first."""
        return [live for live in self._service_lives(service_id).values() if live.state in QUEUED]

    def waiting_list(self, service_id: int) -> payloads.WaitingList:
        """A service's queued tickets as counter terminals list them (staff only: never sent
        to a public room), the front of the queue first; made once per `seq` and service and
        shared by every terminal."""
        found = self._waiting.get(service_id)
        if found is not None:
            return found
        queued = [row for row in self._rows_by_service.get(service_id, []) if row.state in QUEUED]
        service = self._services_by_id.get(service_id)
        found = self._waiting[service_id] = {
            "service_id": service_id,
            "code": service.code if service is not None else "",
            "total": len(queued),
            "tickets": [
                {
                    "id": row.id,
                    "code": row.code,
                    "priority": row.priority,
                    "inside": row.state == TicketState.WAITING.value,
                    "transferred": row.front,
                    "issued_at": row.issued_at.isoformat(),
                }
                for row in queued[:WAITING_LIST_ROWS]
            ],
        }
        return found

    def waiting(self, service_ids: Collection[int]) -> list[payloads.WaitingList]:
        """The waiting lists of these services, in the order given (a counter's preference)."""
        return [self.waiting_list(service_id) for service_id in service_ids]

    @property
    def live(self) -> dict[int, LiveTicket]:
        """Ticket id → its place (queued) or its counter (called, serving), every service."""
        return {
            ticket_id: live
            for service_id in self._rows_by_service
            for ticket_id, live in self._service_lives(service_id).items()
        }

    @property
    def queues(self) -> dict[int, list[int]]:
        """Service id → its queued tickets' ids, the front of the queue first (services with
        somebody queued)."""
        found = {s: [live.id for live in self.queue(s)] for s in self._rows_by_service}
        return {s: ids for s, ids in found.items() if ids}

    def estimated_wait_s(self, live: LiveTicket) -> int | None:
        """The estimated wait of a queued ticket of this snapshot (0 once at a counter, None
        while no open counter serves its service)."""
        if live.id in self._estimates:
            return self._estimates[live.id]
        estimate: int | None = 0
        service = self._services_by_id.get(live.service_id)
        if live.state in QUEUED and service is not None:
            estimate = self.view.estimate(service, live.position, priority=live.priority_queue)
        self._estimates[live.id] = estimate
        return estimate

    @cached_property
    def _services_by_id(self) -> dict[int, Service]:
        return {s.id: s for s in self.view.services}

    @property
    def fresh(self) -> bool:
        """Still what a reader should see now: made less than MAX_AGE_S ago (by the app's
        clock), on the same service day (the day turns at local midnight without a change)."""
        now = utcnow()
        age = (now - self.view.now).total_seconds()
        zone = site_zone(self.view.site.timezone)
        return 0 <= age < MAX_AGE_S and service_day(now, zone) == self.view.today

    def places(
        self, service_id: int, followed: Callable[[str], bool] | None = None
    ) -> list[tuple[str, Json]]:
        """`(token, {code, state, position, estimated_wait_s})` of a service's queued tickets,
        front first; `followed(token)` says whose place anyone listens to."""
        result = []
        for live in self.queue(service_id):
            if followed is not None and not followed(live.token):
                continue
            result.append(
                (
                    live.token,
                    {
                        "code": live.code,
                        "state": live.state,
                        "position": live.position,
                        "estimated_wait_s": self.estimated_wait_s(live),
                    },
                )
            )
        return result

    def ticket_public(self, ticket: PublicTicket | Ticket) -> payloads.PublicTicket:
        """A ticket as its holder sees it (status page, by-token API, issue response): no
        personal data, no token. Its place, estimate and counter come from this snapshot."""
        live = self.live_ticket(ticket.id)
        if live is None:  # ended, or of another day: no place, no counter to walk to
            state, counter_id, called_at = ticket.state, ticket.counter_id, _iso(ticket.called_at)
            position = 0
            estimate: int | None = 0
        else:
            state, counter_id, called_at = live.state, live.counter_id, live.called_at
            queued = state in QUEUED
            position = live.position if queued else 0
            estimate = self.estimated_wait_s(live) if queued else 0
        counter = self.counter_info.get(counter_id) if counter_id is not None else None
        # A literal, checked by mypy against the return type: phones connect by the thousand,
        # and calling the typed dict's class would cost its keyword arguments (about 1 µs).
        return {
            "code": ticket.code,
            "number": ticket.number,
            "service": self.service_info[ticket.service_id],
            "zone": self.view.zone_refs[self.view.zone_by_service[ticket.service_id]],
            "state": state,
            "priority": ticket.priority,
            "service_day": ticket.service_day.isoformat(),
            "position": position,
            "admitted": state != TicketState.ISSUED.value,
            "estimated_wait_s": estimate,
            "counter": counter,
            "issued_at": ticket.issued_at.isoformat(),
            "called_at": called_at,
            "now_serving": self.view.now_serving.get(ticket.service_id),
            "seq": self.seq,
        }


@dataclass(frozen=True)
class Written:
    """What the request that made a change holds of it after its commit: its events' rows with
    each ticket as it wrote it, and the counters it moved (a call moves a counter's priority
    streak). The snapshot of that change is then made without reading anything."""

    changes: list[hall_state.Change]
    #: Counter id → its state and streak as the request left them.
    counters: dict[int, hall.TouchedCounter]
    #: The change did more than its ticket events say (`hall.READ_WHOLE`): read the hall whole.
    whole: bool = False


class SnapshotCache:
    """This process's newest snapshot of each site of one app, and the builds that make them.

    A new snapshot carries the inputs of the kept one forward by the changes since
    (services.hall_state): those the writing request hands over, else one read of the event
    log. The hall is read whole the first time, when the changes do not say everything (a
    counter or set-up change, a new day), and at least every `WHOLE_READ_EVERY_S`."""

    def __init__(self) -> None:
        self._kept: dict[int, HallSnapshot] = {}
        self._guard = threading.Lock()
        self._building: dict[int, threading.Lock] = {}
        self._engine: Engine | None = None
        #: How many snapshots this process made (tests check one per `seq`).
        self.builds = 0
        #: How many of them read the hall whole.
        self.whole_reads = 0

    def kept(self, site_id: int) -> HallSnapshot | None:
        return self._kept.get(site_id)

    def at_least(self, site_id: int, seq: int, written: Written | None = None) -> HallSnapshot:
        """The kept snapshot when it is at `seq` or newer (and fresh), else a new one
        (`written`: the changes up to `seq`, from the request that made them)."""
        kept = self._kept.get(site_id)
        if kept is not None and kept.seq >= seq and kept.fresh:
            return kept
        with self._build_lock(site_id):
            kept = self._kept.get(site_id)
            if kept is not None and kept.seq >= seq and kept.fresh:
                return kept  # another reader built it while this one waited
            made = self._make(site_id, seq, kept, written)
            with self._guard:
                kept = self._kept.get(site_id)
                if kept is None or made.seq >= kept.seq:
                    self._kept[site_id] = made
                    return made
                return kept

    def _build_lock(self, site_id: int) -> threading.Lock:
        with self._guard:
            lock = self._building.get(site_id)
            if lock is None:
                lock = self._building[site_id] = threading.Lock()
            return lock

    def _read_engine(self) -> Engine:
        if self._engine is None:
            options: dict[str, Any] = {READ_ONLY: True}
            if db.engine.dialect.name == "postgresql":
                options.update(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            self._engine = db.engine.execution_options(**options)
        return self._engine

    def _make(
        self, site_id: int, seq: int, kept: HallSnapshot | None, written: Written | None
    ) -> HallSnapshot:
        now = utcnow()
        carried = None
        whole = written is not None and written.whole
        if kept is not None and not whole and _carries(kept, now):
            if written is not None:
                carried = _advance_written(kept, seq, written, now)
            if carried is None:
                carried = self._read(lambda session: _advance_read(session, kept, now))
        if carried is not None:
            snapshot = project(site_id, carried, now, kept.whole_at if kept else now)
        else:
            snapshot = self._read(lambda session: build(session, site_id))
            self.whole_reads += 1
        self.builds += 1
        return snapshot

    def _read(self, reader: Callable[[Session], _T]) -> _T:
        """`reader` in a read-only transaction of its own."""
        session = Session(bind=self._read_engine(), expire_on_commit=False)
        try:
            return reader(session)
        finally:
            try:
                session.close()
            except SQLAlchemyError:
                # The database went away mid-build: the build's own error (a 503) is the one
                # to report, not the failed rollback of a dead connection.
                log.warning("database connection lost while building a hall snapshot")
                session.invalidate()


#: The hall is read whole at least this often (seconds), whatever the changes say.
WHOLE_READ_EVERY_S = 60.0

_T = TypeVar("_T")


def _carries(kept: HallSnapshot, now: datetime) -> bool:
    """Whether a new snapshot may carry `kept`'s inputs forward (same day, read whole lately)."""
    age = (now - kept.whole_at).total_seconds()
    zone = site_zone(kept.view.site.timezone)
    return 0 <= age < WHOLE_READ_EVERY_S and service_day(now, zone) == kept.inputs.today


def _advance_written(
    kept: HallSnapshot, seq: int, written: Written, now: datetime
) -> hall_state.HallInputs | None:
    """`kept`'s inputs moved to `seq` by the writer's own changes, if they follow on from it."""
    if not written.changes or written.changes[0].seq != kept.seq + 1:
        return None
    # The counters as the writer left them: only a call moves one (its streak), and `written`
    # has every called counter at hand.
    counters = [
        replace(
            c,
            state=written.counters[c.id].state,
            regular_streak=written.counters[c.id].regular_streak,
        )
        if c.id in written.counters
        else c
        for c in kept.inputs.counters
    ]
    return hall_state.advance(kept.inputs, seq, written.changes, now, counters)


def _advance_read(
    session: Session, kept: HallSnapshot, now: datetime
) -> hall_state.HallInputs | None:
    """`kept`'s inputs moved to the site's `seq` by the event log's changes since (one
    statement; one more for the counters when a call moved one)."""
    found = hall_state.changes_since(session, kept.site_id, kept.seq)
    if found is None:
        return None
    seq, changes = found
    counters = None
    if any(c.action in (Action.CALL, Action.RECALL) for c in changes):
        counters = estimates.read_counters(session, kept.site_id)
    return hall_state.advance(kept.inputs, seq, changes, now, counters)


def written(session: Session, events: list[DomainEvent]) -> Written | None:
    """What the request that recorded `events` (committed, its objects kept loaded) holds of
    them, or None when some row is not at hand as it was written (then the snapshot reads the
    changes instead)."""
    touched = session.info.pop(hall.TOUCHED, [])
    if session.info.pop(hall.READ_WHOLE, False):
        return Written([], {}, whole=True)
    tickets = {t.id: t for t in touched if isinstance(t, Ticket) and _unexpired(t)}
    counters_now = {c.id: c for c in touched if isinstance(c, hall.TouchedCounter)}
    changes: list[hall_state.Change] = []
    counters: dict[int, hall.TouchedCounter] = {}
    for event in events:
        if not isinstance(event, TicketChanged):
            return None  # a counter's change: the hall is read whole
        ticket = tickets.get(event.ticket_id)
        if ticket is None:
            return None
        changes.append(
            hall_state.Change(
                event.seq,
                event.action.value,
                event.at,
                event.counter_id,
                event.service_id,
                hall_state.TicketRow.of(ticket),
            )
        )
        if event.action in (Action.CALL, Action.RECALL) and event.counter_id is not None:
            counter = counters_now.get(event.counter_id)
            if counter is not None:
                counters[counter.id] = counter
            elif event.action is Action.CALL:
                return None  # a call moves its counter's streak: it must be at hand
    return Written(changes, counters)


def _unexpired(changed: Ticket) -> bool:
    """Loaded as the request left it: not expired by a commit or a rollback since."""
    state = instance_state(changed)
    return not state.expired_attributes and state.persistent


def project(
    site_id: int, inputs: hall_state.HallInputs, now: datetime, whole_at: datetime
) -> HallSnapshot:
    """The snapshot of carried inputs at `now` (no query; its parts are worked out when read)."""
    view = read.HallView(None, site_id, now, inputs=inputs)
    return HallSnapshot(
        site_id=site_id, seq=inputs.seq, view=view, inputs=inputs, whole_at=whole_at
    )


def build(session: Session, site_id: int) -> HallSnapshot:
    """Read one site whole, in one transaction. The snapshot is then made of what was read
    exactly as a carried one is (`project`), so the two never differ in how they compute."""
    view = read.HallView(session, site_id)
    return project(site_id, view.inputs(), view.now, view.now)


def _live_tickets(rows: list[hall_state.TicketRow]) -> dict[int, LiveTicket]:
    """One service's live tickets (`rows` in queue order) with the places `read.people_ahead`
    counts: front (transferred) tickets first, then by time in the queue; a priority ticket has
    only front tickets and earlier priority ones ahead."""
    fronts = sum(1 for row in rows if row.state in QUEUED and row.front)
    queued = priority_seen = 0
    live: dict[int, LiveTicket] = {}
    for row in rows:
        position = 0
        if row.state in QUEUED:
            if row.priority is not None and not row.front:
                position = fronts + priority_seen
                priority_seen += 1
            else:
                position = queued
            queued += 1
        live[row.id] = _live_ticket(row, position)
    return live


def _position(rows: list[hall_state.TicketRow], ticket: hall_state.TicketRow) -> int:
    """The place of one ticket among its service's `rows` (in queue order), as
    `_live_tickets` counts it."""
    if ticket.state not in QUEUED:
        return 0
    # Front tickets come first in queue order, so every one is before a priority ticket.
    priority = ticket.priority is not None and not ticket.front
    ahead = 0
    for row in rows:
        if row.id == ticket.id:
            break
        if row.state in QUEUED and (not priority or row.front or row.priority is not None):
            ahead += 1
    return ahead


def _live_ticket(row: hall_state.TicketRow, position: int) -> LiveTicket:
    return LiveTicket(
        id=row.id,
        token=row.token,
        code=row.code,
        service_id=row.service_id,
        state=row.state,
        priority=row.priority is not None,
        position=position,
        priority_queue=row.priority is not None and not row.front,
        counter_id=row.counter_id,
        called_at=_iso(row.called_at),
    )


def cache() -> SnapshotCache:
    """The snapshot cache of the current app (made on first use)."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    found = app.extensions.get("loket.snapshots")
    if found is None:
        found = app.extensions.setdefault("loket.snapshots", SnapshotCache())
    assert isinstance(found, SnapshotCache)
    return found


def kept_view(site_id: int) -> read.HallView | None:
    """The view of this process's newest snapshot of a site (services.hall.seen_hall: under
    the hall lock, at the site's current `seq`, it tells admission who is inside and out)."""
    if not has_app_context():
        return None
    kept = cache().kept(site_id)
    return kept.view if kept is not None else None


def default_site_id(session: Session) -> int:
    """The site served when a request names none (the first one created; sites are never
    deleted, so it is read once per process)."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    known = app.extensions.get("loket.default_site")
    if known is None:
        known = app.extensions["loket.default_site"] = read.default_site_id(session)
    return int(known)


def init_app(app: Flask) -> None:
    """Let the hall lock see the kept snapshots (services know nothing of Flask)."""
    hall.seen_hall = kept_view


def site_seq(session: Session, site_id: int) -> int:
    """The committed `seq` of a site (one statement), or NotFound."""
    seq = session.scalar(select(Site.seq).where(Site.id == site_id))
    if seq is None:
        raise NotFound(f"no site {site_id}")
    return int(seq)


def current(session: Session, site_id: int) -> HallSnapshot:
    """The snapshot of a site at its committed `seq` or newer (`session` reads the `seq`)."""
    return cache().at_least(site_id, site_seq(session, site_id))


def after(site_id: int, seq: int, changes: Written | None = None) -> HallSnapshot:
    """The snapshot at `seq` or newer: what the broadcast of a change at `seq` needs
    (`changes`: what the request that made it holds of it)."""
    return cache().at_least(site_id, seq, changes)


def of_change(session: Session, events: Collection[DomainEvent]) -> HallSnapshot | None:
    """The hall's read model at the `seq` of a committed change, made once here and kept for
    every reader of that `seq`: the change's broadcast, its response, and the next request
    that locks the hall (services.hall.Hall.seen), which then counts nothing again. From what
    the request holds of the rows it wrote when it can (no statement), else read. None without
    events, or when it cannot be made at all (logged: the change is committed, and clients heal
    from the snapshot they get on reconnect)."""
    if not events:
        return None
    seq = max(event.seq for event in events)
    site_id = next(iter(reversed(list(events)))).site_id
    try:
        return after(site_id, seq, written(session, list(events)))
    except Exception:
        log.exception("could not make the hall's snapshot of seq=%s from the change", seq)
    try:
        return after(site_id, seq)
    except Exception:
        log.exception("could not make the hall's snapshot of seq=%s", seq)
        return None


class PublicTicket(Protocol):
    """What a ticket's public view reads of its row (a `Ticket`, or a row of
    `BY_TOKEN_QUERY`)."""

    id: int
    site_id: int
    token: str
    code: str
    number: int
    service_id: int
    state: str
    priority: str | None
    service_day: date
    counter_id: int | None
    issued_at: datetime
    called_at: datetime | None


#: A ticket's public columns, with its site's `seq`: plain columns, not an ORM object (phones
#: connect by the thousand, and loading an object costs more than the query). By token or id.
PUBLIC_COLUMNS = select(
    Ticket.id,
    Ticket.site_id,
    Ticket.token,
    Ticket.code,
    Ticket.number,
    Ticket.service_id,
    Ticket.state,
    Ticket.priority,
    Ticket.service_day,
    Ticket.counter_id,
    Ticket.issued_at,
    Ticket.called_at,
    Site.seq,
).join(Site, Site.id == Ticket.site_id)
BY_TOKEN_QUERY, BY_ID_QUERY = (
    PUBLIC_COLUMNS.where(Ticket.token == bindparam("token")),
    PUBLIC_COLUMNS.where(Ticket.id == bindparam("ticket_id")),
)


def ticket_by_id(session: Session, ticket_id: int) -> tuple[PublicTicket, HallSnapshot]:
    """`ticket_by_token` by the ticket's id, or NotFound."""
    found = session.execute(BY_ID_QUERY, {"ticket_id": ticket_id}).first()
    if found is None:
        raise NotFound(f"no ticket {ticket_id}")
    return found, cache().at_least(found.site_id, int(found.seq))


def ticket_by_token(session: Session, token: str) -> tuple[PublicTicket, HallSnapshot]:
    """The ticket holding this public token (its public columns) and a snapshot at least as
    new as the row (one statement when the snapshot is kept), or NotFound."""
    if not read.TOKEN_SHAPE.fullmatch(token):
        raise NotFound("no ticket with this token")
    found = session.execute(BY_TOKEN_QUERY, {"token": token}).first()
    if found is None:
        raise NotFound("no ticket with this token")
    return found, cache().at_least(found.site_id, int(found.seq))


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def service_id(session: Session, site_id: int, ref: int | str) -> int:
    """The id of a service of a site by id or letter code: from this process's kept snapshot
    when it lists the service (no query; it may be a change behind, so the caller checks under
    the hall lock), else read (`tickets.resolve_service`), or NotFound."""
    kept = cache().kept(site_id)
    if kept is not None:
        wanted = ref.upper() if isinstance(ref, str) else None
        for service in kept.view.services:
            if service.id == ref or service.code == wanted:
                return service.id
    return tickets.resolve_service(session, ref, site_id).id
