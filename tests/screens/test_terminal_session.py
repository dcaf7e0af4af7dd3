"""The counter terminal acts through the JSON API with the clerk's browser session. Such a
request must carry the page's CSRF token: a forged cross-site post changes nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from queue_app.extensions import db
from queue_app.models import TicketEvent

from ..conftest import Hall, app_with_tables, build_hall


@pytest.fixture
def csrf_app(tmp_path: Path) -> Iterator[Flask]:
    with app_with_tables(f"sqlite:///{tmp_path / 'csrf.db'}", WTF_CSRF_ENABLED=True) as app:
        yield app


def token_in(html: str, pattern: str) -> str:
    found = re.search(pattern, html)
    assert found, pattern
    return found.group(1)


def test_session_staff_actions_need_the_pages_csrf_token(csrf_app: Flask) -> None:
    with csrf_app.app_context():
        hall: Hall = build_hall()
    browser = csrf_app.test_client()
    login_page = browser.get("/login").get_data(as_text=True)
    form_token = token_in(login_page, r'name="csrf_token" type="hidden" value="([^"]+)"')
    # The sign-in form itself refuses a post without its token.
    assert (
        browser.post("/login", data={"username": "clerk1", "password": "password123"}).status_code
        == 400
    )
    signed = browser.post(
        "/login",
        data={"username": "clerk1", "password": "password123", "csrf_token": form_token},
    )
    assert signed.status_code == 302
    assert browser.post("/api/v1/tickets", json={"service": "A"}).status_code == 201

    with csrf_app.app_context():
        events_before = db.session.scalar(select(func.count(TicketEvent.id)))
    forged = browser.post(f"/api/v1/counters/{hall.counter_1}/call-next")
    assert forged.status_code == 400
    assert forged.get_json()["error"] == "csrf_failed"
    with csrf_app.app_context():
        assert db.session.scalar(select(func.count(TicketEvent.id))) == events_before

    terminal = browser.get(f"/counter/{hall.counter_1}").get_data(as_text=True)
    header = token_in(terminal, r'<meta name="csrf-token" content="([^"]+)">')
    called = browser.post(
        f"/api/v1/counters/{hall.counter_1}/call-next", headers={"X-CSRFToken": header}
    )
    assert called.status_code == 200 and called.get_json()["code"] == "A-001"

    # API clients with a Bearer token have no session to forge and need no CSRF token.
    api_client = csrf_app.test_client()
    token = api_client.post(
        "/api/v1/auth/token", json={"username": "clerk2", "password": "password123"}
    ).get_json()["token"]
    paused = api_client.post(
        f"/api/v1/counters/{hall.counter_2}/pause", headers={"Authorization": f"Bearer {token}"}
    )
    assert paused.status_code == 200
