"""The projection counts expected arrivals in bulk (a long queue's estimate meets tens of
thousands of them), plays each service's due arrivals on their own instead of one global heap
round trip each, and steps past a full service's turned-away ones in bulk (the closing-time
halls); every estimate must stay exactly what counting them one by one gives."""

from __future__ import annotations

import heapq
import math
import random
import time

import pytest

from queue_app.domain.estimates import (
    ArrivalRate,
    CounterNow,
    HallNow,
    Projection,
    QueueNow,
    _Lanes,
    arrival_rate,
)


class OneByOne(Projection):
    """The reference: every expected arrival its own step (the projection as first written),
    judged by the kiosk's rule on its own."""

    def _arrive_until(self, at: float) -> None:
        while self._arrivals and self._arrivals[0][0] <= at:
            when, s, priority, gap = heapq.heappop(self._arrivals)
            lanes = self.lanes[s]
            if not self._turned_away(s, lanes, when):
                if priority:
                    lanes.future_priority += 1
                else:
                    lanes.future_regular += 1
            following = when + gap
            if following < self._until.get(s, 0.0):
                heapq.heappush(self._arrivals, (following, s, priority, gap))

    def _turned_away(self, s: int, lanes: _Lanes, when: float) -> bool:
        """Whether the kiosk would refuse an arrival at `when`: its service closes early and
        the tickets ahead already fill the rest of the day."""
        closing = self._full_at.get(s)
        if closing is None:
            return False
        ahead_s = lanes.waiting() * self.round_s[s] / max(1, self._first_counters.get(s, 0))
        return when + ahead_s + self.round_s[s] > closing


def random_hall(seed: int, *, closing: bool) -> HallNow:
    """Ten services, a few counters each helping the next service, queues with priority and
    transferred tickets, and arrivals — until a closing time (some services closing early) or
    around the clock."""
    rng = random.Random(seed)
    services = list(range(1, 11))
    counters = []
    for s in services:
        for _ in range(rng.randint(0, 3)):
            busy_for = rng.choice([0.0, rng.uniform(0, 900)])
            helper = services[s % len(services)]
            counters.append(CounterNow(len(counters) + 1, (s, helper), busy_for, rng.randint(0, 3)))
    queues = {}
    for s in services:
        fronts = [(rng.random() < 0.3, True) for _ in range(rng.randint(0, 2))]
        regular = [(rng.random() < 0.08, False) for _ in range(rng.randint(0, 250))]
        queues[s] = QueueNow.of(fronts + regular)
    until = rng.uniform(1800, 8 * 3600) if closing else math.inf
    arrivals: dict[int, ArrivalRate] = {}
    for s in services:
        arrivals[s] = arrival_rate(
            rng.randint(0, 400),
            rng.randint(0, 40),
            1800.0,
            until_s=until,
            tickets_left=rng.choice([None, rng.randint(0, 300)]),
            full_at_closing_s=until if closing and rng.random() < 0.5 else None,
        )
    round_s = {s: rng.uniform(120, 1500) for s in services}
    return HallNow(counters, queues, round_s, rng.randint(0, 3), arrivals)


def answers(projection: Projection, hall: HallNow) -> list[float | None]:
    """When each place of each queue is called, and when a ticket taken now would be."""
    out: list[float | None] = []
    for s, queue in hall.queues.items():
        for ahead in range(0, queue.length + 4, 3):
            out.append(projection.call_at(s, ahead))
            out.append(projection.call_at(s, ahead, priority=True))
    return out


@pytest.mark.parametrize("closing", [False, True], ids=["open-all-day", "closing-time"])
def test_counting_arrivals_in_bulk_gives_exactly_the_same_estimates(closing: bool) -> None:
    for seed in range(25):
        hall = random_hall(seed, closing=closing)
        assert answers(Projection(hall), hall) == answers(OneByOne(hall), hall), seed


def test_a_long_queue_with_many_arrivals_is_estimated_quickly() -> None:
    # One counter, a thousand waiting, a ticket every 1.8 s around the clock: the projection
    # plays 16 hours ahead, through some 32,000 expected arrivals.
    hall = HallNow(
        [CounterNow(1, (1, 2), 0.0, 0)],
        {1: QueueNow(1000)},
        {1: 420.0, 2: 600.0},
        2,
        {1: arrival_rate(1000, 0, 1800.0, until_s=math.inf)},
    )
    started = time.process_time()
    bulk = Projection(hall).call_at(1, 1000)
    bulk_s = time.process_time() - started
    started = time.process_time()
    one_by_one = OneByOne(hall).call_at(1, 1000)
    reference_s = time.process_time() - started
    assert bulk == one_by_one
    assert bulk_s < reference_s / 2
