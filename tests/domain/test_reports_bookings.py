"""The reports' online-registration figures (issue 16), pure: what each booking counts as, the
show, cancellation and online-share ratios (none without a whole to divide), and the grouping
per session time, service, agency and site."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from queue_app.domain.reports import (
    BookingEventRow,
    BookingFigures,
    BookingRow,
    ChannelFigures,
    SessionKey,
    SessionRow,
    TicketRow,
    booking_outcome,
    build_booking_report,
    ratio,
)

JAKARTA = ZoneInfo("Asia/Jakarta")
DAY = date(2026, 6, 16)
A, B = 1, 2
AGENCY = 10


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=JAKARTA).astimezone(UTC)


def session(sid: int, service: int, hour: int, places: int, day: date = DAY) -> SessionRow:
    return SessionRow(sid, service, day, at(hour, day=day), at(hour + 1, day=day), places)


def story(booking_id: int, *steps: tuple[str, str, str | None]) -> list[BookingEventRow]:
    """`book`, then each (action, to_state, reason), a minute apart."""
    rows = [BookingEventRow(booking_id, booking_id * 10, "book", "booked", at(6))]
    for n, (action, to_state, reason) in enumerate(steps, 1):
        rows.append(
            BookingEventRow(booking_id, booking_id * 10 + n, action, to_state, at(7, n), reason)
        )
    return rows


def ticket(tid: int, service: int, channel: str) -> TicketRow:
    return TicketRow(tid, f"X-{tid:03d}", tid, service, DAY, None, channel)


def test_a_booking_counts_as_its_last_event_says() -> None:
    assert booking_outcome(story(1)) == "still_booked"
    assert booking_outcome(story(1, ("check_in", "checked_in", None))) == "checked_in"
    assert booking_outcome(story(1, ("cancel", "cancelled", None))) == "cancelled"
    assert booking_outcome(story(1, ("expire", "expired", "no_show"))) == "no_show"
    assert booking_outcome(story(1, ("expire", "expired", "late_walk_in"))) == "late_walk_in"
    # An expiry naming no reason is a no-show; the log's order decides, not the list's.
    assert booking_outcome(story(1, ("expire", "expired", None))) == "no_show"
    assert booking_outcome(reversed(story(1, ("check_in", "checked_in", None)))) == "checked_in"


def test_no_whole_no_ratio() -> None:
    """Nothing to divide by gives None (the page shows a dash), never a ZeroDivisionError."""
    assert ratio(0, 0) is None
    assert ratio(3, 4) == 0.75
    empty = BookingFigures()
    assert empty.show_rate is None and empty.cancel_rate is None
    # Everything cancelled: a cancellation rate, but no show rate (nobody was expected).
    cancelled = BookingFigures(booked=2, cancelled=2)
    assert cancelled.cancel_rate == 1.0 and cancelled.show_rate is None
    assert ChannelFigures().online_share is None and ChannelFigures().walk_in_share is None


def test_show_rate_is_checked_in_over_the_bookings_not_cancelled() -> None:
    f = BookingFigures(
        booked=10, checked_in=5, cancelled=2, no_show=2, late_walk_in=1, still_booked=0
    )
    assert f.kept == 8 and f.expired == 3
    assert f.show_rate == 5 / 8
    assert f.cancel_rate == 2 / 10
    c = ChannelFigures(issued=8, online=2)
    assert (c.walk_in, c.online_share, c.walk_in_share) == (6, 0.25, 0.75)


def test_figures_per_session_time_service_agency_and_site() -> None:
    sessions = [
        session(100, A, 8, 6),
        session(101, A, 9, 6),
        session(200, B, 8, 3),
        session(102, A, 8, 5, day=DAY + timedelta(days=1)),
    ]
    bookings = [
        BookingRow(1, 100, A, DAY),
        BookingRow(2, 100, A, DAY),
        BookingRow(3, 100, A, DAY),
        BookingRow(4, 101, A, DAY),
        BookingRow(5, 200, B, DAY),
        BookingRow(6, 102, A, DAY + timedelta(days=1)),
    ]
    events = [
        *story(1, ("check_in", "checked_in", None)),
        *story(2, ("cancel", "cancelled", None)),
        *story(3, ("expire", "expired", "no_show")),
        *story(4, ("expire", "expired", "late_walk_in")),
        *story(5, ("check_in", "checked_in", None)),
        *story(6),
    ]
    tickets = [ticket(1, A, "online"), ticket(2, A, "kiosk"), ticket(3, A, "staff")]
    tickets += [ticket(4, B, "online"), ticket(5, B, "api")]
    made = build_booking_report(sessions, bookings, events, tickets, JAKARTA, {A: AGENCY})

    eight = made.by_session[SessionKey(A, time(8), time(9))]
    # Two days' 08:00 sessions of A together: their places, and every booking of them.
    assert (eight.sessions, eight.places, eight.booked) == (2, 11, 4)
    assert (eight.checked_in, eight.cancelled, eight.no_show, eight.still_booked) == (1, 1, 1, 1)
    assert eight.show_rate == 1 / 3
    nine = made.by_session[SessionKey(A, time(9), time(10))]
    assert (nine.booked, nine.late_walk_in, nine.show_rate) == (1, 1, 0)
    assert made.by_service[A].booked == 5 and made.by_service[A].sessions == 3
    assert made.by_service[B].show_rate == 1
    # B has no agency given: it counts for the site, not under an agency.
    assert made.by_agency == {AGENCY: made.by_service[A]}
    assert (made.totals.booked, made.totals.checked_in, made.totals.places) == (6, 2, 20)
    assert made.totals.show_rate == 2 / 5

    assert (made.channels.issued, made.channels.online) == (5, 2)
    assert made.channels_by_service[A].online_share == pytest.approx(1 / 3)
    assert made.channels_by_service[B].walk_in == 1
    assert made.channels_by_agency[AGENCY].issued == 3


def test_a_day_without_bookings_or_tickets() -> None:
    made = build_booking_report([session(1, A, 8, 4)], [], [], [], JAKARTA, {A: AGENCY})
    assert made.totals.places == 4 and made.totals.booked == 0
    assert made.totals.show_rate is None and made.channels.online_share is None
    assert made.by_session[SessionKey(A, time(8), time(9))].show_rate is None
