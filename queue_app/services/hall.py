"""The locked hall: the context every mutation runs in.

`Hall.lock` takes the whole site: on PostgreSQL every zone row, then the site row, with
SELECT … FOR UPDATE (set-up changes, the day's close, transfers). `Hall.lock_of` takes what a
ticket, counter or service verb needs: on PostgreSQL only its zone's row, so the zones of a
mall do not wait for each other (a building cap or the day's first change falls back to the
site). SQLite has one writer at a time anyway (BEGIN IMMEDIATE). Under the lock numbering,
calling and admission cannot race. Events get their `seq` at commit (`Hall.seal`, run by the
session's `before_commit`): the site row is updated, and so locked, only for the commit, and
`seq` stays gap-free and in commit order.

What a lock does, and where the rest lives: this module locks, numbers (`seq`), records each
step of a ticket or counter (the event log and its domain events) and looks up what the verbs
read (from the read model of the lock's `seq` when this process holds it). Admission under the
cap is services/admission.py, called by the verbs that free or take a place; the turn of the
day (expiring what earlier days left) is services/day.py, which the first lock of a service day
in a process runs.
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import Enum
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ..domain.access import Actor
from ..domain.errors import CounterBusy, NotFound
from ..domain.events import CounterChanged, DomainEvent, TicketChanged
from ..domain.numbering import is_open_at, service_day, site_zone
from ..domain.states import AT_COUNTER, INSIDE, Action, TicketState
from ..domain.ticket_steps import apply, step
from ..models import Agency, Counter, Service, Site, Ticket, TicketEvent, Zone
from .clock import utcnow
from .hall_state import HallCounter, HallInputs, TicketRow

ACTIVE_STATES = [s.value for s in (TicketState.ISSUED, *INSIDE)]
INSIDE_STATES = [s.value for s in INSIDE]
QUEUED_STATES = [TicketState.ISSUED.value, TicketState.WAITING.value]


class Unset(Enum):
    """`Hall.record(counter_id=Unset.TICKET)`: the event names the ticket's counter."""

    TICKET = 0


@dataclass(frozen=True)
class TouchedCounter:
    """A counter's state and priority streak as a change left them (see `TOUCHED`)."""

    id: int
    state: str
    regular_streak: int


class SeenHall(Protocol):
    """What a read model saw of a hall at one `seq` (realtime.snapshots keeps one per site):
    today's people inside and outside."""

    seq: int
    today: date

    @property
    def services(self) -> list[Service]: ...

    @property
    def counter_numbers(self) -> dict[int, int]: ...

    @property
    def hall_counters(self) -> list[HallCounter]: ...

    @property
    def active(self) -> list[TicketRow]: ...

    @property
    def current_by_counter(self) -> dict[int, TicketRow]: ...

    @property
    def inside(self) -> int: ...

    @property
    def outside(self) -> int: ...

    @property
    def carried(self) -> HallInputs | None: ...

    @property
    def zones(self) -> list[Zone]: ...

    @property
    def agencies(self) -> list[Agency]: ...

    @property
    def zone_counts(self) -> dict[int, tuple[int, int]]: ...

    @property
    def issued_by_agency(self) -> dict[int, int]: ...


#: The latest read model this process holds of a site, if any (set by the app: the services
#: know nothing of where it is kept). Under the lock, a view at the site's current `seq` is
#: exact, so admission needs no query of its own to know who is inside and outside.
def _nothing_seen(_site_id: int) -> SeenHall | None:
    return None


seen_hall: Callable[[int], SeenHall | None] = _nothing_seen

#: `session.info` key of the objects a hall lock changed, kept alive until the snapshot of the
#: change takes their rows (realtime.snapshots.written; the identity map holds clean objects
#: only weakly, so a committed counter would be gone by then).
TOUCHED = "loket.touched"

#: `session.info` key set by a change whose ticket events do not say all it changed of what
#: the read model holds (a late booking's walk-in ticket, whose booking no longer releases its
#: place): the snapshot of that change reads the hall whole (realtime.snapshots.written).
READ_WHOLE = "loket.read_whole"

#: (database, site) → the service day whose leftovers of earlier days this process expired
#: (and committed: `_days_closed_with_commit`).
_days_closed: dict[tuple[str, int], date] = {}
#: Session info key: the days a transaction's locks closed, kept once it commits.
DAYS_CLOSING = "loket_days_closing"


@event.listens_for(Session, "after_commit")
def _days_closed_with_commit(session: Session) -> None:
    """A lock's expiry of earlier days counts once its transaction commits. A verb refused
    after the lock rolls the expiry back with everything else: the next lock tries again."""
    _days_closed.update(session.info.pop(DAYS_CLOSING, {}))


