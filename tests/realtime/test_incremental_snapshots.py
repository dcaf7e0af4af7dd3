"""A snapshot carried forward change by change shows what a whole read of the hall shows.

The hall's read model is not read again after each change: the request that made the change
hands its rows over (no statement), and another process reads the event log since its snapshot
(one statement). Both are checked here against `snapshots.build`, the whole read, after every
step of a random hall day: issues (some priority, some waiting outside a capped hall), calls,
starts, finishes, no-shows, recalls, requeues, transfers, cancels, reinstatements and counters
opening and pausing, with the clock moving on between them."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from queue_app.extensions import db
from queue_app.models import Ticket
from queue_app.realtime import snapshots
from queue_app.services.clock import driven_by, utcnow

from ..conftest import Hall, build_hall, make_app
from ..helpers import bearer

JAKARTA = ZoneInfo("Asia/Jakarta")  # the test hall's zone (tests/helpers.make_site)


class Clock:
    """The hall's clock, from 10:00 in Jakarta tomorrow: the day's 120 steps (at most about
    three hours) stay within one service day whatever time the test runs (started at the real
    time, a run after 22:00 WIB crossed midnight, and the new day's first action reads whole)."""

    def __init__(self) -> None:
        local = utcnow().astimezone(JAKARTA)
        start = datetime.combine(local.date() + timedelta(days=1), time(10, 0), JAKARTA)
        self.now = start.astimezone(UTC).replace(microsecond=123456)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def capped(app: Flask) -> Hall:
    with app.app_context():
        return build_hall(capacity=4, quota=60)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    # Never read whole because of time alone: every step must be carried forward.
    monkeypatch.setattr(snapshots, "WHOLE_READ_EVERY_S", 1e9)
    clock = Clock()
    with driven_by(clock):
        yield clock


def shown(snapshot: snapshots.HallSnapshot) -> dict[str, Any]:
    """Everything a snapshot gives its readers."""
    # One ticket at a time first (what an issue's response asks for), before the whole
    # service's places are worked out: both ways must give the same place.
    # (the back of each queue first: its first ticket asked for is counted alone).
    asked = reversed(list(snapshot.inputs.active))
    each = {ticket_id: snapshot.live_ticket(ticket_id) for ticket_id in asked}
    live = snapshot.live
    assert each == live
    for rows in snapshot._rows_by_service.values():
        for row in rows:  # every ticket's place counted alone, as a first one asked for is
            assert snapshots._position(rows, row) == live[row.id].position
    return {
        "seq": snapshot.seq,
        "board": snapshot.board,
        "services": snapshot.services,
        "live": snapshot.live,
        "queues": snapshot.queues,
        # Every queued ticket's place and estimate, as its phone would hear it.
        "places": {s: snapshot.places(s) for s in snapshot.queues},
        "counter_info": snapshot.counter_info,
        "service_info": snapshot.service_info,
        # The counter terminals' waiting lists.
        "waiting": snapshot.waiting([s.id for s in snapshot.view.services]),
    }


def whole(app: Flask, site_id: int) -> dict[str, Any]:
    with app.app_context():
        try:
            return shown(snapshots.build(db.session(), site_id))
        finally:
            db.session.rollback()


#: Steps after which the hall is read whole: a counter's change leaves no ticket event, and a
#: reinstated no-show takes its round back out of the recorded ones.
READ_WHOLE = ("pause", "open", "reinstate")


class Day:
    """A random hall day over the API, one step at a time."""

    def __init__(self, app: Flask, client: FlaskClient, hall: Hall, seed: int) -> None:
        self.app = app
        self.client = client
        self.hall = hall
        self.rng = random.Random(seed)
        self.staff = {hall.counter_1: bearer(app, "clerk1"), hall.counter_2: bearer(app, "clerk2")}
        self.at_counter: dict[int, int] = {}  # counter id → ticket id
        self.no_shows: list[tuple[int, int]] = []  # (ticket id, counter id)
        self.paused: set[int] = set()
        self.serving: set[int] = set()
        self.chosen = 0  # calls of a ticket picked from the waiting list

    def post(self, path: str, counter_id: int, **body: Any) -> Any:
        return self.client.post(path, headers=self.staff[counter_id], json=body or None)

    def step(self) -> str:
        rng = self.rng
        counter_id = rng.choice(list(self.staff))
        current = self.at_counter.get(counter_id)
        roll = rng.random()
        if roll < 0.35:
            service = rng.choice(["A", "B"])
            body: dict[str, Any] = {"service": service}
            if rng.random() < 0.25:
                body["priority"] = "elderly"
            made = self.client.post("/api/v1/tickets", json=body)
            assert made.status_code == 201, made.get_json()
            return "issue"
        if roll < 0.04 + 0.35:
            verb = "open" if counter_id in self.paused else "pause"
            if current is not None and verb == "pause":
                return "nothing"
            assert self.post(f"/api/v1/counters/{counter_id}/{verb}", counter_id).status_code == 200
            self.paused.symmetric_difference_update({counter_id})
            return verb
        if current is None:
            if self.no_shows and rng.random() < 0.2:
                ticket_id, at = self.no_shows.pop()
                done = self.post(f"/api/v1/tickets/{ticket_id}/reinstate", at)
                assert done.status_code == 200, done.get_json()
                return "reinstate"
            if counter_id in self.paused:
                return "nothing"
            chosen = self.waiting_ticket() if rng.random() < 0.5 else None
            if chosen is not None:  # the clerk picks one from the waiting list
                called = self.post(f"/api/v1/counters/{counter_id}/call/{chosen}", counter_id)
                assert called.status_code == 200, called.get_json()
                self.at_counter[counter_id] = chosen
                self.chosen += 1
                return "call-chosen"
            called = self.post(f"/api/v1/counters/{counter_id}/call-next", counter_id)
            assert called.status_code in (200, 204), called.get_json()
            if called.status_code == 204:
                return "nothing"
            self.at_counter[counter_id] = called.get_json()["id"]
            return "call-next"
        if current in self.serving:
            verb = rng.choice(["finish", "finish", "finish", "transfer"])
        else:
            verb = rng.choice(
                ["finish", "finish", "start", "start", "no-show", "recall", "requeue", "transfer"]
            )
        if verb == "transfer":
            done = self.post(f"/api/v1/tickets/{current}/transfer", counter_id, service="B")
            if done.status_code == 422:  # already in B
                done = self.post(f"/api/v1/tickets/{current}/transfer", counter_id, service="A")
        else:
            done = self.post(f"/api/v1/tickets/{current}/{verb}", counter_id)
        assert done.status_code == 200, (verb, done.get_json())
        if verb == "start":
            self.serving.add(current)
        if verb in ("finish", "no-show", "requeue", "transfer"):
            del self.at_counter[counter_id]
            self.serving.discard(current)
        if verb == "no-show":
            self.no_shows.append((current, counter_id))
        return verb

    def waiting_ticket(self) -> int | None:
        """A ticket waiting inside, at random (both counters serve A and B)."""
        with self.app.app_context():
            found = db.session.scalars(
                select(Ticket.id).where(Ticket.state == "waiting").order_by(Ticket.id)
            ).all()
            db.session.rollback()
        return self.rng.choice(found) if found else None


def open_counters(app: Flask, client: FlaskClient, hall: Hall) -> None:
    for counter_id, clerk in ((hall.counter_1, "clerk1"), (hall.counter_2, "clerk2")):
        opened = client.post(f"/api/v1/counters/{counter_id}/open", headers=bearer(app, clerk))
        assert opened.status_code == 200


@pytest.mark.parametrize(
    "db_backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
@pytest.mark.parametrize("seed", [1, 2])
def test_the_writers_snapshot_is_the_whole_read_after_every_change(
    app: Flask, client: FlaskClient, capped: Hall, clock: Clock, seed: int
) -> None:
    open_counters(app, client, capped)
    day = Day(app, client, capped, seed)
    carried = followed = 0
    for _ in range(120):
        with app.app_context():
            reads_before = snapshots.cache().whole_reads
        action = day.step()
        if action == "nothing":
            continue  # no change, no new snapshot
        with app.app_context():
            cache = snapshots.cache()
            kept = cache.kept(capped.site_id)
            carried += cache.whole_reads == reads_before
            followed += action not in READ_WHOLE
        assert kept is not None
        assert shown(kept) == whole(app, capped.site_id), action
        clock.now += timedelta(seconds=day.rng.choice([0, 1, 7, 30, 95]))
    # Every step was carried forward, except those read whole on purpose.
    assert carried == followed > 40
    assert day.chosen >= 2, day.chosen


@pytest.mark.parametrize(
    "db_backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_another_process_carries_its_snapshot_by_the_event_log(
    app: Flask, client: FlaskClient, capped: Hall, clock: Clock, database_url: str
) -> None:
    other = make_app(database_url)  # a second process's app: its own snapshots
    try:
        carried = follow_from_another_app(app, other, client, capped, clock)
    finally:
        with other.app_context():
            db.engine.dispose()
    assert carried >= 20


def follow_from_another_app(
    app: Flask, other: Flask, client: FlaskClient, capped: Hall, clock: Clock
) -> int:
    open_counters(app, client, capped)
    day = Day(app, client, capped, 7)
    carried = 0
    last_seq = -1
    for step in range(120):
        action = day.step()
        if step % 3:
            continue  # the other process reads now and then: several changes at once
        with other.app_context():
            cache = snapshots.cache()
            reads_before = cache.whole_reads
            read = shown(snapshots.current(db.session(), capped.site_id))
            db.session.rollback()
            carried += cache.whole_reads == reads_before
        if read["seq"] == last_seq:
            # No change since its last read: it serves the snapshot it has (for up to
            # MAX_AGE_S by design), made at an earlier instant than a whole read now.
            clock.now += timedelta(seconds=day.rng.choice([0, 1, 7, 30, 95]))
            continue
        last_seq = read["seq"]
        assert read == whole(app, capped.site_id), action
        clock.now += timedelta(seconds=day.rng.choice([0, 1, 7, 30, 95]))
    assert day.chosen >= 2, day.chosen
    return carried
