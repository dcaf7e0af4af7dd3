"""Availability's read model (issue 16, the rush): `GET /api/v1/booking/availability` is built
once per committed booking change and shared by every reader of the process
(queue_app/realtime/availability.py). Counted with the engine listener of the statement-count
tests: a read within the staleness bound costs no statement, the first read after a change one,
and another process's booking (a write this process did not make) shows within the bound."""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, select, update

from queue_app.extensions import db
from queue_app.models import Booking, BookingSession
from queue_app.realtime import availability

from ..realtime.test_statement_counts import counted
from ..services.test_concurrency import BACKENDS
from .booking_hall import (
    BOOKING_TIME,
    NIKS,
    TUESDAY,
    BookingHall,
    book,
    build_booking_hall,
    sessions_of,
    set_places,
)


@pytest.fixture(autouse=True)
def booking_time() -> Iterator[None]:
    with time_machine.travel(BOOKING_TIME, tick=False):
        yield


@pytest.fixture
def booking_hall(app: Flask) -> BookingHall:
    with app.app_context():
        return build_booking_hall(counters=2)


def model(app: Flask) -> availability.AvailabilityCache:
    with app.app_context():
        return availability.cache()


def lefts(client: FlaskClient) -> list[int]:
    return [s["left"] for s in sessions_of(client, "A")]


def test_reads_within_the_bound_cost_no_statement_and_a_booking_one(
    app: Flask, client: FlaskClient, booking_hall: BookingHall
) -> None:
    model(app).stale_s = 60.0  # nothing but this process writes here
    first = sessions_of(client, "A")  # cuts the day (a write of its own), then reads it
    assert [s["left"] for s in first] == [24] * 8

    with counted(app) as reads:
        for _ in range(20):
            assert lefts(client) == [24] * 8
    assert len(reads) == 0, reads

    assert book(client, "A", first[2]["id"], NIKS[0]).status_code == 201
    builds = model(app).builds
    with counted(app) as after_booking:
        assert lefts(client) == [24, 24, 23, 24, 24, 24, 24, 24]
    assert len(after_booking) == 1, after_booking
    assert "booking_sessions" in after_booking.sent[0]
    with counted(app) as then:
        for _ in range(20):
            assert lefts(client)[2] == 23
    assert len(then) == 0, then
    assert model(app).builds == builds + 1  # one answer made for the change, shared by 21 reads


def test_a_booking_reads_the_halls_rules_once(
    app: Flask, client: FlaskClient, booking_hall: BookingHall
) -> None:
    """The 06:00 rush is bookings: each reads the site's settings and closed days once (for
    the holder id, the refusals and the answer), and its session and service are not read
    again for the answer. 18 statements, as counted when this was written (22 before)."""
    first = sessions_of(client, "A")[0]["id"]
    assert book(client, "A", first, NIKS[0]).status_code == 201
    with counted(app) as booking:
        made = book(client, "A", first, NIKS[1])
    assert made.status_code == 201
    assert made.get_json()["check_in_from"]  # the answer still says when to come
    # The table each row read selects from (its first column's; counted() keeps 160 chars).
    tables = [m[1] for m in (re.match(r"SELECT (\w+)\.", s) for s in booking.sent) if m]
    assert tables.count("booking_settings") == 1, booking
    assert tables.count("closed_days") == 1, booking
    assert tables.count("services") == 1, booking
    assert len(booking) <= 18, booking


def test_every_read_checks_once_when_the_bound_is_zero(
    app: Flask, client: FlaskClient, booking_hall: BookingHall
) -> None:
    sessions_of(client, "A")
    model(app).stale_s = 0.0
    builds = model(app).builds
    with counted(app) as reads:
        for _ in range(5):
            assert lefts(client) == [24] * 8
    assert len(reads) == 5, reads  # one statement a read, none of it rebuilt
    assert model(app).builds == builds


def test_an_admins_places_and_a_cancel_show_at_once(
    app: Flask, client: FlaskClient, booking_hall: BookingHall
) -> None:
    model(app).stale_s = 60.0
    first = sessions_of(client, "A")
    with app.app_context():
        set_places(first[0]["id"], 3)  # an ORM commit in this process, like the admin's
    assert sessions_of(client, "A")[0]["capacity"] == 3
    booked = book(client, "A", first[0]["id"], NIKS[1]).get_json()
    assert lefts(client)[0] == 2
    cancelled = client.post(f"/api/v1/bookings/by-token/{booked['token']}/cancel")
    assert cancelled.status_code == 200
    assert lefts(client)[0] == 3


def test_another_processs_booking_shows_within_the_bound(
    app: Flask, client: FlaskClient, booking_hall: BookingHall, database_url: str
) -> None:
    first = sessions_of(client, "A")
    model(app).stale_s = 0.3
    lefts(client)  # checked now
    # Another process takes 5 places: a write through an engine of its own, which this
    # process's session events never see.
    other = create_engine(database_url)
    with other.begin() as conn:
        conn.execute(
            update(BookingSession)
            .where(BookingSession.id == first[0]["id"])
            .values(taken=BookingSession.taken + 5)
        )
    other.dispose()
    seen = [lefts(client)[0]]
    deadline = time.monotonic() + 2.0
    while seen[-1] == 24 and time.monotonic() < deadline:
        time.sleep(0.05)
        seen.append(lefts(client)[0])
    assert seen[-1] == 19
    assert (len(seen) - 1) * 0.05 <= 0.3 + 0.15  # within the bound (and a poll)


