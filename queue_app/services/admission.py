"""Admission under the caps: who waits outside comes in when there is room. Runs inside a
verb's hall lock (services/hall.py), after the verb changed who is inside; domain/admission.py
decides who, this module reads what it needs (from the read model of the lock's `seq` when
at hand) and records each admission on the hall.

A mall has a cap per zone (floor or room) and may have one for the building
(`Site.hall_capacity`): a ticket comes in when its zone and the building both have room. A
single hall is a mall of one zone without a cap of its own, under the building's cap."""

from __future__ import annotations

from collections import Counter as Tally

from sqlalchemy import func, select

from ..domain.admission import OutsideTicket, choose_admissions, room_left
from ..domain.states import Action, TicketState
from ..domain.vocabulary import CounterState
from ..models import Counter, CounterService, Service, Ticket
from .hall import INSIDE_STATES, Hall


def _counts(hall: Hall) -> tuple[dict[int, int], dict[int, int]]:
    """Zone id → people inside, and → people outside, now (this lock's changes included)."""
    if hall.seen is not None:
        counts = hall.seen.zone_counts
        return (
            {z: n + hall.zone_inside_delta[z] for z, (n, _) in counts.items()},
            {z: n + hall.zone_outside_delta[z] for z, (_, n) in counts.items()},
        )
    rows = hall.session.execute(
        select(Service.zone_id, Ticket.state, func.count(Ticket.id))
        .join(Service, Service.id == Ticket.service_id)
        .where(
            Ticket.site_id == hall.site.id,
            Ticket.state.in_([*INSIDE_STATES, TicketState.ISSUED.value]),
        )
        .group_by(Service.zone_id, Ticket.state)
    )
    inside: Tally[int] = Tally()
    outside: Tally[int] = Tally()
    for zone, state, n in rows:
        (outside if state == TicketState.ISSUED.value else inside)[zone] += n
    return dict(inside), dict(outside)


def _rooms(hall: Hall, inside: dict[int, int]) -> tuple[int, dict[int, int]]:
    """Places left in the building, and in each zone with a cap of its own."""
    building = room_left(hall.site.hall_capacity, sum(inside.values()))
    zones = {
        zone.id: room_left(zone.cap, inside.get(zone.id, 0))
        for zone in hall.zones().values()
        if zone.cap is not None
    }
    return building, zones


def room(hall: Hall, zone_id: int) -> int:
    """How many more may come in to a zone now: its own room and the building's."""
    inside, _ = _counts(hall)
    building, zones = _rooms(hall, inside)
    return min(building, zones.get(zone_id, building))


def admit(hall: Hall) -> list[Ticket]:
    """Admit tickets waiting outside while their zones and the building have room
    (domain.admission decides who).

    With the read model of this `seq` at hand (`seen`), who is inside and outside is known
    without a query: nobody outside where there is room means nothing to do, and new tickets
    alone outside go in as soon as there is room."""
    inside, outside = _counts(hall)
    building, zones = _rooms(hall, inside)
    if building <= 0:
        return []
    if hall.locked_zones is not None:
        # A lock of some zones admits into those only: the others have their own verbs.
        outside = {z: n for z, n in outside.items() if z in hall.locked_zones}
    waiting_zones = [z for z, n in outside.items() if n > 0 and zones.get(z, building) > 0]
    if hall.seen is not None and not waiting_zones:
        return []
    if hall.seen is not None and sum(max(0, n) for n in outside.values()) == len(hall.new_outside):
        admitted = []
        for ticket in list(hall.new_outside):
            zone = hall.zone_of(ticket.service_id)
            if building > 0 and zones.get(zone, building) > 0:
                admitted.append(_admit(hall, ticket))
                building -= 1
                if zone in zones:
                    zones[zone] -= 1
        return admitted
    space = max([building if z not in zones else min(building, zones[z]) for z in outside] or [0])
    heads = _outside_heads(hall, min(space, building)) if space > 0 else []
    if hall.locked_zones is not None:
        heads = [t for t in heads if hall.zone_of(t.service_id) in hall.locked_zones]
    if not heads:
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
        building,
        [
            OutsideTicket(t.id, t.service_id, t.priority is not None, t.queue_at, t.front)
            for t in heads
        ],
        waiting,
        serving,
        zone_of={t.service_id: hall.zone_of(t.service_id) for t in heads},
        zone_room=zones,
    )
    by_id = {t.id: t for t in heads}
    return [_admit(hall, by_id[pick.ticket_id]) for pick in chosen]


def admits_at_once(hall: Hall, zone_id: int) -> bool:
    """Whether a ticket issued now in `zone_id` goes straight in, known without a query: the
    read model of this `seq` is at hand, nobody waits outside that zone, and it and the
    building have room (`admit` would admit it alone). The issue then inserts it admitted
    instead of updating it after."""
    if hall.seen is None:
        return False
    inside, outside = _counts(hall)
    if outside.get(zone_id, 0) > 0:
        return False
    building, zones = _rooms(hall, inside)
    return building > 0 and zones.get(zone_id, building) > 0


def _admit(hall: Hall, ticket: Ticket) -> Ticket:
    hall.move(ticket, Action.ADMIT)
    if ticket in hall.new_outside:
        hall.new_outside.remove(ticket)
    return ticket


def _outside_heads(hall: Hall, space: int) -> list[Ticket]:
    """The first `space` outside tickets of each service (nobody further back can get in)."""
    # One query: each outside ticket's place in its service's line (priority first, then a
    # ticket transferred from another zone).
    place = (
        select(
            Ticket.id.label("id"),
            func.row_number()
            .over(
                partition_by=Ticket.service_id,
                order_by=(
                    Ticket.priority.is_(None),
                    Ticket.front.is_(False),
                    Ticket.queue_at,
                    Ticket.id,
                ),
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
