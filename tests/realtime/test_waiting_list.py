"""The counter terminal's waiting list (issue 13, item 7): who waits for each of the counter's
services, in its snapshot and live after every change — to counter terminals only, never to a
board or a phone, and made from the hall's shared read model."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient

from queue_app.extensions import socketio
from queue_app.realtime import snapshots

from ..conftest import Hall, build_hall
from ..helpers import bearer, signed_in

Message = dict[str, Any]


def connect(app: Flask, client: FlaskClient, query: str) -> SocketIOTestClient:
    socket = socketio.test_client(app, query_string=query, flask_test_client=client)
    assert socket.is_connected(), query
    return socket


def received(socket: SocketIOTestClient) -> list[tuple[str, Message]]:
    return [(m["name"], m["args"][0]) for m in socket.get_received()]


def issue(client: FlaskClient, service: str = "A", **extra: Any) -> Message:
    response = client.post("/api/v1/tickets", json={"service": service, **extra})
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def listed(lists: list[Message]) -> list[tuple[str, list[tuple[str, Any, bool]]]]:
    """(service code, [(ticket code, priority, inside) …]) per list."""
    return [
        (w["code"], [(t["code"], t["priority"], t["inside"]) for t in w["tickets"]]) for w in lists
    ]


def test_the_terminal_lists_who_waits_for_each_of_its_services(app: Flask) -> None:
    with app.app_context():
        hall = build_hall(capacity=3)
    client = app.test_client()
    a1 = issue(client, "A")
    issue(client, "A", priority="elderly")
    issue(client, "B")
    outside = issue(client, "A", priority="pregnant")  # the hall is full: waits outside
    assert outside["admitted"] is False
    terminal = connect(app, signed_in(app, "clerk2"), f"counter={hall.counter_2}")
    snapshot = received(terminal)[0][1]["data"]
    # Counter 2 serves B first, then A: its lists come in that order.
    assert listed(snapshot["waiting"]) == [
        ("B", [("B-001", None, True)]),
        ("A", [("A-001", None, True), ("A-002", "elderly", True), ("A-003", "pregnant", False)]),
    ]
    a_list = snapshot["waiting"][1]
    assert a_list["total"] == 3 and a_list["service_id"] == hall.service_a
    first = a_list["tickets"][0]
    assert first["id"] == a1["id"] and first["issued_at"] == a1["issued_at"]
    assert first["transferred"] is False
    # The page the terminal loads carries the same lists.
    page = signed_in(app, "clerk2").get(f"/counter/{hall.counter_2}").get_data(as_text=True)
    assert '"A-003"' in page and '"pregnant"' in page
    terminal.disconnect()


def test_the_list_follows_each_change_and_reaches_only_counter_terminals(
    app: Flask, client: FlaskClient, hall: Hall
) -> None:
    waiting = issue(client, "A")
    board = connect(app, client, f"board={hall.site_id}")
    phone = connect(app, client, f"ticket={waiting['token']}")
    terminal = connect(app, signed_in(app, "clerk1"), f"counter={hall.counter_1}")
    other = connect(app, signed_in(app, "clerk2"), f"counter={hall.counter_2}")
    board_snapshot = received(board)[0][1]
    phone_snapshot = received(phone)[0][1]
    received(terminal), received(other)

    second = issue(client, "A", priority="disabled")
    news = [m for name, m in received(terminal) if name == "waiting"]
    assert [listed(m["services"]) for m in news] == [
        [("A", [("A-001", None, True), ("A-002", "disabled", True)])]
    ]
    assert news[0]["seq"] == client.get("/api/v1/board").get_json()["seq"]
    assert [name for name, _ in received(other)].count("waiting") == 1  # counter 2 serves A too

    # A chosen call takes the ticket off the list of every counter serving its service.
    called = client.post(
        f"/api/v1/counters/{hall.counter_1}/call/{second['id']}", headers=bearer(app, "clerk1")
    )
    assert called.status_code == 200
    for socket in (terminal, other):
        news = [m for name, m in received(socket) if name == "waiting"]
        assert listed(news[-1]["services"]) == [("A", [("A-001", None, True)])]

    # Boards and phones never hear a waiting list, in their snapshot or after.
    board_news, phone_news = received(board), received(phone)
    assert "waiting" not in board_snapshot["data"] and "waiting" not in phone_snapshot["data"]
    assert [n for n, _ in board_news + phone_news if n == "waiting"] == []
    for socket in (board, phone, terminal, other):
        socket.disconnect()


def test_terminals_share_the_halls_read_model_and_hear_no_token(
    app: Flask, client: FlaskClient, hall: Hall
) -> None:
    tickets = [issue(client, "A") for _ in range(3)] + [issue(client, "B")]
    with app.app_context():
        builds = snapshots.cache().builds
    terminals = [
        connect(app, signed_in(app, clerk), f"counter={counter}")
        for clerk, counter in (("clerk1", hall.counter_1), ("clerk2", hall.counter_2)) * 2
    ]
    with app.app_context():
        assert snapshots.cache().builds == builds  # the last issue's broadcast built it
        kept = snapshots.cache().kept(hall.site_id)
        assert kept is not None
        assert kept.waiting_list(hall.service_a) is kept.waiting_list(hall.service_a)
    heard = json.dumps([socket.get_received() for socket in terminals])
    assert all(t["code"] in heard for t in tickets)
    assert not any(t["token"] in heard for t in tickets)
    for socket in terminals:
        socket.disconnect()


def test_a_long_queue_sends_its_front_and_its_total(
    app: Flask, client: FlaskClient, hall: Hall
) -> None:
    many = snapshots.WAITING_LIST_ROWS + 5
    for _ in range(many):
        issue(client, "B")
    terminal = connect(app, signed_in(app, "clerk2"), f"counter={hall.counter_2}")
    lists = received(terminal)[0][1]["data"]["waiting"]
    b_list = lists[0]
    assert b_list["total"] == many
    assert len(b_list["tickets"]) == snapshots.WAITING_LIST_ROWS
    assert b_list["tickets"][0]["code"] == "B-001"
    terminal.disconnect()
