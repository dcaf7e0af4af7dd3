"""The booking rush under concurrency (issue 16): many attempts against few places give
exactly the places there are, no session over its capacity, and every per-person limit held,
on a real SQLite file and on PostgreSQL, through the app with many threads."""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from flask import Flask
from sqlalchemy import func, select

from queue_app.extensions import db
from queue_app.models import Booking, BookingEvent, BookingSession, BookingSettings

from ..web.booking_hall import BOOKING_TIME, NIKS, TUESDAY, book, build_booking_hall, set_places
from .test_concurrency import BACKENDS, run_threads


@pytest.fixture(autouse=True)
def booking_time() -> Iterator[None]:
    with time_machine.travel(BOOKING_TIME, tick=False):
        yield


def stored_bookings() -> list[Booking]:
    return list(db.session.scalars(select(Booking).where(Booking.state == "booked")))


@BACKENDS
def test_the_first_askers_of_a_day_cut_its_sessions_once(app: Flask) -> None:
    with app.app_context():
        build_booking_hall()

    def ask(client: Any) -> list[int]:
        response = client.get(
            "/api/v1/booking/availability",
            query_string={"service": "A", "date": TUESDAY.isoformat()},
        )
        assert response.status_code == 200, response.get_json()
        return [s["id"] for s in response.get_json()["sessions"]]

    answers = run_threads(8, 16, ask, app)

    assert len({tuple(ids) for ids in answers}) == 1
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(BookingSession))
        assert count == 8


@BACKENDS
def test_many_attempts_against_few_places_give_exactly_the_places(app: Flask) -> None:
    """300 attempts by 100 holders (each tries all three sessions) against 3 × 4 places."""
    with app.app_context():
        build_booking_hall()
    sessions = [s["id"] for s in _sessions(app)][:3]
    with app.app_context():
        for session_id in sessions:
            set_places(session_id, 4)
    attempts = [(NIKS[i % 100], sessions[(i // 100 + i) % 3]) for i in range(300)]

    def attempt(client: Any, job: tuple[str, int]) -> tuple[int, str | None]:
        nik, session_id = job
        response = book(client, "A", session_id, nik)
        return response.status_code, response.get_json().get("error")

    results = Tally(_run(app, 16, attempts, attempt))

    assert results[(201, None)] == 12, results
    assert set(results) <= {(201, None), (409, "session_full"), (409, "already_booked")}
    with app.app_context():
        held = stored_bookings()
        assert len(held) == 12
        per_session = Tally(b.session_id for b in held)
        assert per_session == dict.fromkeys(sessions, 4)
        assert len({b.holder_hash for b in held}) == 12  # nobody holds two
        for row in db.session.scalars(select(BookingSession)):
            assert row.taken == per_session.get(row.id, 0)
        events = db.session.scalar(select(func.count()).select_from(BookingEvent))
        assert events == 12


@BACKENDS
def test_the_weekly_limit_holds_when_a_holder_books_everywhere_at_once(app: Flask) -> None:
    """With K = 1, 20 holders each book services A and N on the same day at once: each gets
    exactly one, whichever came first."""
    with app.app_context():
        hall = build_booking_hall()
        db.session.add(BookingSettings(site_id=hall.site_id, week_limit=1))
        db.session.commit()
    a = _sessions(app, "A")[0]["id"]
    n = _sessions(app, "N")[0]["id"]
    with app.app_context():
        set_places(a, 50)
        set_places(n, 50)
    attempts = [(NIKS[i], service, s) for i in range(20) for service, s in (("A", a), ("N", n))]

    def attempt(client: Any, job: tuple[str, str, int]) -> tuple[int, str | None]:
        nik, service, session_id = job
        response = book(client, service, session_id, nik)
        return response.status_code, response.get_json().get("error")

    results = Tally(_run(app, 12, attempts, attempt))

    assert results == {(201, None): 20, (409, "booking_limit"): 20}, results
    with app.app_context():
        held = stored_bookings()
        assert len({b.week_hash for b in held}) == 20


def _sessions(app: Flask, service: str = "A") -> list[dict[str, Any]]:
    response = app.test_client().get(
        "/api/v1/booking/availability",
        query_string={"service": service, "date": TUESDAY.isoformat()},
    )
    assert response.status_code == 200, response.get_json()
    sessions: list[dict[str, Any]] = response.get_json()["sessions"]
    return sessions


def _run(app: Flask, threads: int, jobs: list[Any], attempt: Any) -> list[Any]:
    """`attempt(client, job)` for each job on `threads` threads released at once."""
    queue = iter(jobs)
    lock = __import__("threading").Lock()

    def next_job(client: Any) -> Any:
        with lock:
            job = next(queue)
        return attempt(client, job)

    return run_threads(threads, len(jobs), next_job, app)
