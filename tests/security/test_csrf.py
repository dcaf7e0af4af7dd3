"""CSRF: every form post and every session-authenticated API action needs the page's token.
Without it the answer is 400 and nothing changes — no sign-in, no sign-out, no admin change,
no call."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from queue_app.extensions import db
from queue_app.models import AdminChange, Service, Site

from ..conftest import Hall, app_with_tables, build_hall


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    with app_with_tables(database_url, WTF_CSRF_ENABLED=True) as application:
        yield application


@pytest.fixture
def hall(app: Flask) -> Hall:
    with app.app_context():
        return build_hall()


def token_of(client: FlaskClient, url: str) -> str:
    """The CSRF token a page hands out (its form's hidden field or its meta tag)."""
    page = client.get(url).get_data(as_text=True)
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'<meta name="csrf-token" content="([^"]+)"', page
    )
    assert found, f"no CSRF token on {url}"
    return found.group(1)


def sign_in(client: FlaskClient, username: str) -> None:
    token = token_of(client, "/login")
    response = client.post(
        "/login", data={"username": username, "password": "password123", "csrf_token": token}
    )
    assert response.status_code == 302


def is_signed_in(client: FlaskClient) -> bool:
    """The counter page does not send this browser to the sign-in page."""
    return not client.get("/counter").headers.get("Location", "").startswith("/login")


def audit_rows(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count(AdminChange.id))) or 0)


def test_sign_in_without_a_token_is_refused_and_signs_nobody_in(app: Flask, hall: Hall) -> None:
    client = app.test_client()
    client.get("/login")  # the browser has a session, just not the form's token
    before = audit_rows(app)
    response = client.post("/login", data={"username": "clerk1", "password": "password123"})
    assert response.status_code == 400
    assert "csrf" in response.get_data(as_text=True).lower()
    assert not is_signed_in(client)
    assert audit_rows(app) == before
    forged = client.post(
        "/login", data={"username": "clerk1", "password": "password123", "csrf_token": "x" * 40}
    )
    assert forged.status_code == 400 and not is_signed_in(client)
    sign_in(client, "clerk1")  # with the page's token it works
    assert is_signed_in(client)


def test_sign_out_without_a_token_is_refused_and_keeps_the_session(app: Flask, hall: Hall) -> None:
    client = app.test_client()
    sign_in(client, "clerk1")
    assert client.post("/logout").status_code == 400
    assert is_signed_in(client)
    token = token_of(client, "/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert not is_signed_in(client)


def test_admin_forms_without_a_token_are_refused_and_change_nothing(app: Flask, hall: Hall) -> None:
    client = app.test_client()
    sign_in(client, "admin")
    with app.app_context():
        services = db.session.scalar(select(func.count(Service.id)))
        site_name = db.session.get(Site, hall.site_id).name  # type: ignore[union-attr]
    before = audit_rows(app)
    new_service = {
        "code": "Z",
        "name_id": "Layanan Z",
        "name_en": "Service Z",
        "prior_minutes": "5",
        "is_open": "y",
    }
    posts = {
        "/admin/services/new": new_service,
        f"/admin/services/{hall.service_a}": {**new_service, "code": "A"},
        f"/admin/services/{hall.service_a}/move": {"direction": "down"},
        "/admin/site": {"name": "Forged hall", "timezone": "Asia/Jakarta"},
        "/admin/booking": {"windows": "00:00-00:00", "days_ahead": "30", "working_days": "1"},
        "/admin/booking/closed-days": {"closed_day": "2099-01-01", "closed_name": "Forged"},
    }
    for url, data in posts.items():
        response = client.post(url, data=data)
        assert response.status_code == 400, (url, response.status_code)
    with app.app_context():
        assert db.session.scalar(select(func.count(Service.id))) == services
        assert db.session.get(Site, hall.site_id).name == site_name  # type: ignore[union-attr]
        assert db.session.get(Service, hall.service_a).name_id == "Layanan A"  # type: ignore[union-attr]
    assert audit_rows(app) == before
    # the same form with its token goes through
    token = token_of(client, "/admin/services/new")
    created = client.post("/admin/services/new", data={**new_service, "csrf_token": token})
    assert created.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(Service.id))) == services + 1


def test_counter_actions_from_a_session_need_the_token_header(app: Flask, hall: Hall) -> None:
    """The counter terminal calls the JSON API with its session: the X-CSRFToken header is
    required (a Bearer client has no session to forge and needs none)."""
    client = app.test_client()
    issued = client.post("/api/v1/tickets", json={"service": "A"})
    assert issued.status_code == 201  # issuing is public: no token needed
    sign_in(client, "clerk1")
    url = f"/api/v1/counters/{hall.counter_1}/call-next"
    refused = client.post(url)
    assert refused.status_code == 400 and refused.get_json()["error"] == "csrf_failed"
    assert client.get("/api/v1/board").get_json()["counters"][0]["current"] is None
    token = token_of(client, f"/counter/{hall.counter_1}")
    called = client.post(url, headers={"X-CSRFToken": token})
    assert called.status_code == 200 and called.get_json()["code"] == "A-001"


def test_over_https_a_same_origin_referer_is_required_and_sent(app: Flask, hall: Hall) -> None:
    """Flask-WTF checks on HTTPS that a form post comes from this site's own pages (Referer).
    That is why pages send `Referrer-Policy: same-origin`, not `no-referrer`."""
    client = app.test_client()
    base = "https://loket.example.id"
    page = client.get("/login", base_url=base)
    assert page.headers["Referrer-Policy"] == "same-origin"
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)
    )
    assert token
    data = {"username": "clerk1", "password": "password123", "csrf_token": token.group(1)}
    no_referer = client.post("/login", data=data, base_url=base)
    assert no_referer.status_code == 400
    other_site = client.post(
        "/login", data=data, base_url=base, headers={"Referer": "https://evil.example/login"}
    )
    assert other_site.status_code == 400
    ours = client.post("/login", data=data, base_url=base, headers={"Referer": f"{base}/login"})
    assert ours.status_code == 302
