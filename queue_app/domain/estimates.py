"""Wait estimates.

Two estimators live here:

* the **first version** (kept as the baseline the reports compare against): people ahead × mean
  service time ÷ counters serving — `estimate_wait_seconds` with `mean_service_seconds`;
* the **projection** used by the screens and the API: it plays the hall forward from now with the
  real rules of `domain.selection` — each open counter's preference order, the priority ratio,
  transferred tickets first — using the counter time per call actually recorded today for each
  service (recent rounds weigh more, the configured prior until there is enough data), the time
  each busy counter still needs, and arrivals at today's recent rate until the kiosk closes (a
  priority ticket arriving later still goes ahead of a regular one waiting now), and the online
  bookings of a session that has started still expected to check in (issue 16: each will queue
  as if issued at the session's start). The time at which the projection calls a ticket is its
  estimate.

Everything is in seconds from "now" (the projection's time 0). No clocks, no database.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from statistics import NormalDist
from typing import Any

from .numbering import is_open_at

#: How many finished services of the day are needed before their mean replaces the prior
#: (first version).
MIN_SAMPLES = 5

#: The configured prior counts as this many freshly recorded rounds.
PRIOR_WEIGHT = 5.0
#: A round recorded this long ago counts half as much as one that just ended.
RECENCY_HALF_LIFE_S = 3600.0
#: A busy counter is expected to need at least this share of a round more (a long service
#: that has run past the mean usually still has a while to go).
MIN_REMAINING_SHARE = 0.25
#: The projection looks no further ahead than this.
HORIZON_S = 16 * 3600.0
#: A service that closes early wants the estimate of a new ticket to fit before closing with
#: this share of it to spare (the estimates' typical error on the busy day, docs/estimates.md).
EARLY_CLOSE_MARGIN = 0.1
#: Spread of one round around its mean (coefficient of variation), used to break the tie of
#: counters that are all free now: they will not all finish their next round at the same time.
ROUND_CV = 0.5

#: The share of today's booked applicants expected to check in, before today has shown its
#: own (a prior, as the counter time's is): no-shows of online queues run at 10-30 %.
SHOW_RATE_PRIOR = 0.8
#: The prior counts as this many bookings whose check-in window has closed.
SHOW_RATE_PRIOR_WEIGHT = 5.0


def show_rate(checked_in: int, not_shown: int) -> float:
    """The share of bookings expected to check in: today's closed sessions (checked in, or
    expired unchecked), with the prior counting as a few of them."""
    prior = SHOW_RATE_PRIOR * SHOW_RATE_PRIOR_WEIGHT
    return (checked_in + prior) / (checked_in + not_shown + SHOW_RATE_PRIOR_WEIGHT)


def expected_check_ins(booked: int, rate: float) -> int:
    """How many of a session's `booked` (not yet checked in) are expected, rounded half up."""
    return max(0, math.floor(booked * rate + 0.5))


# -- first version ------------------------------------------------------------------------------


def mean_service_seconds(recorded: Sequence[float], prior_s: float) -> float:
    """The mean of today's recorded service times, or the configured prior until enough exist."""
    if len(recorded) < MIN_SAMPLES:
        return float(prior_s)
    return sum(recorded) / len(recorded)


def estimate_wait_seconds(people_ahead: int, mean_service_s: float, counters_serving: int) -> int:
    """Expected seconds until a ticket with `people_ahead` in front of it is called.

    With no counter open for the service we still assume one will serve it, rather than promise
    nothing; the kiosk shows the counter state separately.
    """
    if people_ahead <= 0:
        return 0
    counters = max(1, counters_serving)
    return round(people_ahead * mean_service_s / counters)


# -- learning the counter time per call ---------------------------------------------------------


@dataclass(frozen=True)
class RecordedRound:
    """One finished round at a counter: from the call to finish (or to no-show), in seconds,
    and how long ago it ended."""

    seconds: float
    age_s: float


def round_seconds(rounds: Sequence[RecordedRound], prior_s: float) -> float:
    """Expected counter time per call of a service.

    A recency-weighted mean of today's rounds (weight halves every `RECENCY_HALF_LIFE_S`),
    pulled towards the configured prior as if the prior were `PRIOR_WEIGHT` fresh rounds: with
    no data it is the prior, after a handful of rounds mostly the data.
    """
    total = PRIOR_WEIGHT * float(prior_s)
    weight = PRIOR_WEIGHT
    for recorded in rounds:
        w = 0.5 ** (max(0.0, recorded.age_s) / RECENCY_HALF_LIFE_S)
        total += w * max(0.0, recorded.seconds)
        weight += w
    return total / weight


