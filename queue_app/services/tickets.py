"""Ticket verbs: issue, call_next, call_ticket, recall, start, finish, no_show, reinstate,
requeue, transfer, cancel, cancel_by_holder. Each returns (ticket, events) and leaves the commit
to the caller."""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..domain.access import Actor
from ..domain.booking import ChannelPolicy
from ..domain.errors import (
    AgencyCapReached,
    ClosedEarly,
    CounterNotOpen,
    Forbidden,
    HallClosed,
    InvalidInput,
    InvalidTransition,
    NoShowTooEarly,
    NotFound,
    QuotaReached,
    RecallLimitReached,
    ServiceClosed,
    WalkInNotAccepted,
)
from ..domain.events import DomainEvent
from ..domain.numbering import display_code
from ..domain.selection import QueuedTicket, choose_next, choose_this
from ..domain.states import AT_COUNTER, Action, TicketState
from ..domain.ticket_steps import apply, step
from ..domain.vocabulary import Channel, CounterState, Outcome, Priority
from ..models import Agency, Counter, CounterService, Service, Ticket
from . import admission, mall, notifications
from .hall import QUEUED_STATES, Hall, TouchedCounter, refuse_busy, site_of
from .hall_state import TicketRow
from .holders import HolderId, refuse_second_ticket
from .notifications import Contact, notifying
from .numbering import draw_number
from .read import TOKEN_SHAPE, HallView, recalls_since_call

Result = tuple[Ticket, list[DomainEvent]]

#: Bytes of randomness in a ticket's public token (192 bits, > the 128 DESIGN.md asks).
TOKEN_BYTES = 24


def resolve_service(session: Session, ref: int | str, site_id: int) -> Service:
    """Find a service of `site_id` by id or by letter code (case-insensitive)."""
    if isinstance(ref, int):
        service = session.get(Service, ref)
    else:
        service = session.scalars(
            select(Service).where(Service.site_id == site_id, Service.code == ref.upper())
        ).first()
    if service is None or service.site_id != site_id:
        raise NotFound(f"no service {ref!r}", service=ref)
    return service


@notifying
def issue_ticket(
    session: Session,
    service_id: int,
    *,
    priority: Priority | None = None,
    channel: Channel = Channel.KIOSK,
    seen: HallView | None = None,
    holder: HolderId | None = None,
    holder_for: Callable[[str | None], HolderId | None] | None = None,
    site_id: int | None = None,
    code: str | None = None,
    contact: Contact | None = None,
    queue_at: datetime | None = None,
    booked: bool = False,
    holder_hash: str | None = None,
) -> Result:
    """Issue the next number of a service. The ticket is admitted at once when the hall has
    room; otherwise it stays `issued` and waits outside.

    A service that closes early refuses (`ClosedEarly`) once a ticket taken now would not be
    served before closing time. `seen`: the caller's view of the hall at this instant (a kiosk
    that just showed the estimate), reused for that check when nothing changed since.
    `holder`: the phone number or NIK of a site that collects one; a holder with an active
    ticket of this service today is refused (`AlreadyHolding`), and only its hash is stored.
    `holder_for(kind)`: the holder id of the request for the site's `holder_id_kind` as the
    lock read it (so a change of the site's policy is never missed), instead of `holder`.
    `site_id`: the service's site, when the caller knows it already. `code`: the letter code
    the caller found `service_id` by (from a read model that may be a change behind): checked
    under the lock, and the service looked up again by it when they differ. `contact`: the
    sealed number the holder gave for notifications (services/notifications.py).
    `booked`: the check-in of an online booking (services/bookings.py), whose place was
    promised: no channel policy, walk-in share, agency cap, opening hours or early close
    refuses it; `queue_at` (its session's start) places it in the line, and `holder_hash`
    is the booking's.
    """
    try:
        hall = Hall.lock_of(session, Service, service_id)
    except NotFound as exc:
        raise NotFound(exc.message, service=code or service_id) from exc
    if site_id is not None and hall.site.id != site_id:
        raise NotFound(f"no service {service_id}", service=code or service_id)
    site_id = hall.site.id
    try:
        service = hall.service(service_id)
    except NotFound as exc:
        raise NotFound(exc.message, service=code or service_id) from exc
    if code is not None and service.code != code.upper():
        service = hall.service(resolve_service(session, code, site_id).id)
        hall.lock_zone(service.zone_id)
    if holder_for is not None:
        holder = holder_for(hall.site.holder_id_kind)
    if not hall.is_open and not booked:
        opening = f"{hall.site.opens_at:%H:%M}–{hall.site.closes_at:%H:%M}"
        raise HallClosed(f"the hall is closed now (open {opening})", opening_hours=opening)
    if not service.is_open:
        raise ServiceClosed(f"service {service.code} is closed", service=service.code)
    if not booked:
        _refuse_over_agency(hall, service)
        _refuse_over_walk_in_share(hall, service)
    if holder is not None:
        holder_hash = holder.digest(hall.today)
        refuse_second_ticket(session, service.id, hall.today, holder_hash)
    if (
        not booked
        and service.closes_early
        and _hall_view(session, hall, seen).closed_early(service)
    ):
        raise ClosedEarly(
            f"service {service.code} has closed for today: a ticket taken now would not be "
            "served before closing time",
            service=service.code,
            reason="closed_early",
        )
    number = draw_number(session, service, hall.today)
    # Straight in when nobody waits outside and there is room: inserted admitted, so the row
    # is written once (its two events, issue and admit, say what happened).
    at_once = admission.admits_at_once(hall, service.zone_id)
    ticket = Ticket(
        site_id=site_id,
        issued_service_id=service.id,
        service_id=service.id,
        service_day=hall.today,
        number=number,
        code=display_code(service.code, number),
        priority=priority.value if priority else None,
        channel=channel.value,
        token=secrets.token_urlsafe(TOKEN_BYTES),
        state=TicketState.ISSUED.value,
        queue_at=queue_at or hall.now,
        issued_at=hall.now,
        holder_hash=holder_hash,
    )
    if at_once:
        apply(ticket, step(ticket, Action.ADMIT, hall.now))
    session.add(ticket)
    session.flush()
    if contact is not None:
        notifications.attach(session, ticket, contact)
    detail = {"channel": channel.value}
    if at_once:
        hall.record(ticket, Action.ISSUE, None, detail=detail, to_state=TicketState.ISSUED)
        hall.record(ticket, Action.ADMIT, TicketState.ISSUED)
    else:
        hall.record(ticket, Action.ISSUE, None, detail=detail)
        hall.new_outside.append(ticket)
        admission.admit(hall)
    session.flush()
    return ticket, hall.events


