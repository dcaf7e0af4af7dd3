"""The holder leaves the queue from the phone: `POST /api/v1/tickets/by-token/<token>/cancel`
(issue 13, item 11), and the number now being served in a ticket's service (item 12)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from queue_app.extensions import db, socketio
from queue_app.models import Ticket, TicketEvent
from queue_app.services import hall as hall_module

from ..conftest import Hall, build_hall
from .conftest import API, Api, assert_error


def cancel(api: Api, token: str, **kwargs: Any) -> Any:
    return api.post(f"{API}/tickets/by-token/{token}/cancel", **kwargs)


def waiting_a(api: Api) -> int:
    return int(api.services()["A"]["waiting"])


def events_of(app: Flask, ticket_id: int) -> list[tuple[str, int | None, Any]]:
    with app.app_context():
        rows = db.session.execute(
            select(TicketEvent.action, TicketEvent.staff_id, TicketEvent.detail)
            .where(TicketEvent.ticket_id == ticket_id)
            .order_by(TicketEvent.seq)
        ).all()
        return [tuple(row) for row in rows]  # type: ignore[misc]


def test_the_holder_leaves_the_queue(app: Flask, api: Api) -> None:
    mine = api.issue("A")
    api.issue("A")
    assert waiting_a(api) == 2

    response = cancel(api, mine["token"])

    body = api.ok(response)
    assert body["state"] == "cancelled" and body["code"] == mine["code"]
    assert body["position"] == 0 and body["estimated_wait_s"] == 0 and body["counter"] is None
    assert "token" not in body and "id" not in body
    # Exactly what the public view says from now on, and the queue is one shorter.
    assert api.public(mine["token"]) == body
    assert waiting_a(api) == 1


def test_the_cancel_is_recorded_as_the_holders_own(app: Flask, api: Api) -> None:
    mine = api.issue("A")
    by_clerk = api.issue("A")
    api.ok(cancel(api, mine["token"]))
    api.ok(api.act(by_clerk["id"], "cancel", "clerk1"))

    assert events_of(app, mine["id"])[-1] == ("cancel", None, {"by": "holder"})
    action, staff_id, detail = events_of(app, by_clerk["id"])[-1]
    assert action == "cancel" and staff_id is not None and detail is None


def test_once_called_the_ticket_cannot_be_cancelled(app: Flask, api: Api) -> None:
    mine = api.issue("A")
    api.called(api.hall.counter_1, "clerk1")
    before = api.board()

    error = assert_error(cancel(api, mine["token"]), 409, "invalid_transition")

    assert error["detail"]["state"] == "called"
    assert api.public(mine["token"])["state"] == "called"
    assert api.board() == before  # nothing changed, not even the hall's seq


def test_cancelling_twice_is_refused_and_changes_nothing(app: Flask, api: Api) -> None:
    mine = api.issue("A")
    api.ok(cancel(api, mine["token"]))
    before = api.board()

    error = assert_error(cancel(api, mine["token"]), 409, "invalid_transition")

    assert error["detail"]["state"] == "cancelled"
    assert api.board() == before
    assert [e[0] for e in events_of(app, mine["id"])].count("cancel") == 1


def test_an_unknown_token_is_404_like_the_public_view(api: Api) -> None:
    api.issue("A")
    for token in ("x" * 32, "not-a-token", "%00", "a" * 65):
        shown = api.get(f"{API}/tickets/by-token/{token}").status_code
        assert shown == 404, token
        assert_error(cancel(api, token), 404, "not_found")


def test_the_place_freed_lets_the_next_person_in_in_the_same_change(
    app: Flask, client: FlaskClient
) -> None:
    with app.app_context():
        build_hall(capacity=2)
    tickets = [client.post(f"{API}/tickets", json={"service": "A"}).get_json() for _ in range(3)]
    assert [t["state"] for t in tickets] == ["waiting", "waiting", "issued"]
    board = socketio.test_client(app, query_string="board=1", flask_test_client=client)
    board.get_received()

    response = client.post(f"{API}/tickets/by-token/{tickets[0]['token']}/cancel")

    assert response.status_code == 200
    outside = client.get(f"{API}/tickets/by-token/{tickets[2]['token']}").get_json()
    assert outside["state"] == "waiting" and outside["admitted"] is True
    hall = client.get(f"{API}/board").get_json()["hall"]
    assert (hall["inside"], hall["outside"], hall["capacity"]) == (2, 0, 2)
    # One commit: the cancel and the admission are consecutive steps of the hall's sequence,
    # at the same instant.
    with app.app_context():
        rows = db.session.execute(
            select(TicketEvent.seq, TicketEvent.action, TicketEvent.ticket_id, TicketEvent.at)
            .order_by(TicketEvent.seq.desc())
            .limit(2)
        ).all()
    (admit_seq, admit, admitted, admit_at), (cancel_seq, cancelled, gone, cancel_at) = rows
    assert (cancelled, gone, admit, admitted) == (
        "cancel",
        tickets[0]["id"],
        "admit",
        tickets[2]["id"],
    )
    assert admit_seq == cancel_seq + 1 and admit_at == cancel_at
    # The board heard both, with the new figures: the queue is shorter, nobody is outside.
    news = [m["args"][0] for m in board.get_received()]
    assert [(n["action"], n["ticket"]["code"]) for n in news if "action" in n] == [
        ("cancel", "A-001"),
        ("admit", "A-003"),
    ]
    queue = [n for n in news if "services" in n][-1]
    assert queue["hall"]["outside"] == 0
    assert next(s for s in queue["services"] if s["code"] == "A")["waiting"] == 2
    assert all(t["token"] not in json.dumps(news) for t in tickets)


def test_the_holders_phone_hears_its_cancel(app: Flask, client: FlaskClient, hall: Hall) -> None:
    mine = client.post(f"{API}/tickets", json={"service": "A"}).get_json()
    phone = socketio.test_client(
        app, query_string=f"ticket={mine['token']}", flask_test_client=client
    )
    phone.get_received()
    client.post(f"{API}/tickets/by-token/{mine['token']}/cancel")
    news = [m["args"][0] for m in phone.get_received() if m["name"] == "ticket"]
    assert [(n["action"], n["ticket"]["state"]) for n in news] == [("cancel", "cancelled")]


def test_a_ticket_of_an_earlier_day_is_refused_like_any_ended_ticket(app: Flask, api: Api) -> None:
    """Decision (docs/decisions.md): the public view still shows yesterday's ticket (200, its
    state), so its cancel is a 409, not a 404: the first lock of a day expires it first."""
    mine = api.issue("A")
    with app.app_context():
        ticket = db.session.get(Ticket, mine["id"])
        assert ticket is not None
        ticket.service_day -= timedelta(days=1)
        db.session.commit()
        url = str(db.engine.url)
    # A process's first lock of a new day expires what earlier days left.
    for key in [k for k in hall_module._days_closed if k[0] == url]:
        del hall_module._days_closed[key]

    error = assert_error(cancel(api, mine["token"]), 409, "invalid_transition")

    assert error["detail"]["state"] == "expired"
    assert "cancel" not in [e[0] for e in events_of(app, mine["id"])]


def test_a_ticket_of_an_earlier_day_left_queued_is_not_cancelled(app: Flask, api: Api) -> None:
    """Were one left queued (clocks of two processes disagreeing), it is refused all the same
    and left for the day's close."""
    mine = api.issue("A")
    with app.app_context():
        ticket = db.session.get(Ticket, mine["id"])
        assert ticket is not None
        ticket.service_day -= timedelta(days=1)
        db.session.commit()

    error = assert_error(cancel(api, mine["token"]), 409, "invalid_transition")

    assert error["detail"]["state"] == "waiting"
    assert [e[0] for e in events_of(app, mine["id"])] == ["issue", "admit"]


