"""The mall: zones with their own caps, agencies with their walk-in policy and daily cap, and
transfers between zones (issue 15)."""

from __future__ import annotations

from collections import Counter as Tally
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_app.domain.errors import AgencyCapReached, LoketError, WalkInNotAccepted
from queue_app.domain.states import INSIDE, TicketState
from queue_app.domain.vocabulary import Role
from queue_app.extensions import db
from queue_app.models import Refusal, Service, Ticket, TicketEvent
from queue_app.services import mall as mall_service
from queue_app.services import tickets

from ..helpers import (
    actor,
    bearer,
    make_agency,
    make_counter,
    make_service,
    make_site,
    make_user,
    make_zone,
)
from .test_concurrency import run_threads

BACKENDS = pytest.mark.parametrize("db_backend", ["sqlite", "postgres"], indirect=True)
INSIDE_NAMES = {s.value for s in INSIDE}


@dataclass
class Mall:
    site_id: int
    #: Zone id → its cap.
    caps: dict[int, int]
    #: Service code → id.
    services: dict[str, int]
    #: Counter number → id.
    counters: dict[int, int]


def build_mall(
    session: Session, *, caps: tuple[int, int] = (2, 3), building: int | None = None
) -> Mall:
    """Two zones: floor 2 (room of 2×caps[0] at 50%) with services A and B and counters 1–2,
    floor 3 (room of 2×caps[1] at 50%) with services C and D and counters 3–4."""
    site = make_site(session, capacity=building)
    home, _ = mall_service.home(session, site)
    home.name, home.floor, home.room_capacity, home.distancing_pct = "Lantai 2", 2, 2 * caps[0], 50
    upper = make_zone(
        session, site, "Lantai 3", floor=3, room_capacity=2 * caps[1], distancing_pct=50
    )
    a = make_service(session, site, "A", zone=home)
    b = make_service(session, site, "B", zone=home)
    c = make_service(session, site, "C", zone=upper)
    d = make_service(session, site, "D", zone=upper)
    counters = {
        1: make_counter(session, site, 1, [a, b]),
        2: make_counter(session, site, 2, [b, a]),
        3: make_counter(session, site, 3, [c, d]),
        4: make_counter(session, site, 4, [d, c]),
    }
    make_user(session, f"boss{site.id}", Role.SUPERVISOR)
    session.commit()
    return Mall(
        site.id,
        {home.id: caps[0], upper.id: caps[1]},
        {s.code: s.id for s in (a, b, c, d)},
        {n: c.id for n, c in counters.items()},
    )


def per_zone(session: Session, site_id: int) -> tuple[Tally[int], Tally[int]]:
    """Zone id → people inside, and → outside, now."""
    inside: Tally[int] = Tally()
    outside: Tally[int] = Tally()
    rows = session.execute(
        select(Service.zone_id, Ticket.state)
        .join(Service, Service.id == Ticket.service_id)
        .where(Ticket.site_id == site_id)
    )
    for zone, state in rows:
        if state in INSIDE_NAMES:
            inside[zone] += 1
        elif state == TicketState.ISSUED.value:
            outside[zone] += 1
    return inside, outside


def replayed_peaks(session: Session, site_id: int) -> Tally[int]:
    """Zone id → the most people its event log ever had inside at once (replayed in `seq`
    order: the invariant at every committed step, not only at the end)."""
    zone_of = {sid: zone for sid, zone in session.execute(select(Service.id, Service.zone_id))}
    where: dict[int, tuple[int, str]] = {}
    inside: Tally[int] = Tally()
    peaks: Tally[int] = Tally()
    events = session.scalars(
        select(TicketEvent).where(TicketEvent.site_id == site_id).order_by(TicketEvent.seq)
    )
    for event in events:
        before = where.get(event.ticket_id)
        if before is not None and before[1] in INSIDE_NAMES:
            inside[before[0]] -= 1
        zone = zone_of[event.service_id]
        where[event.ticket_id] = (zone, event.to_state)
        if event.to_state in INSIDE_NAMES:
            inside[zone] += 1
            peaks[zone] = max(peaks[zone], inside[zone])
    return peaks


