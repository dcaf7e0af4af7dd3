"""Read models: what the API, the screens and the snapshots show. JSON-ready dicts, of the
contract's types where the API answers them (contract/payloads.py).

Counts are of today's service day only: leftovers of an earlier day never fill today's board
(they are expired the next time the hall is locked).
"""

from __future__ import annotations

import re
from collections import Counter as Tally
from datetime import datetime
from functools import cached_property
from typing import Any, cast

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.orm import Session, aliased

from ..contract import payloads
from ..domain.booking import ChannelPolicy, agency_policy, service_policy, split_quota
from ..domain.durations import Durations
from ..domain.errors import NotFound
from ..domain.numbering import is_open_at, service_day, site_zone
from ..domain.states import AT_COUNTER, INSIDE, TicketState
from ..domain.vocabulary import Channel, CounterState
from ..models import (
    Agency,
    Booking,
    BookingEvent,
    BookingSession,
    Counter,
    Service,
    ServiceRequirement,
    Site,
    Ticket,
    TicketEvent,
    Zone,
)
from .clock import utcnow
from .estimates import WaitEstimates
from .hall_state import (
    RECENT_CALLS_KEPT,
    TICKET_COLUMNS,
    BookedRow,
    BookingsToday,
    CallRow,
    HallCounter,
    HallInputs,
    TicketRow,
    queue_order,
)

Json = dict[str, Any]

#: What a ticket token can look like (URL-safe base64); anything else is not looked up.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,64}")

#: The reason of a booking's expiry when it came too late and took a walk-in ticket instead
#: (services.bookings._late).
LATE_WALK_IN = "late_walk_in"

#: How many recent calls the board lists.
RECENT_CALLS = 10


def default_site_id(session: Session) -> int:
    """The site served when a request names none (the first one created)."""
    site_id = session.scalar(select(func.min(Site.id)))
    if site_id is None:
        raise NotFound("no site is configured yet: run `flask --app queue_app seed-demo`")
    return int(site_id)


#: Today's tickets still queued or at a counter, in queue order within each service: one read
#: gives the counts, the queues and places, the busy counters and the board's current tickets.
#: A ticket at a counter when the day turned is in it too, whatever its day: it is still
#: inside, with its clerk (services.day.expire_earlier_days expires queued ones only).
ACTIVE_QUERY = (
    select(*TICKET_COLUMNS)
    .where(
        Ticket.site_id == bindparam("site_id"),
        Ticket.state.in_([s.value for s in (TicketState.ISSUED, *INSIDE)]),
        or_(
            Ticket.service_day == bindparam("day"),
            Ticket.state.in_([s.value for s in AT_COUNTER]),
        ),
    )
    .order_by(Ticket.service_id, Ticket.front.desc(), Ticket.queue_at, Ticket.id)
)

#: Today's calls and recalls, newest first (the board lists the latest call of each ticket).
CALLS_QUERY = (
    select(
        TicketEvent.seq,
        Ticket.code,
        TicketEvent.counter_id,
        Counter.number,
        Service.code,
        TicketEvent.action == "recall",
        TicketEvent.at,
    )
    .join(Ticket, Ticket.id == TicketEvent.ticket_id)
    .join(Counter, Counter.id == TicketEvent.counter_id)
    .join(Service, Service.id == TicketEvent.service_id)
    .where(
        TicketEvent.site_id == bindparam("site_id"),
        TicketEvent.action.in_(["call", "recall"]),
        Ticket.service_day == bindparam("day"),
    )
    .order_by(TicketEvent.seq.desc())
    .limit(RECENT_CALLS_KEPT)
)


