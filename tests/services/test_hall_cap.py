"""The hall cap: never more people inside than allowed, and admission that does not starve a
counter (DESIGN.md's example)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from queue_app.domain.errors import LoketError
from queue_app.domain.states import INSIDE
from queue_app.domain.vocabulary import Priority, Role
from queue_app.extensions import db
from queue_app.models import Site, Ticket
from queue_app.services import tickets

from ..helpers import actor, make_counter, make_service, make_site, make_user


def inside(session: Session, site_id: int) -> int:
    return int(
        session.scalar(
            select(func.count(Ticket.id)).where(
                Ticket.site_id == site_id, Ticket.state.in_([s.value for s in INSIDE])
            )
        )
        or 0
    )


def outside(session: Session, site_id: int) -> int:
    return int(
        session.scalar(
            select(func.count(Ticket.id)).where(Ticket.site_id == site_id, Ticket.state == "issued")
        )
        or 0
    )


OPS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "issue",
                "issue_b",
                "issue_priority",
                "call",
                "start",
                "finish",
                "no_show",
                "cancel",
                "reinstate",
                "requeue",
                "transfer",
            ]
        ),
        st.integers(min_value=0, max_value=50),
    ),
    min_size=1,
    max_size=60,
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(capacity=st.integers(min_value=1, max_value=5), ops=OPS)
def test_random_days_never_exceed_the_cap(app: Flask, capacity: int, ops: list[Any]) -> None:
    """Each example is a new site in the same database, so examples do not share a queue."""
    with app.app_context():
        session = db.session
        site = make_site(session, capacity=capacity)
        a = make_service(session, site, "A")
        b = make_service(session, site, "B")
        counters = [make_counter(session, site, 1, [a, b]), make_counter(session, site, 2, [b])]
        boss = actor(make_user(session, f"boss{site.id}", Role.SUPERVISOR))
        session.commit()
        site_id, a_id, b_id = site.id, a.id, b.id
        counter_ids = [c.id for c in counters]

        for op, pick in ops:
            all_tickets = session.scalars(
                select(Ticket).where(Ticket.site_id == site_id).order_by(Ticket.id)
            ).all()
            target = all_tickets[pick % len(all_tickets)].id if all_tickets else None
            try:
                if op == "issue":
                    tickets.issue_ticket(session, a_id)
                elif op == "issue_b":
                    tickets.issue_ticket(session, b_id)
                elif op == "issue_priority":
                    tickets.issue_ticket(session, a_id, priority=Priority.ELDERLY)
                elif op == "call":
                    tickets.call_next(session, counter_ids[pick % 2], boss)
                elif target is None:
                    continue
                elif op == "transfer":
                    tickets.transfer(session, target, b_id if pick % 2 else a_id, boss)
                else:
                    verb = getattr(tickets, {"start": "start"}.get(op, op))
                    verb(session, target, boss)
                session.commit()
            except LoketError:
                session.rollback()
            cap = session.get(Site, site_id).hall_capacity  # type: ignore[union-attr]
            now_inside = inside(session, site_id)
            assert now_inside <= cap, f"{now_inside} inside a hall capped at {cap} after {op}"
            # Room is never left empty while someone waits outside.
            if outside(session, site_id):
                assert now_inside == cap, f"room left with people outside after {op}"


def test_room_goes_to_the_idle_counter_not_the_oldest_ticket(app: Flask) -> None:
    """DESIGN.md: cap 10, service A and B with one counter each; 20 A tickets, then 5 B.
    As soon as room frees, a B ticket must come in so counter B is not left idle."""
    with app.app_context():
        session = db.session
        site = make_site(session, capacity=10)
        a = make_service(session, site, "A")
        b = make_service(session, site, "B")
        counter_a = make_counter(session, site, 1, [a])
        counter_b = make_counter(session, site, 2, [b])
        boss = actor(make_user(session, "boss", Role.SUPERVISOR))
        session.commit()

        a_tickets = [tickets.issue_ticket(session, a.id)[0] for _ in range(20)]
        b_tickets = [tickets.issue_ticket(session, b.id)[0] for _ in range(5)]
        session.commit()
        assert [t.state for t in a_tickets[:10]] == ["waiting"] * 10
        assert {t.state for t in a_tickets[10:] + b_tickets} == {"issued"}
        # Counter B has nobody to call: the hall is full of A applicants.
        assert tickets.call_next(session, counter_b.id, boss)[0] is None

        first, _ = tickets.call_next(session, counter_a.id, boss)
        assert first is not None
        tickets.finish(session, first.id, boss)
        session.commit()

        states = {t.code: t.state for t in session.scalars(select(Ticket))}
        assert states["B-001"] == "waiting", "the freed place must go to idle counter B"
        assert states["A-011"] == "issued"
        called_b, _ = tickets.call_next(session, counter_b.id, boss)
        assert called_b is not None and called_b.code == "B-001"
        assert inside(session, site.id) == 10