OPS = st.lists(
    st.tuples(
        st.sampled_from(["issue", "call", "start", "finish", "no_show", "transfer", "cancel"]),
        st.integers(min_value=0, max_value=60),
    ),
    min_size=1,
    max_size=50,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    caps=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    building=st.one_of(st.none(), st.integers(1, 6)),
    ops=OPS,
)
def test_random_days_keep_every_zone_under_its_cap_and_leave_no_room_idle(
    app: Flask, caps: tuple[int, int], building: int | None, ops: list[Any]
) -> None:
    with app.app_context():
        session = db.session
        mall = build_mall(session, caps=caps, building=building)
        boss = actor(make_user(session, f"x{mall.site_id}", Role.SUPERVISOR))
        codes = list(mall.services)
        for op, pick in ops:
            ids = session.scalars(
                select(Ticket.id).where(Ticket.site_id == mall.site_id).order_by(Ticket.id)
            ).all()
            target = ids[pick % len(ids)] if ids else None
            try:
                if op == "issue":
                    tickets.issue_ticket(session, mall.services[codes[pick % 4]])
                elif op == "call":
                    tickets.call_next(session, mall.counters[1 + pick % 4], boss)
                elif target is None:
                    continue
                elif op == "transfer":
                    tickets.transfer(session, target, mall.services[codes[pick % 4]], boss)
                else:
                    getattr(tickets, op)(session, target, boss)
                session.commit()
            except LoketError:
                session.rollback()
            inside, outside = per_zone(session, mall.site_id)
            for zone, cap in mall.caps.items():
                limit = cap if building is None else min(cap, building)
                assert inside[zone] <= limit, f"{inside[zone]} inside a zone capped at {cap}"
                if outside[zone] and sum(inside.values()) < (building or 1 << 30):
                    # Room is never left empty in a zone while someone waits outside it.
                    assert inside[zone] == cap, f"room left in zone {zone} after {op}"
            if building is not None:
                assert sum(inside.values()) <= building


def test_a_full_floor_does_not_hold_back_the_other(app: Flask) -> None:
    with app.app_context():
        session = db.session
        mall = build_mall(session, caps=(2, 3))
        a, c = mall.services["A"], mall.services["C"]
        on_2 = [tickets.issue_ticket(session, a)[0] for _ in range(4)]
        on_3 = [tickets.issue_ticket(session, c)[0] for _ in range(3)]
        session.commit()
        assert [t.state for t in on_2] == ["waiting", "waiting", "issued", "issued"]
        assert [t.state for t in on_3] == ["waiting"] * 3
        # A place freed on floor 3 does not let floor 2's people in.
        boss = actor(make_user(session, "boss", Role.SUPERVISOR))
        called, _ = tickets.call_next(session, mall.counters[3], boss)
        assert called is not None
        tickets.finish(session, called.id, boss)
        session.commit()
        assert [t.state for t in on_2] == ["waiting", "waiting", "issued", "issued"]
        # A place freed on floor 2 lets its first one outside in.
        called, _ = tickets.call_next(session, mall.counters[1], boss)
        assert called is not None
        tickets.finish(session, called.id, boss)
        session.commit()
        assert [t.state for t in on_2] == ["done", "waiting", "waiting", "issued"]


def test_a_building_cap_holds_across_zones(app: Flask) -> None:
    with app.app_context():
        session = db.session
        mall = build_mall(session, caps=(3, 3), building=4)
        issued = [tickets.issue_ticket(session, mall.services[code])[0] for code in "ACACAC"]
        session.commit()
        assert [t.state for t in issued] == ["waiting"] * 4 + ["issued"] * 2


