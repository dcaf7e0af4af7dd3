"""A kiosk or integration that retries `POST /api/v1/tickets` with the same Idempotency-Key
gets its first ticket again, never a second one (issue 14, item 7)."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from queue_app.extensions import db
from queue_app.models import IssueRequest, Ticket, TicketEvent
from queue_app.services.clock import utcnow

from ..conftest import Hall


def issue(client: FlaskClient, key: str | None, body: dict[str, str] | None = None) -> Any:
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post("/api/v1/tickets", json=body or {"service": "A"}, headers=headers)


def counts(app: Flask) -> tuple[int, int]:
    with app.app_context():
        tickets = db.session.scalar(select(func.count(Ticket.id)))
        events = db.session.scalar(select(func.count(TicketEvent.id)))
        return int(tickets or 0), int(events or 0)


def test_a_retry_with_the_same_key_answers_the_first_ticket(
    app: Flask, client: FlaskClient, hall: Hall
) -> None:
    first = issue(client, "kiosk-3f9a")
    assert first.status_code == 201
    before = counts(app)
    issue(client, None)  # someone else's ticket meanwhile moves nothing of the first answer
    again = issue(client, "kiosk-3f9a")
    assert again.status_code == 201
    assert again.get_json() == first.get_json()  # same ticket, same answer, same token
    assert counts(app)[0] == before[0] + 1  # only the other applicant's ticket was added
    other = issue(client, "kiosk-77b1")
    assert other.get_json()["code"] != first.get_json()["code"]


def test_the_same_key_with_another_body_is_refused(
    app: Flask, client: FlaskClient, hall: Hall
) -> None:
    assert issue(client, "k-1").status_code == 201
    before = counts(app)
    refused = issue(client, "k-1", {"service": "B"})
    assert refused.status_code == 422
    assert refused.get_json()["error"] == "idempotency_mismatch"
    assert counts(app) == before


@pytest.mark.parametrize("key", ["", "a" * 65, "with space", "tab\tkey", "ключ"])
def test_a_malformed_key_is_refused(app: Flask, client: FlaskClient, hall: Hall, key: str) -> None:
    before = counts(app)
    try:
        refused = issue(client, key)
    except ValueError:  # the test client cannot even send some of them
        return
    assert refused.status_code == 422
    assert refused.get_json()["error"] == "invalid_input"
    assert counts(app) == before


def test_after_24_hours_a_key_issues_anew(app: Flask, client: FlaskClient, hall: Hall) -> None:
    first = issue(client, "old-key").get_json()
    with time_machine.travel(utcnow() + timedelta(hours=24, minutes=1)):
        later = issue(client, "old-key")
    assert later.status_code == 201
    assert later.get_json()["id"] != first["id"]


def test_a_lost_answer_is_rebuilt_from_the_ticket(
    app: Flask, client: FlaskClient, hall: Hall
) -> None:
    """The database went away after the issue committed, before its answer was kept: the
    retry still gets that ticket (not a second one)."""
    first = issue(client, "lost-answer").get_json()
    with app.app_context():
        row = db.session.scalars(select(IssueRequest)).one()
        row.response = None
        db.session.commit()
    again = issue(client, "lost-answer")
    assert again.status_code == 201
    got = again.get_json()
    assert (got["id"], got["token"], got["code"]) == (first["id"], first["token"], first["code"])
    assert counts(app)[0] == 1


@pytest.mark.parametrize("db_backend", ["sqlite", "postgres"], indirect=True)
def test_concurrent_requests_with_one_key_issue_one_ticket(app: Flask, hall: Hall) -> None:
    answers: list[tuple[int, Any]] = []
    lock = threading.Lock()

    def send() -> None:
        response = issue(app.test_client(), "same-touch")
        with lock:
            answers.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {status for status, _ in answers} == {201}
    assert len({body["id"] for _, body in answers}) == 1
    with app.app_context():
        numbers = db.session.scalars(select(Ticket.number)).all()
    assert numbers == [1]  # no number drawn and lost either
