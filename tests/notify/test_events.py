"""Every event a holder is told about, through the API and the verbs, to a real receiver: the
right text, the binding body and headers, a signature that verifies; and the outbox's rules
(a rollback sends nothing, nothing without a number, the number never shown)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from queue_app.extensions import db
from queue_app.models import Notification, Ticket, TicketContact
from queue_app.notify.crypto import Sealer
from queue_app.services import tickets
from queue_app.services.notifications import Contact

from ..conftest import Hall, build_hall, user
from ..helpers import actor, bearer
from .conftest import SECRET, worker_of
from .receiver import Receiver, verify

PHONE = "0812-3456-7890"
NORMALISED = "+6281234567890"


def issue(app: Flask, phone: str | None = PHONE, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"service": "A", **extra}
    if phone is not None:
        body["phone"] = phone
    response = app.test_client().post("/api/v1/tickets", json=body)
    assert response.status_code == 201, response.get_json()
    data: dict[str, Any] = response.get_json()
    return data


def deliver_all(app: Flask) -> int:
    worker = worker_of(app)
    total = 0
    while tried := worker.run_once():
        total += tried
    return total


def hall_of(app: Flask, capacity: int | None = None) -> Hall:
    with app.app_context():
        return build_hall(capacity=capacity)


def test_every_event_sends_its_text_with_a_valid_signature(app: Flask, receiver: Receiver) -> None:
    hall = hall_of(app, capacity=1)
    clerk = bearer(app, "clerk1")
    client = app.test_client()
    first = issue(app, phone=None)  # admitted at once: the hall is then full
    second = issue(app, lang="en")  # waits outside
    assert (
        client.post(f"/api/v1/counters/{hall.counter_1}/call-next", headers=clerk).status_code
        == 200
    )
    assert client.post(f"/api/v1/tickets/{first['id']}/finish", headers=clerk).status_code == 200
    # `second` was admitted by the finish; now called to counter 1, then a no-show.
    assert (
        client.post(f"/api/v1/counters/{hall.counter_1}/call-next", headers=clerk).status_code
        == 200
    )
    assert client.post(f"/api/v1/tickets/{second['id']}/no-show", headers=clerk).status_code == 200

    deliver_all(app)
    bodies = [r.body for r in receiver.received]
    assert [b["event"] for b in bodies] == [
        "ticket.issued",
        "ticket.admitted",
        "ticket.called",
        "ticket.no_show",
    ]
    code = second["code"]
    texts = [b["text"] for b in bodies]
    assert texts[0] == (
        f"Test hall: your queue number is {code} (Service A). Follow the queue: "
        f"https://loket.example.id/t/{second['token']}"
    )
    assert texts[1] == f"Test hall: number {code}, you may enter the waiting hall now."
    assert texts[2] == f"Test hall: number {code}, please go to counter 1."
    assert texts[3].startswith(f"Test hall: number {code} was skipped")
    assert {b["to"] for b in bodies} == {NORMALISED}
    assert {b["lang"] for b in bodies} == {"en"}
    assert bodies[2]["ticket"] == {"code": code, "service": "A", "counter": 1}
    assert bodies[0]["ticket"] == {"code": code, "service": "A", "counter": None}
    for got in receiver.received:
        body = got.body
        assert set(body) == {
            "id", "event", "created_at", "site", "to", "text", "lang", "ticket", "booking",
        }  # fmt: skip
        assert body["booking"] is None and body["site"] == hall.site_id
        assert len(body["id"]) == 32
        assert got.headers["idempotency-key"] == body["id"]
        assert got.headers["content-type"] == "application/json"
        assert verify(SECRET, got.headers["x-loket-signature"], got.raw, time.time())
        assert not verify("another secret", got.headers["x-loket-signature"], got.raw, time.time())
    with app.app_context():
        states = db.session.scalars(select(Notification.state)).all()
    assert states == ["sent"] * 4


def test_indonesian_is_the_default_language(app: Flask, receiver: Receiver) -> None:
    hall_of(app)
    ticket = issue(app)
    deliver_all(app)
    (got,) = receiver.received
    assert got.body["lang"] == "id"
    assert got.body["text"].startswith(f"Test hall: nomor antrean Anda {ticket['code']}")


def test_almost_is_sent_once_when_five_are_ahead(app: Flask, receiver: Receiver) -> None:
    hall = hall_of(app)
    for _ in range(6):
        issue(app, phone=None)
    mine = issue(app)  # six ahead: no warning yet
    clerk = bearer(app, "clerk1")
    client = app.test_client()
    client.post(f"/api/v1/counters/{hall.counter_1}/call-next", headers=clerk)  # five ahead
    client.post(f"/api/v1/tickets/{1}/finish", headers=clerk)
    client.post(f"/api/v1/counters/{hall.counter_1}/call-next", headers=clerk)  # four ahead
    deliver_all(app)
    events = [r.body["event"] for r in receiver.received]
    assert events == ["ticket.issued", "ticket.almost"]
    almost = receiver.received[1].body
    assert almost["text"].startswith(
        f"Test hall: tinggal 5 orang lagi sebelum nomor {mine['code']}"
    )


def test_no_almost_for_a_ticket_issued_already_close(app: Flask, receiver: Receiver) -> None:
    hall = hall_of(app)
    issue(app, phone=None)
    issue(app)  # one ahead at issue: its issue text is the warning
    client = app.test_client()
    client.post(f"/api/v1/counters/{hall.counter_1}/call-next", headers=bearer(app, "clerk1"))
    deliver_all(app)
    assert [r.body["event"] for r in receiver.received] == ["ticket.issued"]


def test_a_rollback_sends_nothing(app: Flask, receiver: Receiver) -> None:
    hall = hall_of(app)
    with app.app_context():
        sealer = Sealer(app.config)
        contact = Contact(sealer.seal(NORMALISED), sealer.recipient_key(NORMALISED), "id", "x")
        tickets.issue_ticket(db.session, hall.service_a, contact=contact)
        assert db.session.scalar(select(func.count()).select_from(Notification)) == 1
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Notification)) == 0
    assert deliver_all(app) == 0
    assert receiver.received == []


def test_a_verb_that_fails_writes_no_message(app: Flask, receiver: Receiver) -> None:
    hall = hall_of(app)
    issue(app)
    client = app.test_client()
    clerk2 = bearer(app, "clerk2")
    # clerk2 may not act on counter 1: refused, and nothing but the issue was written.
    response = client.post(f"/api/v1/counters/{hall.counter_1}/call-next", headers=clerk2)
    assert response.status_code == 403
    with app.app_context():
        events = db.session.scalars(select(Notification.event)).all()
    assert events == ["ticket.issued"]


def test_without_a_number_nothing_is_written(app: Flask, receiver: Receiver) -> None:
    hall_of(app)
    issue(app, phone=None)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Notification)) == 0
        assert db.session.scalar(select(func.count()).select_from(TicketContact)) == 0


@pytest.mark.parametrize("phone", ["12345", "+1 202 555 0100", "0812", 42, "x" * 40])
def test_a_malformed_number_is_refused_and_changes_nothing(app: Flask, phone: Any) -> None:
    hall_of(app)
    response = app.test_client().post("/api/v1/tickets", json={"service": "A", "phone": phone})
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "invalid_input"
    assert "phone" in body["message"]
    assert str(phone) not in body["message"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_the_number_is_stored_encrypted_and_never_shown(app: Flask, receiver: Receiver) -> None:
    hall_of(app)
    ticket = issue(app)
    client = app.test_client()
    pages = [
        client.get(f"/api/v1/tickets/by-token/{ticket['token']}").get_data(as_text=True),
        client.get("/api/v1/board").get_data(as_text=True),
        client.get(f"/t/{ticket['token']}").get_data(as_text=True),
    ]
    assert "81234567890" not in str(ticket)
    for page in pages:
        assert "81234567890" not in page
    with app.app_context():
        contact = db.session.scalars(select(TicketContact)).one()
        message = db.session.scalars(select(Notification)).one()
        for stored in (contact.recipient, message.recipient):
            assert stored is not None and "81234567890" not in stored
        assert Sealer(app.config).open(contact.recipient) == NORMALISED


def test_staff_action_with_notifications_off_writes_nothing(
    database_url: str, receiver: Receiver
) -> None:
    from ..conftest import app_with_tables

    with app_with_tables(database_url) as plain:
        with plain.app_context():
            hall = build_hall()
        response = plain.test_client().post(
            "/api/v1/tickets", json={"service": "A", "phone": PHONE}
        )
        assert response.status_code == 201
        with plain.app_context():
            assert db.session.scalar(select(func.count()).select_from(TicketContact)) == 0
            ticket = tickets.call_next(db.session, hall.counter_1, actor(user("clerk1")))[0]
            assert ticket is not None
            db.session.commit()
            assert db.session.scalar(select(func.count()).select_from(Notification)) == 0