def remaining_seconds(elapsed_s: float, round_s: float) -> float:
    """How long a counter that called its ticket `elapsed_s` ago still needs, expected."""
    return max(round_s - max(0.0, elapsed_s), MIN_REMAINING_SHARE * round_s)


# -- the projection -----------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueNow:
    """One service's queue (issued and waiting tickets) in the order `people_ahead` counts:
    transferred (front) tickets first, then by time in the queue.

    `length` tickets; the first `len(front_priority)` are the front ones (whether each is a
    priority ticket); `priority_at` lists the places (0-based) of the other priority tickets.
    Only the few tickets that are not plain regular ones are listed, so a long queue stays cheap.
    """

    length: int
    front_priority: tuple[bool, ...] = ()
    priority_at: tuple[int, ...] = ()

    @classmethod
    def of(cls, tickets: Sequence[tuple[bool, bool]]) -> QueueNow:
        """From `(priority, front)` pairs in queue order (fronts first)."""
        fronts = tuple(priority for priority, front in tickets if front)
        places = tuple(i for i, (priority, front) in enumerate(tickets) if priority and not front)
        return cls(len(tickets), fronts, places)

    def with_regular(self, place: int, count: int) -> QueueNow:
        """This queue with `count` regular tickets put in at `place` (0-based, after the front
        ones): expected check-ins of a session that has started, whose tickets will queue as if
        issued at its start, ahead of what was issued since."""
        if count <= 0:
            return self
        place = max(len(self.front_priority), min(place, self.length))
        shifted = tuple(p + count if p >= place else p for p in self.priority_at)
        return QueueNow(self.length + count, self.front_priority, shifted)


@dataclass(frozen=True)
class CounterNow:
    """An open counter: its services in preference order, when it is free, its priority streak."""

    counter_id: int
    services: tuple[int, ...]
    free_in_s: float
    regular_streak: int


@dataclass(frozen=True)
class ArrivalRate:
    """Tickets expected per second for a service, and until when (kiosk closing, quota).

    `full_at_closing_s`: for a service that closes early, the time left until closing; an
    expected arrival is then turned away (as the kiosk would) once the tickets ahead of it fill
    the rest of the day for the counters that serve the service first.
    """

    regular_per_s: float
    priority_per_s: float
    until_s: float
    full_at_closing_s: float | None = None


@dataclass(frozen=True)
class HallNow:
    """Everything the projection starts from."""

    counters: Sequence[CounterNow]
    queues: Mapping[int, QueueNow]
    round_s: Mapping[int, float]
    priority_ratio: int
    arrivals: Mapping[int, ArrivalRate] = field(default_factory=dict)


class _Lanes:
    """One service's queue as `domain.selection` takes from it: front, priority, regular.
    Real tickets come first in each lane (`*_next` is the next one's place), then the expected
    arrivals (`future_*` counts them)."""

    __slots__ = (
        "front_next",
        "front_priority",
        "future_priority",
        "future_regular",
        "length",
        "priority_at",
        "priority_next",
        "priority_set",
        "regular_next",
        "taken",
    )

    def __init__(self, queue: QueueNow) -> None:
        self.length = queue.length
        self.front_priority = queue.front_priority
        self.priority_at = queue.priority_at
        self.priority_set = frozenset(queue.priority_at)
        self.front_next = 0
        self.priority_next = 0
        self.regular_next = len(queue.front_priority)
        self.future_priority = 0
        self.future_regular = 0
        #: Real tickets called so far.
        self.taken = 0
        self._skip_priority()

    def _skip_priority(self) -> None:
        while self.regular_next < self.length and self.regular_next in self.priority_set:
            self.regular_next += 1

    @property
    def fronts(self) -> int:
        return len(self.front_priority)

    def waiting(self) -> int:
        """Tickets still in the queue: real ones not yet called, and expected arrivals."""
        return self.length - self.taken + self.future_priority + self.future_regular

    def take_front(self) -> tuple[int, bool]:
        place = self.front_next
        self.front_next += 1
        return place, self.front_priority[place]


