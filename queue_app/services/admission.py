"""Admission under the hall cap: who waits outside comes in when there is room. Runs inside
a verb's hall lock (services/hall.py), after the verb changed who is inside; domain/admission.py
decides who, this module reads what it needs (from the read model of the lock's `seq` when
at hand) and records each admission on the hall."""

from __future__ import annotations

from collections import Counter as Tally

from sqlalchemy import func, select

from ..domain.admission import OutsideTicket, choose_admissions, room_left
from ..domain.states import Action, TicketState
from ..domain.vocabulary import CounterState
from ..models import Counter, CounterService, Ticket
from .hall import INSIDE_STATES, Hall


def inside(hall: Hall) -> int:
    """People inside now: tickets waiting, called or serving."""
    stmt = select(func.count(Ticket.id)).where(
        Ticket.site_id == hall.site.id, Ticket.state.in_(INSIDE_STATES)
    )
    return int(hall.session.scalar(stmt) or 0)


def room(hall: Hall) -> int:
    """How many more may come in under the hall cap."""
    if hall.site.hall_capacity is None:
        return room_left(None, 0)  # no cap: nothing to count
    return room_left(hall.site.hall_capacity, inside(hall))


def admit(hall: Hall) -> list[Ticket]:
    """Admit tickets waiting outside while the hall has room (domain.admission decides who).

    With the read model of this `seq` at hand (`seen`), who is inside and outside is known
    without a query: nobody outside means nothing to do, and a new ticket alone outside
    goes in as soon as there is room."""
    if hall.seen is not None:
        outside_now = hall.seen.outside + hall.outside_delta
        if outside_now <= 0:
            return []
        space = room_left(hall.site.hall_capacity, hall.seen.inside + hall.inside_delta)
        if space <= 0:
            return []
        if outside_now == len(hall.new_outside):
            return [_admit(hall, ticket) for ticket in list(hall.new_outside)[:space]]
    else:
        space = room(hall)
        if space <= 0:
            return []
    outside = _outside_heads(hall, space)
    if not outside:
        return []
    waiting = Tally(
        hall.session.scalars(
            select(Ticket.service_id).where(
                Ticket.site_id == hall.site.id, Ticket.state == TicketState.WAITING.value
            )
        )
    )
    # Open counters per service they serve (one row per counter × service).
    serving: Tally[int] = Tally(
        hall.session.scalars(
            select(CounterService.service_id)
            .join(Counter, Counter.id == CounterService.counter_id)
            .where(Counter.site_id == hall.site.id, Counter.state == CounterState.OPEN.value)
        )
    )
    chosen = choose_admissions(
        space,
        [OutsideTicket(t.id, t.service_id, t.priority is not None, t.queue_at) for t in outside],
        waiting,
        serving,
    )
    by_id = {t.id: t for t in outside}
    return [_admit(hall, by_id[pick.ticket_id]) for pick in chosen]


def admits_at_once(hall: Hall) -> bool:
    """Whether a ticket issued now goes straight in, known without a query: the read model
    of this `seq` is at hand, nobody waits outside and the hall has room (`admit` would
    admit it alone). The issue then inserts it admitted instead of updating it after."""
    if hall.seen is None or hall.seen.outside + hall.outside_delta > 0:
        return False
    return room_left(hall.site.hall_capacity, hall.seen.inside + hall.inside_delta) > 0


def _admit(hall: Hall, ticket: Ticket) -> Ticket:
    hall.move(ticket, Action.ADMIT)
    if ticket in hall.new_outside:
        hall.new_outside.remove(ticket)
    return ticket


def _outside_heads(hall: Hall, space: int) -> list[Ticket]:
    """The first `space` outside tickets of each service (nobody further back can get in)."""
    # One query: each outside ticket's place in its service's line (priority first).
    place = (
        select(
            Ticket.id.label("id"),
            func.row_number()
            .over(
                partition_by=Ticket.service_id,
                order_by=(Ticket.priority.is_(None), Ticket.queue_at, Ticket.id),
            )
            .label("place"),
        )
        .where(Ticket.site_id == hall.site.id, Ticket.state == TicketState.ISSUED.value)
        .subquery()
    )
    stmt = (
        select(Ticket)
        .join(place, place.c.id == Ticket.id)
        .where(place.c.place <= space)
        .order_by(Ticket.service_id, place.c.place)
    )
    return list(hall.session.scalars(stmt))
