"""Online registration through the API (issue 16): availability, booking and its refusals,
the per-person limits, cancelling, check-in with a frozen clock, the channel policy at the
kiosk, the walk-in share and the no-shows' expiry."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import time, timedelta
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from queue_app.domain.errors import InvalidSession
from queue_app.extensions import db
from queue_app.models import Booking, BookingEvent, BookingSettings, Service, Ticket, Zone
from queue_app.services import bookings, devices

from ..helpers import bearer
from .booking_hall import (
    API,
    BOOKING_TIME,
    MONDAY,
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


@pytest.fixture
def hall(app: Flask) -> BookingHall:
    with app.app_context():
        return build_booking_hall()


@pytest.fixture
def booking_time() -> Iterator[None]:
    with time_machine.travel(BOOKING_TIME, tick=False):
        yield


pytestmark = pytest.mark.usefixtures("booking_time")


def test_availability_lists_hourly_sessions_with_places_from_the_counters(
    client: FlaskClient, hall: BookingHall
) -> None:
    answer = client.get(
        f"{API}/booking/availability", query_string={"service": "a", "date": "2026-06-16"}
    ).get_json()
    assert answer["service"]["code"] == "A"
    assert answer["booking_open"] is True
    assert answer["date"] == "2026-06-16"
    sessions = answer["sessions"]
    assert len(sessions) == 8  # 08:00-16:00, one an hour
    assert sessions[0]["starts_at"] == local(TUESDAY, time(8)).isoformat()
    assert sessions[0]["ends_at"] == local(TUESDAY, time(9)).isoformat()
    # one counter × 3600 s ÷ 300 s
    assert {(s["capacity"], s["left"]) for s in sessions} == {(12, 12)}
    # asked again: the same sessions (cut once)
    assert [s["id"] for s in sessions_of(client, "A")] == [s["id"] for s in sessions]


def test_availability_refuses_a_bad_or_unbookable_day_in_words(
    client: FlaskClient, hall: BookingHall
) -> None:
    url = f"{API}/booking/availability"
    bad = assert_error(client.get(url, query_string={"service": "A", "date": "16-06-2026"}), 422)
    assert bad["error"] == "invalid_date"
    assert_error(client.get(url, query_string={"service": "A"}), 422, "invalid_date")
    today = client.get(url, query_string={"service": "A", "date": "2026-06-15"})
    assert assert_error(today, 422, "invalid_date")["detail"]["reason"] == "today"
    far = client.get(url, query_string={"service": "A", "date": "2026-06-17"})
    body = assert_error(far, 422, "invalid_date")
    assert body["detail"] == {"field": "date", "reason": "too_far", "bookable": ["2026-06-16"]}
    assert_error(client.get(url, query_string={"service": "ZZ", "date": "2026-06-16"}), 404)
    assert_error(client.get(url, query_string={"date": "2026-06-16"}), 422, "invalid_input")


def test_a_walk_in_only_service_has_no_sessions_and_refuses_bookings(
    client: FlaskClient, hall: BookingHall
) -> None:
    answer = client.get(
        f"{API}/booking/availability", query_string={"service": "W", "date": "2026-06-16"}
    ).get_json()
    assert answer["sessions"] == [] and answer["booking_open"] is False
    a_session = sessions_of(client, "A")[0]["id"]
    assert_error(book(client, "W", a_session, NIKS[0]), 409, "walk_in_only")


def test_a_booking_answers_its_code_token_and_page_and_takes_a_place(
    app: Flask, client: FlaskClient, hall: BookingHall
) -> None:
    first = sessions_of(client, "A")[1]
    response = book(client, "A", first["id"], "3171 0115 0690 0001")
    assert response.status_code == 201, response.get_json()
    made = response.get_json()
    assert made["state"] == "booked"
    assert len(made["code"]) == 6 and not set(made["code"]) & set("0O1I")
    assert made["status_url"] == f"https://loket.example.id/b/{made['token']}"
    assert made["session"] == {k: first[k] for k in ("id", "starts_at", "ends_at")}
    assert made["zone"]["name"] and made["agency"]["code"] == "BOTH"
    assert sessions_of(client, "A")[1]["left"] == 11
    view = client.get(f"{API}/bookings/by-token/{made['token']}").get_json()
    assert view["code"] == made["code"] and "token" not in view
    with app.app_context():
        row = db.session.scalars(select(Booking)).one()
        stored = " ".join(str(getattr(row, c.key)) for c in Booking.__table__.columns)
        assert NIKS[0] not in stored  # only its keyed hashes
        events = db.session.scalars(select(BookingEvent.action)).all()
        assert events == ["book"]


def test_one_active_booking_per_holder_service_and_day_and_k_a_week(
    app: Flask, client: FlaskClient, hall: BookingHall
) -> None:
    with app.app_context():
        db.session.add(BookingSettings(site_id=hall.site_id, days_ahead=3))
        db.session.commit()
    a = sessions_of(client, "A")
    assert book(client, "A", a[0]["id"], NIKS[0]).status_code == 201
    assert_error(book(client, "A", a[1]["id"], NIKS[0]), 409, "already_booked")
    n = sessions_of(client, "N")
    assert book(client, "N", n[0]["id"], NIKS[0]).status_code == 201
    # the third of the week, another day: the limit of 2
    wednesday = TUESDAY + timedelta(days=1)
    later = sessions_of(client, "A", wednesday)
    assert_error(book(client, "A", later[0]["id"], NIKS[0], wednesday), 409, "booking_limit")
    assert book(client, "A", later[0]["id"], NIKS[1], wednesday).status_code == 201


def test_a_full_session_refuses_and_a_cancel_frees_its_place(
    app: Flask, client: FlaskClient, hall: BookingHall
) -> None:
    first = sessions_of(client, "A")[0]["id"]
    with app.app_context():
        set_places(first, 1)
    made = book(client, "A", first, NIKS[0]).get_json()
    assert_error(book(client, "A", first, NIKS[1]), 409, "session_full")
    cancelled = client.post(f"{API}/bookings/by-token/{made['token']}/cancel")
    assert cancelled.status_code == 200 and cancelled.get_json()["state"] == "cancelled"
    assert_error(client.post(f"{API}/bookings/by-token/{made['token']}/cancel"), 409)
    assert book(client, "A", first, NIKS[1]).status_code == 201
    assert_error(client.post(f"{API}/bookings/by-token/nothing/cancel"), 404)


def test_booking_is_closed_outside_the_windows_and_says_when_it_opens(
    client: FlaskClient, hall: BookingHall
) -> None:
    first = sessions_of(client, "A")[0]["id"]
    with time_machine.travel(local(MONDAY, time(11)), tick=False):
        body = assert_error(book(client, "A", first, NIKS[0]), 403, "booking_closed")
        assert body["detail"]["opens_at"] == local(MONDAY, time(16)).isoformat()
        answer = client.get(
            f"{API}/booking/availability", query_string={"service": "A", "date": "2026-06-16"}
        ).get_json()
        assert answer["booking_open"] is False
        assert answer["opens_at"] == local(MONDAY, time(16)).isoformat()


@pytest.mark.parametrize(
    ("change", "code", "words"),
    [
        ({"holder_id": "3171011506900"}, "invalid_holder_id", "16 digits"),
        ({"holder_id": "9971011506900001"}, "invalid_holder_id", "province code"),
        ({"holder_id": "3171013206900001"}, "invalid_holder_id", "day of birth"),
        ({"holder_id": None}, "invalid_holder_id", "NIK"),
        ({"date": "2026-13-01"}, "invalid_date", "YYYY-MM-DD"),
        ({"date": "2026-06-14"}, "invalid_date", "past"),
        ({"session": 999_999}, "invalid_session", "not a session"),
        ({"session": "1"}, "invalid_input", "session"),
        ({"name": 5}, "invalid_input", "name"),
    ],
)
def test_bad_input_is_a_clear_422_and_books_nothing(
    app: Flask,
    client: FlaskClient,
    hall: BookingHall,
    change: dict[str, Any],
    code: str,
    words: str,
) -> None:
    first = sessions_of(client, "A")[0]["id"]
    body = {"service": "A", "date": "2026-06-16", "session": first, "holder_id": NIKS[0]}
    body.update(change)
    error = assert_error(client.post(f"{API}/bookings", json=body), 422, code)
    assert words in error["message"]
    with app.app_context():
        assert db.session.scalars(select(Booking)).all() == []


def booked(client: FlaskClient, index: int = 0, nik: str = NIKS[0]) -> dict[str, Any]:
    sessions = sessions_of(client, "A")
    response = book(client, "A", sessions[index]["id"], nik)
    assert response.status_code == 201, response.get_json()
    made: dict[str, Any] = response.get_json()
    return made


def check_in(app: Flask, client: FlaskClient, **body: str) -> Any:
    return client.post(f"{API}/bookings/check-in", json=body, headers=bearer(app, "clerk1"))


def test_check_in_outcomes_with_a_frozen_clock(
    app: Flask, client: FlaskClient, hall: BookingHall
) -> None:
    made = booked(client, 1)  # Tuesday 09:00-10:00, check-in 08:30-10:15
    code = made["code"]
    assert_error(check_in(app, client, code=code), 409, "not_today")
    with time_machine.travel(local(TUESDAY, time(8, 29)), tick=False):
        early = assert_error(check_in(app, client, code=code.lower()), 409, "too_early")
        assert early["detail"]["opens_at"] == local(TUESDAY, time(8, 30)).isoformat()
        assert_error(check_in(app, client, code="XXXXXX"), 404, "not_found")
        assert_error(check_in(app, client, code="XXX"), 404, "not_found")
        assert_error(check_in(app, client), 422)
        assert_error(client.post(f"{API}/bookings/check-in", json={"code": code}), 401)
    with time_machine.travel(local(TUESDAY, time(8, 40)), tick=False):
        response = check_in(app, client, token=made["token"])
        assert response.status_code == 201, response.get_json()
        ticket = response.get_json()
        assert ticket["channel"] == "online" and ticket["booking"] == code
        assert ticket["code"] == "A-001"
        assert_error(check_in(app, client, code=code), 409, "already_checked_in")
        assert_error(client.post(f"{API}/bookings/by-token/{made['token']}/cancel"), 409)
    with app.app_context():
        row = db.session.get(Ticket, ticket["id"])
        assert row is not None and row.channel == "online"
        assert row.queue_at == local(TUESDAY, time(9))  # queued from its session's start


def test_an_online_ticket_goes_ahead_of_walk_ins_who_came_after_its_session_began(
    app: Flask, client: FlaskClient, hall: BookingHall
) -> None:
    made = booked(client, 1)  # 09:00-10:00
    with time_machine.travel(local(TUESDAY, time(9, 5)), tick=False):
        walk_in = client.post(f"{API}/tickets", json={"service": "A"}).get_json()
    with time_machine.travel(local(TUESDAY, time(9, 20)), tick=False):
        online = check_in(app, client, code=made["code"]).get_json()
        called = client.post(
            f"{API}/counters/{hall.counter}/call-next", headers=bearer(app, "clerk1")
        ).get_json()
    assert called["id"] == online["id"] != walk_in["id"]


def test_too_late_is_refused_online_only_and_a_walk_in_where_walk_ins_are_taken(
    app: Flask, client: FlaskClient, hall: BookingHall
) -> None:
    a = booked(client, 0)  # A (both channels): 08:00-09:00, until 09:15
    n_session = sessions_of(client, "N")[0]["id"]
    n = book(client, "N", n_session, NIKS[1]).get_json()
    with time_machine.travel(local(TUESDAY, time(9, 16)), tick=False):
        assert_error(check_in(app, client, code=n["code"]), 409, "too_late")
        late = check_in(app, client, code=a["code"])
        assert late.status_code == 201, late.get_json()
        assert late.get_json()["channel"] == "staff"  # a walk-in ticket, issued at the desk
        assert_error(check_in(app, client, code=a["code"]), 409, "booking_expired")


def test_the_kiosk_follows_the_channel_policy(
    app: Flask, client: FlaskClient, hall: BookingHall
) -> None:
    with time_machine.travel(local(TUESDAY, time(9)), tick=False):
        refused = client.post(f"{API}/tickets", json={"service": "N"})
        assert_error(refused, 409, "walk_in_not_accepted")
        assert client.post(f"{API}/tickets", json={"service": "W"}).status_code == 201
        assert client.post(f"{API}/tickets", json={"service": "A"}).status_code == 201


def test_walk_ins_get_their_share_of_the_quota_and_the_no_shows_places(app: Flask) -> None:
    with app.app_context():
        hall = build_booking_hall(quota=6)  # both, 50 %: 3 online, 3 walk-in
    client = app.test_client()
    sessions = sessions_of(client, "A")
    assert sum(s["capacity"] for s in sessions) == 3
    made = book(client, "A", sessions[0]["id"], NIKS[0]).get_json()
    with time_machine.travel(local(TUESDAY, time(8, 30)), tick=False):
        for _ in range(3):
            assert client.post(f"{API}/tickets", json={"service": "A"}).status_code == 201
        refused = client.post(f"{API}/tickets", json={"service": "A"})
        assert assert_error(refused, 409, "quota_reached")["detail"]["reason"] == "walk_in_share"
    # the booking never came: after 09:15 its place goes to walk-ins
    with time_machine.travel(local(TUESDAY, time(9, 16)), tick=False):
        assert client.post(f"{API}/tickets", json={"service": "A"}).status_code == 201
        assert_error(client.post(f"{API}/tickets", json={"service": "A"}), 409, "quota_reached")
        with app.app_context():
            assert bookings.expire_no_shows(db.session, hall.site_id, local(TUESDAY, time(9, 16)))
            db.session.commit()
            row = db.session.scalars(select(Booking)).one()
            assert row.state == "expired" and row.code == made["code"]
            actions = db.session.scalars(
                select(BookingEvent.action).order_by(BookingEvent.id)
            ).all()
            assert actions == ["book", "expire"]
            assert bookings.counts(db.session, hall.site_id, TUESDAY)["expired"] == 1


def test_a_service_keeping_its_no_shows_places_gives_walk_ins_none(app: Flask) -> None:
    with app.app_context():
        build_booking_hall(quota=6)
        service = db.session.scalars(select(Service).where(Service.code == "A")).one()
        service.release_no_shows = False
        db.session.commit()
    client = app.test_client()
    book(client, "A", sessions_of(client, "A")[0]["id"], NIKS[0])
    with time_machine.travel(local(TUESDAY, time(9, 16)), tick=False):
        for _ in range(3):
            assert client.post(f"{API}/tickets", json={"service": "A"}).status_code == 201
        assert_error(client.post(f"{API}/tickets", json={"service": "A"}), 409, "quota_reached")


def test_an_enrolled_kiosk_checks_a_booking_in_without_an_account(
    app: Flask, client: FlaskClient, hall: BookingHall
) -> None:
    made = booked(client, 1)
    with app.app_context():
        _, code = devices.create(db.session, hall.site_id, "kiosk", "Kiosk lobi", None)
        db.session.commit()
    kiosk = app.test_client()
    assert kiosk.get(f"/enrol/{code}").status_code in (200, 302)
    with time_machine.travel(local(TUESDAY, time(9)), tick=False):
        anonymous = app.test_client().post(f"{API}/bookings/check-in", json={"code": made["code"]})
        assert_error(anonymous, 401)
        response = kiosk.post(f"{API}/bookings/check-in", json={"code": made["code"]})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["channel"] == "online"


def test_no_shows_expire_by_the_command_and_at_the_next_check_in(
    app: Flask, client: FlaskClient, hall: BookingHall
) -> None:
    early = booked(client, 0, NIKS[0])  # 08:00-09:00: a no-show after 09:15
    late = booked(client, 1, NIKS[1])  # 09:00-10:00
    later = booked(client, 2, NIKS[2])  # 10:00-11:00
    runner = app.test_cli_runner()
    with time_machine.travel(local(TUESDAY, time(9, 15)), tick=False):
        assert "Expired 0 booking(s)" in runner.invoke(args=["expire-bookings"]).output
    with time_machine.travel(local(TUESDAY, time(9, 16)), tick=False):
        assert "Expired 1 booking(s)" in runner.invoke(args=["expire-bookings"]).output
        assert "Expired 0 booking(s)" in runner.invoke(args=["expire-bookings"]).output
    view = client.get(f"{API}/bookings/by-token/{early['token']}").get_json()
    assert view["state"] == "expired"
    # 10:16: the 09:00 session's booking expires when the next one checks in
    with time_machine.travel(local(TUESDAY, time(10, 16)), tick=False):
        assert check_in(app, client, code=later["code"]).status_code == 201
    view = client.get(f"{API}/bookings/by-token/{late['token']}").get_json()
    assert view["state"] == "expired"
    with app.app_context():
        assert bookings.counts(db.session, hall.site_id, TUESDAY) == {
            "booked": 0,
            "checked_in": 1,
            "cancelled": 0,
            "expired": 2,
        }
        reasons = db.session.scalars(
            select(BookingEvent.detail).where(BookingEvent.action == "expire")
        ).all()
        assert reasons == [{"reason": "no_show"}, {"reason": "no_show"}]


def test_the_agencies_say_their_channel_policy(
    app: Flask, client: FlaskClient, hall: BookingHall
) -> None:
    agencies = {a["code"]: a for a in client.get(f"{API}/agencies").get_json()}
    assert (agencies["BOTH"]["channels"], agencies["BOTH"]["walk_in"]) == ("both", True)
    assert (agencies["ONL"]["channels"], agencies["ONL"]["walk_in"]) == ("online", False)
    assert (agencies["UMUM"]["channels"], agencies["UMUM"]["walk_in"]) == ("walk_in", True)


def test_an_admin_override_of_a_sessions_places_never_goes_below_the_booked(
    app: Flask, client: FlaskClient, hall: BookingHall
) -> None:
    first = sessions_of(client, "A")[0]["id"]
    booked(client, 0, NIKS[0])
    booked(client, 0, NIKS[1])
    with app.app_context():
        with pytest.raises(InvalidSession, match="2 places"):
            bookings.set_capacity(db.session, first, 1)
        db.session.rollback()
        bookings.set_capacity(db.session, first, 2)
        db.session.commit()
    assert (sessions_of(client, "A")[0]["capacity"], sessions_of(client, "A")[0]["left"]) == (2, 0)
    assert_error(book(client, "A", first, NIKS[2]), 409, "session_full")
    with app.app_context():
        bookings.set_capacity(db.session, first, None)  # back to the default
        db.session.commit()
    assert sessions_of(client, "A")[0]["capacity"] == 12


def test_a_sessions_default_places_are_capped_by_the_services_share_of_its_zone(
    app: Flask, client: FlaskClient, hall: BookingHall
) -> None:
    with app.app_context():
        service = db.session.get(Service, hall.service_a)
        assert service is not None
        zone = db.session.get(Zone, service.zone_id)
        assert zone is not None
        zone.room_capacity, zone.distancing_pct = 10, 50  # 5 inside, for the zone's 3 services
        db.session.commit()
    assert {s["capacity"] for s in sessions_of(client, "A")} == {2}  # ⌈5 ÷ 3⌉, not 12


def test_the_desk_looks_bookings_up_by_code_or_by_the_holders_id_and_day(
    app: Flask, client: FlaskClient, hall: BookingHall
) -> None:
    made = booked(client, 0, NIKS[0])
    booked(client, 1, NIKS[1])
    desk = bearer(app, "clerk1")
    url = f"{API}/bookings/lookup"
    by_code = client.get(url, query_string={"code": made["code"].lower()}, headers=desk)
    assert [b["code"] for b in by_code.get_json()] == [made["code"]]
    nik = {"holder_id": NIKS[0], "date": TUESDAY.isoformat()}
    by_holder = client.get(url, query_string=nik, headers=desk).get_json()
    assert [b["code"] for b in by_holder] == [made["code"]]
    other_day = {"holder_id": NIKS[0], "date": MONDAY.isoformat()}
    assert client.get(url, query_string=other_day, headers=desk).get_json() == []
    assert client.get(url, query_string={"code": "ZZZZZZ"}, headers=desk).get_json() == []
    assert_error(client.get(url, query_string={"code": made["code"]}), 401)
    bad = {"holder_id": "3171013206900001", "date": TUESDAY.isoformat()}
    assert_error(client.get(url, query_string=bad, headers=desk), 422, "invalid_holder_id")


def test_the_desk_sees_the_holders_name_and_once_checked_in_the_ticket_it_has(
    app: Flask, client: FlaskClient, hall: BookingHall
) -> None:
    """The desk's look-up names the holder (when they gave a name) and, after the check-in,
    the ticket number the booking became: the clerk can tell someone which number is theirs."""
    session = sessions_of(client, "A")[1]["id"]  # Tuesday 09:00-10:00
    body = {"service": "A", "date": TUESDAY.isoformat(), "session": session}
    named = client.post(f"{API}/bookings", json={**body, "holder_id": NIKS[0], "name": "Siti"})
    unnamed = book(client, "A", session, NIKS[1]).get_json()
    desk = bearer(app, "clerk1")
    url = f"{API}/bookings/lookup"
    found = client.get(url, query_string={"code": named.get_json()["code"]}, headers=desk)
    assert [(b["name"], b["ticket"]) for b in found.get_json()] == [("Siti", None)]
    with time_machine.travel(local(TUESDAY, time(8, 40)), tick=False):
        ticket = check_in(app, client, code=unnamed["code"]).get_json()
    found = client.get(url, query_string={"code": unnamed["code"]}, headers=desk).get_json()
    assert [(b["name"], b["state"], b["ticket"]) for b in found] == [
        (None, "checked_in", ticket["code"])
    ]
