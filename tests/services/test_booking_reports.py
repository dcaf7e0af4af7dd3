"""The reports' online-registration figures (issue 16), from bookings made, checked in,
cancelled and expired through the real verbs on a frozen clock.

The day (the booking hall of tests/web/booking_hall.py: A takes both channels, N online only,
W walk-ins only; Jakarta time):

Monday 07:00–07:30, for Tuesday:  A 08:00 ×4 (its places set to 6), A 09:00 ×2, N 08:00 ×2
Monday 08:00   A 08:00's third and N's second holder cancel
Tuesday 07:00  one more booking, of A 08:00 on Wednesday
Tuesday 08:05  A 08:00's first checks in; 08:10 three walk-ins take A, one W; 08:20 N's first
               checks in; 08:30 A 08:00's second checks in
Tuesday 09:10  A 09:00's first checks in; 09:16 the sweep expires A 08:00's fourth (a no-show)
Tuesday 10:30  A 09:00's second comes after its window: a walk-in ticket (late_walk_in)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time

import pytest
import time_machine
from flask import Flask
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from queue_app.domain.vocabulary import Channel
from queue_app.extensions import db
from queue_app.models import Booking, Service
from queue_app.services import bookings, tickets
from queue_app.services.holders import HolderId
from queue_app.services.reports import HallReport, Period

from ..web.booking_hall import MONDAY, NIKS, TUESDAY, BookingHall, build_booking_hall, local

WEDNESDAY = date(2026, 6, 17)


@dataclass
class BookingDay:
    hall: BookingHall
    #: Booking code by name (`a8-1` … `a9-2`, `n8-1`, `n8-2`, `wed`).
    codes: dict[str, str]


@contextmanager
def at(when: datetime) -> Iterator[datetime]:
    with time_machine.travel(when, tick=False):
        yield when


def holder(n: int) -> HolderId:
    return HolderId(kind="nik", value=NIKS[n], key=b"report-test-key-of-32-bytes-long")


def play_booking_day() -> BookingDay:
    """Play the module's day (inside an app context) and commit each step."""
    hall = build_booking_hall()
    session = db.session
    codes: dict[str, str] = {}
    plan = [
        ("a8-1", "A", time(8)),
        ("a8-2", "A", time(8)),
        ("a8-3", "A", time(8)),
        ("a8-4", "A", time(8)),
        ("a9-1", "A", time(9)),
        ("a9-2", "A", time(9)),
        ("n8-1", "N", time(8)),
        ("n8-2", "N", time(8)),
    ]
    service_ids = {"A": hall.service_a, "N": hall.service_n}
    for n, (name, service, start) in enumerate(plan):
        with at(local(MONDAY, time(7, n))) as now:
            place = _session(session, service_ids[service], TUESDAY, start, now)
            if name == "a8-1":
                bookings.set_capacity(session, place, 6)
            made, _, _ = bookings.book(
                session, hall.site_id, service, TUESDAY.isoformat(), place, holder(n), None, now
            )
            codes[name] = made.code
            session.commit()
    with at(local(MONDAY, time(8))) as now:
        for name in ("a8-3", "n8-2"):
            bookings.cancel(session, _token(session, codes[name]), now)
        session.commit()
    with at(local(TUESDAY, time(7))) as now:
        place = _session(session, hall.service_a, WEDNESDAY, time(8), now)
        made, _, _ = bookings.book(
            session, hall.site_id, "A", WEDNESDAY.isoformat(), place, holder(20), None, now
        )
        codes["wed"] = made.code
        session.commit()

    def check_in(name: str, when: datetime) -> Booking:
        with at(when) as now:
            booking, _ticket, _events = bookings.check_in(
                session,
                hall.site_id,
                code=codes[name],
                token=None,
                channel=Channel.KIOSK,
                staff_id=None,
                now=now,
            )
            session.commit()
            return booking

    check_in("a8-1", local(TUESDAY, time(8, 5)))
    with at(local(TUESDAY, time(8, 10))):
        for service_id in (hall.service_a, hall.service_a, hall.service_a, hall.service_w):
            tickets.issue_ticket(session, service_id, channel=Channel.KIOSK)
        session.commit()
    check_in("n8-1", local(TUESDAY, time(8, 20)))
    check_in("a8-2", local(TUESDAY, time(8, 30)))
    check_in("a9-1", local(TUESDAY, time(9, 10)))
    with at(local(TUESDAY, time(9, 16))) as now:
        assert bookings.expire_no_shows(session, hall.site_id, now) == 1
        session.commit()
    late = check_in("a9-2", local(TUESDAY, time(10, 30)))
    assert late.state == "expired" and late.ticket_id is None
    return BookingDay(hall, codes)


def _session(session: Session, service_id: int, day: date, start: time, now: datetime) -> int:
    service = session.get(Service, service_id)
    assert service is not None
    availability = bookings.availability(
        session, service.site_id, service.code, day.isoformat(), now
    )
    starts = local(day, start)
    return next(s.id for s in availability.sessions if s.starts_at == starts)


def _token(session: Session, code: str) -> str:
    return session.scalars(select(Booking.token).where(Booking.code == code)).one()


