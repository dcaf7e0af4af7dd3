"""The walk-in numbers left today, as the kiosk shows them (issue 16, item 1): under *both*
with a daily quota each service's figures carry `walk_in_left`, from the hall's read model
(built once per change, shared by every kiosk): the walk-in share, plus the no-shows' places
released to walk-ins, minus the walk-in numbers drawn. Check-ins (channel `online`) do not
count; a booking too late for its session that takes a walk-in ticket uses its own place. At
every step the figure agrees with what issuing enforces (`walk_in_share_left`, the 409), and
the read costs no statement more."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import time
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from queue_app.extensions import db, socketio
from queue_app.models import Service
from queue_app.realtime import snapshots
from queue_app.services import bookings

from ..helpers import bearer
from ..realtime.test_statement_counts import ISSUE, counted
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
    set_places,
)
from .conftest import assert_error

#: Tuesday 08:30 local: A's first session (08:00-09:00) is running, its check-in window open.
MORNING = local(TUESDAY, time(8, 30))
#: 09:16: that session and its 15 minutes of late tolerance are over.
AFTER_FIRST = local(TUESDAY, time(9, 16))

#: Statements of a whole read of this hall, and of an issue of A (walk-in share checked), both
#: as counted on the commit before `walk_in_left` existed: the figure added none.
WHOLE_READ = 13
ISSUE_WITH_SHARE = ISSUE + 2


@pytest.fixture
def hall(app: Flask) -> Iterator[BookingHall]:
    """Quota 6 for A (both, 50 %): 3 online, 3 walk-in; the admin gave A's first session
    the 3 online places (the default spreads them over the day); two of them booked on
    Monday."""
    with app.app_context():
        built = build_booking_hall(quota=6)
    with time_machine.travel(BOOKING_TIME, tick=False):
        client = app.test_client()
        first = sessions_of(client, "A")[0]["id"]
        with app.app_context():
            set_places(first, 3)
        for nik in NIKS[:2]:
            assert book(client, "A", first, nik).status_code == 201
    yield built


def shown(client: FlaskClient) -> dict[str, dict[str, Any]]:
    """Each service's figures on the board (what a kiosk is given on loading), by code; the
    services list of the API says the same."""
    board = client.get(f"{API}/board").get_json()
    services = {s["code"]: s for s in client.get(f"{API}/services").get_json()}
    for s in board["services"]:
        assert s["walk_in_left"] == services[s["code"]]["walk_in_left"], s["code"]
        assert s["channels"] == services[s["code"]]["channels"], s["code"]
    return {s["code"]: s for s in board["services"]}


def enforced(app: Flask, code: str, when: Any) -> int | None:
    """What issuing counts under the lock (services.bookings.walk_in_share_left)."""
    with app.app_context():
        service = db.session.scalars(select(Service).where(Service.code == code)).one()
        return bookings.walk_in_share_left(db.session, service, TUESDAY, when)


def agrees(app: Flask, client: FlaskClient, when: Any) -> int:
    """The kiosk's figure of A, checked against the count issuing makes and against the
    answer of the next issue: 201 while above 0, the walk-in share's 409 at 0."""
    left = shown(client)["A"]["walk_in_left"]
    assert left == max(0, enforced(app, "A", when) or 0)
    return int(left)


def issue(client: FlaskClient, code: str = "A") -> Any:
    return client.post(f"{API}/tickets", json={"service": code, "channel": "kiosk"})


def check_in(app: Flask, client: FlaskClient, code: str) -> Any:
    return client.post(
        f"{API}/bookings/check-in", json={"code": code}, headers=bearer(app, "clerk1")
    )


def codes_of_bookings(app: Flask) -> list[str]:
    from queue_app.models import Booking

    with app.app_context():
        return list(db.session.scalars(select(Booking.code).order_by(Booking.id)))


def test_the_figure_follows_issues_and_reaches_0_where_issuing_refuses(
    app: Flask, client: FlaskClient, hall: BookingHall
) -> None:
    with time_machine.travel(MORNING, tick=False):
        figures = shown(client)
        # W walk-ins only, N online only: no share to show.
        assert (figures["W"]["channels"], figures["W"]["walk_in_left"]) == ("walk_in", None)
        assert (figures["N"]["channels"], figures["N"]["walk_in_left"]) == ("online", None)
        assert figures["A"]["channels"] == "both"
        seen = [agrees(app, client, MORNING)]
        for _ in range(3):
            assert issue(client).status_code == 201
            seen.append(agrees(app, client, MORNING))
        assert seen == [3, 2, 1, 0]
        refused = issue(client)
        assert assert_error(refused, 409, "quota_reached")["detail"]["reason"] == "walk_in_share"
        # Another service's walk-ins do not touch A's share.
        assert issue(client, "W").status_code == 201
        assert agrees(app, client, MORNING) == 0


