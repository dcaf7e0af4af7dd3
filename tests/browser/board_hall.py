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

from queue_app.models import Service, Site
from queue_app.services import mall

from ..integration.live import flask_command, gunicorn_server

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
    flask_command(env, "db", "upgrade")
    flask_command(env, "seed-demo")
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
    # gunicorn_server migrates and seeds again: both find the work done and leave it.
    with gunicorn_server(database_url, {"SITE_TIMEZONE": timezone} if timezone else None) as base:
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

    def board(self) -> dict[str, Any]:
        response = self.http.get(f"{self.base}/api/v1/board", timeout=10)
        assert response.status_code == 200
        return dict(response.json())


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