@event.listens_for(Session, "after_rollback")
def _days_not_closed(session: Session) -> None:
    session.info.pop(DAYS_CLOSING, None)
    session.info.pop(PENDING, None)
    session.info.pop(READ_WHOLE, None)


#: Session info key: the halls whose events wait for their `seq` until the commit.
PENDING = "loket_pending_events"


@event.listens_for(Session, "before_commit")
def _seal_events(session: Session) -> None:
    """Give the transaction's events their `seq` and write their rows (`Hall.seal`)."""
    for hall in session.info.pop(PENDING, []):
        hall.seal()


class Hall:
    """One site, locked for the rest of the transaction, collecting the events it records (and
    what admission needs to know of this lock's changes: `inside_delta`, `outside_delta`,
    `new_outside`)."""

    def __init__(self, session: Session, site: Site, now: datetime) -> None:
        self.session = session
        self.site = site
        self.now = now
        self.zone: ZoneInfo = site_zone(site.timezone)
        self.today: date = service_day(now, self.zone)
        self.events: list[DomainEvent] = []
        #: Tickets of earlier days this lock expired.
        self.expired: list[Ticket] = []
        self._counter_numbers: dict[int, int] | None = None
        self._service_codes: dict[int, str] = {}
        self._service_zones: dict[int, int] = {}
        self._all_codes_read = False
        self._zones: dict[int, Zone] | None = None
        #: The read model at this lock's `seq`, if this process holds it (see `seen_hall`).
        self.seen: SeenHall | None = None
        #: Changes of today's inside and outside counts made under this lock (the building's,
        #: and per zone).
        self.inside_delta = 0
        self.outside_delta = 0
        self.zone_inside_delta: Tally[int] = Tally()
        self.zone_outside_delta: Tally[int] = Tally()
        #: Tickets this lock made that still wait outside (a new issue).
        self.new_outside: list[Ticket] = []
        #: Event-log rows waiting for their `seq` (`seal`), by their event's index; how many
        #: of `events` have theirs.
        self._rows: list[tuple[int, TicketEvent]] = []
        self._sealed = 0
        #: The zones this lock holds, when it holds zones only (PostgreSQL); None: the site.
        self.locked_zones: set[int] | None = None

    @classmethod
    def lock(
        cls,
        session: Session,
        site_id: int,
        now: datetime | None = None,
        *,
        close_days: bool = False,
    ) -> Hall:
        """Lock the site row and start a hall context. Call before loading what you change.

        The first lock of a service day in this process expires what earlier days left
        (`close_days` forces it: the close-day command)."""
        stmt = select(Site).where(Site.id == site_id)
        if session.get_bind().dialect.name == "postgresql":
            # Every zone first (in id order, as zone verbs take them), then the site row.
            session.execute(
                select(Zone.id).where(Zone.site_id == site_id).order_by(Zone.id).with_for_update()
            )
        return cls._locked(session, stmt, f"no site {site_id}", now, close_days)

    @classmethod
    def lock_of(cls, session: Session, model: type[Service | Counter | Ticket], key: int) -> Hall:
        """Lock the hall a service, counter or ticket belongs to (found and locked in one
        statement), or NotFound.

        On PostgreSQL only its zone is locked (`_zone_locked`), so that the zones of a mall
        do not wait for each other; SQLite has one writer at a time anyway."""
        missing = f"no {model.__tablename__[:-1]} {key}"
        if session.get_bind().dialect.name == "postgresql":
            hall = cls._zone_locked(session, model, key, missing)
            if hall is not None:
                return hall
        stmt = select(Site).join(model, model.site_id == Site.id).where(model.id == key)
        return cls._locked(session, stmt, missing, None, False)

    @classmethod
    def _zone_locked(
        cls, session: Session, model: type[Service | Counter | Ticket], key: int, missing: str
    ) -> Hall | None:
        """Lock the zone of a service, counter or ticket (its row, `FOR UPDATE`): a verb of
        one zone then waits only for verbs of that zone. None when the whole site must be
        locked instead: a building cap (admission counts every zone), or the day's first
        change in this process (it expires what earlier days left in every zone).

        Lock order everywhere: zone rows (in id order), then the site row, which a zone's
        verb takes only at its commit (`seal`), or here for a building cap."""
        session.info.pop(TOUCHED, None)
        session.expire_all()
        if model is Ticket:
            join = Service.zone_id == Zone.id
            stmt = (
                select(Zone)
                .join(Service, join)
                .join(Ticket, Ticket.service_id == Service.id)
                .where(Ticket.id == key)
            )
        elif model is Counter:
            stmt = select(Zone).join(Counter, Counter.zone_id == Zone.id).where(Counter.id == key)
        else:
            stmt = select(Zone).join(Service, Service.zone_id == Zone.id).where(Service.id == key)
        zone = session.scalars(stmt.with_for_update(of=Zone)).first()
        if zone is None:
            raise NotFound(missing)
        site = session.get(Site, zone.site_id)
        assert site is not None
        key_ = (str(session.get_bind().engine.url), site.id)
        today = service_day(utcnow(), site_zone(site.timezone))
        if site.hall_capacity is not None or _days_closed.get(key_) != today:
            return None  # the caller locks the site (the zone lock is held: same order)
        hall = cls(session, site, utcnow())
        hall.locked_zones = {zone.id}
        hall._take_seen()
        if model is Ticket:
            # A transfer (which locks the whole site) may have moved the ticket to another
            # zone while this waited: lock that one too.
            ticket = session.get(Ticket, key)
            if ticket is not None and hall.zone_of(ticket.service_id) != zone.id:
                hall.lock_zone(hall.zone_of(ticket.service_id))
        return hall

    def lock_zone(self, zone_id: int) -> None:
        """Also lock another zone of this hall (no-op when the whole site is locked)."""
        if self.locked_zones is None or zone_id in self.locked_zones:
            return
        self.session.execute(select(Zone.id).where(Zone.id == zone_id).with_for_update())
        self.locked_zones.add(zone_id)

    @classmethod
    def _locked(
        cls, session: Session, stmt: Any, missing: str, now: datetime | None, close_days: bool
    ) -> Hall:
        # Anything loaded before the lock may be stale: reload it under the lock. What an
        # earlier lock of this session touched had its snapshot made (or never will).
        session.info.pop(TOUCHED, None)
        session.expire_all()
        site = session.scalars(stmt.with_for_update(of=Site)).first()
        if site is None:
            raise NotFound(missing)
        hall = cls(session, site, now or utcnow())
        key = (str(session.get_bind().engine.url), site.id)
        if close_days or _days_closed.get(key) != hall.today:
            # The day turns at a process's first lock of a service day (services/day.py works
            # on a locked hall, hence imported here rather than at the top).
            from .day import expire_earlier_days

            hall.expired = expire_earlier_days(hall)
            session.info.setdefault(DAYS_CLOSING, {})[key] = hall.today
        if not hall.expired:
            hall._take_seen()
        return hall

    def _take_seen(self) -> None:
        """Read from this process's read model when it is at the site's `seq` (see
        `seen_hall`)."""
        seen = seen_hall(self.site.id)
        fresh = (
            seen is not None
            and seen.seq == self.site.seq
            and seen.today == self.today
            # Changes of this transaction not committed yet are not in any read model.
            and not self.session.info.get(PENDING)
        )
        if fresh and seen is not None:
            self.seen = seen
            # Codes and numbers never change without a `seq` step: take them from the view.
            self._service_codes.update({s.id: s.code for s in seen.services})
            self._service_zones.update({s.id: s.zone_id for s in seen.services})
            self._all_codes_read = True
            self._zones = {z.id: z for z in seen.zones}
            self._counter_numbers = dict(seen.counter_numbers)

    @property
    def is_open(self) -> bool:
        """Whether the hall is within its opening hours now (local time)."""
        local = self.now.astimezone(self.zone).time()
        return is_open_at(local, self.site.opens_at, self.site.closes_at)

    # -- recording -------------------------------------------------------------------------

    def stamp(self, event: DomainEvent, row: TicketEvent | None = None) -> None:
        """Keep a domain event (and its event-log row) until the transaction commits, when
        `seal` gives it the site's next `seq` (until then its `seq` is 0)."""
        if row is not None:
            self._rows.append((len(self.events), row))
        self.events.append(event)
        pending = self.session.info.setdefault(PENDING, [])
        if self not in pending:
            pending.append(self)

    def seal(self) -> None:
        """Number this hall's events with the site's next `seq`s and write their rows (the
        session's `before_commit`). The site row is updated, and so locked, only here: a
        verb that locked a zone holds the site row just for its commit, so `seq` stays
        gap-free and in commit order while zones do not wait for each other."""
        todo = self.events[self._sealed :]
        if not todo:
            return
        n = len(todo)
        last = self.session.execute(
            update(Site)
            .where(Site.id == self.site.id)
            .values(seq=Site.seq + n)
            .returning(Site.seq)
            .execution_options(synchronize_session=False)
        ).scalar_one()
        first = last - n + 1
        for offset, changed in enumerate(todo):
            self.events[self._sealed + offset] = replace(changed, seq=first + offset)
        for index, row in self._rows:
            row.seq = self.events[index].seq
            self.session.add(row)
        self._rows.clear()
        self._sealed = len(self.events)
        set_committed_value(self.site, "seq", last)

    def move(
        self,
        ticket: Ticket,
        action: Action,
        *,
        staff_id: int | None = None,
        detail: dict[str, Any] | None = None,
        counter_id: int | None = None,
        service_id: int | None = None,
        hall_has_room: bool = True,
    ) -> TicketState:
        """Take one step of the ticket's life (domain.ticket_steps: its state and the fields it
        sets) and record it. `counter_id`: where a call sends it; `service_id`: where a transfer
        does; `hall_has_room`: for a reinstated no-show, whether it goes back inside (the verb
        asks services/admission.py) or waits outside."""
        before = TicketState(ticket.state)
        from_service_id = ticket.service_id
        taken = step(
            ticket,
            action,
            self.now,
            counter_id=counter_id,
            staff_id=staff_id,
            service_id=service_id,
            hall_has_room=hall_has_room,
        )
        apply(ticket, taken)
        self.record(
            ticket,
            action,
            before,
            staff_id=staff_id,
            detail=detail,
            counter_id=taken.counter_id,
            from_service_id=from_service_id,
        )
        return taken.state

    def record(
        self,
        ticket: Ticket,
        action: Action,
        before: TicketState | None,
        *,
        staff_id: int | None = None,
        detail: dict[str, Any] | None = None,
        to_state: TicketState | None = None,
        counter_id: int | Literal[Unset.TICKET] | None = Unset.TICKET,
        from_service_id: int | None = None,
    ) -> TicketChanged:
        """Append one row to the event log and keep the matching domain event (`to_state`:
        where this step led, when the ticket has moved on already: an issue inserted
        admitted; `counter_id`: the counter the step concerns, when not the ticket's now —
        a requeue names the counter that sent it back; `from_service_id`: the service it was
        in before this step, when a transfer moved it)."""
        self.touch(ticket)
        after = to_state or TicketState(ticket.state)
        at = ticket.counter_id if counter_id is Unset.TICKET else counter_id
        self.inside_delta += (after in INSIDE) - (before in INSIDE)
        self.outside_delta += (after is TicketState.ISSUED) - (before is TicketState.ISSUED)
        zone_before = self.zone_of(from_service_id or ticket.service_id)
        zone_after = self.zone_of(ticket.service_id)
        self.zone_inside_delta[zone_before] -= before in INSIDE
        self.zone_inside_delta[zone_after] += after in INSIDE
        self.zone_outside_delta[zone_before] -= before is TicketState.ISSUED
        self.zone_outside_delta[zone_after] += after is TicketState.ISSUED
        row = TicketEvent(
            site_id=self.site.id,
            seq=0,
            ticket_id=ticket.id,
            action=action.value,
            from_state=before.value if before else None,
            to_state=after.value,
            at=self.now,
            service_id=ticket.service_id,
            counter_id=at,
            staff_id=staff_id,
            detail=detail,
        )
        event = TicketChanged(
            site_id=self.site.id,
            seq=0,
            at=self.now,
            action=action,
            ticket_id=ticket.id,
            code=ticket.code,
            service_id=ticket.service_id,
            service_code=self.service_code(ticket.service_id),
            priority=ticket.priority,
            from_state=before,
            to_state=after,
            counter_id=at,
            counter_number=self.counter_number(at),
            staff_id=staff_id,
            token=ticket.token,
        )
        self.stamp(event, row)
        return event

    def touch(self, changed: Ticket | TouchedCounter) -> None:
        """Keep a changed ticket, or a counter's new state, for the snapshot of this change
        (see `TOUCHED`)."""
        self.session.info.setdefault(TOUCHED, []).append(changed)

    def seen_counter(self, counter_id: int) -> HallCounter | None:
        """A counter of this hall as the read model of this `seq` saw it (exact under the
        lock: a counter changes only with a `seq` step), if this process holds that model."""
        if self.seen is None:
            return None
        return next((c for c in self.seen.hall_counters if c.id == counter_id), None)

    def record_counter(self, counter: Counter, staff_id: int | None) -> None:
        """Keep a domain event for a counter's state change."""
        self.stamp(
            CounterChanged(
                site_id=self.site.id,
                seq=0,
                at=self.now,
                counter_id=counter.id,
                number=counter.number,
                state=counter.state,
                staff_id=staff_id,
            )
        )

    # -- reading ---------------------------------------------------------------------------

    def service(self, service_id: int) -> Service:
        """A service of this site, or NotFound. With the read model of this `seq` at hand it
        is taken from there (exact under the lock: a service changes only with a `seq` step);
        that object is read-only, detached from any session."""
        if self.seen is not None:
            seen = next((s for s in self.seen.services if s.id == service_id), None)
            if seen is None:
                raise NotFound(f"no service {service_id}")
            return seen
        service = self.session.get(Service, service_id)
        if service is None or service.site_id != self.site.id:
            raise NotFound(f"no service {service_id}")
        self._service_codes[service.id] = service.code
        self._service_zones[service.id] = service.zone_id
        return service

    def service_code(self, service_id: int) -> str:
        """The letter code of a service of this site (read once per lock)."""
        self._read_codes(service_id)
        code = self._service_codes.get(service_id)
        if code is None:
            raise NotFound(f"no service {service_id}")
        return code

    def zone_of(self, service_id: int) -> int:
        """The zone a service of this site is in (read once per lock, with the codes)."""
        self._read_codes(service_id)
        zone = self._service_zones.get(service_id)
        if zone is None:
            raise NotFound(f"no service {service_id}")
        return zone

    def _read_codes(self, service_id: int) -> None:
        if service_id not in self._service_zones and not self._all_codes_read:
            rows = self.session.execute(
                select(Service.id, Service.code, Service.zone_id).where(
                    Service.site_id == self.site.id
                )
            )
            for sid, code, zone in rows:
                self._service_codes[sid] = code
                self._service_zones[sid] = zone
            self._all_codes_read = True

    def zones(self) -> dict[int, Zone]:
        """The site's zones by id (from the read model of this `seq` when at hand: a zone
        changes only with a `seq` step; those objects are read-only)."""
        if self._zones is None:
            found = self.session.scalars(select(Zone).where(Zone.site_id == self.site.id))
            self._zones = {z.id: z for z in found}
        return self._zones

    def agency(self, agency_id: int) -> Agency:
        """An agency of this site (read-only from the read model when at hand)."""
        if self.seen is not None:
            seen = next((a for a in self.seen.agencies if a.id == agency_id), None)
            if seen is not None:
                return seen
        agency = self.session.get(Agency, agency_id)
        if agency is None or agency.site_id != self.site.id:
            raise NotFound(f"no agency {agency_id}")
        return agency

    def counter_number(self, counter_id: int | None) -> int | None:
        """The number shown for a counter of this site (read once per lock, without loading
        the counters' service lists)."""
        if counter_id is None:
            return None
        if self._counter_numbers is None:
            rows = self.session.execute(
                select(Counter.id, Counter.number).where(Counter.site_id == self.site.id)
            )
            self._counter_numbers = {cid: number for cid, number in rows}
        return self._counter_numbers.get(counter_id)


