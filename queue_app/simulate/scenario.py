"""The busy day's scenario: who comes, when, for what, and what they do."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .. import demo
from ..domain.vocabulary import Priority


@dataclass(frozen=True)
class ServiceProfile:
    """How applicants of one demo service behave: their share of the day, and the true service
    time at the counter (log-normal: mean and coefficient of variation)."""

    code: str
    share: float
    mean_s: float
    cv: float


#: True service times: within ±15 % of the demo hall's configured priors, some above, some below.
PROFILES = (
    ServiceProfile("A", 0.16, 360, 0.5),  # prior 420
    ServiceProfile("B", 0.10, 660, 0.4),  # prior 600
    ServiceProfile("C", 0.16, 300, 0.5),  # prior 360
    ServiceProfile("D", 0.11, 420, 0.5),  # prior 480
    ServiceProfile("E", 0.09, 600, 0.5),  # prior 540
    ServiceProfile("F", 0.09, 360, 0.6),  # prior 420
    ServiceProfile("G", 0.06, 960, 0.6),  # prior 900
    ServiceProfile("H", 0.09, 270, 0.4),  # prior 300
    ServiceProfile("J", 0.04, 1320, 0.5),  # prior 1200
    ServiceProfile("K", 0.10, 240, 0.5),  # prior 300
)

#: Where a clerk sends someone who turns out to need another service.
TRANSFERS = {
    "A": "F",
    "B": "H",
    "C": "K",
    "D": "E",
    "E": "D",
    "F": "K",
    "G": "A",
    "H": "B",
    "J": "G",
    "K": "C",
}

FULL_DAY = 5000
SUPERVISOR = demo.SUPERVISOR


@dataclass(frozen=True)
class Scenario:
    """Everything that makes one simulated day; the same seed gives the same day."""

    applicants: int = FULL_DAY
    day: date = date(2026, 6, 15)
    timezone: str = "Asia/Jakarta"
    opens_at: time = time(8)
    closes_at: time = time(16)
    #: Arrivals: a share spread evenly over the day, the rest around the peak hour.
    peak_hour: float = 10.0
    peak_spread_h: float = 1.2
    even_share: float = 0.35
    services: tuple[ServiceProfile, ...] = PROFILES
    priority_ratio: int = 2
    priority_share: float = 0.08
    no_show_share: float = 0.06
    #: Of those who did not show, how many come back later and are reinstated.
    come_back_share: float = 0.3
    give_up_share: float = 0.03
    transfer_share: float = 0.02
    walk_s: tuple[float, float] = (15.0, 90.0)
    #: Between finishing one applicant and calling the next.
    turnaround_s: tuple[float, float] = (5.0, 25.0)
    #: A clerk recalls a no-show after this long, and marks the no-show after twice this long.
    no_show_wait_s: float = 60.0
    #: Services stop issuing once their estimate passes closing time.
    early_close: bool = True
    seed: int = 2020

    @property
    def scale(self) -> float:
        """The demo hall is sized for 5,000 applicants; a smaller day gets a smaller hall."""
        return min(1.0, self.applicants / FULL_DAY)

    def with_applicants(self, applicants: int) -> Scenario:
        return replace(self, applicants=applicants)


@dataclass
class Applicant:
    """One person of the day and what they will do."""

    index: int
    arrive_at: datetime
    service: str
    priority: Priority | None
    walk_s: float
    service_s: float
    no_show: bool
    come_back_after_s: float | None
    give_up_after_s: float | None
    transfer_to: str | None
    ticket_id: int | None = None
    counter_id: int | None = None
    rounds: int = 0


def lognormal(rng: random.Random, mean: float, cv: float) -> float:
    """A log-normal draw with this mean and coefficient of variation."""
    sigma2 = math.log(1 + cv * cv)
    return rng.lognormvariate(math.log(mean) - sigma2 / 2, math.sqrt(sigma2))


def applicants(scenario: Scenario) -> list[Applicant]:
    """The day's applicants, in arrival order."""
    rng = random.Random(scenario.seed)
    zone = ZoneInfo(scenario.timezone)
    opens = datetime.combine(scenario.day, scenario.opens_at, tzinfo=zone)
    hours = (
        datetime.combine(scenario.day, scenario.closes_at, tzinfo=zone) - opens
    ).total_seconds() / 3600
    peak = scenario.peak_hour - scenario.opens_at.hour
    offsets: list[float] = []
    while len(offsets) < scenario.applicants:
        if rng.random() < scenario.even_share:
            h = rng.uniform(0, hours)
        else:
            h = rng.gauss(peak, scenario.peak_spread_h)
        if 0 <= h < hours - 0.05:
            offsets.append(h)
    offsets.sort()
    profiles = scenario.services
    weights = [p.share for p in profiles]
    people = []
    for index, h in enumerate(offsets):
        profile = rng.choices(profiles, weights)[0]
        priority = rng.choice(list(Priority)) if rng.random() < scenario.priority_share else None
        no_show = rng.random() < scenario.no_show_share
        people.append(
            Applicant(
                index=index,
                arrive_at=(opens + timedelta(hours=h)).astimezone(UTC),
                service=profile.code,
                priority=priority,
                walk_s=rng.uniform(*scenario.walk_s),
                service_s=lognormal(rng, profile.mean_s, profile.cv),
                no_show=no_show,
                come_back_after_s=(
                    rng.uniform(300, 2700)
                    if no_show and rng.random() < scenario.come_back_share
                    else None
                ),
                give_up_after_s=(
                    rng.uniform(1800, 7200) if rng.random() < scenario.give_up_share else None
                ),
                transfer_to=(
                    TRANSFERS.get(profile.code) if rng.random() < scenario.transfer_share else None
                ),
            )
        )
    return people
