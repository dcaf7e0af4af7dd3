"""A first wait estimate: people ahead × mean service time ÷ counters serving.

A better estimator, learning from recorded service times, replaces the mean later; the shape of
the call stays the same.
"""

from __future__ import annotations

from collections.abc import Sequence

#: How many finished services of the day are needed before their mean replaces the prior.
MIN_SAMPLES = 5


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