def site_of(session: Session, model: type[Service | Counter | Ticket], key: int) -> int:
    """The site a service, counter or ticket belongs to (read before taking its hall's lock)."""
    site_id = session.scalar(select(model.site_id).where(model.id == key))
    if site_id is None:
        raise NotFound(f"no {model.__tablename__[:-1]} {key}")
    return site_id


def lock_counter(session: Session, counter_id: int, actor: Actor) -> tuple[Hall, Counter]:
    """Lock the counter's hall and return it with the counter, if `actor` may act there."""
    hall = Hall.lock_of(session, Counter, counter_id)
    counter = session.get(Counter, counter_id)
    assert counter is not None  # counters are never deleted
    actor.require_counter(counter.id)
    return hall, counter


def require_counter_free(session: Session, counter: Counter) -> None:
    """Raise `CounterBusy` while the counter still has a called or serving ticket."""
    busy = session.scalars(
        select(Ticket).where(
            Ticket.counter_id == counter.id, Ticket.state.in_([s.value for s in AT_COUNTER])
        )
    ).first()
    refuse_busy(counter.number, busy)


def refuse_busy(number: int, busy: Ticket | TicketRow | None) -> None:
    """`CounterBusy` when counter `number` still has `busy` (a called or serving ticket)."""
    if busy is not None:
        raise CounterBusy(
            f"counter {number} still has {busy.code} ({busy.state}); finish it first",
            ticket=busy.code,
        )