class HallView:
    """A read-only look at one site today, computing each figure at most once.

    `inputs`: what an earlier view read, moved forward to this `seq` (realtime.snapshots; see
    services.hall_state): the view then reads nothing, `session` may be None."""

    def __init__(
        self,
        session: Session | None,
        site_id: int,
        now: datetime | None = None,
        *,
        inputs: HallInputs | None = None,
    ) -> None:
        self.now = now or utcnow()
        if inputs is not None:
            site = inputs.site
            self.__dict__.update(
                services=inputs.services,
                active=sorted(inputs.active.values(), key=queue_order),
                issued_today=inputs.issued_today,
                recent_calls=inputs.recent_calls,
                requirements=inputs.requirements,
                zones=inputs.zones,
                agencies=inputs.agencies,
                bookings_today=inputs.bookings,
                walk_ins_today=inputs.walk_ins_today,
            )
            self._carried: HallInputs | None = inputs
        else:
            assert session is not None
            found = session.get(Site, site_id)
            if found is None:
                raise NotFound(f"no site {site_id}")
            site = found
            self._carried = None
        self.session = session
        self.site = site
        self.today = service_day(self.now, site_zone(site.timezone))
        #: The site's change sequence this view saw (a later view at another seq may differ).
        self.seq = inputs.seq if inputs is not None else site.seq

    @property
    def carried(self) -> HallInputs | None:
        """The inputs this view was made of, when it read nothing itself."""
        return self._carried

    @property
    def db(self) -> Session:
        assert self.session is not None, "a view made of carried inputs reads nothing"
        return self.session

    def inputs(self) -> HallInputs:
        """What this view is computed from, for a later view to carry forward."""
        return HallInputs(
            seq=self.seq,
            today=self.today,
            site=self.site,
            services=self.services,
            counters=self.estimates.counters,
            active={row.id: row for row in self.active},
            issued_today=dict(self.issued_today),
            recorded=self.estimates.recorded,
            recent_calls=self.recent_calls,
            requirements=self.requirements,
            zones=self.zones,
            agencies=self.agencies,
            bookings=self.bookings_today,
            walk_ins_today=dict(self.walk_ins_today),
        )

    @cached_property
    def services(self) -> list[Service]:
        stmt = select(Service).where(Service.site_id == self.site.id)
        return list(self.db.scalars(stmt.order_by(Service.position, Service.code)))

    @cached_property
    def requirements(self) -> dict[int, list[payloads.Requirement]]:
        """Service id → the documents it asks applicants to bring, in order (one read of the
        site's lists; services asking none are left out)."""
        stmt = (
            select(ServiceRequirement)
            .join(Service, Service.id == ServiceRequirement.service_id)
            .where(Service.site_id == self.site.id)
            .order_by(ServiceRequirement.service_id, ServiceRequirement.position)
        )
        found: dict[int, list[payloads.Requirement]] = {}
        for row in self.db.scalars(stmt):
            found.setdefault(row.service_id, []).append(requirement_payload(row))
        return found

    @cached_property
    def zones(self) -> list[Zone]:
        """The site's zones (floors, rooms), in display order."""
        stmt = select(Zone).where(Zone.site_id == self.site.id)
        return list(self.db.scalars(stmt.order_by(Zone.position, Zone.id)))

    @cached_property
    def agencies(self) -> list[Agency]:
        """The site's agencies, in display order."""
        stmt = select(Agency).where(Agency.site_id == self.site.id)
        return list(self.db.scalars(stmt.order_by(Agency.position, Agency.id)))

    @cached_property
    def bookings_today(self) -> BookingsToday:
        """Today's online bookings by service, session and state, with how many of each
        came too late and took a walk-in ticket (one statement; the booking settings' late
        tolerance with a second, only when there are any)."""
        late = aliased(BookingEvent)
        stmt = (
            select(
                Booking.service_id,
                BookingSession.starts_at,
                BookingSession.ends_at,
                Booking.state,
                func.count(Booking.id),
                func.count(late.id),
            )
            .join(BookingSession, BookingSession.id == Booking.session_id)
            # A booking expires once at most: the join adds no row (services.bookings._late).
            .outerjoin(
                late,
                and_(
                    late.booking_id == Booking.id,
                    late.action == "expire",
                    late.detail["reason"].as_string() == LATE_WALK_IN,
                ),
            )
            .where(Booking.site_id == self.site.id, Booking.day == self.today)
            .group_by(
                Booking.service_id, BookingSession.starts_at, BookingSession.ends_at, Booking.state
            )
        )
        rows = tuple(BookedRow(*row) for row in self.db.execute(stmt))
        if not rows:
            return BookingsToday()
        from .bookings import settings_of  # bookings issues tickets, which read the hall

        return BookingsToday(rows, settings_of(self.db, self.site.id).late_min)

    @cached_property
    def zone_by_service(self) -> dict[int, int]:
        """Service id → its zone's id."""
        return {s.id: s.zone_id for s in self.services}

    @cached_property
    def zone_counts(self) -> dict[int, tuple[int, int]]:
        """Zone id → (people inside, people outside) today."""
        inside: Tally[int] = Tally()
        outside: Tally[int] = Tally()
        for (service_id, state), n in self.counts.items():
            zone = self.zone_by_service.get(service_id)
            if zone is None:
                continue
            if state == TicketState.ISSUED.value:
                outside[zone] += n
            elif TicketState(state) in INSIDE:
                inside[zone] += n
        return {z.id: (inside[z.id], outside[z.id]) for z in self.zones}

    @cached_property
    def issued_by_agency(self) -> dict[int, int]:
        """Numbers drawn today per agency (what an agency's daily cap counts)."""
        agency_of = {s.id: s.agency_id for s in self.services}
        tally: Tally[int] = Tally()
        for service_id, n in self.issued_today.items():
            if service_id in agency_of:
                tally[agency_of[service_id]] += n
        return dict(tally)

    @cached_property
    def zone_refs(self) -> dict[int, payloads.ZoneRef]:
        """Zone id → how a service or ticket names it."""
        return {z.id: zone_ref(z) for z in self.zones}

    @cached_property
    def agency_refs(self) -> dict[int, payloads.AgencyRef]:
        return {
            a.id: payloads.AgencyRef(id=a.id, code=a.code, name=a.name_id) for a in self.agencies
        }

    @cached_property
    def zone_summaries(self) -> list[payloads.Zone]:
        """Every zone with its cap and who is in it (`GET /api/v1/zones`), made once per
        `seq` and shared by every reader."""
        return [
            payloads.Zone(
                **zone_ref(z),
                capacity=self.zone_cap(z),
                inside=self.zone_counts[z.id][0],
                outside=self.zone_counts[z.id][1],
            )
            for z in self.zones
        ]

    @cached_property
    def agency_summaries(self) -> list[payloads.Agency]:
        """Every agency with its policy and today's count (`GET /api/v1/agencies`), made once
        per `seq` and shared by every reader."""
        return [
            payloads.Agency(
                id=a.id,
                code=a.code,
                name=a.name_id,
                name_en=a.name_en,
                colour=a.colour,
                walk_in=agency_policy(a.channels, a.walk_in) is not ChannelPolicy.ONLINE,
                channels=agency_policy(a.channels, a.walk_in).value,
                daily_cap=a.daily_cap,
                issued_today=self.issued_by_agency.get(a.id, 0),
            )
            for a in self.agencies
        ]

    @cached_property
    def agency_counts(self) -> list[dict[str, int]]:
        """Each agency's numbers drawn today, as the kiosks' queue news carries them (their
        tiles say "full for today" from these and the agencies' caps)."""
        return [
            {"id": a.id, "issued_today": self.issued_by_agency.get(a.id, 0)} for a in self.agencies
        ]

    def zone_hall_summary(self, zone: Zone) -> payloads.Hall:
        """`hall_summary` of one zone: its cap, who is in it and outside it."""
        whole = self.hall_summary()
        cap = self.zone_cap(zone)
        inside, outside = self.zone_counts[zone.id]
        return payloads.Hall(
            capacity=cap,
            inside=inside,
            outside=outside,
            full=cap is not None and inside >= cap,
            open=whole["open"],
            opens_at=whole["opens_at"],
            closes_at=whole["closes_at"],
        )

    def zone_cap(self, zone: Zone) -> int | None:
        """People allowed inside a zone: its own cap, and the building's when smaller."""
        caps = [c for c in (zone.cap, self.site.hall_capacity) if c is not None]
        return min(caps) if caps else None

    @cached_property
    def counters(self) -> list[Counter]:
        stmt = select(Counter).where(Counter.site_id == self.site.id).order_by(Counter.number)
        return list(self.db.scalars(stmt))

    @cached_property
    def active(self) -> list[TicketRow]:
        """Today's tickets queued or at a counter (`ACTIVE_QUERY`): the counts, the queues and
        places, the busy counters and the board's current tickets all come from this one read."""
        params = {"site_id": self.site.id, "day": self.today}
        return [TicketRow._make(row) for row in self.db.execute(ACTIVE_QUERY, params)]

    @cached_property
    def recent_calls(self) -> list[CallRow]:
        """Today's calls and recalls, newest first (`CALLS_QUERY`)."""
        params = {"site_id": self.site.id, "day": self.today}
        return [CallRow._make(row) for row in self.db.execute(CALLS_QUERY, params)]

    @cached_property
    def current_by_counter(self) -> dict[int, TicketRow]:
        """Counter id → the ticket called to it or served there now."""
        return {
            t.counter_id: t
            for t in self.active
            if t.counter_id is not None and TicketState(t.state) in AT_COUNTER
        }

    @cached_property
    def _admitted(self) -> list[TicketRow]:
        """Every ticket let in from outside and not called yet, the newest admission first:
        tickets that waited outside (admitted after their issue; one let in at once is
        admitted in its issue's instant) and are not called yet (a requeued, transferred or
        reinstated ticket is inside already)."""
        admitted = [
            t
            for t in self.active
            if t.state == TicketState.WAITING.value
            and t.first_called_at is None
            and t.admitted_at is not None
            and t.admitted_at > t.issued_at
        ]
        admitted.sort(key=lambda t: (t.admitted_at, t.id), reverse=True)
        return admitted

    @cached_property
    def recently_admitted(self) -> list[str]:
        """Codes let in from outside most recently, for the entrance's "silakan masuk" line
        (`_admitted`)."""
        return [t.code for t in self._admitted[:RECENT_CALLS]]

    def recently_admitted_to(self, zone_id: int) -> list[str]:
        """`recently_admitted`, of one zone's services only: its own newest, however many
        the other zones let in since."""
        if len(self.zones) <= 1:
            return self.recently_admitted
        zone_of = self.zone_by_service
        mine = [t.code for t in self._admitted if zone_of.get(t.service_id) == zone_id]
        return mine[:RECENT_CALLS]

    @cached_property
    def now_serving(self) -> dict[int, str]:
        """Service id → the number now being served there, as a phone shows it: the code of
        the service's latest call today (a recall calls an earlier number again, so it is
        not counted), from the calls the board keeps; for a service with none of those, the
        latest-called ticket still at one of its counters. Made once per view (`seq`)."""
        ids = {s.code: s.id for s in self.services}
        found: dict[int, str] = {}
        for call in self.recent_calls:  # newest first
            service_id = ids.get(call.service_code)
            if service_id is not None and not call.recall and service_id not in found:
                found[service_id] = call.code
        at_counter = sorted(
            (t for t in self.current_by_counter.values() if t.service_id not in found),
            key=lambda t: (t.called_at is not None, t.called_at or t.issued_at, t.id),
        )
        for ticket in at_counter:  # the latest call last: it wins
            found[ticket.service_id] = ticket.code
        return found

    @property
    def hall_counters(self) -> list[HallCounter]:
        """The counters with their services in preference order (the estimate's plain rows)."""
        return self.estimates.counters

    @property
    def counter_numbers(self) -> dict[int, int]:
        """Counter id → its number (from the estimate's plain rows)."""
        return {c.id: c.number for c in self.estimates.counters}

    @cached_property
    def counts(self) -> Tally[tuple[int, str]]:
        """Today's tickets per (current service, state), for the states still in the hall."""
        return Tally((t.service_id, t.state) for t in self.active)

    @cached_property
    def _drawn_today(self) -> tuple[dict[int, int], dict[int, int]]:
        """Numbers drawn today per service: by every channel, and by every channel but
        `online` (one statement)."""
        online = Ticket.channel == Channel.ONLINE.value
        stmt = (
            select(Ticket.issued_service_id, online, func.count(Ticket.id))
            .where(Ticket.site_id == self.site.id, Ticket.service_day == self.today)
            .group_by(Ticket.issued_service_id, online)
        )
        every: Tally[int] = Tally()
        walk_ins: dict[int, int] = {}
        for service_id, checked_in, n in self.db.execute(stmt):
            every[service_id] += n
            if not checked_in:
                walk_ins[service_id] = n
        return dict(every), walk_ins

    @cached_property
    def issued_today(self) -> dict[int, int]:
        """Numbers drawn today per service (what quotas count)."""
        return self._drawn_today[0]

    @cached_property
    def walk_ins_today(self) -> dict[int, int]:
        """Numbers drawn today per service by any channel but `online`: walk-ins, what a
        service's walk-in share counts (`walk_in_left`)."""
        return self._drawn_today[1]

    @cached_property
    def policies(self) -> dict[int, ChannelPolicy]:
        """Service id → its channel policy (its own, else its agency's)."""
        agencies = {a.id: a for a in self.agencies}
        found = {}
        for s in self.services:
            agency = agencies.get(s.agency_id)
            own = (
                agency_policy(agency.channels, agency.walk_in) if agency else ChannelPolicy.WALK_IN
            )
            found[s.id] = service_policy(s.channels, own)
        return found

    def walk_in_left(self, service: Service) -> int | None:
        """Walk-in places left today of a service taking both channels with a daily quota
        (None: no such limit), as `services.bookings.walk_in_share_left` counts them under
        the lock when a ticket is issued: the walk-in share, plus the places of no-shows
        released to walk-ins, minus the walk-in numbers drawn (never below 0 here)."""
        if self.policies.get(service.id) is not ChannelPolicy.BOTH:
            return None
        agency = next((a for a in self.agencies if a.id == service.agency_id), None)
        pct = (
            service.online_pct
            if service.online_pct is not None
            else (agency.online_pct if agency is not None else 0)
        )
        _, share = split_quota(service.daily_quota, pct)
        if share is None:
            return None
        released = (
            self.bookings_today.released(service.id, self.now) if service.release_no_shows else 0
        )
        return max(0, share + released - self.walk_ins_today.get(service.id, 0))

    @cached_property
    def open_counters_per_service(self) -> Tally[int]:
        # From the estimates' plain rows of counters and their services (read for the
        # estimates anyway): loading the counters as objects with their links cost a broadcast
        # more than everything else it reads.
        tally: Tally[int] = Tally()
        for counter in self.estimates.counters:
            if counter.state == CounterState.OPEN.value:
                tally.update(counter.service_ids)
        return tally

    def queued(self, service_id: int) -> tuple[int, int]:
        """(waiting inside, waiting outside) for a service."""
        return (
            self.counts[(service_id, TicketState.WAITING.value)],
            self.counts[(service_id, TicketState.ISSUED.value)],
        )

    @property
    def inside(self) -> int:
        return sum(n for (_, state), n in self.counts.items() if TicketState(state) in INSIDE)

    @property
    def outside(self) -> int:
        return sum(n for (_, state), n in self.counts.items() if state == TicketState.ISSUED.value)

    @cached_property
    def estimates(self) -> WaitEstimates:
        """Wait estimates from today's recorded times (services.estimates), made once."""
        zone = site_zone(self.site.timezone)
        carried = self._carried
        return WaitEstimates(
            self.session,  # type: ignore[arg-type]  # None only with everything carried
            self.site,
            self.now,
            self.today,
            zone,
            self.services,
            self.issued_today,
            self.active,
            counters=carried.counters if carried is not None else None,
            recorded=carried.recorded if carried is not None else None,
            agency_left={
                a.id: a.daily_cap - self.issued_by_agency.get(a.id, 0)
                for a in self.agencies
                if a.daily_cap is not None
            },
            bookings=self.bookings_today,
        )

    def estimate(
        self, service: Service, people_ahead: int, *, priority: bool = False
    ) -> int | None:
        """Estimated seconds of wait with `people_ahead` in this service's queue (None: no open
        counter serves it); `priority` for a priority ticket (its people ahead are the
        transferred and priority ones)."""
        return self.estimates.wait_s(service, people_ahead, priority=priority)

    def closed_early(self, service: Service) -> bool:
        """The service stopped issuing for today: its estimate passed closing time."""
        return self.estimates.closed_early(service)

    def service_summary(self, service: Service) -> payloads.Service:
        """A service's queue figures (`GET /api/v1/services`), made once per view: the board
        and the broadcast read the same dict (neither may change it)."""
        known = self._summaries.get(service.id)
        if known is None:
            known = self._summaries[service.id] = self._service_summary(service)
        return known

    @cached_property
    def _summaries(self) -> dict[int, payloads.Service]:
        return {}

    def _service_summary(self, service: Service) -> payloads.Service:
        inside, outside = self.queued(service.id)
        quota_left = (
            None
            if service.daily_quota is None
            else max(0, service.daily_quota - self.issued_today.get(service.id, 0))
        )
        return payloads.Service(
            id=service.id,
            code=service.code,
            name=service.name_id,
            name_en=service.name_en,
            agency=self.agency_refs[service.agency_id],
            zone=self.zone_refs[service.zone_id],
            open=service.is_open and not self.closed_early(service),
            closed_early=self.closed_early(service),
            waiting=inside + outside,
            waiting_inside=inside,
            waiting_outside=outside,
            daily_quota=service.daily_quota,
            quota_left=quota_left,
            counters_open=self.open_counters_per_service[service.id],
            estimated_wait_s=self.estimates.new_ticket_s(service),
            now_serving=self.now_serving.get(service.id),
            requirements=self.requirements.get(service.id, []),
            channels=self.policies[service.id].value,
            walk_in_left=self.walk_in_left(service),
        )

    def board_service(self, service: Service) -> payloads.BoardService:
        """A service's queue figures as a board shows them (without `counters_open`)."""
        summary = self.service_summary(service)
        return cast(
            payloads.BoardService, {k: v for k, v in summary.items() if k != "counters_open"}
        )

    def hall_summary(self) -> payloads.Hall:
        site = self.site
        local = self.now.astimezone(site_zone(site.timezone)).time()
        return payloads.Hall(
            capacity=site.hall_capacity,
            inside=self.inside,
            outside=self.outside,
            full=site.hall_capacity is not None and self.inside >= site.hall_capacity,
            open=is_open_at(local, site.opens_at, site.closes_at),
            opens_at=site.opens_at.strftime("%H:%M"),
            closes_at=site.closes_at.strftime("%H:%M"),
        )


