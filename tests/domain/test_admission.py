"""Who comes in from outside when the hall has room, without starving a counter."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from queue_app.domain.admission import OutsideTicket, choose_admissions, room_left

T0 = datetime(2026, 6, 15, 1, 0, tzinfo=UTC)  # 08:00 in Jakarta

SERVICE_A = 1
SERVICE_B = 2
SERVICE_C = 3


def outside(
    ticket_id: int, service: int = SERVICE_A, *, minute: float = 0, priority: bool = False
) -> OutsideTicket:
    return OutsideTicket(
        ticket_id=ticket_id,
        service_id=service,
        priority=priority,
        queue_at=T0 + timedelta(minutes=minute),
    )


def ids(tickets: list[OutsideTicket]) -> list[int]:
    return [t.ticket_id for t in tickets]


# --- how many -------------------------------------------------------------------------------


@pytest.mark.parametrize("room", [0, -3])
def test_no_room_admits_nobody(room: int) -> None:
    queue = [outside(i, minute=i) for i in range(1, 6)]
    assert choose_admissions(room, queue, {}, {SERVICE_A: 1}) == []


def test_nobody_outside_admits_nobody() -> None:
    assert choose_admissions(5, [], {SERVICE_A: 0}, {SERVICE_A: 1}) == []


def test_fills_up_to_the_room() -> None:
    queue = [outside(i, minute=i) for i in range(1, 8)]
    admitted = choose_admissions(3, queue, {}, {SERVICE_A: 1})
    assert ids(admitted) == [1, 2, 3]


def test_never_admits_more_than_are_outside() -> None:
    queue = [outside(1), outside(2, SERVICE_B, minute=1)]
    admitted = choose_admissions(10, queue, {}, {SERVICE_A: 1, SERVICE_B: 1})
    assert sorted(ids(admitted)) == [1, 2]


def test_each_ticket_admitted_at_most_once() -> None:
    queue = [outside(i, SERVICE_A if i % 2 else SERVICE_B, minute=i) for i in range(1, 11)]
    admitted = choose_admissions(50, queue, {}, {SERVICE_A: 1, SERVICE_B: 1})
    assert sorted(ids(admitted)) == list(range(1, 11))


# --- starvation -----------------------------------------------------------------------------


def test_design_example_idle_counter_gets_the_free_place() -> None:
    # Cap 10: A's counter has 9 waiting inside for it; B's counter has nobody.
    # A tickets outside were issued earlier than B's, yet B must be admitted first.
    queue = [outside(i, SERVICE_A, minute=i) for i in range(1, 12)]
    queue += [outside(100 + i, SERVICE_B, minute=20 + i) for i in range(1, 6)]
    waiting_inside = {SERVICE_A: 9, SERVICE_B: 0}
    open_counters = {SERVICE_A: 1, SERVICE_B: 1}
    admitted = choose_admissions(room_left(10, 9), queue, waiting_inside, open_counters)
    assert ids(admitted) == [101]


def test_design_example_when_b_service_is_missing_from_waiting_map() -> None:
    queue = [outside(1, SERVICE_A, minute=0), outside(2, SERVICE_B, minute=5)]
    admitted = choose_admissions(1, queue, {SERVICE_A: 9}, {SERVICE_A: 1, SERVICE_B: 1})
    assert ids(admitted) == [2]


def test_design_example_from_an_empty_hall() -> None:
    # Cap 10, one counter each; 20 A tickets are issued, then 5 B tickets, all outside.
    queue = [outside(i, SERVICE_A, minute=i) for i in range(1, 21)]
    queue += [outside(100 + i, SERVICE_B, minute=30 + i) for i in range(1, 6)]
    admitted = choose_admissions(10, queue, {}, {SERVICE_A: 1, SERVICE_B: 1})
    per_service = Counter(t.service_id for t in admitted)
    assert per_service[SERVICE_B] == 5  # counter B has its whole queue inside
    assert per_service[SERVICE_A] == 5
    assert SERVICE_B in {t.service_id for t in admitted[:2]}


def test_smallest_backlog_per_counter_wins() -> None:
    # A: 6 waiting over 3 counters (2 each); B: 3 waiting at 1 counter (3). A is freer.
    queue = [outside(1, SERVICE_B, minute=0), outside(2, SERVICE_A, minute=10)]
    admitted = choose_admissions(
        1, queue, {SERVICE_A: 6, SERVICE_B: 3}, {SERVICE_A: 3, SERVICE_B: 1}
    )
    assert ids(admitted) == [2]


def test_equal_backlog_oldest_head_first() -> None:
    queue = [outside(1, SERVICE_B, minute=0), outside(2, SERVICE_A, minute=10)]
    admitted = choose_admissions(
        1, queue, {SERVICE_A: 2, SERVICE_B: 2}, {SERVICE_A: 1, SERVICE_B: 1}
    )
    assert ids(admitted) == [1]


# --- services with no open counter ----------------------------------------------------------


@pytest.mark.parametrize("c_counters", [{}, {SERVICE_C: 0}], ids=["missing", "zero"])
def test_unserved_service_waits_while_a_served_one_has_people_outside(
    c_counters: dict[int, int],
) -> None:
    queue = [outside(1, SERVICE_C, minute=0), outside(2, SERVICE_A, minute=30)]
    admitted = choose_admissions(1, queue, {SERVICE_A: 50}, {SERVICE_A: 1, **c_counters})
    assert ids(admitted) == [2]


def test_unserved_service_admitted_once_served_ones_are_empty_outside() -> None:
    queue = [
        outside(1, SERVICE_C, minute=0),
        outside(2, SERVICE_C, minute=1),
        outside(3, SERVICE_A, minute=30),
    ]
    admitted = choose_admissions(3, queue, {SERVICE_A: 50}, {SERVICE_A: 1})
    assert ids(admitted) == [3, 1, 2]


def test_room_is_not_left_empty_when_only_unserved_services_wait_outside() -> None:
    queue = [outside(1, SERVICE_C, minute=5), outside(2, SERVICE_B, minute=0)]
    admitted = choose_admissions(2, queue, {}, {SERVICE_A: 1})
    assert ids(admitted) == [2, 1]


# --- within a service -----------------------------------------------------------------------


def test_priority_admitted_first_within_a_service() -> None:
    queue = [
        outside(1, minute=0),
        outside(2, minute=1),
        outside(3, minute=40, priority=True),
    ]
    admitted = choose_admissions(2, queue, {}, {SERVICE_A: 1})
    assert ids(admitted) == [3, 1]


def test_fifo_within_a_service_then_id() -> None:
    queue = [outside(7, minute=3), outside(5, minute=3), outside(9, minute=1)]
    admitted = choose_admissions(3, queue, {}, {SERVICE_A: 1})
    assert ids(admitted) == [9, 5, 7]


# --- spreading several places ---------------------------------------------------------------


def test_several_places_spread_across_services() -> None:
    queue = [outside(i, SERVICE_A, minute=i) for i in range(1, 5)]
    queue += [outside(100 + i, SERVICE_B, minute=10 + i) for i in range(1, 5)]
    admitted = choose_admissions(4, queue, {}, {SERVICE_A: 1, SERVICE_B: 1})
    assert ids(admitted) == [1, 101, 2, 102]


def test_places_follow_the_number_of_open_counters() -> None:
    queue = [outside(i, SERVICE_A, minute=i) for i in range(1, 10)]
    queue += [outside(100 + i, SERVICE_B, minute=i) for i in range(1, 10)]
    admitted = choose_admissions(6, queue, {}, {SERVICE_A: 2, SERVICE_B: 1})
    per_service = Counter(t.service_id for t in admitted)
    assert per_service == {SERVICE_A: 4, SERVICE_B: 2}


def test_inputs_are_not_changed() -> None:
    waiting_inside = {SERVICE_A: 1, SERVICE_B: 1}
    open_counters = {SERVICE_A: 1, SERVICE_B: 1}
    queue = [outside(1, SERVICE_A), outside(2, SERVICE_B, minute=1)]
    choose_admissions(2, queue, waiting_inside, open_counters)
    # The caller still needs the real counts (e.g. to report who waits inside).
    assert waiting_inside == {SERVICE_A: 1, SERVICE_B: 1}
    assert open_counters == {SERVICE_A: 1, SERVICE_B: 1}


# --- room_left ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("capacity", "inside", "room"),
    [(10, 0, 10), (10, 7, 3), (10, 10, 0), (10, 12, 0), (0, 0, 0)],
)
def test_room_left(capacity: int, inside: int, room: int) -> None:
    assert room_left(capacity, inside) == room


def test_room_left_without_cap_admits_a_whole_day() -> None:
    assert room_left(None, 0) >= 1_000_000
    assert room_left(None, 10_000) >= 1_000_000
    queue = [outside(i, minute=i) for i in range(1, 5001)]
    assert len(choose_admissions(room_left(None, 300), queue, {}, {SERVICE_A: 1})) == 5000