def test_a_transfer_to_a_full_floor_waits_outside_at_the_head_of_its_new_line(
    app: Flask,
) -> None:
    with app.app_context():
        session = db.session
        mall = build_mall(session, caps=(2, 1))
        boss = actor(make_user(session, "boss", Role.SUPERVISOR))
        a, c = mall.services["A"], mall.services["C"]
        first_a, _ = tickets.issue_ticket(session, a)
        tickets.issue_ticket(session, a)
        third_a, _ = tickets.issue_ticket(session, a)  # outside: floor 2 is full
        c_inside, _ = tickets.issue_ticket(session, c)
        c_outside, _ = tickets.issue_ticket(session, c)  # outside: floor 3 holds one
        session.commit()
        assert (third_a.state, c_inside.state, c_outside.state) == ("issued", "waiting", "issued")

        called, _ = tickets.call_next(session, mall.counters[1], boss)
        assert called is not None and called.id == first_a.id
        moved, events = tickets.transfer(session, first_a.id, c, boss)
        session.commit()
        # Floor 3 is full: it waits outside, and its place on floor 2 went to A's next one.
        assert moved.state == "issued" and moved.front
        assert third_a.state == "waiting"
        assert [e.action.value for e in events] == ["transfer", "admit"]

        # When floor 3 frees a place, the transferred ticket comes in before C's own.
        called, _ = tickets.call_next(session, mall.counters[3], boss)
        assert called is not None and called.id == c_inside.id
        tickets.finish(session, called.id, boss)
        session.commit()
        assert (moved.state, c_outside.state) == ("waiting", "issued")
        called, _ = tickets.call_next(session, mall.counters[3], boss)
        assert called is not None and called.id == moved.id


def test_an_agency_without_walk_ins_refuses_and_the_refusal_is_counted(app: Flask) -> None:
    with app.app_context():
        session = db.session
        site = make_site(session)
        online = make_agency(session, site, "IMI", walk_in=False)
        passport = make_service(session, site, "P", agency=online)
        make_service(session, site, "S")
        session.commit()
        service_id, site_id = passport.id, site.id
    client = app.test_client()
    refused = client.post("/api/v1/tickets", json={"service": "P"})
    assert refused.status_code == 409
    assert refused.get_json()["error"] == "walk_in_not_accepted"
    assert client.post("/api/v1/tickets", json={"service": "S"}).status_code == 201
    with app.app_context():
        assert db.session.scalars(select(Ticket).where(Ticket.service_id == service_id)).all() == []
        reasons = db.session.scalars(select(Refusal.reason).where(Refusal.site_id == site_id)).all()
        assert reasons == ["walk_in_not_accepted"]
        with pytest.raises(WalkInNotAccepted):
            tickets.issue_ticket(db.session, service_id)


@BACKENDS
def test_an_agency_cap_under_16_threads_gives_exactly_the_cap(app: Flask) -> None:
    """Bank DKI: 50 a day across its two services, 80 asking at once."""
    with app.app_context():
        session = db.session
        site = make_site(session)
        bank = make_agency(session, site, "BDKI", daily_cap=50)
        make_service(session, site, "K", agency=bank)
        make_service(session, site, "L", agency=bank)
        make_service(session, site, "A")
        session.commit()
        site_id = site.id

    def issue(client: Any) -> tuple[int, str | None]:
        code = "KL"[threading_counter.__next__() % 2]
        response = client.post("/api/v1/tickets", json={"service": code})
        body = response.get_json()
        return response.status_code, body.get("error")

    threading_counter = iter(range(10**6))
    answers = Tally(run_threads(16, 80, issue, app))
    assert answers == {(201, None): 50, (409, "agency_cap_reached"): 30}
    client = app.test_client()
    agencies = {a["code"]: a for a in client.get("/api/v1/agencies").get_json()}
    assert agencies["BDKI"]["issued_today"] == 50
    assert client.post("/api/v1/tickets", json={"service": "A"}).status_code == 201
    with app.app_context():
        refusals = db.session.scalars(
            select(Refusal.reason).where(Refusal.site_id == site_id)
        ).all()
        assert Tally(refusals) == {"agency_cap_reached": 30}
        with pytest.raises(AgencyCapReached):
            k = db.session.scalars(select(Service.id).where(Service.code == "K")).one()
            tickets.issue_ticket(db.session, k)


