"""Sessions that end (issue 14, item 2): a sign-in is held on the server, so a copied session
cookie dies with sign-out, a password reset, a deactivation (and stays dead on reactivation),
a role change, "sign out everywhere", the idle timeout and the absolute lifetime.

Each test copies a signed-in browser's cookie into a second client, as someone who copied it
off a shared terminal would, and checks what the copy can still open."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from queue_app.domain.vocabulary import Role
from queue_app.extensions import db
from queue_app.models import AdminChange, StaffSession, Ticket, User
from tests.conftest import Hall

from ..helpers import bearer, make_user
from .conftest import Browser

NOON = datetime(2026, 12, 2, 5, 0, tzinfo=UTC)  # 12:00 in Jakarta


def copy_of(client: FlaskClient, app: Flask) -> FlaskClient:
    """Another client holding the same session cookie."""
    cookie = client.get_cookie("session")
    assert cookie is not None, "the browser holds no session cookie"
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    return thief


def opens_counter(client: FlaskClient, hall: Hall) -> bool:
    """The counter terminal opens (a page only its clerk may open); signed out, it leads to
    the sign-in page."""
    response = client.get(f"/counter/{hall.counter_1}")
    if response.status_code == 302:
        assert "/login" in response.headers["Location"]
        return False
    assert response.status_code == 200, response.status_code
    return True


def user_id(app: Flask, username: str) -> int:
    with app.app_context():
        return int(db.session.scalars(select(User.id).where(User.username == username)).one())


def pauses_by_api(app: Flask, hall: Hall, headers: dict[str, str]) -> int:
    return (
        app.test_client()
        .post(f"/api/v1/counters/{hall.counter_1}/pause", headers=headers)
        .status_code
    )


def test_sign_out_ends_the_session_on_the_server(app: Flask, hall: Hall) -> None:
    clerk = Browser(app, "clerk1")
    stolen = copy_of(clerk.client, app)
    assert opens_counter(stolen, hall)
    assert clerk.submit("/logout", {}, page="/logout").status_code == 302
    assert not opens_counter(clerk.client, hall)
    assert not opens_counter(stolen, hall)  # the copied cookie died with the sign-out
    with app.app_context():
        ended = db.session.scalars(select(StaffSession)).one()
        assert ended.ended_at is not None and ended.end_reason == "sign_out"


def test_each_sign_in_is_its_own_session(app: Flask, hall: Hall) -> None:
    desk = Browser(app, "clerk1")
    phone = Browser(app, "clerk1")
    assert desk.submit("/logout", {}, page="/logout").status_code == 302
    assert opens_counter(phone.client, hall)  # signing out at the desk leaves the phone in
    with app.app_context():
        rows = db.session.scalars(select(StaffSession).order_by(StaffSession.id)).all()
        assert [r.end_reason for r in rows] == ["sign_out", None]


def test_a_password_reset_ends_every_session_and_token(
    app: Flask, hall: Hall, admin: Browser
) -> None:
    desk, phone = Browser(app, "clerk1"), Browser(app, "clerk1")
    token = bearer(app, "clerk1")
    stolen = copy_of(desk.client, app)
    clerk_id = user_id(app, "clerk1")
    url = f"/admin/staff/{clerk_id}/password"
    assert (
        admin.submit(url, {"password": "baru-sekali-9", "confirm": "baru-sekali-9"}).status_code
        == 302
    )
    for client in (desk.client, phone.client, stolen):
        assert not opens_counter(client, hall)
    assert pauses_by_api(app, hall, token) == 401
    assert opens_counter(Browser(app, "clerk1").client, hall) is False  # the old password
    fresh = Browser(app)
    assert fresh.sign_in("clerk1", "baru-sekali-9").status_code == 302
    assert opens_counter(fresh.client, hall)
    with app.app_context():
        reset = db.session.scalars(
            select(AdminChange).where(AdminChange.action == "reset_password")
        ).one()
        assert reset.changes == {"sessions_ended": 2, "api_tokens_revoked": 1}


def test_reactivation_revives_no_old_session_nor_token(
    app: Flask, hall: Hall, admin: Browser
) -> None:
    clerk = Browser(app, "clerk1")
    stolen = copy_of(clerk.client, app)
    token = bearer(app, "clerk1")
    clerk_id = user_id(app, "clerk1")
    active = f"/admin/staff/{clerk_id}/active"
    admin.submit(active, {"active": "0"}, page="/admin/staff")
    assert not opens_counter(stolen, hall)
    admin.submit(active, {"active": "1"}, page="/admin/staff")
    # Back in service, the account signs in afresh; nothing from before works again.
    assert not opens_counter(clerk.client, hall)
    assert not opens_counter(stolen, hall)
    assert pauses_by_api(app, hall, token) == 401
    assert opens_counter(Browser(app, "clerk1").client, hall)


def test_a_role_change_ends_sessions_and_tokens_a_counter_change_does_not(
    app: Flask, hall: Hall, admin: Browser
) -> None:
    clerk = Browser(app, "clerk1")
    token = bearer(app, "clerk1")
    clerk_id = user_id(app, "clerk1")
    url = f"/admin/staff/{clerk_id}"
    # Another counter for the same clerk: the session goes on (counters are read per request).
    assert admin.submit(url, {"role": "clerk", "counters": ["1", "2"]}).status_code == 302
    assert opens_counter(clerk.client, hall)
    assert clerk.get(f"/counter/{hall.counter_2}").status_code == 200
    assert pauses_by_api(app, hall, token) == 200
    # Made a supervisor: signed out everywhere, and signs in again to work as one.
    assert admin.submit(url, {"role": "supervisor", "counters": []}).status_code == 302
    assert not opens_counter(clerk.client, hall)
    assert pauses_by_api(app, hall, token) == 401


def test_sign_out_everywhere_ends_every_session_and_token_of_the_user(
    app: Flask, hall: Hall
) -> None:
    desk, phone = Browser(app, "clerk1"), Browser(app, "clerk1")
    other = Browser(app, "clerk2")
    token = bearer(app, "clerk1")
    assert 'action="/logout/everywhere"' in phone.get("/logout").get_data(as_text=True)
    response = phone.submit("/logout/everywhere", {}, page="/logout")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert not opens_counter(desk.client, hall)
    assert not opens_counter(phone.client, hall)
    assert pauses_by_api(app, hall, token) == 401
    assert other.get(f"/counter/{hall.counter_2}").status_code == 200  # others stay in
    # The sign-in page says what happened.
    assert "perangkat" in phone.get("/login").get_data(as_text=True)
    with app.app_context():
        record = db.session.scalars(
            select(AdminChange).where(AdminChange.action == "sign_out_everywhere")
        ).one()
        assert record.changes == {"sessions_ended": 2, "api_tokens_revoked": 1}


def test_an_idle_session_ends_after_the_idle_timeout(app: Flask, hall: Hall) -> None:
    assert app.config["SESSION_IDLE_TIMEOUT_HOURS"] == 12  # the default
    with time_machine.travel(NOON, tick=False) as clock:
        clerk = Browser(app, "clerk1")
        stolen = copy_of(clerk.client, app)
        clock.shift(timedelta(hours=11, minutes=59))
        assert opens_counter(clerk.client, hall)  # still in, and active again from now
        clock.shift(timedelta(minutes=2))
        assert opens_counter(clerk.client, hall)
        # The copy taken at sign-in has been idle for 12 h 1 min: it is refused.
        assert not opens_counter(stolen, hall)


def test_a_session_ends_at_its_absolute_lifetime_however_busy(app: Flask, hall: Hall) -> None:
    assert app.config["SESSION_LIFETIME_HOURS"] == 16  # the default
    with time_machine.travel(NOON, tick=False) as clock:
        clerk = Browser(app, "clerk1")
        for _ in range(15):
            clock.shift(timedelta(hours=1))
            assert opens_counter(clerk.client, hall)
        clock.shift(timedelta(hours=1, minutes=1))
        assert not opens_counter(clerk.client, hall)
        assert Browser(app, "clerk1").get(f"/counter/{hall.counter_1}").status_code == 200


def test_the_timeouts_are_settings(app: Flask, hall: Hall) -> None:
    app.config["SESSION_IDLE_TIMEOUT_HOURS"] = 0.5
    with time_machine.travel(NOON, tick=False) as clock:
        clerk = Browser(app, "clerk1")
        clock.shift(timedelta(minutes=29))
        assert opens_counter(clerk.client, hall)
        clock.shift(timedelta(minutes=31))
        assert not opens_counter(clerk.client, hall)


def test_a_kiosk_account_waits_through_the_night(app: Flask, hall: Hall) -> None:
    with app.app_context():
        make_user(db.session, "kiosk1", Role.KIOSK)
        db.session.commit()
    with time_machine.travel(NOON, tick=False) as clock:
        kiosk = Browser(app, "kiosk1")
        clock.shift(timedelta(hours=20))
        response = kiosk.client.post("/api/v1/tickets", json={"service": "A"})
        assert response.status_code == 201
    with app.app_context():
        ticket = db.session.scalars(select(Ticket)).one()
        assert ticket.channel == "kiosk"  # issued in the kiosk's own session, not anonymously
