"""What one request costs the database, counted with an engine event listener (the way indico's
`count_queries` fixture does it). Counts are deterministic, so a change that makes a request
read or write more than its budget fails here. Counted: every statement sent to the database,
the hall snapshot's build included, except BEGIN, COMMIT, ROLLBACK and pool pings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from queue_app.extensions import db, socketio
from queue_app.realtime import snapshots

from ..conftest import Hall
from ..helpers import bearer

#: Issue 12's targets: ≤ 10 statements per issue and ≤ 8 per call-next, finish and connect.
#: The snapshot of a change costs nothing: the request hands its rows over
#: (services.hall_state); a staff request reads its user and their counters in one statement,
#: and a call takes the counter and the queue from the read model of the locked `seq`.
ISSUE = 10
CALL_NEXT = 8
FINISH = 8
PHONE_CONNECT = 8
BOARD_CONNECT = 8

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


class Statements:
    def __init__(self) -> None:
        self.sent: list[str] = []

    def __len__(self) -> int:
        return len(self.sent)

    def __repr__(self) -> str:
        return "\n" + "\n".join(f"{n:2}. {s}" for n, s in enumerate(self.sent, 1))


@contextmanager
def counted(app: Flask) -> Iterator[Statements]:
    """Every statement the app's engine sends inside the block."""
    seen = Statements()
    with app.app_context():
        engine = db.engine

    def listen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
            seen.sent.append(" ".join(statement.split())[:160])

    event.listen(engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listen)


@pytest.fixture
def staff(app: Flask, client: FlaskClient, hall: Hall) -> dict[str, str]:
    headers = bearer(app, "clerk1")
    opened = client.post(f"/api/v1/counters/{hall.counter_1}/open", headers=headers)
    assert opened.status_code == 200
    # A hall that has run a little: a few served, a few waiting.
    for _ in range(6):
        assert client.post("/api/v1/tickets", json={"service": "A"}).status_code == 201
    for _ in range(2):
        called = client.post(f"/api/v1/counters/{hall.counter_1}/call-next", headers=headers)
        done = client.post(f"/api/v1/tickets/{called.get_json()['id']}/finish", headers=headers)
        assert done.status_code == 200
    return headers


def test_an_issue_stays_within_its_statements(
    app: Flask, client: FlaskClient, staff: dict[str, str]
) -> None:
    with app.app_context():
        whole_reads = snapshots.cache().whole_reads
    with counted(app) as statements:
        response = client.post("/api/v1/tickets", json={"service": "A"})
    with app.app_context():
        assert snapshots.cache().whole_reads == whole_reads  # carried forward, not read again
    assert response.status_code == 201
    assert response.get_json()["position"] == 4
    assert len(statements) <= ISSUE, statements


def test_a_call_and_a_finish_stay_within_their_statements(
    app: Flask, client: FlaskClient, hall: Hall, staff: dict[str, str]
) -> None:
    with counted(app) as calls:
        called = client.post(f"/api/v1/counters/{hall.counter_1}/call-next", headers=staff)
    assert called.status_code == 200 and called.get_json()["state"] == "called"
    with counted(app) as finishes:
        done = client.post(f"/api/v1/tickets/{called.get_json()['id']}/finish", headers=staff)
    assert done.status_code == 200 and done.get_json()["state"] == "done"
    assert len(calls) <= CALL_NEXT, calls
    assert len(finishes) <= FINISH, finishes


def test_phone_and_board_connects_stay_within_their_statements(
    app: Flask, client: FlaskClient, staff: dict[str, str]
) -> None:
    ticket = client.post("/api/v1/tickets", json={"service": "A"}).get_json()
    with counted(app) as phone_statements:
        phone = socketio.test_client(app, query_string=f"ticket={ticket['token']}")
    with counted(app) as board_statements:
        board = socketio.test_client(app, query_string="board=1")
    snapshot = phone.get_received()[0]["args"][0]["data"]
    assert snapshot["code"] == ticket["code"] and snapshot["position"] == ticket["position"]
    assert board.get_received()[0]["args"][0]["data"]["seq"] == snapshot["seq"]
    phone.disconnect()
    board.disconnect()
    assert len(phone_statements) <= PHONE_CONNECT, phone_statements
    assert len(board_statements) <= BOARD_CONNECT, board_statements


def test_connects_at_one_seq_build_the_hall_once(
    app: Flask, client: FlaskClient, staff: dict[str, str]
) -> None:
    ticket = client.post("/api/v1/tickets", json={"service": "A"}).get_json()
    with app.app_context():
        before = snapshots.cache().builds
    clients = [socketio.test_client(app, query_string="board=1") for _ in range(5)]
    clients += [
        socketio.test_client(app, query_string=f"ticket={ticket['token']}") for _ in range(5)
    ]
    assert client.get("/api/v1/board").status_code == 200
    assert client.get("/api/v1/services").status_code == 200
    assert client.get(f"/api/v1/tickets/by-token/{ticket['token']}").status_code == 200
    with app.app_context():
        assert snapshots.cache().builds == before  # the issue's broadcast built it already
    seqs = {c.get_received()[0]["args"][0]["data"]["seq"] for c in clients}
    assert seqs == {ticket["seq"]}
    for c in clients:
        c.disconnect()
