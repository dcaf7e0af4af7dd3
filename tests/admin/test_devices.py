"""Kiosks and boards enrolled once (issue 13, item 1): `flask enrol-device` and the console's
*Perangkat* page give a one-time link valid 24 h; opening it stores an HttpOnly device cookie
and leads to the device's screen; an enrolled kiosk issues past the anonymous per-address
limit under its own; a revoked device is anonymous at its next request; the overview shows
each device online or offline and raises an alert when one is offline while the hall is open."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from queue_app.device_cookie import COOKIE
from queue_app.extensions import db, socketio
from queue_app.models import AdminChange, Device, Site, Ticket
from tests.conftest import Hall, app_with_tables, wants_hall

from .conftest import Browser, csrf_token

LINK = re.compile(r"https?://[^\s<\"]+/enrol/([A-Za-z0-9_-]+)")
NOON = datetime(2026, 12, 2, 5, 0, tzinfo=UTC)  # 12:00 in Jakarta: the hall is open


@pytest.fixture
def app(tmp_path: object, request: pytest.FixtureRequest) -> Iterator[Flask]:
    """CSRF on (as in production) and the issue limits on, small."""
    with app_with_tables(
        f"sqlite:///{tmp_path}/devices.db",  # type: ignore[str-bytes-safe]
        WTF_CSRF_ENABLED=True,
        with_hall=wants_hall(request),
        RATELIMIT_ENABLED=True,
        ISSUE_RATE_LIMIT_PER_IP="10 per minute",
        ISSUE_RATE_LIMIT_PER_DEVICE="30 per minute",
    ) as application:
        yield application


def enrol_by_cli(app: Flask, kind: str = "kiosk", name: str = "Kiosk lobi 1") -> str:
    """`flask enrol-device`: the code of the link it prints."""
    result = app.test_cli_runner().invoke(args=["enrol-device", "--kind", kind, "--name", name])
    assert result.exit_code == 0, result.output
    found = LINK.search(result.output)
    assert found, result.output
    assert "█" in result.output or "▀" in result.output  # the QR code, drawn in the terminal
    return found.group(1)


def enrolled(app: Flask, code: str) -> FlaskClient:
    """A browser that opened the enrolment link."""
    device = app.test_client()
    response = device.get(f"/enrol/{code}")
    assert response.status_code == 302, response.status_code
    return device


ALERT = re.compile(r'<li class="alert device_offline">([^<]*)</li>')


def offline_alerts(supervisor: Browser) -> list[str]:
    """The device alerts the overview page shows."""
    return ALERT.findall(supervisor.get("/admin/overview?lang=en").get_data(as_text=True))


def issue(client: FlaskClient) -> int:
    return client.post("/api/v1/tickets", json={"service": "A"}).status_code


def test_the_link_stores_an_httponly_device_cookie_and_leads_to_the_kiosk(
    app: Flask, hall: Hall
) -> None:
    code = enrol_by_cli(app)
    device = app.test_client()
    response = device.get(f"/enrol/{code}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/kiosk?site={hall.site_id}")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(COOKIE))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Max-Age=34560000" in cookie  # 400 days
    page = device.get(f"/kiosk?site={hall.site_id}").get_data(as_text=True)
    assert 'data-device="kiosk"' in page  # the page sends its heartbeat
    # The link works once.
    again = app.test_client().get(f"/enrol/{code}")
    assert again.status_code == 404
    assert "text/html" in again.headers["Content-Type"]


def test_a_board_goes_to_the_board(app: Flask, hall: Hall) -> None:
    code = enrol_by_cli(app, "board", "Papan lobi")
    response = app.test_client().get(f"/enrol/{code}")
    assert response.headers["Location"].endswith(f"/display?site={hall.site_id}")


def test_the_link_expires_after_24_hours(app: Flask, hall: Hall) -> None:
    with time_machine.travel(NOON, tick=False) as clock:
        code = enrol_by_cli(app)
        clock.shift(timedelta(hours=24, minutes=1))
        assert app.test_client().get(f"/enrol/{code}").status_code == 404


def test_an_enrolled_kiosk_issues_past_the_anonymous_limit_until_revoked(
    app: Flask, hall: Hall
) -> None:
    anonymous = app.test_client()
    assert [issue(anonymous) for _ in range(11)] == [201] * 10 + [429]
    # The kiosk stands at the same address, but is enrolled: its own limit, not the address's.
    kiosk = enrolled(app, enrol_by_cli(app))
    assert [issue(kiosk) for _ in range(15)] == [201] * 15
    with app.app_context():
        channels = db.session.scalars(select(Ticket.channel).order_by(Ticket.id)).all()
        assert channels == ["api"] * 10 + ["kiosk"] * 15
        device_id = db.session.scalars(select(Device.id)).one()
    admin = Browser(app, "admin")
    response = admin.submit(f"/admin/devices/{device_id}/revoke", {}, page="/admin/devices")
    assert response.status_code == 200
    # At its next request the kiosk is anonymous again: its address has used its 10.
    refused = kiosk.post("/api/v1/tickets", json={"service": "A"})
    assert refused.status_code == 429
    assert any(
        c.startswith(f"{COOKIE}=;") for c in refused.headers.getlist("Set-Cookie")
    )  # and the dead cookie is dropped


def test_the_console_page_adds_a_device_and_shows_its_link_once(app: Flask, hall: Hall) -> None:
    admin = Browser(app, "admin")
    page = admin.get("/admin/devices")
    assert page.status_code == 200
    response = admin.client.post(
        "/admin/devices",
        data={"kind": "board", "name": "Papan lantai 2", "csrf_token": csrf_token(page)},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    found = LINK.search(html)
    assert found and "<svg" in html  # as text and as a QR code
    assert found.group(0).startswith("https://loket.example.id/enrol/")  # the public address
    listed = admin.get("/admin/devices").get_data(as_text=True)
    assert "Papan lantai 2" in listed and found.group(1) not in listed  # shown only once
    assert enrolled(app, found.group(1)).get("/display").status_code == 200
    # A clerk may not.
    clerk = Browser(app, "clerk1")
    assert clerk.client.get("/admin/devices").status_code == 403
    with app.app_context():
        actions = db.session.scalars(
            select(AdminChange.action).where(AdminChange.entity == "device")
        ).all()
        assert actions == ["create", "enrol"]


def test_bad_device_input_is_refused_and_changes_nothing(app: Flask, hall: Hall) -> None:
    admin = Browser(app, "admin")
    for data in ({"kind": "printer", "name": "X"}, {"kind": "kiosk", "name": ""}):
        page = admin.get("/admin/devices")
        response = admin.client.post(
            "/admin/devices", data={**data, "csrf_token": csrf_token(page)}
        )
        assert response.status_code == 422
        assert 'class="field-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Device)).all() == []
    result = app.test_cli_runner().invoke(args=["enrol-device", "--kind", "kiosk", "--name", " "])
    assert result.exit_code != 0 and "name" in result.output


def test_the_overview_shows_devices_online_and_alerts_when_one_goes_offline(
    app: Flask, hall: Hall
) -> None:
    with app.app_context():
        site = db.session.get(Site, hall.site_id)
        assert site is not None
        site.opens_at, site.closes_at = time(8, 0), time(16, 0)
        db.session.commit()
    with time_machine.travel(NOON, tick=False) as clock:
        kiosk = enrolled(app, enrol_by_cli(app, "kiosk", "Kiosk lobi 1"))
        enrolled(app, enrol_by_cli(app, "board", "Papan lobi"))
        supervisor = Browser(app, "super")
        status = supervisor.get("/admin/devices/status").get_json()
        assert {d["name"]: d["online"] for d in status["devices"]} == {
            "Kiosk lobi 1": True,
            "Papan lobi": True,
        }
        assert offline_alerts(supervisor) == []
        # Three minutes later the kiosk was used, the board was not heard from.
        clock.shift(timedelta(minutes=3))
        assert kiosk.get("/kiosk").status_code == 200
        status = supervisor.get("/admin/devices/status").get_json()
        assert {d["name"]: d["online"] for d in status["devices"]} == {
            "Kiosk lobi 1": True,
            "Papan lobi": False,
        }
        assert offline_alerts(supervisor) == ["Papan lobi is offline"]
        # After closing time an offline board is no alarm.
        clock.shift(timedelta(hours=5))
        assert offline_alerts(supervisor) == []


def test_a_device_socket_and_its_heartbeat_mark_it_seen(app: Flask, hall: Hall) -> None:
    with time_machine.travel(NOON, tick=False) as clock:
        board = enrolled(app, enrol_by_cli(app, "board", "Papan lobi"))
        clock.shift(timedelta(minutes=5))
        sock = socketio.test_client(
            app, query_string=f"board={hall.site_id}", flask_test_client=board
        )
        assert sock.is_connected()
        with app.app_context():
            seen = db.session.scalars(select(Device.last_seen_at)).one()
            assert seen == NOON + timedelta(minutes=5)
        clock.shift(timedelta(minutes=2))
        sock.emit("alive")
        with app.app_context():
            seen = db.session.scalars(select(Device.last_seen_at)).one()
            assert seen == NOON + timedelta(minutes=7)
        sock.disconnect()