def zone_ref(zone: Zone) -> payloads.ZoneRef:
    return payloads.ZoneRef(id=zone.id, name=zone.name, floor=zone.floor)


def zone_of(view: HallView, zone_id: int) -> Zone:
    """A zone of the view's site, or NotFound (404: `?zone=` names no zone of this site)."""
    zone = next((z for z in view.zones if z.id == zone_id), None)
    if zone is None:
        raise NotFound(f"no zone {zone_id}", zone=zone_id)
    return zone


def requirement_payload(row: ServiceRequirement) -> payloads.Requirement:
    """A required document as the API and the screens show it."""
    return payloads.Requirement(name=row.name_id, name_en=row.name_en, note=row.note)


def ticket_service(service: Service) -> payloads.TicketService:
    """A service as a ticket or an estimate names it."""
    return payloads.TicketService(
        id=service.id, code=service.code, name=service.name_id, name_en=service.name_en
    )


def counter_summary(counter: Counter, current: Ticket | None = None) -> payloads.Counter:
    """A counter as the API and the board show it."""
    return payloads.Counter(
        id=counter.id,
        number=counter.number,
        label=counter.label,
        state=counter.state,
        services=[
            payloads.CounterService(id=link.service.id, code=link.service.code, rank=link.rank)
            for link in counter.links
        ],
        current=_current_ticket(current) if current else None,
    )


