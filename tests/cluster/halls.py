"""Halls for the cluster tests, written straight into the cluster's database (as an admin would
set them up), plus HTTP clients that come from many addresses and what the tests read back."""

from __future__ import annotations

import threading
from collections import Counter as Tally
from dataclasses import dataclass, field
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from sqlalchemy import select

from queue_app.domain.vocabulary import CounterState, Role
from queue_app.extensions import db
from queue_app.models import Ticket, TicketEvent, User
from queue_app.services import staff
from queue_app.services.clock import utcnow

from ..conftest import make_app
from ..helpers import make_counter, make_service, make_site


@dataclass
class TestHall:
    """One site: its services by code, its counters (closed at first) and a clerk's Bearer
    headers for each counter."""

    __test__ = False  # not a test class, despite the name

    site_id: int
    services: dict[str, int]
    counters: list[int]
    staff: dict[int, dict[str, str]] = field(default_factory=dict)


def build_halls(
    database_url: str, count: int, *, services: str = "AB", counters: int = 0, name: str = "hall"
) -> list[TestHall]:
    """`count` sites, each with `services` (one letter each, no quota, no hall cap, open around
    the clock) and `counters` closed counters serving every service, one clerk each."""
    app = make_app(database_url)
    halls = []
    with app.app_context():
        session = db.session
        for index in range(count):
            site = make_site(session, name=f"{name} {index}")
            made = [make_service(session, site, code) for code in services]
            hall = TestHall(site.id, {s.code: s.id for s in made}, [])
            for number in range(1, counters + 1):
                counter = make_counter(session, site, number, made, state=CounterState.CLOSED)
                clerk = User(
                    username=f"{name}-{site.id}-{number}",
                    password_hash="!",  # signs in with its API token only
                    role=Role.CLERK.value,
                    active=True,
                    created_at=utcnow(),
                    counters=[counter],
                )
                session.add(clerk)
                session.flush()
                token = staff.issue_token(session, clerk)
                hall.counters.append(counter.id)
                hall.staff[counter.id] = {"Authorization": f"Bearer {token}"}
            halls.append(hall)
        session.commit()
        session.remove()
        db.engine.dispose()
    return halls


class SourceAddress(HTTPAdapter):
    """Connect from a given local address: 127.0.N.1 are all this machine, and nginx's ip_hash
    (first three octets) spreads them over the processes like the addresses of many kiosks."""

    def __init__(self, source_ip: str) -> None:
        self.source_ip = source_ip
        super().__init__(pool_connections=2, pool_maxsize=2)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.source_ip, 0)
        super().init_poolmanager(*args, **kwargs)


def client_from(n: int) -> requests.Session:
    """An HTTP client whose connections come from 127.0.`n`.1."""
    session = requests.Session()
    adapter = SourceAddress(f"127.0.{n % 250 + 1}.1")
    session.mount("http://", adapter)
    return session


class Outcomes:
    """What many threads saw, counted safely."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.statuses: Tally[Any] = Tally()
        self.items: list[Any] = []

    def add(self, status: Any, item: Any = None) -> None:
        with self.lock:
            self.statuses[status] += 1
            if item is not None:
                self.items.append(item)


# -- reading the database back -----------------------------------------------------------------


def tickets_of(database_url: str, site_ids: list[int]) -> list[dict[str, Any]]:
    """Every ticket of these sites: id, site, service, day, number, state."""
    app = make_app(database_url)
    with app.app_context():
        rows = db.session.execute(
            select(
                Ticket.id,
                Ticket.site_id,
                Ticket.service_id,
                Ticket.service_day,
                Ticket.number,
                Ticket.state,
            ).where(Ticket.site_id.in_(site_ids))
        ).all()
        result = [row._asdict() for row in rows]
        db.session.remove()
        db.engine.dispose()
    return result


def events_of(database_url: str, site_id: int) -> list[dict[str, Any]]:
    """The event log of one site, in sequence order."""
    app = make_app(database_url)
    with app.app_context():
        rows = db.session.execute(
            select(TicketEvent.seq, TicketEvent.ticket_id, TicketEvent.action)
            .where(TicketEvent.site_id == site_id)
            .order_by(TicketEvent.seq)
        ).all()
        result = [row._asdict() for row in rows]
        db.session.remove()
        db.engine.dispose()
    return result


def assert_numbering(tickets: list[dict[str, Any]]) -> dict[tuple[int, Any], int]:
    """Numbers distinct and contiguous 1..n for every (service, day); returns n per key."""
    numbers: dict[tuple[int, Any], list[int]] = {}
    for ticket in tickets:
        numbers.setdefault((ticket["service_id"], ticket["service_day"]), []).append(
            ticket["number"]
        )
    for key, seen in numbers.items():
        assert sorted(seen) == list(range(1, len(seen) + 1)), (
            f"service {key[0]} on {key[1]}: numbers are not 1..{len(seen)} "
            f"(duplicates: {[n for n, c in Tally(seen).items() if c > 1][:10]})"
        )
    return {key: len(seen) for key, seen in numbers.items()}
