"""Which ticket a counter calls next: preference, transfers, priority ratio, FIFO."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from queue_app.domain.selection import QueuedTicket, choose_next

T0 = datetime(2026, 6, 15, 1, 0, tzinfo=UTC)  # 08:00 in Jakarta


def ticket(
    ticket_id: int,
    *,
    service: int = 1,
    minute: float = 0,
    priority: bool = False,
    front: bool = False,
) -> QueuedTicket:
    return QueuedTicket(
        ticket_id=ticket_id,
        service_id=service,
        priority=priority,
        front=front,
        queue_at=T0 + timedelta(minutes=minute),
    )


def pick(
    waiting: list[QueuedTicket],
    preference: list[int] | None = None,
    ratio: int = 2,
    streak: int = 0,
) -> tuple[int, int]:
    choice = choose_next(waiting, preference or [1], ratio, streak)
    assert choice is not None
    return choice.ticket.ticket_id, choice.regular_streak


# --- nobody waiting ---------------------------------------------------------------------------


def test_nobody_waiting_returns_none() -> None:
    assert choose_next([], [1, 2], 2, 0) is None


def test_tickets_of_services_the_counter_does_not_serve_are_ignored() -> None:
    assert choose_next([ticket(1, service=3), ticket(2, service=4)], [1, 2], 2, 0) is None


def test_counter_with_no_services_calls_nobody() -> None:
    assert choose_next([ticket(1)], [], 2, 0) is None


def test_negative_ratio_rejected() -> None:
    with pytest.raises(ValueError, match="priority_ratio"):
        choose_next([ticket(1)], [1], -1, 0)


def test_negative_ratio_rejected_even_when_nobody_waits() -> None:
    with pytest.raises(ValueError):
        choose_next([], [1], -1, 0)


# --- preference order across services ---------------------------------------------------------


def test_counter_takes_its_first_service_even_if_another_waited_longer() -> None:
    waiting = [ticket(1, service=1, minute=0), ticket(2, service=2, minute=30)]
    assert pick(waiting, preference=[2, 1])[0] == 2
    assert pick(waiting, preference=[1, 2])[0] == 1


def test_counter_falls_back_to_next_service_when_first_is_empty() -> None:
    waiting = [ticket(5, service=3, minute=10), ticket(6, service=2, minute=0)]
    assert pick(waiting, preference=[1, 3, 2])[0] == 5


def test_priority_in_a_later_service_does_not_jump_the_preference() -> None:
    waiting = [ticket(1, service=1, minute=10), ticket(2, service=2, minute=0, priority=True)]
    assert pick(waiting, preference=[1, 2], ratio=0) == (1, 1)


def test_transferred_ticket_in_a_later_service_does_not_jump_the_preference() -> None:
    waiting = [ticket(1, service=1, minute=10), ticket(2, service=2, minute=0, front=True)]
    assert pick(waiting, preference=[1, 2])[0] == 1


# --- transferred tickets go first -------------------------------------------------------------


def test_transferred_ticket_goes_first_within_its_service() -> None:
    waiting = [
        ticket(1, minute=0),
        ticket(2, minute=1, priority=True),
        ticket(3, minute=50, front=True),
    ]
    # Even when the ratio says a priority ticket is due, the transferred one goes first.
    assert pick(waiting, ratio=0, streak=5) == (3, 6)


def test_transferred_priority_ticket_resets_the_streak() -> None:
    waiting = [ticket(1, minute=0), ticket(2, minute=50, priority=True, front=True)]
    assert pick(waiting, ratio=2, streak=1) == (2, 0)


def test_several_transferred_tickets_keep_their_queue_order() -> None:
    waiting = [
        ticket(1, minute=0),
        ticket(2, minute=40, front=True),
        ticket(3, minute=30, front=True),
    ]
    assert pick(waiting)[0] == 3


# --- priority ratio ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("streak", "expected"),
    [(0, (1, 1)), (1, (1, 2)), (2, (2, 0)), (7, (2, 0))],
)
def test_ratio_two_calls_priority_after_two_regulars(
    streak: int, expected: tuple[int, int]
) -> None:
    waiting = [ticket(1, minute=0), ticket(2, minute=5, priority=True)]
    assert pick(waiting, ratio=2, streak=streak) == expected


@pytest.mark.parametrize("streak", [0, 3])
def test_ratio_zero_calls_priority_first_always(streak: int) -> None:
    waiting = [ticket(1, minute=0), ticket(2, minute=30, priority=True)]
    assert pick(waiting, ratio=0, streak=streak) == (2, 0)


@pytest.mark.parametrize("ratio", [0, 2])
def test_only_regular_waiting_is_called_whatever_the_ratio(ratio: int) -> None:
    waiting = [ticket(1, minute=0), ticket(2, minute=1)]
    assert pick(waiting, ratio=ratio, streak=10) == (1, 11)


@pytest.mark.parametrize("ratio", [0, 2, 5])
def test_only_priority_waiting_is_called_whatever_the_streak(ratio: int) -> None:
    waiting = [ticket(1, minute=0, priority=True), ticket(2, minute=1, priority=True)]
    assert pick(waiting, ratio=ratio, streak=0) == (1, 0)


def test_regular_call_increments_streak() -> None:
    assert pick([ticket(1)], streak=0) == (1, 1)


def test_priority_call_resets_streak() -> None:
    waiting = [ticket(1), ticket(2, minute=1, priority=True)]
    assert pick(waiting, ratio=1, streak=1) == (2, 0)


# --- FIFO -------------------------------------------------------------------------------------


def test_earliest_queue_time_first_regardless_of_id() -> None:
    waiting = [ticket(1, minute=20), ticket(9, minute=5), ticket(4, minute=10)]
    assert pick(waiting)[0] == 9


def test_same_queue_time_lower_id_first() -> None:
    waiting = [ticket(8, minute=5), ticket(3, minute=5), ticket(5, minute=5)]
    assert pick(waiting)[0] == 3


def test_priority_tickets_are_fifo_among_themselves() -> None:
    waiting = [
        ticket(1, minute=0),
        ticket(2, minute=30, priority=True),
        ticket(3, minute=10, priority=True),
    ]
    assert pick(waiting, ratio=0) == (3, 0)


def test_regular_tickets_are_fifo_among_themselves_when_priority_waits() -> None:
    waiting = [
        ticket(1, minute=30),
        ticket(2, minute=0, priority=True),
        ticket(3, minute=10),
    ]
    assert pick(waiting, ratio=2, streak=0) == (3, 1)


def test_input_order_does_not_matter() -> None:
    waiting = [ticket(i, minute=(i * 7) % 11) for i in range(1, 12)]
    assert pick(waiting) == pick(list(reversed(waiting)))


# --- a morning at one counter -----------------------------------------------------------------


def _run_counter(waiting: list[QueuedTicket], ratio: int) -> list[QueuedTicket]:
    remaining = list(waiting)
    streak = 0
    called: list[QueuedTicket] = []
    while (choice := choose_next(remaining, [1], ratio, streak)) is not None:
        called.append(choice.ticket)
        remaining.remove(choice.ticket)
        streak = choice.regular_streak
    return called


def test_simulated_sequence_ratio_two() -> None:
    regular = [ticket(i, minute=i) for i in range(1, 11)]
    priority = [ticket(100 + i, minute=i, priority=True) for i in range(1, 6)]
    called = _run_counter(regular + priority, ratio=2)
    pattern = "".join("P" if t.priority else "R" for t in called)
    assert pattern == "RRP" * 5
    # Nobody is skipped and each kind leaves in its own queue order.
    assert [t.ticket_id for t in called if not t.priority] == list(range(1, 11))
    assert [t.ticket_id for t in called if t.priority] == list(range(101, 106))


def test_simulated_sequence_priority_run_out() -> None:
    regular = [ticket(i, minute=i) for i in range(1, 8)]
    priority = [ticket(100 + i, minute=i, priority=True) for i in range(1, 3)]
    called = _run_counter(regular + priority, ratio=2)
    assert "".join("P" if t.priority else "R" for t in called) == "RRPRRPRRR"


def test_simulated_sequence_ratio_zero() -> None:
    regular = [ticket(i, minute=i) for i in range(1, 4)]
    priority = [ticket(100 + i, minute=10 + i, priority=True) for i in range(1, 3)]
    called = _run_counter(regular + priority, ratio=0)
    assert "".join("P" if t.priority else "R" for t in called) == "PPRRR"
