"""Security headers on every page (and API answer, and error page): a Content-Security-Policy
without inline script or style, no framing, a Referer policy that keeps ticket tokens home; no
page relies on inline script, inline style or event-handler attributes; cookies are HttpOnly
and SameSite, and Secure in production."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.test import TestResponse

from queue_app.extensions import db
from queue_app.models import Agency, BookingSettings, Site
from queue_app.services import bookings, devices
from queue_app.services.clock import utcnow

from ..conftest import Hall, app_with_tables, build_hall
from ..helpers import signed_in
from .test_authorization_matrix import EXPECTED

EXPECTED_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
STRONG_KEY = "4f1c0a9e8b7d6c5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a"


def policy(response: TestResponse) -> dict[str, str]:
    header = response.headers.get("Content-Security-Policy", "")
    parts = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {name: value for name, *rest in parts for value in [rest[0] if rest else ""]}


def assert_secure_headers(response: TestResponse, url: str) -> None:
    csp = policy(response)
    for directive, value in EXPECTED_CSP.items():
        assert csp.get(directive) == value, (url, directive, csp)
    header = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header, url
    assert response.headers["X-Content-Type-Options"] == "nosniff", url
    assert response.headers["X-Frame-Options"] == "DENY", url
    token_page = url.startswith(("/t/", "/kiosk/ticket/", "/b/"))
    expected_referrer = "no-referrer" if token_page else "same-origin"
    assert response.headers["Referrer-Policy"] == expected_referrer, url


def assert_nothing_inline(html: str, url: str) -> None:
    """No inline script (JSON data blocks aside), no event-handler attributes, no inline
    style: what the policy would block must not be needed."""
    for script in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in script or 'type="application/json"' in script, (url, script)
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", html), url
    assert not re.search(r"<[^>]+\sstyle\s*=", html), url
    assert "<style" not in html, url
    assert "javascript:" not in html, url


@pytest.fixture
def hall(app: Flask) -> Hall:
    with app.app_context():
        return build_hall()


def test_every_page_and_answer_carries_the_headers(app: Flask, hall: Hall) -> None:
    client = app.test_client()
    ticket = client.post("/api/v1/tickets", json={"service": "A"}).get_json()
    admin = signed_in(app, "admin")
    with app.app_context():
        _, code = devices.create(db.session, hall.site_id, "board", "Papan lobi", None)
        # A booking (issue 16): its page and its API view are pages like the others.
        for agency in db.session.scalars(select(Agency)):
            agency.channels = "both"
        db.session.add(
            BookingSettings(site_id=hall.site_id, windows="00:00-00:00", working_days="1234567")
        )
        db.session.commit()
        site = db.session.get(Site, hall.site_id)
        assert site is not None
        tomorrow = bookings.rules_of(db.session, site).today(utcnow()) + timedelta(days=1)
    day = {"service": "A", "date": tomorrow.isoformat()}
    first = client.get("/api/v1/booking/availability", query_string=day).get_json()
    booking = client.post(
        "/api/v1/bookings",
        json={**day, "session": first["sessions"][0]["id"], "holder_id": "3171011506900001"},
    ).get_json()

    def fill(rule: str) -> str:
        booked = rule.startswith(("/b/", "/api/v1/bookings/"))
        values = {
            "token": booking["token"] if booked else ticket["token"],
            "filename": "css/loket.css",
            "code": code,
        }
        return re.sub(r"<(?:[^<>:]+:)?([^<>:]+)>", lambda m: values.get(m.group(1), "1"), rule)

    urls = {fill(rule) for method, rule in EXPECTED if method == "GET"}
    checked = 0
    for url in sorted(urls):
        if url == "/api/v1/booking/availability":
            url += f"?service=A&date={tomorrow.isoformat()}"
        if url == "/api/v1/bookings/lookup":
            url += "?code=K7QH3M"
        response = admin.get(url + ("?date=2026-06-15" if "reports" in url else ""))
        # The counter-side survey tablet's page is for an enrolled survey device only.
        allowed = (403,) if url == "/survey" else (200, 302)
        assert response.status_code in allowed, (url, response.status_code)
        assert_secure_headers(response, url)
        if response.mimetype == "text/html":
            assert_nothing_inline(response.get_data(as_text=True), url)
            checked += 1
        response.close()
    assert checked >= 20
    # error pages and API errors too
    for url, status in [("/nowhere", 404), ("/api/v1/tickets/999/start", 401)]:
        response = client.get(url) if status == 404 else client.post(url)
        assert response.status_code == status
        assert_secure_headers(response, url)
    forbidden = signed_in(app, "clerk2").get(f"/counter/{hall.counter_1}")
    assert forbidden.status_code == 403
    assert_secure_headers(forbidden, "/counter/1")
    assert_nothing_inline(forbidden.get_data(as_text=True), "403 page")


def test_session_cookie_is_httponly_and_samesite_and_not_secure_on_the_lan(
    app: Flask, hall: Hall
) -> None:
    """`make run` serves a LAN over plain http: the cookie cannot be Secure there."""
    response = app.test_client().post(
        "/login", data={"username": "clerk1", "password": "password123"}
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert "Strict-Transport-Security" not in response.headers


@pytest.fixture
def production(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Flask, Hall]]:
    monkeypatch.setenv("LOKET_ENV", "production")
    with app_with_tables(database_url, SECRET_KEY=STRONG_KEY) as app, app.app_context():
        yield app, build_hall()
        db.session.remove()


def test_in_production_cookies_are_secure_and_https_is_pinned(
    production: tuple[Flask, Hall],
) -> None:
    app, _hall = production
    client = app.test_client()
    response = client.post(
        "/login",
        data={"username": "clerk1", "password": "password123"},
        base_url="https://loket.example.id",
        headers={"Referer": "https://loket.example.id/login"},
    )
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_secure_cookies_can_be_switched_off_explicitly_in_production(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A production box that must serve plain http on a closed LAN says so explicitly."""
    monkeypatch.setenv("LOKET_ENV", "production")
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "false")
    with app_with_tables(database_url, SECRET_KEY=STRONG_KEY) as app:
        assert app.config["SESSION_COOKIE_SECURE"] is False
