"""A demo hall for the lobby board's browser tests and screenshots: the demo's ten services plus
six more (16, the most a board is made for), an optional hall cap and opening hours, and a busy
moment made over the JSON API — twenty calls, the hall full, people let in from outside and
others still waiting there."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import time
from typing import Any

import requests
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from queue_app.models import Counter, CounterService, Service, Site, Zone
from queue_app.services import mall

from ..integration.live import gunicorn_server, seed

#: Six services more than the demo's ten, named as long as real ones are.
EXTRA_SERVICES = [
    ("L", "Dinas Tenaga Kerja (Kartu Kuning)", "Manpower office (job seeker card)"),
    ("M", "PLN: Sambungan & Tagihan Listrik", "PLN: electricity connections & bills"),
    ("N", "Pajak Bumi dan Bangunan (PBB)", "Land and building tax (PBB)"),
    ("P", "Kantor Urusan Agama (Nikah)", "Religious affairs office (marriage)"),
    ("Q", "Dinas Kesehatan: Surat Sehat", "Health office: health certificates"),
    ("R", "Pengaduan & Informasi", "Complaints & information"),
]
PASSWORD = "petugas-loket"


@contextmanager
def board_server(
    database_url: str,
    *,
    capacity: int | None = None,
    hours: tuple[time, time] | None = None,
    timezone: str | None = None,
) -> Iterator[str]:
    """The demo hall with 16 services (and this cap, opening hours and time zone), served
    by gunicorn as in the other live tests; yields its base URL."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "live-test-secret",
        "RATELIMIT_ENABLED": "false",
    }
    if timezone is not None:
        env["SITE_TIMEZONE"] = timezone
    seed(database_url, env)
    engine = create_engine(database_url)
    with Session(engine) as session:
        site = session.scalars(select(Site)).one()
        position = len(session.scalars(select(Service.id)).all())
        zone, agency = mall.home(session, site)
        for offset, (code, name_id, name_en) in enumerate(EXTRA_SERVICES):
            session.add(
                Service(
                    site_id=site.id,
                    zone_id=zone.id,
                    agency_id=agency.id,
                    code=code,
                    name_id=name_id,
                    name_en=name_en,
                    is_open=True,
                    prior_service_s=420,
                    position=position + offset,
                )
            )
        if capacity is not None:
            site.hall_capacity = capacity
        if hours is not None:
            site.opens_at, site.closes_at = hours
        session.commit()
    engine.dispose()
    extra = {"SITE_TIMEZONE": timezone} if timezone else None
    with gunicorn_server(database_url, extra, prepared=True, killed_after=True) as base:
        yield base


#: The demo's services moved to the mall's upper floor by `mall_server` (A and B stay below).
UPPER_SERVICES = "CDEFGHJK"


@contextmanager
def mall_server(database_url: str) -> Iterator[str]:
    """The demo hall as a mall of two floors: "Lantai 2" (a room of 8 at 50%: 4 inside) with
    services A and B and their counters 1–8, and "Lantai 3" (a room of 10 at 50%: 5 inside)
    with the other eight and their counters 9–; a counter helps only services of its own
    floor. Served by gunicorn; yields its base URL."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "live-test-secret",
        "RATELIMIT_ENABLED": "false",
    }
    seed(database_url, env)
    engine = create_engine(database_url)
    with Session(engine) as session:
        site = session.scalars(select(Site)).one()
        site.hall_capacity = None
        lower, _ = mall.home(session, site)
        lower.name, lower.floor, lower.room_capacity, lower.distancing_pct = "Lantai 2", 2, 8, 50
        upper = Zone(
            site_id=site.id,
            name="Lantai 3",
            floor=3,
            room_capacity=10,
            distancing_pct=50,
            position=3,
        )
        session.add(upper)
        session.flush()
        services = session.scalars(select(Service).where(Service.site_id == site.id)).all()
        for service in services:
            if service.code in UPPER_SERVICES:
                service.zone_id = upper.id
        zone_of = {s.id: s.zone_id for s in services}
        for counter in session.scalars(select(Counter).where(Counter.site_id == site.id)):
            own = next(link for link in counter.links if link.rank == 0)
            counter.zone_id = zone_of[own.service_id]
            for link in list(counter.links):
                if zone_of[link.service_id] != counter.zone_id:
                    session.delete(link)
        session.commit()
        assert session.scalar(select(CounterService).limit(1)) is not None
    engine.dispose()
    with gunicorn_server(database_url, prepared=True, killed_after=True) as base:
        yield base


class HallApi:
    """The hall over its JSON API, as kiosks and clerks' terminals use it."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = requests.Session()
        self.tokens: dict[int, str] = {}

    def post(
        self, path: str, body: dict[str, Any] | None = None, counter: int | None = None
    ) -> Any:
        headers = {}
        if counter is not None:
            if counter not in self.tokens:
                self.tokens[counter] = self.post(
                    "/auth/token", {"username": f"petugas{counter:02d}", "password": PASSWORD}
                )["token"]
            headers["Authorization"] = f"Bearer {self.tokens[counter]}"
        response = self.http.post(
            f"{self.base}/api/v1{path}", json=body or {}, headers=headers, timeout=10
        )
        assert response.status_code < 300, f"POST {path}: {response.status_code} {response.text}"
        return response.json()

    def issue(self, service: str) -> dict[str, Any]:
        return dict(self.post("/tickets", {"service": service}))

    def call(self, counter: int) -> dict[str, Any]:
        return dict(self.post(f"/counters/{counter}/call-next", counter=counter))

    def finish(self, ticket: dict[str, Any], counter: int) -> None:
        self.post(f"/tickets/{ticket['id']}/finish", counter=counter)

    def board(self, **query: Any) -> dict[str, Any]:
        response = self.http.get(f"{self.base}/api/v1/board", params=query, timeout=10)
        assert response.status_code == 200
        return dict(response.json())

    def zones(self) -> dict[str, int]:
        """Zone name → id."""
        response = self.http.get(f"{self.base}/api/v1/zones", timeout=10)
        assert response.status_code == 200
        return {z["name"]: z["id"] for z in response.json()}


#: The counters that call in `busy_morning` (the demo's counters 1–4 serve A, 5–8 serve B).
CALLING = list(range(1, 9))


def busy_morning(hall: HallApi, calls: int = 20) -> None:
    """Fill a hall capped at 30: 24 tickets for A and B, then two for each of the other 14
    services (most wait outside); counters 1–8 call `calls` times, finishing each ticket
    before their next call, so that people outside are let in as room frees. The hall ends
    full, with people still outside and several of those let in not yet called."""
    for _ in range(12):
        hall.issue("A")
        hall.issue("B")
    for code in "CDEFGHJKLMNPQR":
        hall.issue(code)
        hall.issue(code)
    for counter in CALLING:
        hall.post(f"/counters/{counter}/open", counter=counter)
    current: dict[int, dict[str, Any]] = {}
    made = 0
    while made < calls:
        for counter in CALLING:
            if made == calls:
                break
            if counter in current:
                hall.finish(current.pop(counter), counter)
            current[counter] = hall.call(counter)
            made += 1