def counters_overview(session: Session, site_id: int) -> list[payloads.Counter]:
    """`GET /api/v1/counters`."""
    view = HallView(session, site_id)
    current = _current_by_counter(session, site_id)
    return [counter_summary(c, current.get(c.id)) for c in view.counters]


def board(
    session: Session,
    site_id: int,
    recent: int = RECENT_CALLS,
    view: HallView | None = None,
    zone: Zone | None = None,
) -> payloads.Board:
    """`GET /api/v1/board` and the board's snapshot: what a lobby screen shows (`view`: the
    hall read in the same transaction, when the caller has one; `zone`: one zone's board, its
    services, counters, calls and admission line only)."""
    view = view or HallView(session, site_id)
    current = view.current_by_counter
    services = view.services
    counters = view.estimates.counters
    admitted = view.recently_admitted
    hall = view.hall_summary()
    if zone is not None:
        services = [s for s in services if s.zone_id == zone.id]
        ids = {s.id for s in services}
        counters = [c for c in counters if ids.intersection(c.service_ids)]
        admitted = view.recently_admitted_to(zone.id)
        hall = view.zone_hall_summary(zone)
    numbers = {c.id for c in counters}
    # A recalled ticket appears once, at the time of its newest call.
    latest: dict[str, CallRow] = {}
    for call in view.recent_calls:
        if zone is not None and call.counter_id not in numbers:
            continue
        if call.code not in latest and len(latest) < recent:
            latest[call.code] = call
    site = view.site
    return payloads.Board(
        seq=view.seq,
        site=payloads.SiteRef(id=site.id, name=site.name, timezone=site.timezone),
        zone=zone_ref(zone) if zone is not None else None,
        service_day=view.today.isoformat(),
        generated_at=view.now.isoformat(),
        hall=hall,
        counters=[
            payloads.BoardCounter(
                id=c.id,
                number=c.number,
                label=c.label,
                state=c.state,
                current=_current_ticket(current[c.id]) if c.id in current else None,
            )
            for c in counters
        ],
        recent_calls=[
            payloads.RecentCall(
                code=call.code,
                service_code=call.service_code,
                counter_id=call.counter_id,
                counter_number=call.counter_number,
                recall=bool(call.recall),
                at=call.at.isoformat(),
                seq=call.seq,
            )
            for call in latest.values()
        ],
        services=[view.board_service(s) for s in services],
        # Codes let in from outside most recently, for the entrance's "silakan masuk" line.
        recently_admitted=admitted[:recent],
    )


