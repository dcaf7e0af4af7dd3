"""The ticket lifecycle over HTTP, as a kiosk, a counter clerk and a lobby board see it."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from .conftest import API, Api, assert_error


def by_code(items: list[dict[str, Any]]) -> list[str]:
    return [item["code"] for item in items]


# -- issuing -----------------------------------------------------------------------------------


def test_issue_returns_a_numbered_ticket_with_its_status_url(api: Api) -> None:
    first = api.issue("A")
    assert first["code"] == "A-001"
    assert first["number"] == 1
    assert first["service"]["id"] == api.hall.service_a
    assert first["service"]["code"] == "A"
    assert first["service"]["name"] == "Layanan A"
    assert first["state"] == "waiting"
    assert first["admitted"] is True
    assert first["position"] == 0
    assert isinstance(first["id"], int)
    assert isinstance(first["token"], str) and len(first["token"]) >= 22
    assert first["status_url"] == f"https://loket.example.id/t/{first['token']}"
    assert isinstance(first["estimated_wait_s"], int)
    assert first["priority"] is None

    second = api.issue(api.hall.service_a)  # by id this time
    assert (second["code"], second["number"], second["position"]) == ("A-002", 2, 1)
    assert second["id"] != first["id"]
    assert second["token"] != first["token"]

    other = api.issue("b")  # codes are case-insensitive; numbering is per service
    assert (other["code"], other["number"], other["service"]["code"]) == ("B-001", 1, "B")


def test_issue_with_a_priority_category(api: Api) -> None:
    ticket = api.issue("A", priority="elderly")
    assert ticket["priority"] == "elderly"
    assert api.public(ticket["token"])["priority"] == "elderly"
    assert api.issue("A", priority=None)["priority"] is None


def test_services_and_counters_lists(api: Api) -> None:
    services = api.services()
    assert set(services) == {"A", "B"}
    for service in services.values():
        assert {"id", "code", "name", "open", "waiting", "quota_left", "estimated_wait_s"} <= set(
            service
        )
        assert service["open"] is True
        assert service["waiting"] == 0
        assert service["quota_left"] is None
    assert services["A"]["id"] == api.hall.service_a

    api.issue("A")
    api.issue("A")
    api.issue("B")
    services = api.services()
    assert (services["A"]["waiting"], services["B"]["waiting"]) == (2, 1)
    assert services["A"]["estimated_wait_s"] > 0

    counters = api.counters()
    assert set(counters) == {api.hall.counter_1, api.hall.counter_2}
    one, two = counters[api.hall.counter_1], counters[api.hall.counter_2]
    assert (one["number"], one["label"], one["state"]) == (1, "Loket 1", "open")
    assert by_code(one["services"]) == ["A", "B"]  # in the counter's preference order
    assert by_code(two["services"]) == ["B", "A"]
    assert one["current"] is None


# -- the happy path ----------------------------------------------------------------------------


def test_call_recall_start_finish(api: Api) -> None:
    hall = api.hall
    ticket = api.issue("A")

    called = api.called(hall.counter_1, "clerk1")
    assert called["id"] == ticket["id"]
    assert called["code"] == "A-001"
    assert called["state"] == "called"
    assert called["counter"] == {"number": 1, "label": "Loket 1"}
    assert called["counter_id"] == hall.counter_1
    assert called["call_count"] == 1
    assert "token" not in called

    public = api.public(ticket["token"])
    assert public["state"] == "called"
    assert public["counter"]["number"] == 1

    board = api.board()
    current = next(c for c in board["counters"] if c["id"] == hall.counter_1)["current"]
    assert current["code"] == "A-001"
    assert current["state"] == "called"
    assert board["recent_calls"][0]["code"] == "A-001"
    assert board["recent_calls"][0]["counter_number"] == 1
    assert board["recent_calls"][0]["recall"] is False
    assert api.services()["A"]["waiting"] == 0
    seq_after_call = board["seq"]

    recalled = api.ok(api.act(ticket["id"], "recall", "clerk1"))
    assert recalled["state"] == "called"
    assert recalled["call_count"] == 2
    board = api.board()
    assert board["seq"] > seq_after_call
    # a recalled ticket is listed once, as a recall, at the time of its newest call
    assert [(c["code"], c["recall"]) for c in board["recent_calls"]] == [("A-001", True)]
    assert board["recent_calls"][0]["seq"] == board["seq"]

    started = api.ok(api.act(ticket["id"], "start", "clerk1"))
    assert started["state"] == "serving"
    assert started["started_at"] is not None
    assert api.current(hall.counter_1)["state"] == "serving"

    finished = api.ok(api.act(ticket["id"], "finish", "clerk1"))
    assert finished["state"] == "done"
    assert finished["finished_at"] is not None
    board = api.board()
    assert next(c for c in board["counters"] if c["id"] == hall.counter_1)["current"] is None
    assert [c["code"] for c in board["recent_calls"]] == ["A-001"]  # the call stays listed
    assert api.counters()[hall.counter_1]["current"] is None
    assert api.public(ticket["token"])["state"] == "done"

    # nobody waits any more: 204 with an empty body, and nothing happens
    seq = api.board()["seq"]
    empty = api.call_next(hall.counter_1, "clerk1")
    assert empty.status_code == 204
    assert empty.get_data() == b""
    assert api.board()["seq"] == seq


def test_call_next_on_an_empty_queue_is_204(api: Api) -> None:
    before = api.board()
    response = api.call_next(api.hall.counter_2, "clerk2")
    assert response.status_code == 204
    assert response.get_data() == b""
    assert api.board() == before


def test_finish_without_start(api: Api) -> None:
    ticket = api.issue("A")
    api.called(api.hall.counter_1, "clerk1")
    done = api.ok(api.act(ticket["id"], "finish", "clerk1"))
    assert done["state"] == "done"
    assert api.current(api.hall.counter_1) is None


def test_call_order_follows_issue_order(api: Api) -> None:
    tickets = [api.issue("A") for _ in range(3)]
    for ticket in tickets:
        called = api.called(api.hall.counter_1, "clerk1")
        assert called["id"] == ticket["id"]
        api.ok(api.act(ticket["id"], "finish", "clerk1"))


# -- no-show, requeue, transfer, cancel -------------------------------------------------------


def test_no_show_then_reinstate_goes_to_the_end_of_the_queue(api: Api) -> None:
    hall = api.hall
    first, second, third = api.issue("A"), api.issue("A"), api.issue("A")
    api.called(hall.counter_1, "clerk1")

    gone = api.ok(api.act(first["id"], "no-show", "clerk1"))
    assert gone["state"] == "no_show"
    assert api.current(hall.counter_1) is None
    assert api.public(first["token"])["state"] == "no_show"
    assert api.services()["A"]["waiting"] == 2

    back = api.ok(api.act(first["id"], "reinstate", "clerk1"))
    assert back["state"] == "waiting"
    assert back["position"] == 2  # behind the two who kept waiting
    assert back["counter"] is None
    assert api.services()["A"]["waiting"] == 3

    assert api.called(hall.counter_1, "clerk1")["id"] == second["id"]
    api.ok(api.act(second["id"], "finish", "clerk1"))
    assert api.called(hall.counter_1, "clerk1")["id"] == third["id"]
    api.ok(api.act(third["id"], "finish", "clerk1"))
    assert api.called(hall.counter_1, "clerk1")["id"] == first["id"]


def test_requeue_puts_the_ticket_back_at_the_end(api: Api) -> None:
    hall = api.hall
    first, second = api.issue("A"), api.issue("A")
    api.called(hall.counter_1, "clerk1")

    requeued = api.ok(api.act(first["id"], "requeue", "clerk1"))
    assert requeued["state"] == "waiting"
    assert requeued["position"] == 1
    assert requeued["counter"] is None
    assert api.current(hall.counter_1) is None
    assert api.public(second["token"])["position"] == 0

    assert api.called(hall.counter_1, "clerk1")["id"] == second["id"]
    api.ok(api.act(second["id"], "finish", "clerk1"))
    again = api.called(hall.counter_1, "clerk1")
    assert again["id"] == first["id"]
    assert again["call_count"] == 2


def test_transfer_puts_the_ticket_at_the_front_of_the_new_service(api: Api) -> None:
    hall = api.hall
    a_ticket = api.issue("A")
    b_first, b_second = api.issue("B"), api.issue("B")
    # counter 1 serves A before B
    assert api.called(hall.counter_1, "clerk1")["id"] == a_ticket["id"]

    moved = api.ok(api.transfer(a_ticket["id"], "b", "clerk1"))
    assert moved["service"]["code"] == "B"
    assert moved["code"] == "A-001"  # the number it was issued keeps its code
    assert moved["state"] == "waiting"
    assert moved["position"] == 0
    assert moved["counter"] is None
    assert api.current(hall.counter_1) is None
    assert api.public(b_first["token"])["position"] == 1
    services = api.services()
    assert (services["A"]["waiting"], services["B"]["waiting"]) == (0, 3)

    # counter 2 calls the transferred ticket before the B tickets issued earlier
    assert api.called(hall.counter_2, "clerk2")["id"] == a_ticket["id"]
    api.ok(api.act(a_ticket["id"], "finish", "clerk2"))
    assert api.called(hall.counter_2, "clerk2")["id"] == b_first["id"]
    api.ok(api.act(b_first["id"], "finish", "clerk2"))
    assert api.called(hall.counter_2, "clerk2")["id"] == b_second["id"]


def test_transfer_of_a_serving_ticket_by_service_id(api: Api) -> None:
    hall = api.hall
    ticket = api.issue("A")
    api.called(hall.counter_1, "clerk1")
    api.ok(api.act(ticket["id"], "start", "clerk1"))
    moved = api.ok(api.transfer(ticket["id"], hall.service_b, "clerk1"))
    assert (moved["service"]["id"], moved["state"]) == (hall.service_b, "waiting")


def test_cancel_a_waiting_ticket(api: Api) -> None:
    hall = api.hall
    first, second = api.issue("A"), api.issue("A")
    cancelled = api.ok(api.act(first["id"], "cancel", "clerk1"))
    assert cancelled["state"] == "cancelled"
    assert api.public(first["token"])["state"] == "cancelled"
    assert api.services()["A"]["waiting"] == 1
    assert api.public(second["token"])["position"] == 0
    assert api.called(hall.counter_1, "clerk1")["id"] == second["id"]


# -- counters ---------------------------------------------------------------------------------


def test_pause_open_close_a_counter(api: Api) -> None:
    hall = api.hall
    ticket = api.issue("A")

    paused = api.ok(api.counter(hall.counter_1, "pause", "clerk1"))
    assert (paused["id"], paused["state"]) == (hall.counter_1, "paused")
    assert api.counters()[hall.counter_1]["state"] == "paused"
    assert_error(api.call_next(hall.counter_1, "clerk1"), 409, "counter_not_open")
    assert api.public(ticket["token"])["state"] == "waiting"

    assert api.ok(api.counter(hall.counter_1, "open", "clerk1"))["state"] == "open"
    api.called(hall.counter_1, "clerk1")

    # closing needs the counter free of its called ticket
    assert_error(api.counter(hall.counter_1, "close", "clerk1"), 409, "counter_busy")
    assert api.counters()[hall.counter_1]["state"] == "open"
    assert api.current(hall.counter_1)["code"] == "A-001"

    api.ok(api.act(ticket["id"], "finish", "clerk1"))
    closed = api.ok(api.counter(hall.counter_1, "close", "clerk1"))
    assert closed["state"] == "closed"
    assert api.board()["counters"][0]["state"] == "closed"
    api.issue("A")
    assert_error(api.call_next(hall.counter_1, "clerk1"), 409, "counter_not_open")
    assert api.ok(api.counter(hall.counter_1, "open", "clerk1"))["state"] == "open"
    assert api.called(hall.counter_1, "clerk1")["code"] == "A-002"


def test_a_paused_counter_keeps_its_called_ticket(api: Api) -> None:
    ticket = api.issue("A")
    api.called(api.hall.counter_1, "clerk1")
    api.ok(api.counter(api.hall.counter_1, "pause", "clerk1"))
    assert api.current(api.hall.counter_1)["code"] == "A-001"
    assert api.ok(api.act(ticket["id"], "finish", "clerk1"))["state"] == "done"


def test_call_next_while_a_ticket_is_called_is_counter_busy(api: Api) -> None:
    hall = api.hall
    first, second = api.issue("A"), api.issue("A")
    api.called(hall.counter_1, "clerk1")
    before = api.board()

    body = assert_error(api.call_next(hall.counter_1, "clerk1"), 409, "counter_busy")
    assert "A-001" in body["message"]
    assert api.board() == before
    assert api.public(second["token"])["state"] == "waiting"

    api.ok(api.act(first["id"], "start", "clerk1"))
    assert_error(api.call_next(hall.counter_1, "clerk1"), 409, "counter_busy")
    assert api.public(second["token"])["state"] == "waiting"


# -- illegal transitions ----------------------------------------------------------------------

ALL_VERBS = ["recall", "start", "finish", "no-show", "reinstate", "requeue", "cancel", "transfer"]
LEGAL = {
    "waiting": {"cancel"},
    "called": {"recall", "start", "finish", "no-show", "requeue", "transfer"},
    "serving": {"finish", "transfer"},
    "done": set(),
    "no_show": {"reinstate"},
    "cancelled": set(),
}
#: How to bring a freshly called ticket (at counter 1) into each state.
SETUP = {
    "waiting": [],
    "called": ["call"],
    "serving": ["call", "start"],
    "done": ["call", "finish"],
    "no_show": ["call", "no-show"],
    "cancelled": ["cancel"],
}


@pytest.mark.parametrize("state", list(LEGAL))
def test_illegal_transitions_are_409_and_change_nothing(api: Api, state: str) -> None:
    hall = api.hall
    ticket = api.issue("A")
    api.issue("A")  # someone else in the queue, so call-next has a choice to make
    for step in SETUP[state]:
        if step == "call":
            assert api.called(hall.counter_1, "super")["id"] == ticket["id"]
        else:
            api.ok(api.act(ticket["id"], step, "super"))
    assert api.public(ticket["token"])["state"] == state

    for verb in ALL_VERBS:
        if verb in LEGAL[state]:
            continue
        board, public = api.board(), api.public(ticket["token"])
        if verb == "transfer":
            response = api.transfer(ticket["id"], "B", "super")
        else:
            response = api.act(ticket["id"], verb, "super")
        body = assert_error(response, 409, "invalid_transition")
        assert body["message"]
        assert api.public(ticket["token"]) == public, verb
        assert api.board() == board, verb


def test_clerk_gets_409_for_an_illegal_transition_at_their_counter(api: Api) -> None:
    ticket = api.issue("A")
    api.called(api.hall.counter_1, "clerk1")
    api.ok(api.act(ticket["id"], "finish", "clerk1"))
    before = api.board()
    for verb in ["recall", "start", "finish", "no-show", "reinstate", "requeue"]:
        assert_error(api.act(ticket["id"], verb, "clerk1"), 409, "invalid_transition")
    assert api.board() == before


# -- authentication ---------------------------------------------------------------------------


def test_auth_token_route(api: Api) -> None:
    response = api.post(f"{API}/auth/token", json={"username": "clerk1", "password": "password123"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert isinstance(body["token"], str) and len(body["token"]) >= 32
    assert body["user"]["username"] == "clerk1"
    assert body["user"]["role"] == "clerk"
    assert body["user"]["counters"] == [1]

    headers = {"Authorization": f"Bearer {body['token']}"}
    ticket = api.issue("A")
    called = api.post(f"{API}/counters/{api.hall.counter_1}/call-next", headers=headers)
    assert called.status_code == 200
    assert called.get_json()["id"] == ticket["id"]

    again = api.post(f"{API}/auth/token", json={"username": "clerk1", "password": "password123"})
    assert again.get_json()["token"] != body["token"]

    for creds in (
        {"username": "clerk1", "password": "wrong-password"},
        {"username": "nobody", "password": "password123"},
    ):
        refused = assert_error(
            api.post(f"{API}/auth/token", json=creds), 401, "invalid_credentials"
        )
        assert "token" not in refused
    assert_error(api.post(f"{API}/auth/token", json={"username": "clerk1"}), 422)


def test_session_login_works_like_a_bearer_token(app: Flask, api: Api) -> None:
    hall = api.hall
    client = app.test_client()  # a browser of its own, apart from the one `api` drives
    ticket = api.issue("A")
    assert_error(client.post(f"{API}/counters/{hall.counter_1}/call-next"), 401, "unauthorized")

    login = client.post("/login", data={"username": "clerk1", "password": "password123"})
    assert login.status_code == 302
    called = client.post(f"{API}/counters/{hall.counter_1}/call-next")
    assert called.status_code == 200
    assert called.get_json()["id"] == ticket["id"]
    assert client.post(f"{API}/tickets/{ticket['id']}/start").get_json()["state"] == "serving"
    assert client.post(f"{API}/tickets/{ticket['id']}/finish").get_json()["state"] == "done"
    # the session is clerk1's: counter 2 is not theirs
    assert_error(client.post(f"{API}/counters/{hall.counter_2}/call-next"), 403, "forbidden")

    assert client.post("/logout").status_code == 302
    assert_error(client.post(f"{API}/counters/{hall.counter_1}/call-next"), 401, "unauthorized")


def test_failed_login_gives_no_session(app: Flask, api: Api) -> None:
    client = app.test_client()
    api.issue("A")
    refused = client.post("/login", data={"username": "clerk1", "password": "not-the-password"})
    assert refused.status_code == 401
    assert_error(client.post(f"{API}/counters/{api.hall.counter_1}/call-next"), 401)
    assert api.services()["A"]["waiting"] == 1
