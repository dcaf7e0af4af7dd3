"""Wait estimates: the projection's rules (pure), and what the kiosk, the ticket and the API say."""

from __future__ import annotations

import math
from datetime import UTC, datetime, time

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from queue_app.domain.estimates import (
    ArrivalRate,
    CounterNow,
    HallNow,
    Projection,
    QueueNow,
    RecordedRound,
    arrival_rate,
    closing_in_s,
    opening_in_s,
    order_statistic_factors,
    remaining_seconds,
    round_seconds,
)
from queue_app.extensions import db
from queue_app.models import Refusal, Service, Site
from tests.conftest import build_hall
from tests.web.conftest import API, Api, assert_error

A, B = 1, 2
R, P = (False, False), (True, False)  # a regular and a priority ticket (not transferred)
FRONT = (False, True)


def hall(
    counters: list[CounterNow],
    queues: dict[int, list[tuple[bool, bool]]],
    *,
    round_s: float = 100.0,
    ratio: int = 2,
    arrivals: dict[int, ArrivalRate] | None = None,
) -> Projection:
    return Projection(
        HallNow(
            counters=counters,
            queues={s: QueueNow.of(q) for s, q in queues.items()},
            round_s={A: round_s, B: round_s},
            priority_ratio=ratio,
            arrivals=arrivals or {},
        )
    )


def busy(counter_id: int, services: tuple[int, ...], free_in: float, streak: int = 0) -> CounterNow:
    return CounterNow(counter_id, services, free_in, streak)


# -- the projection ------------------------------------------------------------------------------


def test_one_counter_calls_the_queue_in_order() -> None:
    p = hall([busy(1, (A,), 40)], {A: [R, R, R]})
    assert [p.call_at(A, n) for n in range(3)] == [40, 140, 240]
    assert p.call_at(A, 3) == 340  # a ticket taken now: after the three
    assert p.call_at(A, 5) == 540  # further back than the queue: at the service's pace


def test_priority_goes_ahead_at_the_ratio() -> None:
    # Ratio 2: after two regular calls the counter takes the waiting priority ticket.
    p = hall([busy(1, (A,), 0)], {A: [R, R, R, R, R, P]})
    assert p.call_at(A, 0, priority=True) == 200  # R0 at 0, R1 at 100, P at 200
    assert p.call_at(A, 2) == 300  # the third regular comes after it
    assert p.call_at(A, 6) == 600  # a new regular ticket after all five regular ones
    fresh = hall([busy(1, (A,), 0)], {A: [R, R, R, R, R, P]})
    # A new priority ticket (one priority ticket ahead of it) is taken after two more regulars.
    assert fresh.call_at(A, 1, priority=True) == 500


def test_ratio_zero_means_priority_first() -> None:
    p = hall([busy(1, (A,), 0)], {A: [R, R, P]}, ratio=0)
    assert p.call_at(A, 0, priority=True) == 0
    assert p.call_at(A, 0) == 100


def test_a_transferred_ticket_goes_first() -> None:
    p = hall([busy(1, (A,), 10)], {A: [FRONT, R, P]})
    assert p.call_at(A, 0) == 10  # the front ticket
    assert p.call_at(A, 1) == 110


def test_a_helper_counter_serves_after_its_own_queue() -> None:
    # Counter 1 serves A first and B when A is empty; counter 2 serves only B.
    counters = [busy(1, (A, B), 50), busy(2, (B,), 1000)]
    p = hall(counters, {A: [R], B: [R, R, R]})
    assert p.call_at(A, 0) == 50  # counter 1 takes its own A first
    assert p.call_at(B, 0) == 150  # then helps B while counter 2 is still busy
    assert p.call_at(B, 1) == 250
    assert p.call_at(B, 2) == 350
    alone = hall([busy(2, (B,), 1000)], {B: [R, R, R]})
    assert alone.call_at(B, 2) == 1200  # without the helper


def test_counters_free_now_do_not_all_finish_together() -> None:
    p = hall([busy(1, (A,), 0), busy(2, (A,), 0)], {A: [R, R, R, R]})
    times = [p.call_at(A, n) for n in range(4)]
    assert times[:2] == [0, 0]
    assert times[1] < times[2] < times[3]  # order statistics of two rounds, not a tie
    assert times[2] + times[3] == pytest.approx(200, abs=1)  # around the mean round
    assert order_statistic_factors(1) == [1.0]
    assert order_statistic_factors(3)[1] == pytest.approx(1.0)