def people_ahead(session: Session, ticket: Ticket) -> int:
    """How many are ahead of a queued ticket in its service's queue (0 once called).

    Front (transferred) tickets are ahead of everyone else. A priority ticket has only front
    tickets and earlier priority tickets ahead of it; a regular one has everyone earlier.
    """
    if TicketState(ticket.state) not in (TicketState.ISSUED, TicketState.WAITING):
        return 0
    earlier = or_(
        Ticket.queue_at < ticket.queue_at,
        and_(Ticket.queue_at == ticket.queue_at, Ticket.id < ticket.id),
    )
    before = (
        or_(Ticket.front.is_(True), earlier)
        if not ticket.front
        else and_(Ticket.front.is_(True), earlier)
    )
    stmt = select(func.count(Ticket.id)).where(
        Ticket.service_id == ticket.service_id,
        Ticket.state.in_([TicketState.ISSUED.value, TicketState.WAITING.value]),
        Ticket.id != ticket.id,
        before,
    )
    if ticket.priority is not None and not ticket.front:
        stmt = stmt.where(or_(Ticket.front.is_(True), Ticket.priority.is_not(None)))
    return int(session.scalar(stmt) or 0)


def ticket_public(
    session: Session, ticket: Ticket, view: HallView | None = None
) -> payloads.PublicTicket:
    """A ticket as its holder sees it (status page, by-token API): no personal data, no token."""
    view = view or HallView(session, ticket.site_id)
    service = session.get(Service, ticket.service_id)
    assert service is not None
    counter = session.get(Counter, ticket.counter_id) if ticket.counter_id else None
    ahead = people_ahead(session, ticket)
    queued = ticket.state in (TicketState.ISSUED.value, TicketState.WAITING.value)
    return payloads.PublicTicket(
        code=ticket.code,
        number=ticket.number,
        service=ticket_service(service),
        zone=view.zone_refs[service.zone_id],
        state=ticket.state,
        priority=ticket.priority,
        service_day=ticket.service_day.isoformat(),
        position=ahead,
        admitted=ticket.state != TicketState.ISSUED.value,
        estimated_wait_s=(
            view.estimate(service, ahead, priority=ticket.priority is not None and not ticket.front)
            if queued
            else 0
        ),
        counter=payloads.TicketCounter(number=counter.number, label=counter.label)
        if counter
        else None,
        issued_at=ticket.issued_at.isoformat(),
        called_at=_iso(ticket.called_at),
        now_serving=view.now_serving.get(ticket.service_id),
        seq=view.site.seq,
    )


