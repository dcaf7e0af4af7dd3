"""The pure parts of counting expected check-ins in the estimate (issue 16, item 8)."""

from __future__ import annotations

from queue_app.domain.estimates import (
    CounterNow,
    HallNow,
    Projection,
    QueueNow,
    expected_check_ins,
    show_rate,
)


def test_the_show_rate_starts_at_its_prior_and_moves_with_the_day() -> None:
    assert show_rate(0, 0) == 0.8
    assert show_rate(1, 4) == 0.5  # (1 + 4) / (5 + 5)
    assert show_rate(95, 0) > 0.98 and show_rate(0, 95) < 0.05
    assert [expected_check_ins(n, 0.8) for n in (0, 1, 2, 5)] == [0, 1, 2, 4]
    assert expected_check_ins(5, 0.5) == 3  # 2.5: half up


def test_check_ins_put_in_the_queue_move_the_priority_tickets_behind_them() -> None:
    # front (regular), then regular, priority, regular, priority
    pairs = [(False, True), (False, False), (True, False), (False, False), (True, False)]
    queue = QueueNow.of(pairs)
    assert queue.priority_at == (2, 4)
    later = queue.with_regular(3, 2)  # two expected, queued before the 4th ticket
    assert (later.length, later.front_priority, later.priority_at) == (7, (False,), (2, 6))
    assert queue.with_regular(0, 1).priority_at == (3, 5)  # never before the front tickets
    assert queue.with_regular(9, 1).length == 6
    assert queue.with_regular(2, 0) is queue


def test_a_ticket_behind_the_expected_check_ins_is_called_after_them() -> None:
    hall = HallNow(
        counters=[CounterNow(1, (7,), 0.0, 0)],
        queues={7: QueueNow.of([(False, False)]).with_regular(1, 3)},
        round_s={7: 300.0},
        priority_ratio=2,
    )
    projection = Projection(hall)
    assert projection.call_at(7, 0) == 0  # queued before the session began
    assert projection.call_at(7, 4) == 4 * 300  # a ticket behind the three expected
