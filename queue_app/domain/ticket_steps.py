"""What each step of a ticket's life changes on it, beside its state (issue 19, item 3).

`step` takes a ticket as it is and an action, checks the action against the state machine
(domain.states.transition) and returns where the ticket goes and which of its fields change:
the counter a call sends it to, the times that start and end its waits and its service, its
place in the queue. The services apply the result under the hall's lock and record it; the
rules themselves are tested here without a database (tests/domain/test_ticket_steps.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from .states import Action, TicketState, transition


class TicketFacts(Protocol):
    """What a step reads of a ticket (a `models.Ticket` has all of it)."""

    @property
    def state(self) -> str: ...

    @property
    def counter_id(self) -> int | None: ...

    @property
    def first_called_at(self) -> datetime | None: ...

    @property
    def call_count(self) -> int: ...


@dataclass(frozen=True)
class Step:
    """A ticket's step: its new state, the fields it sets, and the counter its event names
    (the one a call sends it to; for every other step the one it was at)."""

    state: TicketState
    changes: dict[str, Any] = field(default_factory=dict)
    counter_id: int | None = None


def step(
    ticket: TicketFacts,
    action: Action,
    now: datetime,
    *,
    counter_id: int | None = None,
    staff_id: int | None = None,
    service_id: int | None = None,
    hall_has_room: bool = True,
) -> Step:
    """Where `action` takes `ticket` at `now`, or `InvalidTransition`.

    `counter_id`, `staff_id`: who calls it (CALL); `service_id`: where a TRANSFER sends it;
    `hall_has_room`: whether a reinstated no-show, or a ticket transferred to another zone,
    may be inside (else it waits outside)."""
    after = transition(TicketState(ticket.state), action, hall_has_room=hall_has_room)
    changes: dict[str, Any]
    at = ticket.counter_id
    if action is Action.ADMIT:
        changes = {"admitted_at": now}
    elif action is Action.CALL:
        if counter_id is None:
            raise ValueError("a call names its counter")
        changes = {
            "counter_id": counter_id,
            "staff_id": staff_id,
            "front": False,
            "first_called_at": ticket.first_called_at or now,
            "called_at": now,
            "call_count": ticket.call_count + 1,
        }
        at = counter_id
    elif action is Action.RECALL:
        changes = {"called_at": now, "call_count": ticket.call_count + 1}
    elif action is Action.START:
        changes = {"started_at": now}
    elif action is Action.FINISH:
        changes = {"finished_at": now, "closed_at": now}
    elif action in (Action.NO_SHOW, Action.CANCEL, Action.EXPIRE):
        changes = {"closed_at": now}
    elif action is Action.REINSTATE:
        # Back of its service's queue; inside at once when the hall has room.
        changes = {"counter_id": None, "closed_at": None, "queue_at": now}
        if after is TicketState.WAITING:
            changes["admitted_at"] = now
    elif action is Action.REQUEUE:
        changes = {"counter_id": None, "queue_at": now}
    elif action is Action.TRANSFER:
        if service_id is None:
            raise ValueError("a transfer names its service")
        # The front of the new service's queue: it has waited once already.
        changes = {"service_id": service_id, "counter_id": None, "front": True, "queue_at": now}
    else:  # Action.ISSUE has no transition: a ticket is created issued (services.tickets)
        raise ValueError(f"{action.value} is not a step of an existing ticket")
    return Step(after, changes, at)


def apply(ticket: Any, taken: Step) -> None:
    """Set the step's state and fields on the ticket."""
    ticket.state = taken.state.value
    for name, value in taken.changes.items():
        setattr(ticket, name, value)