class Projection:
    """The hall played forward, lazily: each question advances it only as far as it needs.

    `call_at(service, people_ahead, priority=...)` answers "when is a ticket with this many people
    ahead called?", in seconds from now, for a ticket in the queue or one taken now (people ahead
    = the whole queue, or for a priority ticket the front and priority tickets).
    """

    def __init__(self, hall: HallNow, horizon_s: float = HORIZON_S) -> None:
        if hall.priority_ratio < 0:
            raise ValueError("priority_ratio must be >= 0")
        self.ratio = hall.priority_ratio
        self.horizon_s = horizon_s
        self.round_s = dict(hall.round_s)
        self.now = 0.0
        self.done = False
        served = {s for c in hall.counters for s in c.services}
        self.served = served
        self.lanes = {s: _Lanes(hall.queues.get(s, QueueNow(0))) for s in served | set(hall.queues)}
        for s in self.lanes:
            self.round_s.setdefault(s, 0.0)
        #: Call time of each real queued ticket, by service and queue place (-1: not yet).
        self.called: dict[int, list[float]] = {s: [-1.0] * self.lanes[s].length for s in self.lanes}
        #: When a regular / priority ticket taken now would be called.
        self.new_regular: dict[int, float] = {}
        self.new_priority: dict[int, float] = {}
        self.counters = list(hall.counters)
        self.streaks = [c.regular_streak for c in self.counters]
        self._free: list[tuple[float, int]] = [
            (max(0.0, c.free_in_s), i) for i, c in enumerate(self.counters) if c.services
        ]
        heapq.heapify(self._free)
        # Counters free now start their first round together; with random service times they
        # finish one after another, as the order statistics of the round time say.
        idle = [i for at, i in self._free if at <= 0.0]
        self._first_round = dict(zip(sorted(idle), order_statistic_factors(len(idle)), strict=True))
        # Expected arrivals, one timeline per (service, kind).
        self._arrivals: list[tuple[float, int, bool, float]] = []
        for s, rate in hall.arrivals.items():
            if s not in self.lanes:
                continue
            for per_s, priority in ((rate.regular_per_s, False), (rate.priority_per_s, True)):
                if per_s > 0 and rate.until_s > 0:
                    gap = 1.0 / per_s
                    if gap / 2 < rate.until_s:
                        self._arrivals.append((gap / 2, s, priority, gap))
        heapq.heapify(self._arrivals)
        self._until = {s: r.until_s for s, r in hall.arrivals.items()}
        self._full_at = {
            s: r.full_at_closing_s
            for s, r in hall.arrivals.items()
            if r.full_at_closing_s is not None
        }
        self._first_counters: dict[int, int] = {}
        for c in self.counters:
            if c.services:
                self._first_counters[c.services[0]] = self._first_counters.get(c.services[0], 0) + 1

    # -- questions --------------------------------------------------------------------------

    def call_at(
        self, service_id: int, people_ahead: int, *, priority: bool = False
    ) -> float | None:
        """Seconds from now until a ticket with `people_ahead` ahead of it is called, or None
        when the projection cannot tell (no counter serves the service within the horizon)."""
        if service_id not in self.served:
            return None
        lanes = self.lanes[service_id]
        ahead = max(0, people_ahead)
        if priority:
            k = ahead - lanes.fronts
            if 0 <= k < len(lanes.priority_at):
                return self._real_call(service_id, lanes.priority_at[k])
            extra = max(0, k - len(lanes.priority_at))
            base = self._new_call(service_id, priority=True)
        else:
            if ahead < lanes.length:
                return self._real_call(service_id, ahead)
            extra = ahead - lanes.length
            base = self._new_call(service_id, priority=False)
        if base is None:
            return None
        return base + extra * self._spacing(service_id)

    def _real_call(self, service_id: int, index: int) -> float | None:
        called = self.called[service_id]
        while called[index] < 0 and self._step():
            pass
        return called[index] if called[index] >= 0 else None

    def _new_call(self, service_id: int, *, priority: bool) -> float | None:
        found = self.new_priority if priority else self.new_regular
        while service_id not in found and self._step():
            pass
        return found.get(service_id)

    def _spacing(self, service_id: int) -> float:
        """Time between two calls of a service when every counter serving it first serves it."""
        counters = sum(1 for c in self.counters if c.services and c.services[0] == service_id)
        return self.round_s.get(service_id, 0.0) / max(1, counters)

    # -- the play ---------------------------------------------------------------------------

    def _step(self) -> bool:
        """Let the next free counter call; False once nothing more can happen."""
        if self.done or not self._free:
            self.done = True
            return False
        at, i = heapq.heappop(self._free)
        if at > self.horizon_s:
            self.done = True
            return False
        self.now = at
        if self._arrivals and self._arrivals[0][0] <= at:
            self._arrive_until(at)
        counter = self.counters[i]
        for s in counter.services:
            taken = self._take(s, i)
            if taken:
                factor = self._first_round.pop(i, 1.0)
                heapq.heappush(self._free, (at + factor * self.round_s[s], i))
                return True
        # Nothing for this counter now: it waits for the next expected arrival it serves.
        wake = self._next_arrival(counter.services)
        if wake is not None:
            heapq.heappush(self._free, (max(wake, at), i))
        return True

    def _take(self, s: int, i: int) -> bool:
        """Counter `i` looks at service `s` (domain.selection's rules); True if it calls there.

        Before deciding, note when a ticket taken now would be called: it stands behind every
        real ticket of its lane and ahead of every expected arrival.
        """
        # (Inlined attribute work rather than _Lanes methods: this runs for every projected
        # call, hundreds of times per estimate of a busy hall.)
        lanes = self.lanes[s]
        now = self.now
        if lanes.front_next < len(lanes.front_priority):
            place, priority = lanes.take_front()
            lanes.taken += 1
            self.called[s][place] = now
            # As in domain.selection: a transferred priority ticket resets the streak.
            self.streaks[i] = 0 if priority else self.streaks[i] + 1
            return True
        real_prio = lanes.priority_next < len(lanes.priority_at)
        real_regular = lanes.regular_next < lanes.length
        has_prio = real_prio or lanes.future_priority > 0
        has_regular = real_regular or lanes.future_regular > 0
        streak_allows = self.streaks[i] >= self.ratio
        # A new regular ticket would head the regular lane once no real regular is left in it,
        # and a new priority ticket the priority lane once no real priority ticket is.
        if not real_regular and s not in self.new_regular and not (has_prio and streak_allows):
            self.new_regular[s] = now
        if not real_prio and s not in self.new_priority and (not has_regular or streak_allows):
            self.new_priority[s] = now
        if has_prio and (not has_regular or streak_allows):
            if real_prio:
                self.called[s][lanes.priority_at[lanes.priority_next]] = now
                lanes.priority_next += 1
                lanes.taken += 1
            else:
                lanes.future_priority -= 1
            self.streaks[i] = 0
            return True
        if has_regular:
            if real_regular:
                place = lanes.regular_next
                self.called[s][place] = now
                place += 1
                skip = lanes.priority_set
                while place < lanes.length and place in skip:
                    place += 1
                lanes.regular_next = place
                lanes.taken += 1
            else:
                lanes.future_regular -= 1
            self.streaks[i] += 1
            return True
        return False

    def _arrive_until(self, at: float) -> None:
        # The timelines due by `at`, by service. Services do not meet here (an arrival joins
        # and is judged by its own service's lane only), so each service's due arrivals can
        # be played on their own, in their own time order: exactly what one global heap round
        # trip per arrival gave, at a fraction of its cost (a long projection meets tens of
        # thousands of arrivals; one heap round trip each was the estimate's main cost).
        arrivals = self._arrivals
        due: dict[int, list[list[Any]]] = {}
        while arrivals and arrivals[0][0] <= at:
            when, s, priority, gap = heapq.heappop(arrivals)
            due.setdefault(s, []).append([when, priority, gap])
        for s, timelines in due.items():
            lanes = self.lanes[s]
            until = self._until.get(s, 0.0)
            if s in self._full_at:
                self._arrive_judged(s, lanes, timelines, at, until)
            else:
                # Nobody is turned away: each timeline's arrivals up to `at` only add up, in
                # whatever order they interleave. Count them in one tight loop, stepping the
                # time exactly as one by one would.
                for timeline in timelines:
                    when, priority, gap = timeline
                    arrived = 1
                    following = when + gap
                    while following <= at and following < until:
                        arrived += 1
                        following += gap
                    if priority:
                        lanes.future_priority += arrived
                    else:
                        lanes.future_regular += arrived
                    timeline[0] = following
            for following, priority, gap in timelines:
                if following < until:
                    heapq.heappush(arrivals, (following, s, priority, gap))

    def _arrive_judged(
        self, s: int, lanes: _Lanes, timelines: list[list[Any]], at: float, until: float
    ) -> None:
        """A service closing early: its arrivals up to `at` one by one in time order (the
        regular one first at the same instant, as the heap orders them). The kiosk refuses
        an arrival when the tickets ahead already fill the rest of the day: its call (the
        waiting tickets' rounds shared by the counters that serve the service first) plus
        its own round would end after closing. Leaves each timeline at its next arrival."""
        closing = self._full_at[s]
        round_s = self.round_s[s]
        counters = max(1, self._first_counters.get(s, 0))
        waiting = lanes.waiting()
        while True:
            best = None
            for timeline in timelines:
                when = timeline[0]
                if (when <= at and when < until) and (
                    best is None or when < best[0] or (when == best[0] and not timeline[1])
                ):
                    best = timeline
            if best is None:
                return
            when = best[0]
            if when + waiting * round_s / counters + round_s > closing:
                # So is every later arrival of this service up to `at`: the time only grows,
                # and the queue does not shorten while arrivals are counted (calls come
                # between these counts). Step past them in one tight loop.
                for timeline in timelines:
                    following, gap = timeline[0], timeline[2]
                    while following <= at and following < until:
                        following += gap
                    timeline[0] = following
                return
            if best[1]:
                lanes.future_priority += 1
            else:
                lanes.future_regular += 1
            waiting += 1
            best[0] = when + best[2]

    def _next_arrival(self, services: Sequence[int]) -> float | None:
        wanted = set(services)
        times = [when for when, s, _, _ in self._arrivals if s in wanted]
        return min(times) if times else None