def ticket_for_staff(
    session: Session,
    ticket: Ticket,
    durations: Durations | None = None,
    public: payloads.PublicTicket | None = None,
) -> payloads.StaffTicket:
    """A ticket as counter staff see it: the public view (`public`, when the caller has it
    from the hall's snapshot) plus its id and timings."""
    staff: payloads.StaffFields = {
        "id": ticket.id,
        "channel": ticket.channel,
        "counter_id": ticket.counter_id,
        "call_count": ticket.call_count,
        "admitted_at": _iso(ticket.admitted_at),
        "first_called_at": _iso(ticket.first_called_at),
        "started_at": _iso(ticket.started_at),
        "finished_at": _iso(ticket.finished_at),
    }
    if public is None:
        public = ticket_public(session, ticket)
    # Both halves are checked where they are made; mypy cannot add two typed dicts up.
    data = cast(payloads.StaffTicket, {**public, **staff})
    if durations is not None:
        data["durations"] = payloads.TicketDurations(
            wait_s=durations.wait_s, walk_s=durations.walk_s, service_s=durations.service_s
        )
    return data


def recalls_since_call(session: Session, ticket_id: int) -> int:
    """How often a ticket was recalled since its latest call (what the recall limit counts)."""
    last_call = (
        select(func.max(TicketEvent.seq))
        .where(TicketEvent.ticket_id == ticket_id, TicketEvent.action == "call")
        .scalar_subquery()
    )
    stmt = select(func.count(TicketEvent.id)).where(
        TicketEvent.ticket_id == ticket_id,
        TicketEvent.action == "recall",
        TicketEvent.seq > last_call,
    )
    return int(session.scalar(stmt) or 0)