def _refuse_over_walk_in_share(hall: Hall, service: Service) -> None:
    """`QuotaReached` once walk-ins drew their share of the daily quota, where the service
    takes both channels (its no-shows' places come back to walk-ins if it says so)."""
    if service.channels is None and hall.agency(service.agency_id).channels is None:
        return  # walk-ins only or online only: nothing to split (no statement)
    from . import bookings  # bookings issues tickets through this module

    left = bookings.walk_in_share_left(hall.session, service, hall.today, hall.now)
    if left is not None and left <= 0:
        raise QuotaReached(
            f"service {service.code} has issued its walk-in share for today: "
            "the rest is booked online",
            service=service.code,
            reason="walk_in_share",
        )


def _refuse_over_agency(hall: Hall, service: Service) -> None:
    """`WalkInNotAccepted` for an agency (or service) that takes no walk-ins,
    `AgencyCapReached` once its services together issued its daily cap today (counted under
    the lock: exact)."""
    agency = hall.agency(service.agency_id)
    from .bookings import policy_of  # bookings issues tickets through this module

    if policy_of(service, agency) is ChannelPolicy.ONLINE:
        raise WalkInNotAccepted(
            f"{agency.name_en} takes no walk-ins for service {service.code}: register online first",
            agency=agency.code,
            service=service.code,
        )
    if agency.daily_cap is None:
        return
    if hall.locked_zones is not None:
        # Its services may be in other zones, whose locks this does not hold: the agency's
        # row serialises its issues (and only its).
        hall.session.execute(select(Agency.id).where(Agency.id == agency.id).with_for_update())
        issued = mall.issued_by_agency(hall.session, hall.site.id, hall.today).get(agency.id, 0)
    elif hall.seen is not None:
        issued = hall.seen.issued_by_agency.get(agency.id, 0)
    else:
        issued = mall.issued_by_agency(hall.session, hall.site.id, hall.today).get(agency.id, 0)
    if issued >= agency.daily_cap:
        raise AgencyCapReached(
            f"{agency.name_en} has issued its {agency.daily_cap} tickets for today",
            agency=agency.code,
            service=service.code,
            cap=agency.daily_cap,
        )


