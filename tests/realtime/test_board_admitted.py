"""The board's "silakan masuk" line names only tickets that waited outside and are let in now,
and a live board hears, with every change, the same list a freshly loaded board reads."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient

from queue_app.extensions import db, socketio

from ..conftest import build_hall
from ..helpers import bearer


def live_list(board: SocketIOTestClient) -> list[str] | None:
    """The list in the newest `queue` message the board heard since last asked."""
    found = None
    for message in board.get_received():
        if message["name"] == "queue":
            found = message["args"][0].get("recently_admitted")
    return found


def fresh_list(client: FlaskClient) -> list[str]:
    board: dict[str, Any] = client.get("/api/v1/board").get_json()
    return list(board["recently_admitted"])


def test_live_and_fresh_boards_name_only_those_let_in_from_outside(
    app: Flask, client: FlaskClient
) -> None:
    with app.app_context():
        hall = build_hall(capacity=2)
        db.session.commit()
    board = socketio.test_client(
        app, query_string=f"board={hall.site_id}", flask_test_client=client
    )
    board.get_received()
    clerk = bearer(app, "clerk1")

    def post(path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = client.post(f"/api/v1{path}", json=body or {}, headers=clerk)
        assert response.status_code in (200, 201), response.get_json()
        return dict(response.get_json())

    # go straight in: nobody has to be told to come in.
    issued = [post("/tickets", {"service": "A"}) for _ in range(4)]
    assert [t["admitted"] for t in issued] == [True, True, False, False]
    assert live_list(board) == fresh_list(client) == []

    post(f"/counters/{hall.counter_1}/open")
    first = post(f"/counters/{hall.counter_1}/call-next")
    post(f"/tickets/{first['id']}/finish")  # room for A-003, who waited outside
    assert live_list(board) == fresh_list(client) == ["A-003"]

    second = post(f"/counters/{hall.counter_1}/call-next")
    assert second["code"] == "A-002"
    post(f"/tickets/{second['id']}/finish")  # room for A-004
    assert live_list(board) == fresh_list(client) == ["A-004", "A-003"]

    # A-003 is called, then sent on to service B: back in a queue, but inside already.
    third = post(f"/counters/{hall.counter_1}/call-next")
    assert third["code"] == "A-003"
    post(f"/tickets/{third['id']}/transfer", {"service": "B"})
    assert live_list(board) == fresh_list(client) == ["A-004"]
