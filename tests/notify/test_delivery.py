"""The delivery worker against a real local receiver: retries with backoff, dead after the
limit, 429 with Retry-After, one recipient's order, the purge; and the lease, with two workers
delivering at once (threads, each with its own connections)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from queue_app.domain import notify
from queue_app.extensions import db
from queue_app.models import Notification, Ticket, TicketContact
from queue_app.services.clock import utcnow

from ..conftest import build_hall
from ..services.test_concurrency import BACKENDS
from .conftest import Clock, worker_of
from .receiver import Receiver, Reply

PHONE = "081234567890"


def issue(app: Flask, phone: str | None = PHONE) -> dict[str, Any]:
    body: dict[str, Any] = {"service": "A"}
    if phone:
        body["phone"] = phone
    response = app.test_client().post("/api/v1/tickets", json=body)
    assert response.status_code == 201, response.get_json()
    data: dict[str, Any] = response.get_json()
    return data


def messages(app: Flask) -> list[Notification]:
    with app.app_context():
        rows = list(db.session.scalars(select(Notification).order_by(Notification.seq)))
        db.session.expunge_all()
        return rows


@pytest.fixture
def one_message(app: Flask) -> None:
    with app.app_context():
        build_hall()
    issue(app)


@pytest.mark.usefixtures("one_message")
def test_500s_are_retried_with_growing_waits_then_delivered(
    app: Flask, receiver: Receiver, clock: Clock
) -> None:
    receiver.script = [Reply(500), Reply(503)]
    worker = worker_of(app, clock)
    assert worker.run_once() == 1
    (first,) = messages(app)
    assert first.state == "retrying" and first.tries == 1 and first.last_error == "HTTP 500"
    wait_1 = (first.next_try_at - clock.now).total_seconds()
    assert notify.BACKOFF_BASE_S / 2 <= wait_1 <= notify.BACKOFF_BASE_S
    assert worker.run_once() == 0  # not due yet: nothing is sent early
    clock.advance(wait_1)
    assert worker.run_once() == 1
    (second,) = messages(app)
    wait_2 = (second.next_try_at - clock.now).total_seconds()
    assert notify.BACKOFF_BASE_S <= wait_2 <= 2 * notify.BACKOFF_BASE_S
    clock.advance(wait_2)
    assert worker.run_once() == 1
    (done,) = messages(app)
    assert done.state == "sent" and done.tries == 3 and done.last_error is None
    assert done.sent_at == clock.now
    keys = [r.headers["idempotency-key"] for r in receiver.received]
    assert keys == [done.id] * 3  # the same id every time: the receiver can de-duplicate


@pytest.mark.usefixtures("one_message")
def test_a_timeout_and_a_refused_connection_are_retried(
    app: Flask, receiver: Receiver, clock: Clock
) -> None:
    receiver.script = [Reply(200, delay_s=1.5)]  # answers after the 0.5 s timeout
    worker = worker_of(app, clock)
    worker.timeout_s = 0.5
    worker.run_once()
    (timed_out,) = messages(app)
    assert timed_out.state == "retrying"
    assert "timed out" in (timed_out.last_error or "").lower()
    # The gateway is down: nothing listens at its address.
    worker.url = "http://127.0.0.1:9/hook"
    clock.advance(notify.BACKOFF_MAX_S)
    worker.run_once()
    (refused,) = messages(app)
    assert refused.state == "retrying" and refused.tries == 2
    assert "refused" in (refused.last_error or "").lower()
    worker.url = receiver.url
    clock.advance(notify.BACKOFF_MAX_S)
    worker.run_once()
    (sent,) = messages(app)
    assert sent.state == "sent" and sent.tries == 3


@pytest.mark.usefixtures("one_message")
def test_dead_after_the_retry_limit(app: Flask, receiver: Receiver, clock: Clock) -> None:
    receiver.default = Reply(500)
    worker = worker_of(app, clock)
    worker.retry_for_s = 60  # NOTIFY_RETRY_FOR_S
    rounds = 0
    while messages(app)[0].state != "dead":
        assert worker.run_once() == 1
        clock.advance(notify.BACKOFF_BASE_S * 2**rounds)
        rounds += 1
        assert rounds < 10
    (dead,) = messages(app)
    assert dead.last_error == "HTTP 500"
    assert (dead.next_try_at - dead.created_at).total_seconds() <= 60
    clock.advance(3600)
    assert worker.run_once() == 0  # a dead message is never tried again
    assert len(receiver.received) == dead.tries


@pytest.mark.usefixtures("one_message")
def test_a_4xx_is_dead_at_once(app: Flask, receiver: Receiver, clock: Clock) -> None:
    receiver.script = [Reply(422)]
    worker_of(app, clock).run_once()
    (dead,) = messages(app)
    assert dead.state == "dead" and dead.tries == 1 and dead.last_error == "HTTP 422"


@pytest.mark.usefixtures("one_message")
def test_429_honours_retry_after(app: Flask, receiver: Receiver, clock: Clock) -> None:
    receiver.script = [Reply(429, {"Retry-After": "120"})]
    worker = worker_of(app, clock)
    tried_at = clock.now
    worker.run_once()
    (waiting,) = messages(app)
    assert waiting.state == "retrying"
    assert (waiting.next_try_at - tried_at).total_seconds() == 120
    clock.advance(119)
    assert worker.run_once() == 0
    clock.advance(1)
    assert worker.run_once() == 1
    assert messages(app)[0].state == "sent"
    assert len(receiver.received) == 2


def test_one_recipients_messages_keep_their_order(
    app: Flask, receiver: Receiver, clock: Clock
) -> None:
    with app.app_context():
        build_hall()
    issue(app, PHONE)  # message 1, to the first number
    issue(app, "0813 1111 2222")  # message 2, to another
    issue(app, "+62 812 3456 7890")  # message 3, the first number again (written otherwise)
    receiver.script = [Reply(500)]  # the first number's first message fails
    worker = worker_of(app, clock)
    worker.run_once()
    first, second, third = messages(app)
    assert (first.state, second.state, third.state) == ("retrying", "sent", "queued")
    clock.advance(notify.BACKOFF_MAX_S)
    worker.run_once()  # message 1 now goes …
    assert [m.state for m in messages(app)] == ["sent", "sent", "queued"]
    worker.run_once()  # … and only then message 3
    assert [m.state for m in messages(app)] == ["sent", "sent", "sent"]
    order = [r.body["id"] for r in receiver.received]
    assert order == [first.id, second.id, first.id, third.id]
    assert third.recipient_key == first.recipient_key != second.recipient_key


def test_a_dead_message_does_not_hold_up_the_next_one(
    app: Flask, receiver: Receiver, clock: Clock
) -> None:
    with app.app_context():
        build_hall()
    issue(app)
    issue(app)
    receiver.script = [Reply(400)]
    worker = worker_of(app, clock)
    worker.run_once()
    worker.run_once()
    assert [m.state for m in messages(app)] == ["dead", "sent"]


def test_purge_deletes_numbers_and_keeps_the_counts(
    app: Flask, receiver: Receiver, clock: Clock
) -> None:
    with app.app_context():
        build_hall()
    old, recent = issue(app), issue(app)
    receiver.script = [Reply(200)]
    worker_of(app, clock).run_once()  # the old ticket's message went; the recent one waits
    with app.app_context():
        today = db.session.get(Ticket, old["id"]).service_day  # type: ignore[union-attr]
        long_ago = today.replace(year=today.year - 1)
        for model in (Ticket, TicketContact, Notification):
            column = model.ticket_id if model is not Ticket else model.id  # type: ignore[attr-defined]
            db.session.execute(
                update(model).where(column == old["id"]).values(service_day=long_ago)
            )
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["purge-contacts"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 number(s)" in result.output
    with app.app_context():
        contacts = db.session.scalars(select(TicketContact.ticket_id)).all()
        assert contacts == [recent["id"]]
        rows = db.session.scalars(select(Notification).order_by(Notification.seq)).all()
        assert [(r.ticket_id, r.state, r.recipient is None) for r in rows] == [
            (old["id"], "sent", True),
            (recent["id"], "queued", False),
        ]
        assert db.session.scalar(select(func.count()).select_from(Ticket)) == 2


def test_a_queued_message_whose_number_was_purged_dies(
    app: Flask, receiver: Receiver, clock: Clock
) -> None:
    with app.app_context():
        build_hall()
        ticket = issue(app)
        db.session.execute(
            update(Notification).values(service_day=utcnow().date().replace(year=2000))
        )
        db.session.commit()
    assert app.test_cli_runner().invoke(args=["purge-contacts", "--days", "7"]).exit_code == 0
    assert worker_of(app, clock).run_once() == 0
    (dead,) = messages(app)
    assert dead.state == "dead" and dead.recipient is None and dead.ticket_id == ticket["id"]
    assert receiver.received == []


def test_close_day_purges_too(app: Flask) -> None:
    with app.app_context():
        build_hall()
    issue(app)
    with app.app_context():
        db.session.execute(
            update(TicketContact).values(service_day=utcnow().date().replace(year=2000))
        )
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["close-day"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 notification number(s)" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TicketContact)) == 0


# -- the lease -------------------------------------------------------------------------------


@BACKENDS
def test_two_workers_deliver_each_message_once(app: Flask, receiver: Receiver) -> None:
    with app.app_context():
        build_hall()
    for i in range(30):
        issue(app, f"0812{i:08d}")
    in_flight = 0
    most = 0
    guard = threading.Lock()

    def count(_: object) -> None:
        nonlocal in_flight, most
        with guard:
            in_flight += 1
            most = max(most, in_flight)
        time.sleep(0.01)
        with guard:
            in_flight -= 1

    receiver.on_request = count
    # What is tested is the lease, not timeouts: the suite's half-second gateway timeout, on a
    # loaded machine, turned a slow answer into a retry, and so a second (legitimate,
    # at-least-once) delivery of the same id.
    app.config["NOTIFY_TIMEOUT_S"] = 10
    workers = [worker_of(app, holder=f"worker-{n}") for n in range(2)]
    stop = threading.Event()
    barrier = threading.Barrier(2)

    def run(worker: Any) -> None:
        barrier.wait()
        worker.run_forever(stop, idle_s=0.01)

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if all(m.state == "sent" for m in messages(app)):
            break
        time.sleep(0.05)
    stop.set()
    for thread in threads:
        thread.join(10)
    ids = [r.body["id"] for r in receiver.received]
    assert len(ids) == 30 and len(set(ids)) == 30  # each message once
    assert most == 1  # never two deliveries at once: one lease holder at a time


@BACKENDS
def test_a_lease_not_renewed_passes_to_the_other_worker(app: Flask, clock: Clock) -> None:
    first = worker_of(app, clock, holder="first")
    second = worker_of(app, clock, holder="second")
    with app.app_context():
        assert first.take_lease(db.session)
        assert not second.take_lease(db.session)
        assert first.take_lease(db.session)  # renewed
        clock.advance(first.lease_s + 1)  # the first process stopped renewing (it died)
        assert second.take_lease(db.session)
        assert not first.take_lease(db.session)


def test_a_clean_stop_releases_the_lease(app: Flask) -> None:
    first = worker_of(app, holder="first")
    stop = threading.Event()
    stop.set()
    with app.app_context():
        assert first.take_lease(db.session)
    first.run_forever(stop)
    with app.app_context():
        assert worker_of(app, holder="second").take_lease(db.session)


@BACKENDS
@pytest.mark.usefixtures("one_message")
def test_the_hall_is_not_held_while_the_gateway_answers(
    app: Flask, receiver: Receiver, clock: Clock
) -> None:
    issued: list[int] = []

    def issue_meanwhile(_: object) -> None:
        # While the gateway holds the worker's request, a kiosk issues (it needs the database's
        # write lock on SQLite): the worker must not hold a transaction during the POST.
        issued.append(app.test_client().post("/api/v1/tickets", json={"service": "A"}).status_code)

    receiver.on_request = issue_meanwhile
    worker = worker_of(app, clock)
    # Shorter than SQLite's busy timeout: had the worker held the write lock, the issue would
    # have waited for it past the gateway's answer, and the message would be retrying.
    worker.timeout_s = 2.0
    worker.run_once()
    assert issued == [201]
    assert messages(app)[0].state == "sent"  # answered while the kiosk issued
