"""What each step of a ticket's life changes on it (domain.ticket_steps), without a database:
the times a clerk's report and the wait estimates are built on, the counter a call sends it
to and the counter its event names, its place in the queue after a requeue or transfer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from queue_app.domain.errors import InvalidTransition
from queue_app.domain.states import Action, TicketState
from queue_app.domain.ticket_steps import apply, step

T0 = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)
LATER = T0 + timedelta(minutes=7)


@dataclass
class Ticket:
    state: str
    counter_id: int | None = None
    staff_id: int | None = None
    service_id: int = 1
    first_called_at: datetime | None = None
    called_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    closed_at: datetime | None = None
    admitted_at: datetime | None = None
    queue_at: datetime = T0
    call_count: int = 0
    front: bool = False


def test_a_call_sends_the_ticket_to_the_counter_and_starts_its_walk() -> None:
    ticket = Ticket("waiting", front=True)
    taken = step(ticket, Action.CALL, T0, counter_id=12, staff_id=7)
    apply(ticket, taken)
    assert taken.state is TicketState.CALLED and taken.counter_id == 12
    assert (ticket.counter_id, ticket.staff_id, ticket.front) == (12, 7, False)
    assert ticket.first_called_at == ticket.called_at == T0
    assert ticket.call_count == 1


def test_a_recall_keeps_the_first_call_time_and_counts_the_call() -> None:
    ticket = Ticket("called", counter_id=12, first_called_at=T0, called_at=T0, call_count=1)
    apply(ticket, step(ticket, Action.RECALL, LATER))
    assert ticket.first_called_at == T0 and ticket.called_at == LATER
    assert ticket.call_count == 2


def test_a_second_call_after_a_requeue_keeps_the_first_call_time() -> None:
    ticket = Ticket("called", counter_id=12, first_called_at=T0, called_at=T0, call_count=1)
    requeued = step(ticket, Action.REQUEUE, LATER)
    apply(ticket, requeued)
    assert requeued.counter_id == 12  # its event names the counter that sent it back
    assert (ticket.state, ticket.counter_id, ticket.queue_at) == ("waiting", None, LATER)
    apply(ticket, step(ticket, Action.CALL, LATER + timedelta(minutes=1), counter_id=3))
    assert ticket.first_called_at == T0 and ticket.call_count == 2


def test_start_and_finish_time_the_service() -> None:
    ticket = Ticket("called", counter_id=12, called_at=T0)
    apply(ticket, step(ticket, Action.START, T0 + timedelta(minutes=1)))
    assert ticket.state == "serving" and ticket.started_at == T0 + timedelta(minutes=1)
    apply(ticket, step(ticket, Action.FINISH, LATER))
    assert ticket.state == "done" and ticket.finished_at == ticket.closed_at == LATER
    assert ticket.counter_id == 12  # the counter that served it stays on the ticket


def test_a_transfer_goes_to_the_front_of_the_new_service() -> None:
    ticket = Ticket("serving", counter_id=12, service_id=1)
    taken = step(ticket, Action.TRANSFER, LATER, service_id=2)
    apply(ticket, taken)
    assert taken.counter_id == 12
    assert (ticket.state, ticket.service_id, ticket.counter_id, ticket.front) == (
        "waiting",
        2,
        None,
        True,
    )
    assert ticket.queue_at == LATER


def test_a_reinstated_no_show_goes_to_the_back_inside_or_outside() -> None:
    inside = Ticket("no_show", counter_id=12, closed_at=T0)
    apply(inside, step(inside, Action.REINSTATE, LATER, hall_has_room=True))
    assert (inside.state, inside.counter_id, inside.closed_at) == ("waiting", None, None)
    assert inside.queue_at == inside.admitted_at == LATER
    outside = Ticket("no_show", counter_id=12, closed_at=T0)
    apply(outside, step(outside, Action.REINSTATE, LATER, hall_has_room=False))
    assert outside.state == "issued" and outside.admitted_at is None  # waits outside


@pytest.mark.parametrize("action", [Action.NO_SHOW, Action.CANCEL, Action.EXPIRE])
def test_endings_close_the_ticket(action: Action) -> None:
    ticket = Ticket("called" if action is not Action.CANCEL else "waiting", counter_id=12)
    apply(ticket, step(ticket, action, LATER))
    assert ticket.closed_at == LATER


def test_admission_times_the_wait_outside() -> None:
    ticket = Ticket("issued")
    apply(ticket, step(ticket, Action.ADMIT, LATER))
    assert ticket.state == "waiting" and ticket.admitted_at == LATER


@pytest.mark.parametrize(
    ("state", "action"),
    [("done", Action.FINISH), ("waiting", Action.START), ("issued", Action.CALL)],
)
def test_a_step_the_state_machine_refuses_changes_nothing(state: str, action: Action) -> None:
    ticket = Ticket(state)
    before = Ticket(state)
    with pytest.raises(InvalidTransition):
        step(ticket, action, LATER, counter_id=1)
    assert ticket == before


def test_a_call_names_its_counter_and_a_transfer_its_service() -> None:
    with pytest.raises(ValueError):
        step(Ticket("waiting"), Action.CALL, LATER)
    with pytest.raises(ValueError):
        step(Ticket("called", counter_id=1), Action.TRANSFER, LATER)
