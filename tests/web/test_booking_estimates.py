"""Issue 16, item 8: expected check-ins feed the wait estimate.

A checked-in booking queues as if issued at its session's start. So once a session has begun,
the applicants booked for it who have not checked in yet will stand ahead of every walk-in who
came after its start: the walk-in's estimate counts them (at the day's show rate), and the
estimate does not jump when they arrive. Service A: one counter, 5 minutes a service (no
rounds recorded: the prior), sessions of an hour; the show rate's prior is 80 %."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import time
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from ..helpers import bearer
from .booking_hall import (
    API,
    BOOKING_TIME,
    NIKS,
    TUESDAY,
    BookingHall,
    book,
    build_booking_hall,
    local,
    sessions_of,
)

ROUND_S = 300


@pytest.fixture
def hall(app: Flask) -> BookingHall:
    with app.app_context():
        return build_booking_hall()


@pytest.fixture
def codes(client: FlaskClient, hall: BookingHall) -> Iterator[dict[str, list[str]]]:
    """Five holders booked for 09:00-10:00 and five for 10:00-11:00 (made on Monday)."""
    made: dict[str, list[str]] = {"nine": [], "ten": []}
    with time_machine.travel(BOOKING_TIME, tick=False):
        sessions = sessions_of(client, "A")
        for n in range(10):
            which = "nine" if n < 5 else "ten"
            answer = book(client, "A", sessions[1 if n < 5 else 2]["id"], NIKS[n])
            assert answer.status_code == 201, answer.get_json()
            made[which].append(answer.get_json()["code"])
    yield made


def walk_in(client: FlaskClient) -> dict[str, Any]:
    answer = client.post(f"{API}/tickets", json={"service": "A"})
    assert answer.status_code == 201, answer.get_json()
    ticket: dict[str, Any] = answer.get_json()
    return ticket


def seen(client: FlaskClient, ticket: dict[str, Any]) -> dict[str, Any]:
    view: dict[str, Any] = client.get(f"{API}/tickets/by-token/{ticket['token']}").get_json()
    return view


def kiosk_wait(client: FlaskClient) -> int:
    services = client.get(f"{API}/services").get_json()
    return int(next(s for s in services if s["code"] == "A")["estimated_wait_s"])


def test_a_walk_in_after_a_session_began_waits_for_its_booked_applicants_not_yet_in(
    app: Flask, client: FlaskClient, hall: BookingHall, codes: dict[str, list[str]]
) -> None:
    clerk = bearer(app, "clerk1")
    with time_machine.travel(local(TUESDAY, time(8, 55)), tick=False):
        assert client.post(f"{API}/counters/{hall.counter}/open", headers=clerk).status_code == 200
        # Before 09:00 nobody booked is due: a walk-in is called at once.
        early = walk_in(client)
        assert early["estimated_wait_s"] == 0
    with time_machine.travel(local(TUESDAY, time(9, 5)), tick=False):
        # The 09:00 session began: 4 of its 5 (80 %) are expected, queued from 09:00, so
        # behind the 08:55 walk-in and ahead of anyone after.
        assert kiosk_wait(client) == (1 + 4) * ROUND_S
        late = walk_in(client)
        assert (late["position"], late["estimated_wait_s"]) == (1, (1 + 4) * ROUND_S)
        assert seen(client, early)["estimated_wait_s"] == 0
    with time_machine.travel(local(TUESDAY, time(9, 20)), tick=False):
        for code in codes["nine"][:2]:
            answer = client.post(f"{API}/bookings/check-in", json={"code": code}, headers=clerk)
            assert answer.status_code == 201, answer.get_json()
        # Two came (now ahead of the 09:05 walk-in for real), three are still booked, of whom
        # two are expected: the estimate stays what it said.
        now = seen(client, late)
        assert (now["position"], now["estimated_wait_s"]) == (3, (3 + 2) * ROUND_S)
        assert seen(client, early)["estimated_wait_s"] == 0


def test_the_show_rate_follows_the_day_once_sessions_close(
    app: Flask, client: FlaskClient, hall: BookingHall, codes: dict[str, list[str]]
) -> None:
    clerk = bearer(app, "clerk1")
    with time_machine.travel(local(TUESDAY, time(9, 30)), tick=False):
        assert client.post(f"{API}/counters/{hall.counter}/open", headers=clerk).status_code == 200
        for code in codes["nine"][:1]:
            assert (
                client.post(
                    f"{API}/bookings/check-in", json={"code": code}, headers=clerk
                ).status_code
                == 201
            )
    with time_machine.travel(local(TUESDAY, time(10, 20)), tick=False):
        # 09:00-10:00 closed at 10:15 with 1 of 5 in: the rate is (1 + 0.8 × 5) ÷ (5 + 5),
        # a half, so 2 or 3 of 10:00's five are expected (2.5 rounds up): 3.
        ticket = walk_in(client)
        assert (ticket["position"], ticket["estimated_wait_s"]) == (1, (1 + 3) * ROUND_S)