def test_check_ins_of_channel_online_are_not_counted(
    app: Flask, client: FlaskClient, hall: BookingHall
) -> None:
    first = codes_of_bookings(app)[0]
    with time_machine.travel(MORNING, tick=False):
        assert issue(client).status_code == 201
        before = shown(client)["A"]
        checked = check_in(app, client, first)
        assert checked.status_code == 201, checked.get_json()
        assert checked.get_json()["channel"] == "online"
        after = shown(client)["A"]
        assert after["walk_in_left"] == before["walk_in_left"] == 2
        assert after["quota_left"] == before["quota_left"] - 1  # the daily quota counts it
        assert agrees(app, client, MORNING) == 2


def test_the_no_shows_places_come_back_and_a_late_walk_in_uses_its_own(
    app: Flask, client: FlaskClient, hall: BookingHall
) -> None:
    late = codes_of_bookings(app)[1]
    with time_machine.travel(MORNING, tick=False):
        for _ in range(3):
            assert issue(client).status_code == 201
        assert agrees(app, client, MORNING) == 0
        assert_error(issue(client), 409, "quota_reached")
    # 09:16: both bookings of the first session never came: their places go to walk-ins.
    with time_machine.travel(AFTER_FIRST, tick=False):
        assert agrees(app, client, AFTER_FIRST) == 2
        # One of them comes late after all and takes a walk-in ticket: its place is its own
        # (released no more) and its ticket a walk-in one, so the figure drops by 2... less
        # the one it already counted as released: 2 - 1 (drawn) - 1 (not released) = 0.
        walked = check_in(app, client, late)
        assert walked.status_code == 201, walked.get_json()
        assert walked.get_json()["channel"] == "staff"
        assert agrees(app, client, AFTER_FIRST) == 0
        assert_error(issue(client), 409, "quota_reached")


def test_released_places_are_issued_to_the_last_one(
    app: Flask, client: FlaskClient, hall: BookingHall
) -> None:
    with time_machine.travel(AFTER_FIRST, tick=False):
        seen = [agrees(app, client, AFTER_FIRST)]
        while seen[-1] > 0:
            assert issue(client).status_code == 201
            seen.append(agrees(app, client, AFTER_FIRST))
        assert seen == [5, 4, 3, 2, 1, 0]
        assert_error(issue(client), 409, "quota_reached")


def test_a_service_keeping_its_no_shows_places_shows_none_back(
    app: Flask, client: FlaskClient, hall: BookingHall
) -> None:
    with app.app_context():
        service = db.session.scalars(select(Service).where(Service.code == "A")).one()
        service.release_no_shows = False
        db.session.commit()
    with time_machine.travel(AFTER_FIRST, tick=False):
        assert agrees(app, client, AFTER_FIRST) == 3


def test_the_kiosks_queue_news_carries_the_figure(
    app: Flask, client: FlaskClient, hall: BookingHall
) -> None:
    with time_machine.travel(MORNING, tick=False):
        kiosk = socketio.test_client(app, query_string="board=1")
        kiosk.get_received()
        assert issue(client).status_code == 201
        news = [m["args"][0] for m in kiosk.get_received() if m["name"] == "queue"]
        kiosk.disconnect()
    assert news, "no queue news"
    a = next(s for s in news[-1]["services"] if s["code"] == "A")
    assert (a["channels"], a["walk_in_left"]) == ("both", 2)


def test_the_figure_costs_no_statement_and_issuing_none_more(
    app: Flask, client: FlaskClient, hall: BookingHall
) -> None:
    """A whole read of the hall (with today's bookings) reads the figure with what it read
    before: the drawn numbers by channel in the one statement that counted them, the late
    walk-ins in the bookings' one. An issue is carried forward, not read again, within the
    issue's budget."""
    with time_machine.travel(MORNING, tick=False):
        assert issue(client).status_code == 201
        with app.app_context():
            with counted(app) as whole:
                snapshot = snapshots.build(db.session, hall.site_id)
                figures = {s["code"]: s["walk_in_left"] for s in snapshot.services}
            db.session.rollback()
        assert figures["A"] == 2
        # The same 13 statements as before the figure was added (measured on the commit before
        # it): the drawn numbers by channel and the late walk-ins come with reads made anyway.
        assert len(whole) <= WHOLE_READ, whole
        with app.app_context():
            reads = snapshots.cache().whole_reads
        with counted(app) as issuing:
            assert issue(client).status_code == 201
        with app.app_context():
            assert snapshots.cache().whole_reads == reads
        # As before too: the issue budget, plus the walk-in share's count under the lock
        # (services.tickets._refuse_over_walk_in_share), which the figure did not change.
        assert len(issuing) <= ISSUE_WITH_SHARE, issuing
        assert shown(client)["A"]["walk_in_left"] == 1