def test_expected_priority_arrivals_go_ahead_of_a_regular_ticket_taken_now() -> None:
    queue = {A: [R, R, R, R]}
    quiet = hall([busy(1, (A,), 0)], queue)
    rush = hall(
        [busy(1, (A,), 0)],
        queue,
        arrivals={A: ArrivalRate(regular_per_s=0, priority_per_s=1 / 150, until_s=10_000)},
    )
    assert quiet.call_at(A, 4) == 400
    assert rush.call_at(A, 4) > 400
    assert rush.call_at(A, 0) == 0  # nobody overtakes the head of the line


def test_more_people_ahead_never_means_a_shorter_wait() -> None:
    counters = [busy(1, (A, B), 30), busy(2, (B, A), 70), busy(3, (A,), 0)]
    queue = [R, P, R, R, P, R, R, R, R, P, R]
    p = hall(counters, {A: queue, B: [R, R, P]})
    # Regular tickets have everyone before them ahead; new ones stand behind the whole queue.
    regular_places = [n for n, ticket in enumerate(queue) if ticket == R]
    waits = [p.call_at(A, n) for n in [*regular_places, 11, 12, 13]]
    # Priority tickets have only the earlier priority tickets ahead.
    priority_waits = [p.call_at(A, k, priority=True) for k in range(5)]
    for series in (waits, priority_waits):
        assert all(w is not None for w in series)
        assert series == sorted(series)  # type: ignore[type-var]


def test_no_counter_serving_means_no_projection() -> None:
    p = hall([busy(1, (A,), 0)], {B: [R]})
    assert p.call_at(B, 0) is None


# -- learning from recorded rounds ---------------------------------------------------------------


def test_the_prior_until_rounds_are_recorded_then_mostly_the_rounds() -> None:
    assert round_seconds([], 300) == 300
    five = [RecordedRound(600, 0)] * 5
    assert round_seconds(five, 300) == pytest.approx(450)  # the prior counts as five rounds
    many = [RecordedRound(600, 0)] * 95
    assert round_seconds(many, 300) == pytest.approx(585)


def test_recent_rounds_weigh_more() -> None:
    old_fast = [RecordedRound(100, 7200)] * 10  # two hours ago: a quarter of the weight
    new_slow = [RecordedRound(500, 0)] * 10
    mixed = round_seconds(old_fast + new_slow, 300)
    assert mixed > (100 + 500) / 2
    assert round_seconds(new_slow + old_fast, 300) == mixed  # order does not matter, age does


def test_remaining_time_of_a_busy_counter() -> None:
    assert remaining_seconds(60, 300) == 240
    assert remaining_seconds(400, 300) == 75  # past the mean: still a quarter round expected


def test_arrivals_stop_at_closing_or_when_the_quota_runs_out() -> None:
    rate = arrival_rate(27, 3, 1800, until_s=7200, tickets_left=10)
    assert rate.regular_per_s == pytest.approx(27 / 1800)
    assert rate.until_s == pytest.approx(10 / (30 / 1800))
    assert arrival_rate(27, 3, 1800, until_s=7200).until_s == 7200


def test_opening_hours() -> None:
    jakarta = datetime(2026, 6, 15, 15, 0, tzinfo=UTC).astimezone()  # any aware time
    at_three = jakarta.replace(hour=15, minute=0, second=0, microsecond=0)
    assert closing_in_s(at_three, time(8), time(16)) == 3600
    assert opening_in_s(at_three, time(8), time(16)) == 0
    at_seven = at_three.replace(hour=7)
    assert closing_in_s(at_seven, time(8), time(16)) == 0
    assert opening_in_s(at_seven, time(8), time(16)) == 3600
    assert math.isinf(closing_in_s(at_three, time(0), time(0)))  # open around the clock


# -- through the API -----------------------------------------------------------------------------

NOON = datetime(2026, 6, 15, 5, 0, tzinfo=UTC)  # 12:00 in Jakarta


@pytest.fixture
def api(app: Flask, client: FlaskClient) -> Api:
    with app.app_context():
        built = build_hall()
    return Api(app, client, built)


def test_the_printed_ticket_says_what_the_kiosk_button_said(api: Api) -> None:
    with time_machine.travel(NOON, tick=False):
        for _ in range(5):
            api.issue("A")
        api.issue("A", priority="elderly")
        api.called(api.hall.counter_1, "clerk1")
    with time_machine.travel(NOON.replace(minute=3), tick=False):
        shown = {e["service"]["code"]: e for e in api.get(f"{API}/estimates").get_json()}
        regular = api.issue("A")
        priority = api.issue("A", priority="pregnant")
        listed = api.services()["A"]
    a = shown["A"]
    assert regular["estimated_wait_s"] == a["estimated_wait_s"] > 0
    assert regular["position"] == a["people_ahead"] == 5
    assert priority["position"] == a["people_ahead_priority"] == 1
    # A priority ticket taken right after never waits longer than the regular one.
    assert 0 < priority["estimated_wait_s"] <= regular["estimated_wait_s"]
    # The services list shows the wait of the next ticket, now behind both.
    assert listed["estimated_wait_s"] >= regular["estimated_wait_s"]


