"""An online booking's messages (issue 17, with issue 16's bookings), to a real receiver:
`booking.confirmed` when it is made with a number, `booking.reminder` the evening before its
day and an hour before its session — each once, none for a cancelled booking — and the
number purged with the others."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from datetime import time as clock_time
from typing import Any

import pytest
import time_machine
from flask import Flask
from sqlalchemy import select

from queue_app.extensions import db
from queue_app.models import BookingContact, Notification

from ..web.booking_hall import (
    API,
    BOOKING_TIME,
    MONDAY,
    NIKS,
    TUESDAY,
    BookingHall,
    build_booking_hall,
    local,
    sessions_of,
)
from .conftest import SECRET, worker_of
from .receiver import Receiver, verify

PHONE = "0812-3456-7890"


@pytest.fixture
def hall(app: Flask) -> BookingHall:
    with app.app_context():
        return build_booking_hall()


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def book_with_number(app: Flask, at: datetime, nik: str, **extra: Any) -> dict[str, Any]:
    """Book Tuesday's first session (08:00–09:00) at `at`, giving a number."""
    with time_machine.travel(at, tick=False):
        client = app.test_client()
        first = sessions_of(client, "A")[0]
        response = client.post(
            f"{API}/bookings",
            json={
                "service": "A",
                "date": TUESDAY.isoformat(),
                "session": first["id"],
                "holder_id": nik,
                "phone": PHONE,
                **extra,
            },
        )
    assert response.status_code == 201, response.get_json()
    booked: dict[str, Any] = response.get_json()
    return booked


@pytest.fixture
def clock() -> Iterator[Clock]:
    yield Clock(BOOKING_TIME)


def deliver(app: Flask, clock: Clock, at: datetime) -> None:
    """Move the worker's clock to `at` and let a worker run until nothing is due."""
    clock.now = at
    worker = worker_of(app, clock)  # type: ignore[arg-type]
    while worker.run_once():
        pass
    worker.release_lease()


def events(receiver: Receiver) -> list[str]:
    return [r.body["event"] for r in receiver.received]


def test_a_booking_with_a_number_is_confirmed_then_reminded_twice(
    app: Flask, hall: BookingHall, receiver: Receiver, clock: Clock
) -> None:
    booked = book_with_number(app, BOOKING_TIME, NIKS[0], lang="en")
    deliver(app, clock, BOOKING_TIME + timedelta(seconds=1))
    (confirmed,) = [r.body for r in receiver.received]
    assert confirmed["event"] == "booking.confirmed"
    assert confirmed["to"] == "+6281234567890" and confirmed["lang"] == "en"
    assert confirmed["ticket"] is None
    assert confirmed["booking"] == {
        "code": booked["code"],
        "date": "2026-06-16",
        "session": "08.00–09.00",
    }
    assert confirmed["text"] == (
        f"Test hall: booking {booked['code']} for Service A on 16-06-2026 at 08.00–09.00 is "
        f"confirmed. Show the code or QR at the kiosk when you arrive: {booked['status_url']}"
    )
    signed = receiver.received[0]
    # Signed at the worker's time (its clock is the test's: 15 June 2026).
    at = (BOOKING_TIME + timedelta(seconds=1)).timestamp()
    assert verify(SECRET, signed.headers["x-loket-signature"], signed.raw, at)

    # Monday 17:59: nothing yet; 18:00, the evening before: the first reminder, once.
    deliver(app, clock, local(MONDAY, clock_time(17, 59)))
    assert events(receiver) == ["booking.confirmed"]
    deliver(app, clock, local(MONDAY, clock_time(18)))
    deliver(app, clock, local(MONDAY, clock_time(21)))
    assert events(receiver) == ["booking.confirmed", "booking.reminder"]
    # Tuesday 07:00, an hour before 08:00: the second; after the start, none.
    deliver(app, clock, local(TUESDAY, clock_time(6, 59)))
    assert len(receiver.received) == 2
    deliver(app, clock, local(TUESDAY, clock_time(7)))
    deliver(app, clock, local(TUESDAY, clock_time(8, 30)))
    assert events(receiver) == ["booking.confirmed", "booking.reminder", "booking.reminder"]
    reminder = receiver.received[2].body
    assert reminder["booking"]["code"] == booked["code"]
    assert reminder["text"].startswith(
        f"Test hall: a reminder of booking {booked['code']} for Service A on 16-06-2026"
    )
    with app.app_context():
        states = db.session.scalars(select(Notification.state)).all()
        assert states == ["sent"] * 3


def test_a_cancelled_booking_gets_no_reminder_and_a_late_one_only_the_last(
    app: Flask, hall: BookingHall, receiver: Receiver, clock: Clock
) -> None:
    cancelled = book_with_number(app, BOOKING_TIME, NIKS[0])
    with time_machine.travel(BOOKING_TIME, tick=False):
        response = app.test_client().post(f"{API}/bookings/by-token/{cancelled['token']}/cancel")
    assert response.status_code == 200
    # Booked at 20:00 on Monday (the evening window), after the evening reminder's time.
    late = book_with_number(app, local(MONDAY, clock_time(20)), NIKS[1])
    for at in (local(MONDAY, clock_time(20, 1)), local(MONDAY, clock_time(21))):
        deliver(app, clock, at)
    deliver(app, clock, local(TUESDAY, clock_time(7, 5)))
    bodies = [r.body for r in receiver.received]
    assert [(b["event"], b["booking"]["code"]) for b in bodies] == [
        ("booking.confirmed", cancelled["code"]),
        ("booking.confirmed", late["code"]),
        ("booking.reminder", late["code"]),
    ]
    # In Indonesian by default.
    assert bodies[2]["lang"] == "id"
    assert bodies[2]["text"].startswith(f"Test hall: pengingat, pendaftaran {late['code']}")


def test_without_a_number_a_booking_writes_nothing_and_a_bad_one_is_refused(
    app: Flask, hall: BookingHall, receiver: Receiver
) -> None:
    with time_machine.travel(BOOKING_TIME, tick=False):
        client = app.test_client()
        first = sessions_of(client, "A")[0]
        body = {"service": "A", "date": TUESDAY.isoformat(), "session": first["id"]}
        plain = client.post(f"{API}/bookings", json={**body, "holder_id": NIKS[0]})
        assert plain.status_code == 201
        bad = client.post(f"{API}/bookings", json={**body, "holder_id": NIKS[1], "phone": "12"})
        assert bad.status_code == 422
        assert bad.get_json()["detail"]["field"] == "phone"
    with app.app_context():
        assert db.session.scalars(select(Notification)).all() == []
        assert db.session.scalars(select(BookingContact)).all() == []
    # The refused one booked nothing: its place is still free.
    with time_machine.travel(BOOKING_TIME, tick=False):
        again = sessions_of(app.test_client(), "A")[0]
    assert again["left"] == first["left"] - 1


def test_the_purge_deletes_a_bookings_number_after_the_retention(
    app: Flask, hall: BookingHall, receiver: Receiver
) -> None:
    book_with_number(app, BOOKING_TIME, NIKS[0])
    with time_machine.travel(local(TUESDAY + timedelta(days=8), clock_time(23)), tick=False):
        result = app.test_cli_runner().invoke(args=["purge-contacts"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalars(select(BookingContact)).all() == []
        (message,) = db.session.scalars(select(Notification)).all()
        assert message.recipient is None and message.booking_code is not None
