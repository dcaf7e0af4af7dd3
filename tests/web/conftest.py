"""A thin HTTP driver over the Flask test client for the API tests.

Every request made through `Api` is checked for the two promises that hold everywhere: no
response is a 5xx, and every error under /api is JSON `{"error": code, "message": text}`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from queue_app.extensions import db
from queue_app.models import Site
from tests.conftest import Hall
from tests.helpers import bearer, make_service

API = "/api/v1"

#: The ticket verbs under /api/v1/tickets/<id>/<verb> (transfer, which takes a body, aside).
TICKET_VERBS = ["recall", "start", "finish", "no-show", "reinstate", "requeue", "cancel"]
#: The counter verbs under /api/v1/counters/<id>/<verb>.
COUNTER_VERBS = ["open", "pause", "close"]
#: A JSON body over the 64 kB MAX_CONTENT_LENGTH.
HUGE_BODY = '{"service": "' + "A" * 100_000 + '"}'


def assert_error(response: TestResponse, status: int, code: str | None = None) -> dict[str, Any]:
    """The response is a JSON error with this status (and code); returns its body."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.mimetype == "application/json", response.mimetype
    body = response.get_json()
    assert isinstance(body, dict), body
    assert isinstance(body.get("error"), str) and body["error"], body
    assert isinstance(body.get("message"), str) and body["message"], body
    if code is not None:
        assert body["error"] == code, body
    return body


def add_service(app: Flask, site_id: int, code: str, **kwargs: Any) -> int:
    with app.app_context():
        site = db.session.get(Site, site_id)
        assert site is not None
        service = make_service(db.session, site, code, **kwargs)
        db.session.commit()
        return service.id


class Api:
    """HTTP calls against one app with the small hall in it."""

    def __init__(self, app: Flask, client: FlaskClient, hall: Hall) -> None:
        self.app = app
        self.client = client
        self.hall = hall
        self._headers: dict[str, dict[str, str]] = {}
        #: Called with (method, url, response) after every request (the OpenAPI tests record).
        self.observers: list[Callable[[str, str, TestResponse], None]] = []

    # -- plumbing --------------------------------------------------------------------------

    def auth(self, username: str | None) -> dict[str, str]:
        if username is None:
            return {}
        if username not in self._headers:
            self._headers[username] = bearer(self.app, username)
        return self._headers[username]

    def request(
        self, method: str, url: str, *, user: str | None = None, **kwargs: Any
    ) -> TestResponse:
        headers = {**self.auth(user), **kwargs.pop("headers", {})}
        response = self.client.open(url, method=method, headers=headers, **kwargs)
        assert response.status_code < 500, (
            method,
            url,
            response.status_code,
            response.get_data(as_text=True),
        )
        if response.status_code >= 400 and url.startswith(API):
            assert_error(response, response.status_code)
        for observe in self.observers:
            observe(method, url, response)
        return response

    def get(self, url: str, **kwargs: Any) -> TestResponse:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> TestResponse:
        return self.request("POST", url, **kwargs)

    # -- public ----------------------------------------------------------------------------

    def issue(self, service: int | str = "A", **extra: Any) -> dict[str, Any]:
        """Take a ticket; it must succeed."""
        response = self.post(f"{API}/tickets", json={"service": service, **extra})
        assert response.status_code == 201, response.get_data(as_text=True)
        body = response.get_json()
        assert isinstance(body, dict)
        return body

    def public(self, token: str) -> dict[str, Any]:
        response = self.get(f"{API}/tickets/by-token/{token}")
        assert response.status_code == 200, response.get_data(as_text=True)
        return dict(response.get_json())

    def board(self) -> dict[str, Any]:
        response = self.get(f"{API}/board")
        assert response.status_code == 200
        body = dict(response.get_json())
        # What moves by itself with the clock: the time of the snapshot, and the estimates,
        # which count down while a called ticket is being served.
        body.pop("generated_at", None)
        for service in body.get("services", []):
            service.pop("estimated_wait_s", None)
        return body

    def services(self) -> dict[str, dict[str, Any]]:
        """GET /services keyed by code."""
        response = self.get(f"{API}/services")
        assert response.status_code == 200
        return {s["code"]: s for s in response.get_json()}

    def counters(self) -> dict[int, dict[str, Any]]:
        """GET /counters keyed by id."""
        response = self.get(f"{API}/counters")
        assert response.status_code == 200
        return {c["id"]: c for c in response.get_json()}

    def current(self, counter_id: int) -> dict[str, Any] | None:
        """What the board shows at a counter."""
        board = self.board()
        return next(c["current"] for c in board["counters"] if c["id"] == counter_id)

    # -- staff -----------------------------------------------------------------------------

    def call_next(self, counter_id: int, user: str) -> TestResponse:
        return self.post(f"{API}/counters/{counter_id}/call-next", user=user)

    def act(self, ticket_id: int, verb: str, user: str, **kwargs: Any) -> TestResponse:
        return self.post(f"{API}/tickets/{ticket_id}/{verb}", user=user, **kwargs)

    def transfer(self, ticket_id: int, service: Any, user: str) -> TestResponse:
        return self.act(ticket_id, "transfer", user, json={"service": service})

    def counter(self, counter_id: int, verb: str, user: str) -> TestResponse:
        return self.post(f"{API}/counters/{counter_id}/{verb}", user=user)

    def called(self, counter_id: int, user: str) -> dict[str, Any]:
        """Call next; something must be called."""
        response = self.call_next(counter_id, user)
        assert response.status_code == 200, response.get_data(as_text=True)
        return dict(response.get_json())

    def ok(self, response: TestResponse) -> dict[str, Any]:
        assert response.status_code == 200, response.get_data(as_text=True)
        return dict(response.get_json())


@pytest.fixture
def api(app: Flask, client: FlaskClient, hall: Hall) -> Api:
    return Api(app, client, hall)