@notifying
def call_next(
    session: Session, counter_id: int, actor: Actor
) -> tuple[Ticket | None, list[DomainEvent]]:
    """Call the next ticket to a counter; `None` when nobody waits for its services.

    With the read model of this `seq` at hand (`Hall.seen`), the counter, whether it is busy
    and who waits come from it, exact under the lock: only the chosen ticket is read."""
    hall = Hall.lock_of(session, Counter, counter_id)
    actor.require_counter(counter_id)
    at = _counter_at(session, hall, counter_id)
    if hall.seen is not None and at.seen:
        waiting: list[Any] = [
            t
            for t in hall.seen.active
            if t.state == TicketState.WAITING.value and t.service_id in at.preference
        ]
    else:
        waiting = list(
            session.scalars(
                select(Ticket).where(
                    Ticket.service_id.in_(at.preference),
                    Ticket.state == TicketState.WAITING.value,
                )
            )
        )
    at.refuse_unless_free()
    choice = choose_next(
        [_queued(t) for t in waiting], at.preference, hall.site.priority_ratio, at.streak
    )
    if choice is None:
        return None, hall.events
    ticket = session.get(Ticket, choice.ticket.ticket_id)
    assert ticket is not None  # tickets are never deleted
    _call(session, hall, at, ticket, choice.regular_streak, actor)
    return ticket, hall.events


@notifying
def call_ticket(session: Session, counter_id: int, ticket_id: int, actor: Actor) -> Result:
    """Call one waiting ticket the clerk picked from the counter's waiting list, instead of
    the one the rules would choose. The same rules as `call_next` otherwise: the counter must
    be open and free, and the ticket must wait inside (admitted, `waiting`) for one of the
    counter's services. Its `call` event says it was chosen (`detail.chosen`).

    NotFound for a ticket of another site or day; `Forbidden` when the counter does not serve
    its service; `InvalidTransition` when it does not wait inside (outside, called already …).
    Two counters choosing one ticket at once: the hall's lock lets one call it, and the other
    finds it called."""
    hall = Hall.lock_of(session, Counter, counter_id)
    actor.require_counter(counter_id)
    at = _counter_at(session, hall, counter_id)
    ticket = session.get(Ticket, ticket_id)
    if ticket is None or ticket.site_id != hall.site.id or ticket.service_day != hall.today:
        raise NotFound(f"no ticket {ticket_id} in this hall today")
    if ticket.service_id not in at.preference:
        raise Forbidden(
            f"counter {at.number} does not serve the service of {ticket.code}",
            counter=at.number,
            ticket=ticket.code,
        )
    at.refuse_unless_free()
    if ticket.state != TicketState.WAITING.value:
        where = "waits outside" if ticket.state == TicketState.ISSUED.value else "is not waiting"
        raise InvalidTransition(
            f"{ticket.code} {where}: only a ticket waiting inside can be called",
            state=ticket.state,
            action=Action.CALL.value,
        )
    choice = choose_this(_queued(ticket), at.streak)
    _call(session, hall, at, ticket, choice.regular_streak, actor, detail={"chosen": True})
    return ticket, hall.events


def recall(session: Session, ticket_id: int, actor: Actor) -> Result:
    """Call the same ticket again (the lobby announces it again). The site's `recall_limit`
    (NULL = no limit) caps the recalls since the ticket's latest call: `RecallLimitReached`."""
    hall, ticket = _lock_ticket_at_counter(session, ticket_id, actor)
    limit = hall.site.recall_limit
    if (
        limit is not None
        and ticket.state == TicketState.CALLED.value
        and recalls_since_call(session, ticket.id) >= limit
    ):
        raise RecallLimitReached(
            f"{ticket.code} was already recalled {limit} time(s); mark a no-show or requeue it",
            recall_limit=limit,
        )
    hall.move(ticket, Action.RECALL, staff_id=actor.user_id)
    session.flush()
    return ticket, hall.events


def start(session: Session, ticket_id: int, actor: Actor) -> Result:
    """The applicant reached the counter: service starts."""
    hall, ticket = _lock_ticket_at_counter(session, ticket_id, actor)
    hall.move(ticket, Action.START, staff_id=actor.user_id)
    session.flush()
    return ticket, hall.events


@notifying
def finish(
    session: Session,
    ticket_id: int,
    actor: Actor,
    outcome: Outcome = Outcome.COMPLETED,
    note: str | None = None,
) -> Result:
    """Service done, with its outcome (and the clerk's note) in the finish event's detail;
    the room it frees goes to someone outside."""
    hall, ticket = _lock_ticket_at_counter(session, ticket_id, actor)
    detail: dict[str, str] = {"outcome": outcome.value}
    if note:
        detail["note"] = note
    hall.move(ticket, Action.FINISH, staff_id=actor.user_id, detail=detail)
    admission.admit(hall)
    session.flush()
    return ticket, hall.events


