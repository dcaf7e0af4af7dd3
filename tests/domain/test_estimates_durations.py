"""Wait estimates and the durations derived from a ticket's event log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from queue_app.domain.durations import Durations, LoggedEvent, durations
from queue_app.domain.estimates import MIN_SAMPLES, estimate_wait_seconds, mean_service_seconds
from queue_app.domain.states import Action

T0 = datetime(2026, 6, 15, 1, 0, tzinfo=UTC)  # 08:00 in Jakarta
A = Action


# --- mean_service_seconds ---------------------------------------------------------------------


def test_min_samples_is_a_handful() -> None:
    assert MIN_SAMPLES == 5


def test_prior_used_with_no_samples() -> None:
    assert mean_service_seconds([], 300) == 300.0


def test_prior_used_until_min_samples() -> None:
    recorded = [60.0] * (MIN_SAMPLES - 1)
    assert mean_service_seconds(recorded, 300) == 300.0


def test_mean_used_from_min_samples() -> None:
    recorded = [60.0, 120.0, 180.0, 240.0, 300.0]
    assert len(recorded) == MIN_SAMPLES
    assert mean_service_seconds(recorded, 999) == 180.0


def test_mean_of_many_samples() -> None:
    recorded = [100.0] * 9 + [1100.0]
    assert mean_service_seconds(recorded, 5) == 200.0


def test_prior_returned_as_float() -> None:
    result = mean_service_seconds([], 240)
    assert isinstance(result, float)


# --- estimate_wait_seconds --------------------------------------------------------------------


@pytest.mark.parametrize("ahead", [0, -1])
def test_nobody_ahead_means_no_wait(ahead: int) -> None:
    assert estimate_wait_seconds(ahead, 300.0, 2) == 0


@pytest.mark.parametrize(
    ("ahead", "mean", "counters", "expected"),
    [
        (1, 300.0, 1, 300),
        (10, 300.0, 1, 3000),
        (10, 300.0, 2, 1500),
        (10, 300.0, 3, 1000),
        (3, 100.5, 2, 151),  # 150.75 rounded
        (1, 90.0, 4, 22),  # 22.5 rounds to even
    ],
)
def test_people_ahead_times_mean_over_counters(
    ahead: int, mean: float, counters: int, expected: int
) -> None:
    assert estimate_wait_seconds(ahead, mean, counters) == expected


@pytest.mark.parametrize("counters", [0, -2])
def test_no_open_counter_still_gives_an_estimate(counters: int) -> None:
    assert estimate_wait_seconds(4, 300.0, counters) == 1200


def test_estimate_is_an_int() -> None:
    assert isinstance(estimate_wait_seconds(3, 100.5, 2), int)


def test_more_people_ahead_never_shortens_the_wait() -> None:
    waits = [estimate_wait_seconds(n, 237.0, 3) for n in range(0, 40)]
    assert waits == sorted(waits)


# --- durations --------------------------------------------------------------------------------


def log(*steps: tuple[Action, float]) -> list[LoggedEvent]:
    """Events at `T0 + seconds`."""
    return [LoggedEvent(action, T0 + timedelta(seconds=s)) for action, s in steps]


def test_straight_through() -> None:
    events = log(
        (A.ISSUE, 0),
        (A.ADMIT, 100),
        (A.CALL, 600),
        (A.START, 660),
        (A.FINISH, 960),
    )
    assert durations(events) == Durations(wait_s=600.0, walk_s=60.0, service_s=300.0)


def test_wait_counts_from_issue_not_admission() -> None:
    events = log((A.ISSUE, 0), (A.ADMIT, 500), (A.CALL, 800))
    assert durations(events).wait_s == 800.0


def test_finish_without_start_counts_service_from_last_call() -> None:
    events = log((A.ISSUE, 0), (A.CALL, 600), (A.FINISH, 900))
    assert durations(events) == Durations(wait_s=600.0, walk_s=None, service_s=300.0)


def test_recall_moves_the_last_call_but_not_the_first() -> None:
    events = log(
        (A.ISSUE, 0),
        (A.CALL, 600),
        (A.RECALL, 700),
        (A.RECALL, 760),
        (A.START, 800),
        (A.FINISH, 1100),
    )
    assert durations(events) == Durations(wait_s=600.0, walk_s=40.0, service_s=300.0)


def test_recall_then_finish_without_start() -> None:
    events = log((A.ISSUE, 0), (A.CALL, 600), (A.RECALL, 720), (A.FINISH, 900))
    assert durations(events) == Durations(wait_s=600.0, walk_s=None, service_s=180.0)


def test_requeue_starts_a_new_round() -> None:
    events = log(
        (A.ISSUE, 0),
        (A.CALL, 600),
        (A.REQUEUE, 700),
        (A.CALL, 1500),
        (A.START, 1530),
        (A.FINISH, 1830),
    )
    assert durations(events) == Durations(wait_s=600.0, walk_s=30.0, service_s=300.0)


def test_requeue_then_finish_without_start_counts_from_new_call() -> None:
    events = log(
        (A.ISSUE, 0),
        (A.CALL, 600),
        (A.REQUEUE, 700),
        (A.CALL, 1500),
        (A.FINISH, 1700),
    )
    assert durations(events).service_s == 200.0


def test_transfer_after_service_starts_a_new_round() -> None:
    events = log(
        (A.ISSUE, 0),
        (A.CALL, 600),
        (A.START, 650),
        (A.TRANSFER, 900),
        (A.CALL, 1200),
        (A.START, 1290),
        (A.FINISH, 1590),
    )
    # Service time is the time at the counter that finished it, not since the first start.
    assert durations(events) == Durations(wait_s=600.0, walk_s=90.0, service_s=300.0)


def test_transfer_then_finish_without_start_does_not_reuse_old_start() -> None:
    events = log(
        (A.ISSUE, 0),
        (A.CALL, 600),
        (A.START, 650),
        (A.TRANSFER, 900),
        (A.CALL, 1200),
        (A.FINISH, 1320),
    )
    assert durations(events) == Durations(wait_s=600.0, walk_s=None, service_s=120.0)


def test_no_show_reinstated_then_served() -> None:
    events = log(
        (A.ISSUE, 0),
        (A.CALL, 600),
        (A.NO_SHOW, 900),
        (A.REINSTATE, 1000),
        (A.CALL, 1300),
        (A.START, 1320),
        (A.FINISH, 1620),
    )
    assert durations(events) == Durations(wait_s=600.0, walk_s=20.0, service_s=300.0)


def test_only_issued() -> None:
    assert durations(log((A.ISSUE, 0))) == Durations(None, None, None)


def test_no_events() -> None:
    assert durations([]) == Durations(None, None, None)


def test_called_but_not_started_or_finished() -> None:
    events = log((A.ISSUE, 0), (A.CALL, 600), (A.RECALL, 650))
    assert durations(events) == Durations(wait_s=600.0, walk_s=None, service_s=None)


def test_serving_not_finished() -> None:
    events = log((A.ISSUE, 0), (A.CALL, 600), (A.START, 660))
    assert durations(events) == Durations(wait_s=600.0, walk_s=60.0, service_s=None)


def test_cancelled_while_waiting() -> None:
    events = log((A.ISSUE, 0), (A.ADMIT, 10), (A.CANCEL, 300))
    assert durations(events) == Durations(None, None, None)


def test_expired_while_serving_has_no_service_time() -> None:
    events = log((A.ISSUE, 0), (A.CALL, 600), (A.START, 660), (A.EXPIRE, 5000))
    assert durations(events) == Durations(wait_s=600.0, walk_s=60.0, service_s=None)


def test_accepts_a_generator() -> None:
    events = log((A.ISSUE, 0), (A.CALL, 60))
    assert durations(e for e in events).wait_s == 60.0