def ticket_by_token(session: Session, token: str) -> Ticket:
    """The ticket holding this public token, or NotFound."""
    if not TOKEN_SHAPE.fullmatch(token):
        raise NotFound("no ticket with this token")
    ticket = session.scalars(select(Ticket).where(Ticket.token == token)).first()
    if ticket is None:
        raise NotFound("no ticket with this token")
    return ticket


def _current_by_counter(session: Session, site_id: int) -> dict[int, Ticket]:
    stmt = select(Ticket).where(
        Ticket.site_id == site_id,
        Ticket.state.in_([TicketState.CALLED.value, TicketState.SERVING.value]),
        Ticket.counter_id.is_not(None),
    )
    return {t.counter_id: t for t in session.scalars(stmt) if t.counter_id is not None}


def _current_ticket(ticket: Any) -> payloads.CurrentTicket:
    """The ticket at a counter (a Ticket, or a row of `ACTIVE_QUERY`)."""
    return payloads.CurrentTicket(
        code=ticket.code,
        state=ticket.state,
        service_id=ticket.service_id,
        called_at=_iso(ticket.called_at),
        started_at=_iso(ticket.started_at),
    )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def counter_detail(session: Session, counter_id: int) -> Json:
    """What a counter terminal shows: the counter, its services in preference order with their
    queues, the ticket at it now (staff view), and today's served count and mean service time."""
    counter = session.get(Counter, counter_id)
    if counter is None:
        raise NotFound(f"no counter {counter_id}")
    view = HallView(session, counter.site_id)
    current = session.scalars(
        select(Ticket).where(
            Ticket.counter_id == counter.id,
            Ticket.state.in_([TicketState.CALLED.value, TicketState.SERVING.value]),
        )
    ).first()
    served = session.execute(
        select(Ticket.started_at, Ticket.called_at, Ticket.finished_at).where(
            Ticket.counter_id == counter.id,
            Ticket.state == TicketState.DONE.value,
            Ticket.service_day == view.today,
        )
    ).all()
    times = []
    for started, called, finished in served:
        begin = started or called
        if begin is not None and finished is not None:
            times.append((finished - begin).total_seconds())
    data: Json = dict(counter_summary(counter))
    data.update(
        {
            "services": [
                {**view.service_summary(link.service), "rank": link.rank} for link in counter.links
            ],
            "current": (
                ticket_for_staff(session, current)
                | {"recalls_since_call": recalls_since_call(session, current.id)}
                if current
                else None
            ),
            # The site's rules the terminal's buttons follow (see services.tickets).
            "policy": {
                "recall_limit": view.site.recall_limit,
                "no_show_after_s": view.site.no_show_after_s,
            },
            "stats": {
                "served": len(served),
                "mean_service_s": round(sum(times) / len(times)) if times else None,
                # How many of those the mean is over (the terminal adds its own finishes).
                "timed": len(times),
            },
            "seq": view.site.seq,
            "generated_at": view.now.isoformat(),
        }
    )
    return data
