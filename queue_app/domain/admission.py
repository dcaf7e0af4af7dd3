"""Who comes in from outside when the hall has room.

The hall cap counts people inside (waiting, called, serving). When room frees, we admit the
ticket that an idle or soon-idle counter will call next rather than simply the oldest ticket:
for each service with people outside we measure its *backlog* = people waiting inside for it
÷ open counters that serve it. The service with the smallest backlog gets the place (ties: the
one whose head ticket has queued longest). A service with no open counter has an infinite
backlog: it is admitted only when no served service has anyone outside, so room is never left
empty while someone waits outside.

Within a service, priority tickets are admitted first (the elderly do not wait in the sun),
then a ticket transferred from another zone (it has waited once already: it keeps the front of
its new service's line, outside as inside), then by time in the queue.

In a mall each zone (floor or room) has its own cap, and the building may have one too: a
place is given only to a ticket whose zone has room, while the building has room. Zones do
not take each other's places, and an idle counter is never starved within its zone.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class OutsideTicket:
    """A ticket waiting outside (state `issued`)."""

    ticket_id: int
    service_id: int
    priority: bool
    queue_at: datetime
    #: Transferred from another zone: the head of its new service's line.
    front: bool = False


def outside_order(ticket: OutsideTicket) -> tuple[bool, bool, datetime, int]:
    """Priority first, then a transferred ticket, then time in the queue, then id."""
    return (not ticket.priority, not ticket.front, ticket.queue_at, ticket.ticket_id)


def room_left(capacity: int | None, inside: int) -> int:
    """How many more people may come in; `None` capacity means no cap."""
    if capacity is None:
        return 1 << 30
    return max(0, capacity - inside)


def choose_admissions(
    room: int,
    outside: Iterable[OutsideTicket],
    waiting_inside: Mapping[int, int],
    open_counters: Mapping[int, int],
    *,
    zone_of: Mapping[int, int] | None = None,
    zone_room: Mapping[int, int] | None = None,
) -> list[OutsideTicket]:
    """Pick up to `room` outside tickets to admit, in admission order.

    `waiting_inside[s]` is how many wait inside for service `s`; `open_counters[s]` how many open
    counters serve `s`. Each admission adds one to its service's waiting count before the next
    place is given, so several places spread across services. `room` is the building's;
    `zone_room[z]` the places left in zone `z` (`zone_of[s]`: service `s`'s zone; a zone not
    named has no cap of its own).
    """
    zones = dict(zone_room or {})
    zone_of = zone_of or {}

    def has_room(service_id: int) -> bool:
        zone = zone_of.get(service_id)
        return zone not in zones or zones[zone] > 0

    queues: dict[int, list[OutsideTicket]] = {}
    for ticket in outside:
        queues.setdefault(ticket.service_id, []).append(ticket)
    for queue in queues.values():
        queue.sort(key=outside_order, reverse=True)  # pop() takes the head
    waiting = dict(waiting_inside)
    admitted: list[OutsideTicket] = []
    while len(admitted) < room:
        open_queues = [s for s in queues if has_room(s)]
        if not open_queues:
            break
        service_id = min(
            open_queues, key=lambda s: _admission_key(s, queues[s][-1], waiting, open_counters)
        )
        ticket = queues[service_id].pop()
        if not queues[service_id]:
            del queues[service_id]
        zone = zone_of.get(service_id)
        if zone in zones:
            zones[zone] -= 1
        waiting[service_id] = waiting.get(service_id, 0) + 1
        admitted.append(ticket)
    return admitted


def _admission_key(
    service_id: int,
    head: OutsideTicket,
    waiting: Mapping[int, int],
    open_counters: Mapping[int, int],
) -> tuple[float, datetime, int]:
    counters = open_counters.get(service_id, 0)
    backlog = waiting.get(service_id, 0) / counters if counters > 0 else math.inf
    return (backlog, head.queue_at, head.ticket_id)