@BACKENDS
def test_concurrent_issuing_and_serving_never_overfill_a_zone(app: Flask) -> None:
    """16 threads issue into both floors while clerks call and finish; replayed from the
    event log, neither floor ever had more inside than its cap."""
    with app.app_context():
        mall = build_mall(db.session, caps=(3, 4))
        boss = f"boss{mall.site_id}"
    headers = bearer(app, boss)
    counters = list(mall.counters.values())
    steps = iter(range(10**6))

    def act(client: Any) -> int:
        n = next(steps)
        if n % 3:
            code = "ABCD"[n % 4]
            return int(client.post("/api/v1/tickets", json={"service": code}).status_code)
        counter = counters[n % 4]
        called = client.post(f"/api/v1/counters/{counter}/call-next", headers=headers)
        if called.status_code == 200:
            ticket = called.get_json()["id"]
            client.post(f"/api/v1/tickets/{ticket}/finish", headers=headers)
        return int(called.status_code)

    results = run_threads(16, 240, act, app)
    assert Tally(results)[201] == 160
    with app.app_context():
        peaks = replayed_peaks(db.session, mall.site_id)
        for zone, cap in mall.caps.items():
            assert 0 < peaks[zone] <= cap, f"zone {zone} peaked at {peaks[zone]} (cap {cap})"
        inside, outside = per_zone(db.session, mall.site_id)
        for zone, cap in mall.caps.items():
            if outside[zone]:
                assert inside[zone] == cap


@pytest.mark.parametrize("db_backend", ["postgres"], indirect=True)
def test_a_held_zone_lock_does_not_delay_the_other_zone(app: Flask) -> None:
    """PostgreSQL: while a transaction holds floor 2's lock (an issue not yet committed),
    floor 3 issues and calls at once; floor 2's next issue waits for it. `seq` stays gap-free
    and in commit order."""
    import threading
    import time

    with app.app_context():
        mall = build_mall(db.session, caps=(5, 5))
        boss = f"boss{mall.site_id}"
    headers = bearer(app, boss)
    client = app.test_client()
    for code in "AC":  # the day's first change in this process locks the whole site
        assert client.post("/api/v1/tickets", json={"service": code}).status_code == 201
    holding, committed = threading.Event(), threading.Event()

    def hold_floor_2() -> None:
        with app.app_context():
            tickets.issue_ticket(db.session, mall.services["A"])
            holding.set()
            time.sleep(1.5)
            db.session.commit()
            committed.set()

    holder = threading.Thread(target=hold_floor_2)
    holder.start()
    assert holding.wait(10)
    started = time.monotonic()
    issued = client.post("/api/v1/tickets", json={"service": "D"})
    called = client.post(f"/api/v1/counters/{mall.counters[3]}/call-next", headers=headers)
    took = time.monotonic() - started
    assert issued.status_code == 201 and called.status_code == 200
    assert not committed.is_set() and took < 1.0, f"floor 3 waited {took:.2f} s for floor 2"

    same_floor = client.post("/api/v1/tickets", json={"service": "B"})
    assert same_floor.status_code == 201
    assert committed.is_set(), "floor 2's next issue must wait for the lock it needs"
    holder.join()
    with app.app_context():
        events = db.session.scalars(
            select(TicketEvent).where(TicketEvent.site_id == mall.site_id).order_by(TicketEvent.id)
        ).all()
        seqs = [e.seq for e in events]
        assert sorted(seqs) == list(range(1, len(seqs) + 1))
        issue_seqs = {e.ticket_id: e.seq for e in events if e.action == "issue"}
        tickets_by_code = {
            code: tid
            for code, tid in db.session.execute(
                select(Ticket.code, Ticket.id).where(Ticket.site_id == mall.site_id)
            )
        }
        # Floor 3's issue committed first, so it has the earlier `seq`.
        assert issue_seqs[tickets_by_code["D-001"]] < issue_seqs[tickets_by_code["A-002"]]
        assert issue_seqs[tickets_by_code["A-002"]] < issue_seqs[tickets_by_code["B-001"]]