@notifying
def no_show(session: Session, ticket_id: int, actor: Actor) -> Result:
    """The called applicant did not come; the room it frees goes to someone outside. The
    site's `no_show_after_s` gives them that long after the latest call (`NoShowTooEarly`)."""
    hall, ticket = _lock_ticket_at_counter(session, ticket_id, actor)
    grace = hall.site.no_show_after_s
    if grace > 0 and ticket.state == TicketState.CALLED.value and ticket.called_at is not None:
        available = ticket.called_at + timedelta(seconds=grace)
        if hall.now < available:
            left = math.ceil((available - hall.now).total_seconds())
            raise NoShowTooEarly(
                f"{ticket.code} was called {grace - left} s ago; a no-show can be marked "
                f"{grace} s after the call (in {left} s)",
                available_at=available.isoformat(),
                wait_s=left,
            )
    hall.move(ticket, Action.NO_SHOW, staff_id=actor.user_id)
    admission.admit(hall)
    session.flush()
    return ticket, hall.events


@notifying
def reinstate(session: Session, ticket_id: int, actor: Actor) -> Result:
    """A no-show came back: back of the queue, inside if the hall has room, else outside."""
    hall, ticket = _lock_ticket(session, ticket_id)
    actor.require_counter(ticket.counter_id)
    # It goes back inside if the hall has room, else it waits outside like a new ticket.
    room = admission.room(hall, hall.zone_of(ticket.service_id)) > 0
    hall.move(ticket, Action.REINSTATE, staff_id=actor.user_id, hall_has_room=room)
    session.flush()
    return ticket, hall.events


@notifying
def requeue(session: Session, ticket_id: int, actor: Actor) -> Result:
    """Send a called ticket back to the end of its service's queue."""
    hall, ticket = _lock_ticket_at_counter(session, ticket_id, actor)
    hall.move(ticket, Action.REQUEUE, staff_id=actor.user_id)
    session.flush()
    return ticket, hall.events


@notifying
def transfer(session: Session, ticket_id: int, to_service_id: int, actor: Actor) -> Result:
    """Send a called or serving ticket to another service, at the front of its queue. In
    another zone it is inside that zone only when the zone has room; else it waits outside,
    first of its new service's line (domain.admission), and the place it left in its old
    zone goes to whoever waits outside there."""
    # The whole site: a transfer may change zones (and is rare).
    hall = Hall.lock(session, site_of(session, Ticket, ticket_id))
    ticket = session.get(Ticket, ticket_id)
    assert ticket is not None  # tickets are never deleted
    actor.require_counter(ticket.counter_id)
    target = hall.service(to_service_id)
    if target.id == ticket.service_id:
        raise InvalidInput("the ticket is already in that service", service=target.code)
    detail = {"from_service_id": ticket.service_id}
    other_zone = hall.zone_of(ticket.service_id) != target.zone_id
    room = not other_zone or admission.room(hall, target.zone_id) > 0
    hall.move(
        ticket,
        Action.TRANSFER,
        staff_id=actor.user_id,
        detail=detail,
        service_id=target.id,
        hall_has_room=room,
    )
    if other_zone:
        admission.admit(hall)
    session.flush()
    return ticket, hall.events


@notifying
def cancel(session: Session, ticket_id: int, actor: Actor) -> Result:
    """Cancel a ticket still in the queue (clerks of a counter serving its service, or above)."""
    hall, ticket = _lock_ticket(session, ticket_id)
    if not actor.oversees_hall:
        counters = session.scalars(
            select(CounterService.counter_id).where(CounterService.service_id == ticket.service_id)
        )
        if not set(counters) & actor.counter_ids:
            raise Forbidden("none of your counters serves this ticket's service")
    hall.move(ticket, Action.CANCEL, staff_id=actor.user_id)
    admission.admit(hall)
    session.flush()
    return ticket, hall.events


#: `TicketEvent.detail` of a cancel its holder made (no staff member): reports and the audit
#: trail tell it from a clerk's cancel by this.
BY_HOLDER = {"by": "holder"}


