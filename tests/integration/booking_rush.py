"""The booking rush (issue 16) against a real server: a hall whose booking is open now (the
servers' clock is real), many clients booking at once with repeated holder ids, and what the
database holds afterwards. tests/integration/test_booking_rush.py runs it on SQLite in one
gunicorn process, tests/cluster/test_booking_rush.py on PostgreSQL with 2 processes behind
nginx; bench/booking.py measures the same requests.

The plan: holder h makes 4 attempts, one after another in the queue of attempts: service A
twice (the second is `already_booked` when the first got in), then B, then C. The week limit
is 2, so a holder who got A and B is refused C (`booking_limit`). Each service's places are
spread over 4 sessions and its attempts over them in turn, so every session is asked for
several times its places: all of them fill, and the total booked is the hall's places."""

from __future__ import annotations

import threading
from collections import Counter as Tally
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from time import perf_counter
from typing import Any

import requests
from sqlalchemy import func, select

from queue_app.domain.numbering import service_day, site_zone
from queue_app.extensions import db
from queue_app.models import Booking, BookingEvent, BookingSession, BookingSettings
from queue_app.services import bookings
from queue_app.services.clock import utcnow

from ..conftest import make_app
from ..helpers import make_agency, make_service, make_site

SERVICES = "ABC"
WEEK_LIMIT = 2
#: The share of the hall's places each service gets.
SHARES = {"A": 0.4, "B": 0.3, "C": 0.3}
SESSIONS = 4
#: Valid NIKs (Jakarta, born 15-06-1990), one per holder.
NIKS = [f"317101150690{n:04d}" for n in range(1, 10000)]
#: What a booking attempt may answer in a rush: booked, refused, or slowed down.
ALLOWED = {
    (201, None),
    (409, "session_full"),
    (409, "already_booked"),
    (409, "booking_limit"),
    (429, "rate_limited"),
}


@dataclass
class RushHall:
    site_id: int
    day: date
    #: Service code → its session ids, in order.
    sessions: dict[str, list[int]]
    #: Session id → its places.
    places: dict[int, int]
    #: Service code → its id.
    service_ids: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.places.values())


