"""Concurrency through the app: numbering, quotas and calls under many threads, on a real
SQLite file and on PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections import Counter as Tally
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from queue_app.domain.vocabulary import Role
from queue_app.extensions import db
from queue_app.models import Service, Site, Ticket, TicketEvent

from ..conftest import build_hall
from ..helpers import bearer, make_counter, make_service, make_site, make_user

BACKENDS = pytest.mark.parametrize("db_backend", ["sqlite", "postgres"], indirect=True)


def run_threads(n_threads: int, jobs: int, job: Callable[[Any], Any], app: Flask) -> list[Any]:
    """Run `jobs` calls of `job(client)` on `n_threads` threads, each with its own client,
    all released at once by a barrier."""
    barrier = threading.Barrier(n_threads)
    local = threading.local()

    def worker(_: int) -> Any:
        if not hasattr(local, "client"):
            local.client = app.test_client()
            barrier.wait()
        return job(local.client)

    with ThreadPoolExecutor(max_workers=n_threads) as pool:
        # Warm every thread up to the barrier first, so the calls really overlap.
        return list(pool.map(worker, range(jobs)))


@BACKENDS
def test_500_tickets_from_32_threads_get_500_distinct_contiguous_numbers(app: Flask) -> None:
    with app.app_context():
        hall = build_hall()

    def issue(client: Any) -> int:
        response = client.post("/api/v1/tickets", json={"service": "A"})
        assert response.status_code == 201, response.get_json()
        return int(response.get_json()["number"])

    numbers = run_threads(32, 500, issue, app)

    assert sorted(numbers) == list(range(1, 501))
    with app.app_context():
        stored = db.session.scalars(
            select(Ticket.number).where(Ticket.issued_service_id == hall.service_a)
        ).all()
        assert sorted(stored) == list(range(1, 501))
        issue_events = db.session.scalar(
            select(func.count()).select_from(TicketEvent).where(TicketEvent.action == "issue")
        )
        assert issue_events == 500


@BACKENDS
def test_quota_holds_under_concurrency(app: Flask) -> None:
    with app.app_context():
        build_hall(quota=40)

    def issue(client: Any) -> tuple[int, str | None]:
        response = client.post("/api/v1/tickets", json={"service": "A"})
        body = response.get_json()
        return response.status_code, body.get("error")

    results = Tally(run_threads(16, 100, issue, app))

    assert results == {(201, None): 40, (409, "quota_reached"): 60}
    with app.app_context():
        assert db.session.scalar(select(func.count(Ticket.id))) == 40


@BACKENDS
def test_20_counters_calling_concurrently_never_get_the_same_ticket(app: Flask) -> None:
    with app.app_context():
        session = db.session
        site = make_site(session)
        service = make_service(session, site, "A")
        counters = [make_counter(session, site, n, [service]) for n in range(1, 21)]
        make_user(session, "boss", Role.SUPERVISOR)
        session.commit()
        counter_ids = [c.id for c in counters]
    client = app.test_client()
    for _ in range(100):
        assert client.post("/api/v1/tickets", json={"service": "A"}).status_code == 201
    headers = bearer(app, "boss")
    barrier = threading.Barrier(20)
    called: list[int] = []
    lock = threading.Lock()
    errors: list[Any] = []

    def counter_loop(counter_id: int) -> None:
        own = app.test_client()
        barrier.wait()
        while True:
            response = own.post(f"/api/v1/counters/{counter_id}/call-next", headers=headers)
            if response.status_code == 204:
                return
            if response.status_code != 200:
                errors.append(response.get_json())
                return
            ticket_id = response.get_json()["id"]
            with lock:
                called.append(ticket_id)
            finished = own.post(f"/api/v1/tickets/{ticket_id}/finish", headers=headers)
            if finished.status_code != 200:
                errors.append(finished.get_json())
                return

    threads = [threading.Thread(target=counter_loop, args=(cid,)) for cid in counter_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=240)

    assert errors == []
    assert len(called) == 100
    assert len(set(called)) == 100
    with app.app_context():
        calls_per_ticket = Tally(
            db.session.scalars(select(TicketEvent.ticket_id).where(TicketEvent.action == "call"))
        )
        assert len(calls_per_ticket) == 100
        assert set(calls_per_ticket.values()) == {1}
        # More than one counter really took part.
        counters_used = db.session.scalar(
            select(func.count(func.distinct(TicketEvent.counter_id))).where(
                TicketEvent.action == "call"
            )
        )
        assert counters_used and counters_used > 1


@BACKENDS
def test_hall_cap_holds_while_kiosks_and_counters_work_at_once(app: Flask) -> None:
    """16 kiosk threads issue while 4 counters call and finish; replaying the event log in
    sequence order shows the hall was never above its cap, not even for one event."""
    capacity = 5
    with app.app_context():
        hall = build_hall(capacity=capacity)
        session = db.session
        site = session.get(Site, hall.site_id)
        both = [session.get(Service, hall.service_a), session.get(Service, hall.service_b)]
        assert site is not None and None not in both
        extra = [make_counter(session, site, n, both) for n in (3, 4)]  # type: ignore[arg-type]
        make_user(session, "boss", Role.SUPERVISOR)
        session.commit()
        counter_ids = [hall.counter_1, hall.counter_2, *(c.id for c in extra)]
    headers = bearer(app, "boss")
    issuing_done = threading.Event()
    errors: list[Any] = []

    def kiosk(n: int) -> None:
        client = app.test_client()
        for i in range(10):
            response = client.post("/api/v1/tickets", json={"service": "AB"[(n + i) % 2]})
            if response.status_code != 201:
                errors.append(response.get_json())

    def counter(counter_id: int) -> None:
        client = app.test_client()
        deadline = time.monotonic() + 120
        while True:
            if time.monotonic() > deadline:
                errors.append(f"counter {counter_id}: the queue never emptied")
                return
            response = client.post(f"/api/v1/counters/{counter_id}/call-next", headers=headers)
            if response.status_code == 204:
                if issuing_done.is_set() and _nobody_left(client):
                    return
                continue
            if response.status_code != 200:
                errors.append(response.get_json())
                return
            ticket_id = response.get_json()["id"]
            done = client.post(f"/api/v1/tickets/{ticket_id}/finish", headers=headers)
            if done.status_code != 200:
                errors.append(done.get_json())
                return

    kiosks = [threading.Thread(target=kiosk, args=(n,)) for n in range(16)]
    counters = [threading.Thread(target=counter, args=(c,)) for c in counter_ids]
    for thread in kiosks + counters:
        thread.start()
    for thread in kiosks:
        thread.join(timeout=240)
    issuing_done.set()
    for thread in counters:
        thread.join(timeout=240)

    assert errors == []
    with app.app_context():
        events = db.session.execute(
            select(TicketEvent.seq, TicketEvent.ticket_id, TicketEvent.to_state)
            .where(TicketEvent.site_id == hall.site_id)
            .order_by(TicketEvent.seq)
        ).all()
    seqs = [seq for seq, _, _ in events]
    assert seqs == list(range(1, len(seqs) + 1)), "event sequence has gaps or repeats"
    state: dict[int, str] = {}
    peak = 0
    for _, ticket_id, to_state in events:
        state[ticket_id] = to_state
        inside_now = sum(1 for s in state.values() if s in ("waiting", "called", "serving"))
        assert inside_now <= capacity
        peak = max(peak, inside_now)
    assert peak == capacity  # the cap was really reached, so it was really tested
    assert len(state) == 160 and set(state.values()) == {"done"}


def _nobody_left(client: Any) -> bool:
    hall = client.get("/api/v1/board").get_json()["hall"]
    return bool(hall["inside"] == 0 and hall["outside"] == 0)