def test_the_estimates_list_counters_in_their_preference_order(api: Api) -> None:
    estimates = {e["service"]["code"]: e for e in api.get(f"{API}/estimates").get_json()}
    assert estimates["A"]["counters"] == [{"number": 1, "rank": 0}, {"number": 2, "rank": 1}]
    assert estimates["B"]["counters"] == [{"number": 2, "rank": 0}, {"number": 1, "rank": 1}]
    assert estimates["A"]["from_prior"] is True
    assert estimates["A"]["round_s"] == estimates["A"]["prior_s"] == 300


def test_a_service_closes_early_when_new_tickets_cannot_be_served_today(
    app: Flask, api: Api
) -> None:
    with app.app_context():
        site = db.session.get(Site, api.hall.site_id)
        service = db.session.get(Service, api.hall.service_a)
        assert site is not None and service is not None
        site.opens_at, site.closes_at = time(8), time(16)
        service.closes_early = True
        db.session.commit()
    # 15:30 in Jakarta: half an hour left; two counters serve A (300 s a round, the prior).
    # Both free now, their calls fall at 0, 0, 212, 388, 512, 688 … 1288, 1412: a ticket fits
    # when its call × 1.1 (the margin) + 300 s ≤ 1800 s, i.e. ten do, the eleventh does not.
    with time_machine.travel(datetime(2026, 6, 15, 8, 30, tzinfo=UTC), tick=False):
        issued = []
        while True:
            response = api.post(f"{API}/tickets", json={"service": "A"})
            if response.status_code != 201:
                break
            issued.append(response.get_json())
        body = assert_error(response, 409, "service_closed")
        assert body["detail"]["reason"] == "closed_early"
        assert len(issued) == 10
        assert issued[-1]["estimated_wait_s"] == 1288
        services = api.services()
        assert services["A"]["open"] is False and services["A"]["closed_early"] is True
        assert services["B"]["open"] is True  # B does not close early
        assert api.issue("B")["code"] == "B-001"
    with app.app_context():
        reasons = [r.reason for r in db.session.query(Refusal).all()]
    assert reasons == ["closed_early"]


def test_no_arrivals_are_expected_past_an_agencys_daily_cap(app: Flask, api: Api) -> None:
    """The bank serves 2 a day: once they are issued, the estimates stop expecting its
    applicants (as past a service's quota), so its counter is expected to help the other
    service, and that service's wait shortens."""
    from sqlalchemy import update

    from queue_app.models import Agency
    from queue_app.services import read

    with app.app_context():
        bank = Agency(
            site_id=api.hall.site_id,
            code="BANK",
            name_id="Bank",
            name_en="Bank",
            daily_cap=2,
            position=1,
        )
        db.session.add(bank)
        db.session.flush()
        service = db.session.get(Service, api.hall.service_b)
        assert service is not None
        service.agency_id = bank.id
        db.session.commit()
        bank_id = bank.id

    def expected() -> tuple[float, int | None]:
        """B's expected arrivals (how long they last), and A's wait for a ticket taken now."""
        with app.app_context():
            view = read.HallView(db.session, api.hall.site_id)
            a = db.session.get(Service, api.hall.service_a)
            assert a is not None
            rate = view.estimates.arrivals[api.hall.service_b]
            wait = view.estimates.new_ticket_s(a)
            db.session.rollback()
        return rate.until_s, wait

    with time_machine.travel(NOON.replace(hour=4, minute=50), tick=False):
        for _ in range(12):
            api.issue("A")
        api.issue("B")
        api.issue("B")
        refused = api.post(f"{API}/tickets", json={"service": "B"})
        api.called(api.hall.counter_1, "clerk1")
        api.called(api.hall.counter_2, "clerk2")
    assert_error(refused, 409, "agency_cap_reached")
    with time_machine.travel(NOON, tick=False):
        capped_until, capped_wait = expected()
        with app.app_context():
            db.session.execute(update(Agency).where(Agency.id == bank_id).values(daily_cap=None))
            db.session.commit()
        open_until, open_wait = expected()
    assert capped_until == 0  # the cap is reached: no more bank applicants today
    assert open_until > 0  # without it, they keep coming at the last half hour's rate
    assert capped_wait is not None and open_wait is not None
    # With no bank applicants to come, the bank's counter is expected to help A sooner.
    assert capped_wait < open_wait