def split(total: int, parts: int) -> list[int]:
    """`total` in `parts` nearly equal whole pieces."""
    return [total // parts + (1 if k < total % parts else 0) for k in range(parts)]


def build_rush_hall(database_url: str, places: int, name: str = "rush") -> RushHall:
    """A site open 08:00-12:00 (4 hourly sessions a service) whose booking is open around the
    clock every day, the day after tomorrow bookable (so a run across local midnight still
    books it), 3 online-only services sharing `places` places, each session's set by hand."""
    app = make_app(database_url)
    with app.app_context():
        session = db.session
        site = make_site(session, name=name, opens_at=time(8), closes_at=time(12))
        online = make_agency(session, site, f"R{site.id}", walk_in=False)
        services = [make_service(session, site, code, agency=online) for code in SERVICES]
        session.add(
            BookingSettings(
                site_id=site.id,
                windows="00:00-00:00",
                working_days="1234567",
                days_ahead=3,
                week_limit=WEEK_LIMIT,
                session_min=60,
            )
        )
        session.flush()
        day = service_day(utcnow(), site_zone(site.timezone)) + timedelta(days=2)
        book = bookings.rules_of(session, site)
        hall = RushHall(site.id, day, {}, {})
        shares = split_places(places)
        for service in services:
            rows = bookings.ensure_sessions(session, site, service, day, book)
            assert len(rows) == SESSIONS
            hall.sessions[service.code] = [row.id for row in rows]
            hall.service_ids[service.code] = service.id
            for row, n in zip(rows, split(shares[service.code], SESSIONS), strict=True):
                row.capacity_override = n
                hall.places[row.id] = n
        session.commit()
        session.remove()
        db.engine.dispose()
    assert hall.total == places
    return hall


def split_places(places: int) -> dict[str, int]:
    counts = {code: int(places * share) for code, share in SHARES.items()}
    counts["A"] += places - sum(counts.values())
    return counts


def plan(hall: RushHall, attempts: int) -> list[tuple[str, str, int]]:
    """`attempts` attempts (holder id, service code, session id), 4 per holder (see above)."""
    jobs = []
    for i in range(attempts):
        holder, k = divmod(i, 4)
        code = "AABC"[k]
        turn = holder + (1 if k == 1 else 0)  # the second A goes to the next session
        jobs.append((NIKS[holder], code, hall.sessions[code][turn % SESSIONS]))
    return jobs


@dataclass
class Outcomes:
    """What the clients saw, counted safely."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    answers: Tally[tuple[int, str | None]] = field(default_factory=Tally)
    codes: list[str] = field(default_factory=list)
    #: Seconds each request took, in order of completion.
    latencies: list[float] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)

    def add(self, status: int, body: Any, seconds: float) -> None:
        error = body.get("error") if isinstance(body, dict) and status != 201 else None
        with self.lock:
            self.answers[(status, error)] += 1
            self.latencies.append(seconds)
            if status == 201:
                self.codes.append(body["code"])
            if (status, error) not in ALLOWED and len(self.unexpected) < 10:
                self.unexpected.append(f"{status}: {str(body)[:300]}")


def rush(
    base: str,
    hall: RushHall,
    jobs: list[tuple[str, str, int]],
    clients: int,
    client: Callable[[int], requests.Session] = lambda _n: requests.Session(),
) -> Outcomes:
    """Every job attempted once by `clients` concurrent clients (threads, each with its own
    keep-alive connection), all released at once."""

    outcomes = Outcomes()
    queue = iter(jobs)
    take = threading.Lock()
    start = threading.Barrier(clients)
    url = f"{base}/api/v1/bookings?site={hall.site_id}"
    day = hall.day.isoformat()

    def run(n: int) -> None:
        with client(n) as http:
            start.wait()
            while True:
                with take:
                    job = next(queue, None)
                if job is None:
                    return
                nik, code, session_id = job
                began = perf_counter()
                try:
                    response = http.post(
                        url,
                        json={
                            "service": code,
                            "date": day,
                            "session": session_id,
                            "holder_id": nik,
                        },
                        timeout=60,
                    )
                except requests.RequestException as exc:
                    outcomes.add(0, {"error": type(exc).__name__}, perf_counter() - began)
                    continue
                try:
                    body = response.json()
                except ValueError:
                    body = {"error": response.text[:200]}
                outcomes.add(response.status_code, body, perf_counter() - began)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(thread.is_alive() for thread in threads), "clients still running after 120 s"
    return outcomes


def assert_rush(database_url: str, hall: RushHall, outcomes: Outcomes, attempts: int) -> None:
    """Exactly the hall's places booked, no session over its places (each session's `taken`
    equal to its holding bookings), every per-person limit held, no answer but 201/409/429."""
    assert not outcomes.unexpected, outcomes.unexpected
    assert sum(outcomes.answers.values()) == attempts, outcomes.answers
    assert set(outcomes.answers) <= ALLOWED, outcomes.answers
    assert outcomes.answers[(201, None)] == hall.total, outcomes.answers
    # Every refusal the plan is built to meet, met.
    for refusal in ("session_full", "already_booked", "booking_limit"):
        assert outcomes.answers[(409, refusal)] > 0, outcomes.answers
    app = make_app(database_url)
    with app.app_context():
        session = db.session
        held = session.execute(
            select(Booking.code, Booking.service_id, Booking.session_id, Booking.holder_hash)
            .add_columns(Booking.week_hash, Booking.day, Booking.state)
            .where(Booking.site_id == hall.site_id)
        ).all()
        assert len(held) == hall.total
        assert {row.state for row in held} == {"booked"}
        assert sorted(row.code for row in held) == sorted(outcomes.codes)
        per_session = Tally(row.session_id for row in held)
        for row in session.scalars(
            select(BookingSession).where(BookingSession.site_id == hall.site_id)
        ):
            assert row.taken == per_session.get(row.id, 0), (row.id, row.taken)
            assert row.taken <= row.places, (row.id, row.taken, row.places)
            assert row.taken == hall.places[row.id]  # every session full, none over
        per_day = Tally((row.service_id, row.day, row.holder_hash) for row in held)
        assert max(per_day.values()) == 1, "a holder booked one service twice on a day"
        per_week = Tally(row.week_hash for row in held)
        assert max(per_week.values()) <= WEEK_LIMIT, "a holder booked past the week limit"
        assert max(per_week.values()) == WEEK_LIMIT  # the limit was reached, and held
        events = session.scalar(
            select(func.count())
            .select_from(BookingEvent)
            .where(BookingEvent.site_id == hall.site_id, BookingEvent.action == "book")
        )
        assert events == hall.total
        session.remove()
        db.engine.dispose()


def availability_left(
    http: requests.Session, base: str, hall: RushHall, code: str
) -> dict[int, int]:
    """A service day's places left, as `GET /api/v1/booking/availability` shows them."""
    response = http.get(
        f"{base}/api/v1/booking/availability",
        params={"service": code, "date": hall.day.isoformat(), "site": hall.site_id},
        timeout=30,
    )
    assert response.status_code == 200, response.text[:300]
    return {s["id"]: s["left"] for s in response.json()["sessions"]}
