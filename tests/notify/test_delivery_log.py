"""The admin console's delivery log (issue 17, item 5): counts per state, each message's tries
and last error, a resend for a dead one (audited, same id), and never the number."""

from __future__ import annotations

import re
import time

from flask import Flask
from sqlalchemy import select

from queue_app.extensions import db
from queue_app.models import AdminChange, Notification

from ..conftest import build_hall
from ..helpers import signed_in
from .conftest import SECRET, Clock, worker_of
from .receiver import Receiver, Reply, verify
from .test_delivery import issue, messages

PHONE = "081234567890"


def test_the_log_shows_a_dead_message_and_sends_it_again(
    app: Flask, receiver: Receiver, clock: Clock
) -> None:
    with app.app_context():
        build_hall()
    issue(app)
    receiver.script = [Reply(422)]  # refused by the gateway: dead at once
    worker = worker_of(app, clock)
    worker.run_once()
    (dead,) = messages(app)
    assert dead.state == "dead"

    admin = signed_in(app, "admin")
    page = admin.get("/admin/notifications")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    counts = dict(re.findall(r'data-state="(\w+)"><dt>[^<]*</dt><dd>(\d+)</dd>', html))
    assert counts == {"queued": "0", "retrying": "0", "sent": "0", "dead": "1"}
    assert "HTTP 422" in html and "ticket.issued" in html
    assert PHONE not in html and PHONE[1:] not in html  # the number is never shown
    assert re.search(rf'action="/admin/notifications/{dead.seq}/resend[^"]*"', html)
    resent = admin.post(f"/admin/notifications/{dead.seq}/resend")
    assert resent.status_code == 302
    (again,) = messages(app)
    assert (again.state, again.tries, again.id) == ("queued", 0, dead.id)
    with app.app_context():
        audited = db.session.scalars(
            select(AdminChange).where(AdminChange.entity == "notification")
        ).all()
        assert [(a.action, a.entity_id) for a in audited] == [("resend", dead.seq)]
    receiver.script = [Reply(200)]
    clock.advance(1)
    assert worker.run_once() == 1
    assert messages(app)[0].state == "sent"
    # Only a dead message goes again; clerks do not see the log.
    refused = admin.post(f"/admin/notifications/{dead.seq}/resend")
    assert refused.status_code == 302
    assert messages(app)[0].state == "sent"
    assert signed_in(app, "clerk1").get("/admin/notifications").status_code == 403
    with app.app_context():
        assert db.session.scalars(select(Notification)).one().state == "sent"


def test_a_test_message_reaches_the_gateway_signed_and_is_kept_nowhere(
    app: Flask, receiver: Receiver
) -> None:
    with app.app_context():
        build_hall()
    admin = signed_in(app, "admin")
    sent = admin.post("/admin/notifications/test", data={"to": "0812-3456-7890"})
    assert sent.status_code == 302
    (request,) = receiver.received
    assert request.body["event"] == "test" and request.body["to"] == "+6281234567890"
    signed = request.headers["x-loket-signature"]
    assert verify(SECRET, signed, request.raw, time.time())  # signed as every message is
    assert messages(app) == []  # not in the outbox
    page = admin.get("/admin/notifications").get_data(as_text=True)
    assert "HTTP 200" in page  # the flash says what the gateway answered
    with app.app_context():
        (audited,) = db.session.scalars(
            select(AdminChange).where(AdminChange.action == "test_send")
        ).all()
        assert audited.changes == {"answer": 200, "error": None}
        assert "8123" not in repr(audited.changes)
    refused = admin.post("/admin/notifications/test", data={"to": "12"})
    assert refused.status_code == 302 and len(receiver.received) == 1


def test_the_overview_alerts_when_messages_give_up(
    app: Flask, receiver: Receiver, clock: Clock
) -> None:
    with app.app_context():
        build_hall()
    supervisor = signed_in(app, "super")
    assert "could not be delivered" not in supervisor.get("/admin").get_data(as_text=True)
    assert supervisor.get("/admin/devices/status").get_json()["notifications_dead"] == 0
    issue(app)
    receiver.script = [Reply(422)]
    worker_of(app, clock).run_once()
    assert messages(app)[0].state == "dead"
    page = supervisor.get("/admin").get_data(as_text=True)
    assert "1 pesan kepada pemohon tidak dapat dikirim hari ini" in page
    # The page keeps it fresh from its half-minute poll.
    assert supervisor.get("/admin/devices/status").get_json()["notifications_dead"] == 1
