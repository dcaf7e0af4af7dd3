"""A holder leaving the queue while a clerk calls the same ticket: the hall's lock lets exactly
one of them win, on a real SQLite file and on PostgreSQL, and the ticket, its event log and the
counter agree on who did."""

from __future__ import annotations

import threading
import time
from collections import Counter as Tally
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from queue_app.extensions import db
from queue_app.models import Ticket, TicketEvent
from queue_app.services.hall import Hall

from ..conftest import build_hall
from ..helpers import bearer

BACKENDS = pytest.mark.parametrize("db_backend", ["sqlite", "postgres"], indirect=True)
API = "/api/v1"


def race(app: Flask, token: str, counter_id: int, headers: dict[str, str]) -> tuple[Any, Any]:
    """The holder's cancel and the clerk's call-next, released together by a barrier."""
    barrier = threading.Barrier(2)

    def leave() -> Any:
        client = app.test_client()
        barrier.wait()
        return client.post(f"{API}/tickets/by-token/{token}/cancel")

    def call() -> Any:
        client = app.test_client()
        barrier.wait()
        return client.post(f"{API}/counters/{counter_id}/call-next", headers=headers)

    with ThreadPoolExecutor(max_workers=2) as pool:
        left, called = pool.submit(leave), pool.submit(call)
        return left.result(), called.result()


def outcome(app: Flask, ticket_id: int, left: Any, called: Any) -> str:
    """Who won, checked against the database: the ticket's state and its event log."""
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket is not None
        state, counter_id = ticket.state, ticket.counter_id
        actions = db.session.scalars(
            select(TicketEvent.action).where(TicketEvent.ticket_id == ticket_id)
        ).all()
    if left.status_code == 200:
        assert left.get_json()["state"] == "cancelled"
        assert called.status_code == 204, called.get_data(as_text=True)  # nobody else waits
        assert state == "cancelled" and counter_id is None
        assert "call" not in actions and actions.count("cancel") == 1
        return "cancel"
    assert left.status_code == 409 and left.get_json()["error"] == "invalid_transition"
    assert left.get_json()["detail"]["state"] == "called"
    assert called.status_code == 200 and called.get_json()["id"] == ticket_id
    assert state == "called"
    assert "cancel" not in actions and actions.count("call") == 1
    return "call"


@BACKENDS
def test_a_cancel_racing_a_call_of_the_same_ticket_has_exactly_one_winner(app: Flask) -> None:
    with app.app_context():
        hall = build_hall()
    headers = bearer(app, "clerk1")
    client = app.test_client()
    client.post(f"{API}/counters/{hall.counter_1}/open", headers=headers)
    winners: Tally[str] = Tally()
    for _ in range(12):
        mine = client.post(f"{API}/tickets", json={"service": "A"}).get_json()
        left, called = race(app, mine["token"], hall.counter_1, headers)
        winner = outcome(app, mine["id"], left, called)
        winners[winner] += 1
        if winner == "call":  # free the counter for the next round
            client.post(f"{API}/tickets/{mine['id']}/finish", headers=headers)
    assert sum(winners.values()) == 12
    # The hall is consistent after it all: nobody queued, nobody at a counter.
    board = client.get(f"{API}/board").get_json()
    assert board["hall"]["inside"] == 0 and board["hall"]["outside"] == 0
    assert all(c["current"] is None for c in board["counters"])


@BACKENDS
@pytest.mark.parametrize("first", ["cancel", "call"])
def test_whoever_takes_the_lock_first_wins_and_the_other_sees_its_change(
    app: Flask, monkeypatch: pytest.MonkeyPatch, first: str
) -> None:
    """Both orders forced: the first request holds the hall's lock a while, so the second one
    really waits on it, and then finds the ticket as the first left it."""
    with app.app_context():
        hall = build_hall()
    headers = bearer(app, "clerk1")
    client = app.test_client()
    client.post(f"{API}/counters/{hall.counter_1}/open", headers=headers)
    mine = client.post(f"{API}/tickets", json={"service": "A"}).get_json()

    holding = threading.Event()
    local = threading.local()
    locked = Hall.lock_of.__func__  # type: ignore[attr-defined]

    def slow_lock(cls: type[Hall], *args: Any, **kwargs: Any) -> Hall:
        taken = locked(cls, *args, **kwargs)
        if getattr(local, "hold", False):
            holding.set()
            time.sleep(0.4)
        return taken

    monkeypatch.setattr(Hall, "lock_of", classmethod(slow_lock))

    def leave() -> Any:
        local.hold = first == "cancel"
        if not local.hold:
            assert holding.wait(10)
        return app.test_client().post(f"{API}/tickets/by-token/{mine['token']}/cancel")

    def call() -> Any:
        local.hold = first == "call"
        if not local.hold:
            assert holding.wait(10)
        return app.test_client().post(f"{API}/counters/{hall.counter_1}/call-next", headers=headers)

    with ThreadPoolExecutor(max_workers=2) as pool:
        left, called = pool.submit(leave), pool.submit(call)
        assert outcome(app, mine["id"], left.result(), called.result()) == first