def order_statistic_factors(n: int, cv: float = ROUND_CV) -> list[float]:
    """Expected j-th shortest of `n` rounds started together, as multiples of the mean
    (Blom's approximation of normal order statistics, floored at a tenth of the mean)."""
    if n <= 1:
        return [1.0] * n
    normal = NormalDist()
    return [max(0.1, 1.0 + cv * normal.inv_cdf((j - 0.375) / (n + 0.25))) for j in range(1, n + 1)]


def arrival_rate(
    regular_recent: int,
    priority_recent: int,
    window_s: float,
    *,
    until_s: float,
    tickets_left: int | None = None,
    full_at_closing_s: float | None = None,
) -> ArrivalRate:
    """Arrivals expected from those of the last `window_s` seconds, until the kiosk closes
    (`until_s`) or the service's quota (`tickets_left`) runs out, whichever comes first;
    `full_at_closing_s` for a service that closes early (see `ArrivalRate`)."""
    if window_s <= 0:
        return ArrivalRate(0.0, 0.0, 0.0)
    regular = max(0, regular_recent) / window_s
    priority = max(0, priority_recent) / window_s
    until = max(0.0, until_s)
    total = regular + priority
    if tickets_left is not None and total > 0:
        until = min(until, max(0, tickets_left) / total)
    return ArrivalRate(regular, priority, until, full_at_closing_s)


