"""What a change costs the server's broadcast (docs/benchmarks.md): the phones' places are sent
after the read transaction ended (on SQLite it holds the write lock, which every kiosk and
counter waits for), and only to tickets somebody follows — while every connected phone still
hears its own place."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from queue_app.extensions import db_session, socketio

from ..conftest import Hall
from ..helpers import bearer
from .test_screens_socket import connect, issue, named, received


@pytest.fixture
def emits(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any, bool]]:
    """Every emit: (event, room, whether a database transaction was open at that moment)."""
    seen: list[tuple[str, Any, bool]] = []
    original = socketio.emit

    def spy(event: str, *args: Any, **kwargs: Any) -> None:
        seen.append((event, kwargs.get("to"), db_session().in_transaction()))
        original(event, *args, **kwargs)

    monkeypatch.setattr(socketio, "emit", spy)
    return seen


def test_places_go_only_to_followed_tickets_and_after_the_transaction(
    app: Flask, client: FlaskClient, hall: Hall, emits: list[tuple[str, Any, bool]]
) -> None:
    tickets = [issue(client) for _ in range(5)]
    followed = tickets[3]
    phone = connect(app, client, f"ticket={followed['token']}")
    phone.get_received()
    emits.clear()

    clerk = bearer(app, "clerk1")
    called = client.post(f"/api/v1/counters/{hall.counter_1}/call-next", headers=clerk)
    assert called.status_code == 200

    # The phone moved up one place, as the API says.
    places = named(received(phone), "position")
    expected = client.get(f"/api/v1/tickets/by-token/{followed['token']}").get_json()
    assert [(p["code"], p["position"]) for p in places] == [(followed["code"], 2)]
    assert places[0]["estimated_wait_s"] == expected["estimated_wait_s"]
    # Four tickets still queue, one phone listens: one place was sent, with no transaction open.
    sent = [(room, in_transaction) for event, room, in_transaction in emits if event == "position"]
    assert sent == [(f"ticket:{followed['token']}", False)]