@notifying
def cancel_by_holder(session: Session, token: str) -> Result:
    """The holder leaves the queue from the phone status page: the ticket's public token is
    the credential. Allowed while it is queued (issued or waiting), else `InvalidTransition`
    (called already, cancelled twice, or of an earlier day: the hall's lock expires those
    first). The room it frees goes to someone outside, in the same change."""
    if not TOKEN_SHAPE.fullmatch(token):
        raise NotFound("no ticket with this token")
    ticket_id = session.scalar(select(Ticket.id).where(Ticket.token == token))
    if ticket_id is None:
        raise NotFound("no ticket with this token")
    hall, ticket = _lock_ticket(session, ticket_id)
    if ticket.service_day < hall.today and ticket.state in QUEUED_STATES:
        # Only a clock disagreeing between processes leaves one queued: never cancel a day
        # that is over, it is expired with the others.
        raise InvalidTransition(
            "cannot cancel a ticket of an earlier day", state=ticket.state, action="cancel"
        )
    hall.move(ticket, Action.CANCEL, detail=dict(BY_HOLDER))
    admission.admit(hall)
    session.flush()
    return ticket, hall.events


# -- helpers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _CounterNow:
    """A counter as a call finds it under the hall's lock: its number, state, priority
    streak, services in preference order and the ticket still at it (if any)."""

    id: int
    number: int
    state: str
    streak: int
    preference: list[int]
    busy: Ticket | TicketRow | None
    #: Taken from the read model of the locked `seq` (no query).
    seen: bool

    def refuse_unless_free(self) -> None:
        """`CounterNotOpen` unless open, then `CounterBusy` while a ticket is still at it."""
        if self.state != CounterState.OPEN.value:
            raise CounterNotOpen(f"counter {self.number} is {self.state}", counter=self.number)
        refuse_busy(self.number, self.busy)


def _counter_at(session: Session, hall: Hall, counter_id: int) -> _CounterNow:
    """The counter under the lock: from the read model of this `seq` when this process holds
    it (exact: a counter changes only with a `seq` step), else read."""
    seen = hall.seen_counter(counter_id)
    busy: Ticket | TicketRow | None
    if seen is not None and hall.seen is not None:
        busy = hall.seen.current_by_counter.get(counter_id)
        return _CounterNow(
            counter_id,
            seen.number,
            seen.state,
            seen.regular_streak,
            list(seen.service_ids),
            busy,
            True,
        )
    counter = session.get(Counter, counter_id)
    assert counter is not None  # counters are never deleted
    busy = session.scalars(
        select(Ticket).where(
            Ticket.counter_id == counter_id,
            Ticket.state.in_([s.value for s in AT_COUNTER]),
        )
    ).first()
    return _CounterNow(
        counter_id,
        counter.number,
        counter.state,
        counter.regular_streak,
        counter.service_ids,
        busy,
        False,
    )


def _queued(ticket: Any) -> QueuedTicket:
    """What the choice of a call needs of a waiting ticket (a `Ticket` or a read model row)."""
    return QueuedTicket(
        ticket.id, ticket.service_id, ticket.priority is not None, ticket.front, ticket.queue_at
    )


def _call(
    session: Session,
    hall: Hall,
    at: _CounterNow,
    ticket: Ticket,
    streak: int,
    actor: Actor,
    detail: dict[str, Any] | None = None,
) -> None:
    """Call `ticket` to the counter: its new priority streak, the step and its event."""
    if streak != at.streak:
        session.execute(
            update(Counter).where(Counter.id == at.id).values(regular_streak=streak)
        )  # a counter object loaded above is kept in step (no query: evaluated in Python)
    hall.touch(TouchedCounter(at.id, at.state, streak))
    hall.move(ticket, Action.CALL, staff_id=actor.user_id, counter_id=at.id, detail=detail)
    session.flush()


def _hall_view(session: Session, hall: Hall, seen: HallView | None) -> HallView:
    """`seen` if it looked at this hall at this instant and sequence, else a fresh view."""
    if seen is not None and seen.now == hall.now and seen.seq == hall.site.seq:
        return seen
    carried = hall.seen.carried if hall.seen is not None else None
    if carried is not None:  # the read model of this `seq`, at this instant: no query
        return HallView(None, hall.site.id, hall.now, inputs=carried)
    return HallView(session, hall.site.id, hall.now)


def _lock_ticket(session: Session, ticket_id: int) -> tuple[Hall, Ticket]:
    hall = Hall.lock_of(session, Ticket, ticket_id)
    ticket = session.get(Ticket, ticket_id)
    assert ticket is not None  # tickets are never deleted
    return hall, ticket


def _lock_ticket_at_counter(session: Session, ticket_id: int, actor: Actor) -> tuple[Hall, Ticket]:
    hall, ticket = _lock_ticket(session, ticket_id)
    actor.require_counter(ticket.counter_id)
    return hall, ticket
