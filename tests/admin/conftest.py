"""The admin console through HTTP as a browser uses it: CSRF protection on, a real token read
from each form page, the small hall of tests/conftest.py, and Socket.IO test clients of the
screens that must hear every change."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from queue_app.extensions import db, socketio
from queue_app.models import AdminChange
from tests.conftest import Hall, app_with_tables, wants_hall

TOKEN = re.compile(
    r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"'
    r'|<meta name="csrf-token" content="([^"]+)"'
)
FIELD_ERROR = re.compile(r'<p class="field-error" role="alert">([^<]*)</p>')
PASSWORD = "password123"


def csrf_token(response: TestResponse) -> str:
    """The CSRF token a page carries in its form."""
    found = TOKEN.search(response.get_data(as_text=True))
    assert found, "no CSRF token in the page"
    return found.group(1) or found.group(2) or found.group(3)


def field_errors(response: TestResponse) -> list[str]:
    """The error messages shown beside the form's fields."""
    return [m.replace("&#39;", "'") for m in FIELD_ERROR.findall(response.get_data(as_text=True))]


class Browser:
    """A signed-in (or anonymous) browser: every form is posted with the token of its page."""

    def __init__(self, app: Flask, username: str | None = None) -> None:
        self.app = app
        self.client: FlaskClient = app.test_client()
        if username is not None:
            self.sign_in(username)

    def sign_in(self, username: str, password: str = PASSWORD) -> TestResponse:
        page = self.client.get("/login")
        return self.client.post(
            "/login",
            data={"username": username, "password": password, "csrf_token": csrf_token(page)},
        )

    def get(self, url: str, **kwargs: Any) -> TestResponse:
        response = self.client.get(url, **kwargs)
        assert response.status_code < 500, response.get_data(as_text=True)
        return response

    def submit(self, url: str, data: dict[str, Any], *, page: str | None = None) -> TestResponse:
        """Open the form page (`page`, or `url` itself), then post `data` with its token."""
        form = self.client.get(page or url)
        assert form.status_code == 200, (page or url, form.status_code)
        response = self.client.post(url, data={**data, "csrf_token": csrf_token(form)})
        assert response.status_code < 500, response.get_data(as_text=True)
        return response


def changes_count() -> int:
    """Rows in the admin audit trail (call inside an app context)."""
    return int(db.session.scalar(select(func.count(AdminChange.id))) or 0)


def last_change() -> AdminChange:
    change = db.session.scalars(select(AdminChange).order_by(AdminChange.id.desc())).first()
    assert change is not None
    return change


def screen(app: Flask, query: str, client: FlaskClient | None = None) -> SocketIOTestClient:
    """A screen's socket (kiosk/board: `board=<site>`), its snapshot already read."""
    sock = socketio.test_client(app, query_string=query, flask_test_client=client)
    assert sock.is_connected(), query
    sock.get_received()
    return sock


def heard(sock: SocketIOTestClient, name: str) -> list[dict[str, Any]]:
    return [m["args"][0] for m in sock.get_received() if m["name"] == name]


@pytest.fixture
def app(tmp_path: Any, request: pytest.FixtureRequest) -> Iterator[Flask]:
    """The app with CSRF protection on, as in production."""
    with app_with_tables(
        f"sqlite:///{tmp_path / 'admin.db'}", WTF_CSRF_ENABLED=True, with_hall=wants_hall(request)
    ) as application:
        yield application


@pytest.fixture
def admin(app: Flask, hall: Hall) -> Browser:
    browser = Browser(app, "admin")
    assert browser.get("/admin/services").status_code == 200
    return browser
