"""A hall for online registration tests (issue 16): opens 08:00-16:00 in Jakarta, service A
(one counter, 5 minutes a service: 12 places an hour) of an agency taking both channels,
service W of walk-ins only, service N online only; a clerk. The clock: Monday 15 June 2026,
07:00 local, inside the morning booking window; the next working day is Tuesday."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask.testing import FlaskClient

from queue_app.domain.vocabulary import Role
from queue_app.extensions import db
from queue_app.models import BookingSession

from ..helpers import make_agency, make_counter, make_service, make_site, make_user

API = "/api/v1"
WIB = timedelta(hours=7)
MONDAY = date(2026, 6, 15)
TUESDAY = date(2026, 6, 16)


def local(day: date, at: time) -> datetime:
    """A Jakarta wall-clock time as an aware UTC datetime."""
    return datetime.combine(day, at, tzinfo=UTC) - WIB


#: 07:00 on Monday, local: booking is open (06:00-10:00).
BOOKING_TIME = local(MONDAY, time(7))

#: Valid NIKs (Jakarta, born 15-06-1990; a woman's day +40), one per holder.
NIKS = [f"317101150690{n:04d}" for n in range(1, 10000)]


@dataclass
class BookingHall:
    site_id: int
    service_a: int
    service_w: int
    service_n: int
    counter: int


def build_booking_hall(quota: int | None = None, counters: int = 1) -> BookingHall:
    session = db.session
    site = make_site(session, opens_at=time(8), closes_at=time(16))
    both = make_agency(session, site, "BOTH")
    both.channels = "both"
    online = make_agency(session, site, "ONL", walk_in=False)
    a = make_service(session, site, "A", quota=quota, agency=both)
    w = make_service(session, site, "W")
    n = make_service(session, site, "N", agency=online)
    first = make_counter(session, site, 1, [a, n, w])
    for number in range(2, counters + 1):
        make_counter(session, site, number, [a])
    make_user(session, "clerk1", Role.CLERK, [first])
    make_user(session, "super", Role.SUPERVISOR)
    session.commit()
    return BookingHall(site.id, a.id, w.id, n.id, first.id)


def sessions_of(client: FlaskClient, service: str, day: date = TUESDAY) -> list[dict[str, Any]]:
    response = client.get(
        f"{API}/booking/availability", query_string={"service": service, "date": day.isoformat()}
    )
    assert response.status_code == 200, response.get_json()
    sessions: list[dict[str, Any]] = response.get_json()["sessions"]
    return sessions


def book(client: FlaskClient, service: str, session_id: int, nik: str, day: date = TUESDAY) -> Any:
    return client.post(
        f"{API}/bookings",
        json={"service": service, "date": day.isoformat(), "session": session_id, "holder_id": nik},
    )


def set_places(session_id: int, places: int) -> None:
    row = db.session.get(BookingSession, session_id)
    assert row is not None
    row.capacity_override = places
    db.session.commit()