def closing_in_s(local_now: datetime, opens_at: time, closes_at: time) -> float:
    """Seconds until the hall closes: infinite when it is open around the clock (equal times),
    0 when it is closed now."""
    if opens_at == closes_at:
        return math.inf
    if not is_open_at(local_now.time(), opens_at, closes_at):
        return 0.0
    return _seconds_until(local_now, closes_at)


def opening_in_s(local_now: datetime, opens_at: time, closes_at: time) -> float:
    """Seconds until the hall opens: 0 when it is open now."""
    if is_open_at(local_now.time(), opens_at, closes_at):
        return 0.0
    return _seconds_until(local_now, opens_at)


def _seconds_until(local_now: datetime, at: time) -> float:
    target = local_now.replace(hour=at.hour, minute=at.minute, second=at.second, microsecond=0)
    if target <= local_now:
        target += timedelta(days=1)
    return (target - local_now).total_seconds()


def can_be_served_before(closing_in_s: float, call_in_s: float | None, round_s: float) -> bool:
    """Whether a ticket called in `call_in_s` (None: unknown) is served before closing, with
    `EARLY_CLOSE_MARGIN` to spare: better to turn someone away at the door than after a day's
    wait."""
    if call_in_s is None or math.isinf(call_in_s):
        return False
    return call_in_s * (1 + EARLY_CLOSE_MARGIN) + round_s <= closing_in_s
