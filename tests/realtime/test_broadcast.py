"""News over Socket.IO: a snapshot on connect, and each committed change broadcast with its
data and sequence number to the rooms it concerns, never carrying a ticket token."""

from __future__ import annotations

import json

from flask import Flask
from flask.testing import FlaskClient

from queue_app.extensions import socketio

from ..conftest import Hall
from ..helpers import bearer


def events_named(client, name: str) -> list[dict]:  # type: ignore[no-untyped-def]
    return [m["args"][0] for m in client.get_received() if m["name"] == name]


def test_board_gets_snapshot_then_the_call_made_over_http(
    app: Flask, client: FlaskClient, hall: Hall
) -> None:
    mine = client.post("/api/v1/tickets", json={"service": "A"}).get_json()
    other = client.post("/api/v1/tickets", json={"service": "A"}).get_json()
    board = socketio.test_client(
        app, query_string=f"board={hall.site_id}", flask_test_client=client
    )
    phone = socketio.test_client(
        app, query_string=f"ticket={mine['token']}", flask_test_client=client
    )
    other_phone = socketio.test_client(
        app, query_string=f"ticket={other['token']}", flask_test_client=client
    )
    assert board.is_connected() and phone.is_connected()

    snapshot = events_named(board, "snapshot")
    assert snapshot == [
        {
            "kind": "board",
            "data": client.get("/api/v1/board").get_json()
            | {"generated_at": snapshot[0]["data"]["generated_at"]},
        }
    ]
    phone_snapshot = events_named(phone, "snapshot")[0]["data"]
    assert phone_snapshot["code"] == "A-001" and "token" not in phone_snapshot
    other_phone.get_received()

    headers = bearer(app, "clerk1")
    client.post(f"/api/v1/counters/{hall.counter_1}/call-next", headers=headers)

    board_news = events_named(board, "ticket")
    assert [
        (n["action"], n["ticket"]["code"], n["ticket"]["counter_number"]) for n in board_news
    ] == [("call", "A-001", 1)]
    assert board_news[0]["seq"] == client.get("/api/v1/board").get_json()["seq"]
    assert [n["ticket"]["state"] for n in events_named(phone, "ticket")] == ["called"]
    # The other ticket's phone hears nothing about A-001.
    assert events_named(other_phone, "ticket") == []
    everything = json.dumps(board_news)
    assert mine["token"] not in everything and other["token"] not in everything


def test_unknown_ticket_token_is_refused(app: Flask, client: FlaskClient, hall: Hall) -> None:
    phone = socketio.test_client(app, query_string="ticket=not-a-token", flask_test_client=client)
    assert not phone.is_connected()
