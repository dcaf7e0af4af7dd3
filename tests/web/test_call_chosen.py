"""Calling a ticket the clerk chose from the waiting list (issue 13, item 7):
`POST /api/v1/counters/<id>/call/<ticket_id>` — 200 with the staff view, 409 when the ticket
does not wait inside, 403 when the counter does not serve its service, 404 for a ticket of
another hall or day; the event says it was chosen, and the reports count it as a call."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update

from queue_app.extensions import db
from queue_app.models import Counter, Site, Ticket, TicketEvent
from tests.conftest import build_hall

from ..helpers import bearer, make_service, make_site
from .conftest import API, Api, add_service, assert_error

BACKENDS = pytest.mark.parametrize("db_backend", ["sqlite", "postgres"], indirect=True)


def call(api: Api, counter_id: int, ticket_id: int, user: str) -> Any:
    return api.post(f"{API}/counters/{counter_id}/call/{ticket_id}", user=user)


def events_of(app: Flask, ticket_id: int) -> list[tuple[str, int | None, Any]]:
    with app.app_context():
        rows = db.session.execute(
            select(TicketEvent.action, TicketEvent.counter_id, TicketEvent.detail)
            .where(TicketEvent.ticket_id == ticket_id)
            .order_by(TicketEvent.seq)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def test_a_chosen_ticket_is_called_out_of_turn_and_its_event_says_so(api: Api, app: Flask) -> None:
    first, second, third = api.issue("A"), api.issue("A", priority="elderly"), api.issue("A")
    called = api.ok(call(api, api.hall.counter_1, third["id"], "clerk1"))
    # The staff view of the ticket, at this counter, with its priority category.
    assert (called["id"], called["code"], called["state"]) == (third["id"], "A-003", "called")
    assert called["counter_id"] == api.hall.counter_1 and called["counter"]["number"] == 1
    assert called["call_count"] == 1 and called["priority"] is None
    assert {"channel", "first_called_at", "durations"} <= set(called)
    # The board shows it at counter 1, announced like any call.
    assert api.current(api.hall.counter_1)["code"] == "A-003"  # type: ignore[index]
    assert api.board()["recent_calls"][0]["code"] == "A-003"
    # The others keep their places: the first is still next.
    assert api.public(first["token"])["position"] == 0
    assert api.public(second["token"])["state"] == "waiting"
    assert events_of(app, third["id"])[-1] == ("call", api.hall.counter_1, {"chosen": True})
    # call-next's own calls are not marked.
    api.ok(api.act(third["id"], "finish", "clerk1"))
    nxt = api.called(api.hall.counter_1, "clerk1")
    assert events_of(app, nxt["id"])[-1] == ("call", api.hall.counter_1, None)


def test_the_called_ticket_shows_its_priority_category(api: Api) -> None:
    api.issue("A")
    elderly = api.issue("A", priority="disabled")
    called = api.ok(call(api, api.hall.counter_2, elderly["id"], "clerk2"))
    assert called["priority"] == "disabled"


def test_a_chosen_call_counts_as_a_call_in_the_reports(api: Api) -> None:
    api.issue("A")
    chosen = api.issue("A")
    api.ok(call(api, api.hall.counter_1, chosen["id"], "clerk1"))
    api.ok(api.act(chosen["id"], "finish", "clerk1"))
    day = api.board()["service_day"]
    report = api.ok(api.get(f"{API}/reports/daily", query_string={"date": day}, user="super"))
    totals = report["totals"]
    assert (totals["issued"], totals["called"], totals["served"]) == (2, 1, 1)
    assert totals["wait"]["count"] == 1  # its wait ended at the chosen call
    counter_1 = next(c for c in report["counters"] if c["number"] == 1)
    assert (counter_1["called"], counter_1["served"]) == (1, 1)
    csv = api.get(f"{API}/reports/tickets.csv", query_string={"date": day}, user="super")
    header, *rows = csv.get_data(as_text=True).splitlines()
    row = dict(
        zip(header.split(","), next(r for r in rows if "A-002" in r).split(","), strict=True)
    )
    assert row["calls"] == "1" and row["first_called_at"]


def test_only_a_ticket_waiting_inside_can_be_called(app: Flask) -> None:
    with app.app_context():
        hall = build_hall(capacity=2)
    api = Api(app, app.test_client(), hall)
    inside = api.issue("A")
    api.issue("A")
    outside = api.issue("A")
    assert outside["admitted"] is False
    before = api.board()
    # Outside (the hall is full): refused, and nothing changed.
    body = assert_error(
        call(api, hall.counter_1, outside["id"], "clerk1"), 409, "invalid_transition"
    )
    assert "outside" in body["message"]
    assert api.board() == before
    # Called already (here by another counter): refused too.
    api.ok(call(api, hall.counter_2, inside["id"], "clerk2"))
    assert_error(call(api, hall.counter_1, inside["id"], "clerk1"), 409, "invalid_transition")
    # Done: refused.
    api.ok(api.act(inside["id"], "finish", "clerk2"))
    assert_error(call(api, hall.counter_1, inside["id"], "clerk1"), 409, "invalid_transition")


def test_the_counter_must_serve_the_tickets_service(api: Api, app: Flask) -> None:
    add_service(app, api.hall.site_id, "C")  # no counter serves C
    ticket = api.issue("C")
    before = api.board()
    body = assert_error(call(api, api.hall.counter_1, ticket["id"], "clerk1"), 403, "forbidden")
    assert "C-001" in body["message"]
    assert_error(call(api, api.hall.counter_1, ticket["id"], "super"), 403, "forbidden")
    assert api.board() == before


def test_who_may_call_and_where(api: Api) -> None:
    ticket = api.issue("A")
    counter_1 = api.hall.counter_1
    assert_error(api.post(f"{API}/counters/{counter_1}/call/{ticket['id']}"), 401)
    assert_error(call(api, counter_1, ticket["id"], "clerk2"), 403, "forbidden")  # not theirs
    assert api.public(ticket["token"])["state"] == "waiting"
    assert api.ok(call(api, counter_1, ticket["id"], "super"))["state"] == "called"


def test_unknown_ids_and_tickets_of_another_hall_or_day_are_not_found(api: Api, app: Flask) -> None:
    with app.app_context():
        other = make_site(db.session, name="Other hall")
        make_service(db.session, other, "A")
        db.session.commit()
        other_id = other.id
    elsewhere = api.post(f"{API}/tickets", query_string={"site": other_id}, json={"service": "A"})
    assert elsewhere.status_code == 201
    yesterday = api.issue("A")
    with app.app_context():
        ticket = db.session.get(Ticket, yesterday["id"])
        assert ticket is not None
        db.session.execute(
            update(Ticket)
            .where(Ticket.id == ticket.id)
            .values(service_day=ticket.service_day - timedelta(days=1))
        )
        db.session.execute(update(Site).values(seq=Site.seq + 1))
        db.session.commit()
    counter_1 = api.hall.counter_1
    assert_error(call(api, counter_1, 987654, "clerk1"), 404, "not_found")
    assert_error(call(api, 987654, yesterday["id"], "super"), 404, "not_found")
    assert_error(call(api, counter_1, 2**31, "clerk1"), 404)  # beyond any id
    assert_error(call(api, counter_1, elsewhere.get_json()["id"], "clerk1"), 404, "not_found")
    assert_error(call(api, counter_1, yesterday["id"], "clerk1"), 404, "not_found")


def test_a_paused_or_busy_counter_is_refused_as_call_next_is(api: Api) -> None:
    first, second = api.issue("A"), api.issue("A")
    counter_1 = api.hall.counter_1
    api.ok(api.counter(counter_1, "pause", "clerk1"))
    assert_error(call(api, counter_1, second["id"], "clerk1"), 409, "counter_not_open")
    api.ok(api.counter(counter_1, "open", "clerk1"))
    api.ok(call(api, counter_1, first["id"], "clerk1"))
    assert_error(call(api, counter_1, second["id"], "clerk1"), 409, "counter_busy")
    assert api.public(second["token"])["state"] == "waiting"


def test_a_chosen_call_moves_the_priority_streak_like_a_call(app: Flask) -> None:
    """Ratio 2: after two regular calls a priority ticket is owed. Choosing the priority one
    pays it, so the next call-next takes a regular ticket again."""
    with app.app_context():
        hall = build_hall(ratio=2)
    api = Api(app, app.test_client(), hall)
    regular = [api.issue("A") for _ in range(4)]
    elderly = [api.issue("A", priority="elderly") for _ in range(2)]
    for ticket in regular[:2]:
        assert api.called(hall.counter_1, "clerk1")["id"] == ticket["id"]
        api.ok(api.act(ticket["id"], "finish", "clerk1"))
    api.ok(call(api, hall.counter_1, elderly[1]["id"], "clerk1"))
    api.ok(api.act(elderly[1]["id"], "finish", "clerk1"))
    assert api.called(hall.counter_1, "clerk1")["id"] == regular[2]["id"]
    with app.app_context():
        assert db.session.get(Counter, hall.counter_1).regular_streak == 1  # type: ignore[union-attr]


def choose_at_once(
    app: Flask, ticket_id: int, clerks: dict[str, tuple[int, dict[str, str]]]
) -> dict[str, tuple[int, Any]]:
    """Each clerk's counter calls `ticket_id`, all released at once by a barrier: clerk →
    (status, body)."""
    barrier = threading.Barrier(len(clerks))
    results: dict[str, tuple[int, Any]] = {}

    def choose(clerk: str) -> None:
        counter_id, headers = clerks[clerk]
        client = app.test_client()
        barrier.wait()
        response = client.post(f"{API}/counters/{counter_id}/call/{ticket_id}", headers=headers)
        results[clerk] = (response.status_code, response.get_json())

    threads = [threading.Thread(target=choose, args=(clerk,)) for clerk in clerks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@BACKENDS
def test_two_counters_choosing_one_ticket_at_once_call_it_once(app: Flask) -> None:
    with app.app_context():
        hall = build_hall()
    clerks = {
        "clerk1": (hall.counter_1, bearer(app, "clerk1")),
        "clerk2": (hall.counter_2, bearer(app, "clerk2")),
    }
    issuer = app.test_client()
    for _round in range(10):
        ticket = issuer.post(f"{API}/tickets", json={"service": "A"}).get_json()
        results = choose_at_once(app, ticket["id"], clerks)
        assert sorted(status for status, _ in results.values()) == [200, 409], results
        winner = next(clerk for clerk, (status, _) in results.items() if status == 200)
        loser = next(clerk for clerk in clerks if clerk != winner)
        assert results[loser][1]["error"] == "invalid_transition"
        counter_id, headers = clerks[winner]
        assert results[winner][1]["counter_id"] == counter_id
        finished = issuer.post(f"{API}/tickets/{ticket['id']}/finish", headers=headers)
        assert finished.status_code == 200
    with app.app_context():
        calls = list(
            db.session.scalars(select(TicketEvent.ticket_id).where(TicketEvent.action == "call"))
        )
    assert len(calls) == 10 and len(set(calls)) == 10  # each ticket called once, by one
