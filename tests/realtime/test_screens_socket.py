"""What each screen's socket hears: boards and counters the whole hall's public news, a phone
only its own ticket's news, its place and its service's counts — never a token. A client that
reconnects (or asks to resync) gets a snapshot equal to `GET /api/v1/board`."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient

from queue_app.extensions import socketio

from ..conftest import Hall
from ..helpers import bearer, signed_in

Message = dict[str, Any]


def received(client: SocketIOTestClient) -> list[tuple[str, Message]]:
    return [(m["name"], m["args"][0]) for m in client.get_received()]


def named(messages: list[tuple[str, Message]], name: str) -> list[Message]:
    return [data for n, data in messages if n == name]


def connect(app: Flask, client: FlaskClient, query: str) -> SocketIOTestClient:
    return socketio.test_client(app, query_string=query, flask_test_client=client)


def issue(client: FlaskClient, service: str = "A", **extra: Any) -> Message:
    response = client.post("/api/v1/tickets", json={"service": service, **extra})
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def board_without_clock(data: Message) -> Message:
    return {k: v for k, v in data.items() if k != "generated_at"}


@pytest.fixture
def clerk1(app: Flask, hall: Hall) -> dict[str, str]:
    headers = bearer(app, "clerk1")
    return headers


def test_a_call_over_http_reaches_board_counter_and_its_own_phone_only(
    app: Flask, client: FlaskClient, hall: Hall, clerk1: dict[str, str]
) -> None:
    mine = issue(client)
    other = issue(client)
    other_service = issue(client, "B")
    board = connect(app, client, f"board={hall.site_id}")
    terminal = connect(app, signed_in(app, "clerk1"), f"counter={hall.counter_1}")
    phone = connect(app, client, f"ticket={mine['token']}")
    other_phone = connect(app, client, f"ticket={other['token']}")
    far_phone = connect(app, client, f"ticket={other_service['token']}")
    clients = [board, terminal, phone, other_phone, far_phone]
    assert all(c.is_connected() for c in clients)
    for c in clients:
        c.get_received()

    response = client.post(f"/api/v1/counters/{hall.counter_1}/call-next", headers=clerk1)
    assert response.status_code == 200 and response.get_json()["code"] == "A-001"
    seq = client.get("/api/v1/board").get_json()["seq"]

    board_news = received(board)
    call = named(board_news, "ticket")
    assert [(m["action"], m["ticket"]["code"], m["ticket"]["counter_number"]) for m in call] == [
        ("call", "A-001", 1)
    ]
    assert call[0]["seq"] == seq
    assert call[0]["announce"] == {
        "id": "Nomor antrean A nol nol satu, silakan ke loket satu",
        "en": "Ticket number A zero zero one, please go to counter one",
    }
    # The board's queue figures follow at once: A has one left waiting; B, which counter 1
    # serves too (its estimate moves with counter 1's time), comes along.
    queue = named(board_news, "queue")
    assert [(s["code"], s["waiting"]) for m in queue for s in m["services"]] == [
        ("A", 1),
        ("B", 1),
    ]

    terminal_news = named(received(terminal), "ticket")
    assert [(m["ticket"]["code"], m["ticket"]["counter_id"]) for m in terminal_news] == [
        ("A-001", hall.counter_1)
    ]

    phone_news = received(phone)
    assert [(m["action"], m["ticket"]["state"]) for m in named(phone_news, "ticket")] == [
        ("call", "called")
    ]
    # The next in line hears only that it moved up — not whose ticket was called.
    other_news = received(other_phone)
    assert named(other_news, "ticket") == []
    assert [(m["code"], m["position"]) for m in named(other_news, "position")] == [("A-002", 0)]
    assert [s["waiting"] for m in named(other_news, "queue") for s in m["services"]] == [1]
    # A phone in another service's queue hears nothing at all.
    assert received(far_phone) == []

    everything = json.dumps([board_news, phone_news, other_news, terminal_news])
    for token in (mine["token"], other["token"], other_service["token"]):
        assert token not in everything


def test_a_phone_follows_its_place_as_the_queue_moves(
    app: Flask, client: FlaskClient, hall: Hall, clerk1: dict[str, str]
) -> None:
    tickets = [issue(client) for _ in range(4)]
    last = connect(app, client, f"ticket={tickets[-1]['token']}")
    snapshot = named(received(last), "snapshot")
    assert snapshot[0]["kind"] == "ticket" and snapshot[0]["data"]["position"] == 3
    places = []
    for _ in range(3):
        called = client.post(f"/api/v1/counters/{hall.counter_1}/call-next", headers=clerk1)
        client.post(f"/api/v1/tickets/{called.get_json()['id']}/finish", headers=clerk1)
        places += [(m["position"], m["state"]) for m in named(received(last), "position")]
    # One news per change of the queue: moved up by each call, unchanged by each finish.
    assert [p for p, _ in places] == [2, 2, 1, 1, 0, 0]
    # Each estimate matches what the API says for the same ticket now.
    api_view = client.get(f"/api/v1/tickets/by-token/{tickets[-1]['token']}").get_json()
    assert api_view["position"] == 0


def test_priority_and_transferred_tickets_get_the_same_place_as_the_api(
    app: Flask, client: FlaskClient, hall: Hall, clerk1: dict[str, str]
) -> None:
    regular = [issue(client) for _ in range(3)]
    elderly = issue(client, priority="elderly")
    moved = issue(client, "B")
    phones = {t["code"]: connect(app, client, f"ticket={t['token']}") for t in [*regular, elderly]}
    clerk2 = bearer(app, "clerk2")
    called = client.post(f"/api/v1/counters/{hall.counter_2}/call-next", headers=clerk2)
    assert called.get_json()["code"] == moved["code"]
    for phone in phones.values():
        phone.get_received()
    transferred = client.post(
        f"/api/v1/tickets/{called.get_json()['id']}/transfer",
        json={"service": "A"},
        headers=clerk2,
    )
    assert transferred.status_code == 200
    for ticket in [*regular, elderly]:
        heard = named(received(phones[ticket["code"]]), "position")
        expected = client.get(f"/api/v1/tickets/by-token/{ticket['token']}").get_json()
        assert heard[-1]["position"] == expected["position"], ticket["code"]
        assert heard[-1]["estimated_wait_s"] == expected["estimated_wait_s"]
    # The transferred ticket is at the front; the elderly ticket right behind it.
    elderly_place = client.get(f"/api/v1/tickets/by-token/{elderly['token']}").get_json()
    assert elderly_place["position"] == 1


def test_reconnect_and_resync_send_a_snapshot_equal_to_the_board(
    app: Flask, client: FlaskClient, hall: Hall, clerk1: dict[str, str]
) -> None:
    issue(client)
    board = connect(app, client, f"board={hall.site_id}")
    board.get_received()
    board.disconnect()
    # While it is away: a call and a new ticket it never hears about.
    client.post(f"/api/v1/counters/{hall.counter_1}/call-next", headers=clerk1)
    issue(client, "B")
    board.connect(query_string=f"board={hall.site_id}")
    snapshot = named(received(board), "snapshot")
    expected = board_without_clock(client.get("/api/v1/board").get_json())
    assert [s["kind"] for s in snapshot] == ["board"]
    assert board_without_clock(snapshot[0]["data"]) == expected
    assert expected["recent_calls"][0]["code"] == "A-001"

    # A client that noticed a gap asks again and gets the same picture.
    board.emit("resync")
    again = named(received(board), "snapshot")
    assert board_without_clock(again[0]["data"]) == expected


def test_counter_terminal_snapshot_and_who_may_follow_a_counter(
    app: Flask, client: FlaskClient, hall: Hall, clerk1: dict[str, str]
) -> None:
    issue(client)
    client.post(f"/api/v1/counters/{hall.counter_1}/call-next", headers=clerk1)
    terminal = connect(app, signed_in(app, "clerk1"), f"counter={hall.counter_1}")
    snapshot = named(received(terminal), "snapshot")[0]
    assert snapshot["kind"] == "counter"
    data = snapshot["data"]
    assert data["id"] == hall.counter_1 and data["current"]["code"] == "A-001"
    assert [s["code"] for s in data["services"]] == ["A", "B"]  # its preference order
    assert data["stats"] == {"served": 0, "mean_service_s": None, "timed": 0}
    assert board_without_clock(data["board"]) == board_without_clock(
        client.get("/api/v1/board").get_json()
    )
    assert "token" not in json.dumps(data)

    # Anonymous, and a clerk of another counter, may not follow counter 1.
    assert not connect(app, app.test_client(), f"counter={hall.counter_1}").is_connected()
    assert not connect(app, signed_in(app, "clerk2"), f"counter={hall.counter_1}").is_connected()
    assert connect(app, signed_in(app, "super"), f"counter={hall.counter_1}").is_connected()


def test_counter_state_changes_reach_the_board_with_new_estimates(
    app: Flask, client: FlaskClient, hall: Hall, clerk1: dict[str, str]
) -> None:
    issue(client)
    board = connect(app, client, f"board={hall.site_id}")
    board.get_received()
    client.post(f"/api/v1/counters/{hall.counter_1}/pause", headers=clerk1)
    news = received(board)
    assert [m["counter"]["state"] for m in named(news, "counter")] == ["paused"]
    services = {s["code"]: s for m in named(news, "queue") for s in m["services"]}
    assert set(services) == {"A", "B"}  # counter 1 serves both


def test_two_clerks_calling_at_once_get_different_tickets_and_see_each_other(
    app: Flask, client: FlaskClient, hall: Hall
) -> None:
    for _ in range(6):
        issue(client)
    terminals = {
        name: connect(app, signed_in(app, name), f"counter={counter}")
        for name, counter in (("clerk1", hall.counter_1), ("clerk2", hall.counter_2))
    }
    for terminal in terminals.values():
        terminal.get_received()
    headers = {name: bearer(app, name) for name in terminals}
    counters = {"clerk1": hall.counter_1, "clerk2": hall.counter_2}
    barrier = threading.Barrier(2)

    def press(name: str) -> str:
        own = app.test_client()
        barrier.wait()
        response = own.post(f"/api/v1/counters/{counters[name]}/call-next", headers=headers[name])
        assert response.status_code == 200
        return str(response.get_json()["code"])

    with ThreadPoolExecutor(2) as pool:
        codes = dict(zip(terminals, pool.map(press, terminals), strict=True))
    assert len(set(codes.values())) == 2
    for terminal in terminals.values():
        calls = {
            (m["ticket"]["code"], m["ticket"]["counter_id"])
            for m in named(received(terminal), "ticket")
            if m["action"] == "call"
        }
        assert calls == {(codes["clerk1"], hall.counter_1), (codes["clerk2"], hall.counter_2)}