@pytest.fixture
def booking_day(app: Flask) -> Iterator[BookingDay]:
    with app.app_context():
        yield play_booking_day()


def figures(f: object) -> dict[str, object]:
    names = ("booked", "checked_in", "cancelled", "no_show", "late_walk_in", "still_booked")
    return {n: getattr(f, n) for n in names}


def report(site_id: int, first: date, last: date | None = None) -> HallReport:
    return HallReport(db.session, site_id, Period(first, last or first))


def test_each_booking_counts_once_on_its_day_by_what_became_of_it(
    booking_day: BookingDay,
) -> None:
    made = report(booking_day.hall.site_id, TUESDAY).bookings
    assert figures(made.totals) == {
        "booked": 8,
        "checked_in": 4,
        "cancelled": 2,
        "no_show": 1,
        "late_walk_in": 1,
        "still_booked": 0,
    }
    assert made.totals.expired == 2
    assert made.totals.show_rate == pytest.approx(4 / 6)
    assert made.totals.cancel_rate == pytest.approx(2 / 8)
    # Made on Monday, for Tuesday: Monday's report has none of them. Wednesday's has the one
    # booked for it, not come yet.
    monday = report(booking_day.hall.site_id, MONDAY).bookings
    assert monday.totals.booked == 0 and monday.totals.show_rate is None
    wednesday = report(booking_day.hall.site_id, WEDNESDAY).bookings
    assert figures(wednesday.totals)["still_booked"] == 1
    assert wednesday.totals.booked == 1 and wednesday.totals.show_rate == 0


def test_per_session_service_and_agency(booking_day: BookingDay) -> None:
    hall = booking_day.hall
    shown = report(hall.site_id, TUESDAY)
    sessions = {(s.code, key.starts): f for s, key, f in shown.session_rows()}
    # A and N are cut into the hall's eight hours (08:00–16:00); W takes walk-ins only.
    assert len([k for k in sessions if k[0] == "A"]) == 8
    assert len([k for k in sessions if k[0] == "N"]) == 8
    assert not [k for k in sessions if k[0] == "W"]
    first = sessions[("A", time(8))]
    assert first.places == 6  # the admin's override
    assert figures(first) == {
        "booked": 4,
        "checked_in": 2,
        "cancelled": 1,
        "no_show": 1,
        "late_walk_in": 0,
        "still_booked": 0,
    }
    assert first.show_rate == pytest.approx(2 / 3)
    second = sessions[("A", time(9))]
    assert (second.booked, second.checked_in, second.late_walk_in) == (2, 1, 1)
    assert second.show_rate == pytest.approx(0.5)
    empty = sessions[("A", time(15))]
    assert empty.booked == 0 and empty.show_rate is None and empty.places > 0
    assert sessions[("N", time(8))].show_rate == 1.0  # one kept, one cancelled

    by_service = {s.code: (f, c) for s, f, c in shown.booking_service_rows()}
    a, a_tickets = by_service["A"]
    assert (a.sessions, a.booked, a.checked_in, a.cancelled) == (8, 6, 3, 1)
    assert a.show_rate == pytest.approx(3 / 5)
    # A's tickets: three check-ins (online), three walk-ins and the late one's walk-in ticket.
    assert (a_tickets.issued, a_tickets.online, a_tickets.walk_in) == (7, 3, 4)
    assert a_tickets.online_share == pytest.approx(3 / 7)
    w, w_tickets = by_service["W"]
    assert w.booked == 0 and w.show_rate is None and w.cancel_rate is None
    assert (w_tickets.issued, w_tickets.online_share) == (1, 0)

    by_agency = {a.code: (f, c) for a, f, c in shown.booking_agency_rows()}
    assert figures(by_agency["BOTH"][0]) == figures(a)
    assert by_agency["ONL"][0].booked == 2 and by_agency["ONL"][1].online == 1
    assert shown.bookings.channels.issued == 9
    assert shown.bookings.channels.online_share == pytest.approx(4 / 9)


def test_a_range_adds_each_session_time_of_every_day(booking_day: BookingDay) -> None:
    shown = report(booking_day.hall.site_id, TUESDAY, WEDNESDAY)
    sessions = {(s.code, key.starts): f for s, key, f in shown.session_rows()}
    first = sessions[("A", time(8))]
    assert first.sessions == 2  # Tuesday's and Wednesday's
    assert (first.booked, first.still_booked) == (5, 1)
    wednesday = report(booking_day.hall.site_id, WEDNESDAY).session_rows()
    assert first.places == 6 + next(f.places for s, k, f in wednesday if k.starts == time(8))
    assert shown.bookings.totals.booked == 9


def test_the_figures_cost_two_statements_however_many_bookings(
    app: Flask, booking_day: BookingDay
) -> None:
    shown = report(booking_day.hall.site_id, TUESDAY)
    shown.report  # noqa: B018 - the ticket figures first: the channels come from their rows
    shown.services  # noqa: B018
    sent: list[str] = []

    def listen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        assert shown.bookings.totals.booked == 8
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    assert len(sent) == 2, sent
