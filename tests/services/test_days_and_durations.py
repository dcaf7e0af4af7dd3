"""The service day turns at local midnight; durations come from the event log (frozen clock)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from queue_app.extensions import db
from queue_app.models import Ticket, TicketEvent
from queue_app.services.day import close_day
from queue_app.services.durations import ticket_durations

from ..conftest import Hall
from ..helpers import bearer

# 2026-06-15 23:30 in Jakarta (UTC+7) and 00:30 the next local day: the same UTC date.
LATE_EVENING = datetime(2026, 6, 15, 16, 30, tzinfo=UTC)
AFTER_MIDNIGHT = datetime(2026, 6, 15, 17, 30, tzinfo=UTC)


def issue(client: FlaskClient, service: str = "A") -> dict:
    response = client.post("/api/v1/tickets", json={"service": service})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_numbering_restarts_at_local_midnight_not_utc_midnight(
    app: Flask, client: FlaskClient, hall: Hall
) -> None:
    with time_machine.travel(LATE_EVENING, tick=False):
        first, second = issue(client), issue(client)
    with time_machine.travel(AFTER_MIDNIGHT, tick=False):
        board = client.get("/api/v1/board").get_json()
        new_day = issue(client)

    assert (first["code"], second["code"]) == ("A-001", "A-002")
    assert first["service_day"] == "2026-06-15"
    assert new_day["code"] == "A-001"
    assert new_day["service_day"] == "2026-06-16"
    # Yesterday's leftovers are not on today's board ...
    assert board["services"][0]["waiting"] == 0
    with app.app_context():
        rows = db.session.scalars(select(Ticket).order_by(Ticket.id)).all()
        # ... and nothing was deleted: they are expired, with an event each.
        assert [(t.code, t.service_day, t.state) for t in rows] == [
            ("A-001", date(2026, 6, 15), "expired"),
            ("A-002", date(2026, 6, 15), "expired"),
            ("A-001", date(2026, 6, 16), "waiting"),
        ]
        expire_events = db.session.scalars(
            select(TicketEvent.ticket_id).where(TicketEvent.action == "expire")
        ).all()
        assert sorted(expire_events) == [rows[0].id, rows[1].id]


def test_close_day_expires_leftovers_of_earlier_days_only(
    app: Flask, client: FlaskClient, hall: Hall
) -> None:
    headers = bearer(app, "clerk1")
    with time_machine.travel(LATE_EVENING, tick=False):
        issue(client)
        issue(client)
        client.post(f"/api/v1/counters/{hall.counter_1}/call-next", headers=headers)
    with time_machine.travel(AFTER_MIDNIGHT, tick=False), app.app_context():
        expired, events = close_day(db.session)
        db.session.commit()
        # A-001 is at the counter with its clerk: only the queued A-002 expires.
        assert sorted(t.code for t in expired) == ["A-002"]
        assert {e.to_state.value for e in events} == {"expired"}
        # Running it again finds nothing more.
        assert close_day(db.session)[0] == []

    runner = app.test_cli_runner()
    with time_machine.travel(AFTER_MIDNIGHT + timedelta(hours=1), tick=False):
        result = runner.invoke(args=["close-day"])
    assert result.exit_code == 0
    assert "Expired 0" in result.output


def test_durations_equal_what_the_events_say(app: Flask, client: FlaskClient, hall: Hall) -> None:
    headers = bearer(app, "clerk1")
    t0 = datetime(2026, 6, 16, 2, 0, tzinfo=UTC)  # 09:00 in Jakarta
    with time_machine.travel(t0, tick=False):
        ticket = issue(client)
    with time_machine.travel(t0 + timedelta(minutes=10), tick=False):
        called = client.post(f"/api/v1/counters/{hall.counter_1}/call-next", headers=headers)
    with time_machine.travel(t0 + timedelta(minutes=11), tick=False):
        client.post(f"/api/v1/tickets/{ticket['id']}/recall", headers=headers)
    with time_machine.travel(t0 + timedelta(minutes=12, seconds=30), tick=False):
        client.post(f"/api/v1/tickets/{ticket['id']}/start", headers=headers)
    with time_machine.travel(t0 + timedelta(minutes=19, seconds=30), tick=False):
        done = client.post(f"/api/v1/tickets/{ticket['id']}/finish", headers=headers).get_json()

    assert called.get_json()["id"] == ticket["id"]
    # wait = first call - issue; walk = start - last call; service = finish - start
    assert done["durations"] == {"wait_s": 600.0, "walk_s": 90.0, "service_s": 420.0}
    with app.app_context():
        events = db.session.execute(
            select(TicketEvent.action, TicketEvent.at)
            .where(TicketEvent.ticket_id == ticket["id"])
            .order_by(TicketEvent.seq)
        ).all()
        assert [a for a, _ in events] == ["issue", "admit", "call", "recall", "start", "finish"]
        at = dict((a, t) for a, t in events)
        assert (at["call"] - at["issue"]).total_seconds() == 600.0
        assert (at["start"] - at["recall"]).total_seconds() == 90.0
        assert (at["finish"] - at["start"]).total_seconds() == 420.0
        stored = db.session.get(Ticket, ticket["id"])
        assert stored is not None and stored.finished_at == at["finish"]
        assert ticket_durations(db.session, ticket["id"]).service_s == 420.0


def test_finishing_without_start_counts_service_from_the_last_call(
    app: Flask, client: FlaskClient, hall: Hall
) -> None:
    headers = bearer(app, "clerk1")
    t0 = datetime(2026, 6, 16, 2, 0, tzinfo=UTC)
    with time_machine.travel(t0, tick=False):
        ticket = issue(client)
    with time_machine.travel(t0 + timedelta(minutes=3), tick=False):
        client.post(f"/api/v1/counters/{hall.counter_1}/call-next", headers=headers)
    with time_machine.travel(t0 + timedelta(minutes=8), tick=False):
        done = client.post(f"/api/v1/tickets/{ticket['id']}/finish", headers=headers).get_json()
    assert done["durations"] == {"wait_s": 180.0, "walk_s": None, "service_s": 300.0}


def test_the_ticket_at_the_counter_survives_midnight(
    app: Flask, client: FlaskClient, hall: Hall
) -> None:
    headers = bearer(app, "clerk1")
    counter = hall.counter_1
    with time_machine.travel(LATE_EVENING, tick=False):
        assert client.post(f"/api/v1/counters/{counter}/open", headers=headers).status_code == 200
        first, queued = issue(client), issue(client)
        called = client.post(f"/api/v1/counters/{counter}/call-next", headers=headers)
        assert called.get_json()["code"] == first["code"]
    with time_machine.travel(AFTER_MIDNIGHT, tick=False):
        # The new day's first lock expires the queued ticket only.
        today = issue(client)
        assert today["code"] == "A-001" and today["service_day"] == "2026-06-16"
        board = client.get("/api/v1/board").get_json()
        at_counter = next(c for c in board["counters"] if c["id"] == counter)
        assert at_counter["current"]["code"] == first["code"]  # still at its counter
        # The counter is busy with it: it cannot take today's first ticket meanwhile.
        busy = client.post(f"/api/v1/counters/{counter}/call-next", headers=headers)
        assert busy.status_code == 409 and busy.get_json()["error"] == "counter_busy"
    with time_machine.travel(AFTER_MIDNIGHT + timedelta(minutes=1), tick=False):
        started = client.post(f"/api/v1/tickets/{first['id']}/start", headers=headers)
        assert started.status_code == 200, started.get_json()
    with time_machine.travel(AFTER_MIDNIGHT + timedelta(minutes=6), tick=False):
        done = client.post(f"/api/v1/tickets/{first['id']}/finish", headers=headers)
        assert done.status_code == 200, done.get_json()
        assert done.get_json()["state"] == "done"
        board = client.get("/api/v1/board").get_json()
        assert next(c for c in board["counters"] if c["id"] == counter)["current"] is None
        nxt = client.post(f"/api/v1/counters/{counter}/call-next", headers=headers)
        assert nxt.status_code == 200 and nxt.get_json()["code"] == today["code"]
    with app.app_context():
        states = dict(db.session.execute(select(Ticket.id, Ticket.state)).all())
        assert states[first["id"]] == "done"
        assert states[queued["id"]] == "expired"
        durations = ticket_durations(db.session, first["id"])
        assert durations.service_s == 300  # started 00:31, finished 00:36: recorded