def test_a_booking_refused_full_makes_the_next_read_show_it_full(
    app: Flask, client: FlaskClient, booking_hall: BookingHall, database_url: str
) -> None:
    """Another process fills a session the kept places still show open: the applicant's
    booking is refused `session_full`, and the page's reload of the sessions (right after
    the 409, well within the bound) shows it full, not a place that is gone."""
    first = sessions_of(client, "A")
    model(app).stale_s = 60.0
    assert lefts(client)[0] == 24
    other = create_engine(database_url)
    with other.begin() as conn:
        conn.execute(
            update(BookingSession).where(BookingSession.id == first[0]["id"]).values(taken=24)
        )
    other.dispose()
    assert lefts(client)[0] == 24  # the kept places, within the bound
    refused = book(client, "A", first[0]["id"], NIKS[2])
    assert refused.status_code == 409 and refused.get_json()["error"] == "session_full"
    assert lefts(client) == [0, 24, 24, 24, 24, 24, 24, 24]


def test_the_rules_are_read_again_after_an_admins_change(
    app: Flask, client: FlaskClient, booking_hall: BookingHall
) -> None:
    from queue_app.models import BookingSettings

    sessions_of(client, "A")
    answer = client.get(
        "/api/v1/booking/availability", query_string={"service": "A", "date": TUESDAY.isoformat()}
    ).get_json()
    assert answer["booking_open"] is True
    with app.app_context():
        db.session.add(BookingSettings(site_id=booking_hall.site_id, windows="16:00-22:00"))
        db.session.commit()
    shut = client.get(
        "/api/v1/booking/availability", query_string={"service": "A", "date": TUESDAY.isoformat()}
    ).get_json()
    assert shut["booking_open"] is False
    assert shut["opens_at"].startswith("2026-06-15T09:00:00")  # 16:00 in Jakarta


@BACKENDS
def test_readers_beside_bookers_never_see_a_place_free_after_its_booking(
    app: Flask, booking_hall: BookingHall
) -> None:
    """8 threads read availability while 8 others book 3 sessions of 10 places full (60
    attempts). Every read is one consistent state: within each session's places, never more
    left than the bookings answered 201 before the read began allow, and never going up."""
    probe = app.test_client()
    ids = [s["id"] for s in sessions_of(probe, "A")][:3]
    with app.app_context():
        for session_id in ids:
            set_places(session_id, 10)
    done: dict[int, list[float]] = defaultdict(list)  # session → when its 201s came back
    lock = threading.Lock()
    finished = threading.Event()
    jobs = iter([(NIKS[i], ids[i % 3]) for i in range(60)])
    start = threading.Barrier(16)

    def booker(_: int) -> None:
        client = app.test_client()
        start.wait()
        while True:
            with lock:
                job = next(jobs, None)
            if job is None:
                return
            response = book(client, "A", job[1], job[0])
            if response.status_code == 201:
                with lock:
                    done[job[1]].append(time.monotonic())
            else:
                assert response.get_json()["error"] == "session_full", response.get_json()

    def reader(_: int) -> list[tuple[float, dict[int, int]]]:
        client = app.test_client()
        start.wait()
        seen = []
        while not finished.is_set():
            began = time.monotonic()
            slots = {s["id"]: s for s in sessions_of(client, "A")}
            for session_id in ids:
                assert slots[session_id]["capacity"] == 10
                assert 0 <= slots[session_id]["left"] <= 10
            seen.append((began, {i: slots[i]["left"] for i in ids}))
            # A screen's pace, not a spin: 8 readers looping flat out held the interpreter
            # and made the 60 bookings take 20 s; they still read all through the bookings.
            time.sleep(0.005)
        return seen

    with ThreadPoolExecutor(max_workers=16) as pool:
        readers = [pool.submit(reader, n) for n in range(8)]
        bookers = [pool.submit(booker, n) for n in range(8)]
        for future in bookers:
            future.result()
        finished.set()
        reads = [future.result() for future in readers]

    assert all(len(done[i]) == 10 for i in ids), {i: len(done[i]) for i in ids}
    assert sum(len(seen) for seen in reads) >= 8
    for seen in reads:
        for (_, left), (_, later) in itertools.pairwise(seen):
            assert all(later[i] <= left[i] for i in ids), (left, later)  # never going up
        for began, left in seen:
            for session_id in ids:
                answered = sum(1 for at in done[session_id] if at < began)
                assert left[session_id] <= 10 - answered, (session_id, left, answered)
    assert lefts(probe)[:3] == [0, 0, 0]
    with app.app_context():
        held = db.session.scalars(select(Booking.session_id)).all()
        assert sorted(held) == sorted(ids * 10)