# -- the number now being served -------------------------------------------------------------


def test_now_serving_is_the_latest_call_of_the_service(app: Flask, api: Api) -> None:
    a1, a2, a3 = (api.issue("A") for _ in range(3))
    b1 = api.issue("B")
    assert api.public(a3["token"])["now_serving"] is None
    assert api.services()["A"]["now_serving"] is None

    api.called(api.hall.counter_1, "clerk1")  # A-001 (counter 1 serves A first)
    assert api.public(a3["token"])["now_serving"] == "A-001"
    api.ok(api.act(a1["id"], "finish", "clerk1"))
    assert api.called(api.hall.counter_1, "clerk1")["code"] == "A-002"
    assert api.public(a3["token"])["now_serving"] == "A-002"
    # Counter 2 calls B-001: A's number stays; a recall of an earlier A number moves nothing.
    assert api.called(api.hall.counter_2, "clerk2")["code"] == "B-001"
    api.ok(api.act(a2["id"], "recall", "clerk1"))
    services = api.services()
    assert (services["A"]["now_serving"], services["B"]["now_serving"]) == ("A-002", "B-001")
    assert api.public(b1["token"])["now_serving"] == "B-001"
    board = {s["code"]: s["now_serving"] for s in api.board()["services"]}
    assert board == {"A": "A-002", "B": "B-001"}


def test_a_phone_hears_the_number_now_served_in_its_service(
    app: Flask, client: FlaskClient, hall: Hall, api: Api
) -> None:
    api.issue("A")
    mine = api.issue("A")
    phone = socketio.test_client(
        app, query_string=f"ticket={mine['token']}", flask_test_client=client
    )
    snapshot = [m["args"][0] for m in phone.get_received() if m["name"] == "snapshot"]
    assert snapshot[0]["data"]["now_serving"] is None

    api.called(hall.counter_1, "clerk1")

    queues = [m["args"][0] for m in phone.get_received() if m["name"] == "queue"]
    assert [s["now_serving"] for q in queues for s in q["services"]] == ["A-001"]


def test_a_refused_first_verb_of_the_day_leaves_the_expiry_to_the_next_lock(
    app: Flask, api: Api
) -> None:
    """The first lock of a day expires what earlier days left, in the verb's transaction. When
    the verb is refused, that expiry rolls back with it; the process must not count the day as
    closed then, or yesterday's ticket would stay queued until the next `close-day`."""
    mine = api.issue("A")
    with app.app_context():
        ticket = db.session.get(Ticket, mine["id"])
        assert ticket is not None
        ticket.service_day -= timedelta(days=1)
        db.session.commit()
        url = str(db.engine.url)
    for key in [k for k in hall_module._days_closed if k[0] == url]:
        del hall_module._days_closed[key]

    assert_error(cancel(api, mine["token"]), 409, "invalid_transition")  # refused: rolled back
    assert api.public(mine["token"])["state"] == "waiting"
    api.issue("B")  # the next lock of the day

    assert api.public(mine["token"])["state"] == "expired"
    assert [e[0] for e in events_of(app, mine["id"])] == ["issue", "admit", "expire"]
