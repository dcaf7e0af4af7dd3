"""Which ticket a counter calls next.

Rules (DESIGN.md):
1. A counter takes from its services in its preference order: the first service (earliest in
   the counter's list) that has anyone waiting is the one it serves.
2. Within that service a transferred ticket goes first (it was already served elsewhere).
3. Otherwise priority tickets go ahead at the site's ratio: after every `ratio` regular calls at
   this counter, the next call takes a priority ticket if one waits. `ratio == 0` means a
   priority ticket always goes first. When only one kind waits, that kind is called.
4. Within a kind, the earliest in the queue goes first (issue time, or requeue/reinstate time).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class QueuedTicket:
    """What the choice needs to know of one waiting ticket."""

    ticket_id: int
    service_id: int
    priority: bool
    front: bool
    queue_at: datetime


def queue_order(ticket: QueuedTicket) -> tuple[bool, datetime, int]:
    """Front (transferred) tickets first, then by time in the queue, then by id."""
    return (not ticket.front, ticket.queue_at, ticket.ticket_id)


@dataclass(frozen=True)
class Choice:
    """The ticket to call and the counter's new count of regular calls since a priority one."""

    ticket: QueuedTicket
    regular_streak: int


def choose_within_service(
    waiting: Iterable[QueuedTicket], priority_ratio: int, regular_streak: int
) -> Choice | None:
    """Pick the next ticket among one service's waiting tickets (rules 2 to 4)."""
    ordered = sorted(waiting, key=queue_order)
    if not ordered:
        return None
    head = ordered[0]
    if head.front:
        return Choice(head, _streak_after(head, regular_streak))
    priority = next((t for t in ordered if t.priority), None)
    regular = next((t for t in ordered if not t.priority), None)
    if priority is not None and (regular is None or regular_streak >= priority_ratio):
        return Choice(priority, 0)
    assert regular is not None
    return Choice(regular, regular_streak + 1)


def choose_next(
    waiting: Iterable[QueuedTicket],
    service_preference: Sequence[int],
    priority_ratio: int,
    regular_streak: int,
) -> Choice | None:
    """Pick the ticket a counter serving `service_preference` (in order) calls next."""
    if priority_ratio < 0:
        raise ValueError("priority_ratio must be >= 0")
    by_service: dict[int, list[QueuedTicket]] = {}
    for ticket in waiting:
        by_service.setdefault(ticket.service_id, []).append(ticket)
    for service_id in service_preference:
        choice = choose_within_service(
            by_service.get(service_id, ()), priority_ratio, regular_streak
        )
        if choice is not None:
            return choice
    return None


def choose_this(ticket: QueuedTicket, regular_streak: int) -> Choice:
    """A ticket the clerk picked from the waiting list (not the rules above): the counter's
    count of regular calls moves as if the rules had picked it, so a chosen priority ticket
    pays the priority one owed and a chosen regular one counts towards the next."""
    return Choice(ticket, _streak_after(ticket, regular_streak))


def _streak_after(ticket: QueuedTicket, streak: int) -> int:
    return 0 if ticket.priority else streak + 1
