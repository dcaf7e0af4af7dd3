"""The booking rush on the embedded default (issue 16): SQLite, one gunicorn process (gevent).
300 attempts from 40 concurrent clients, with repeated holder ids, against 60 places in 12
sessions give exactly 60 bookings, no session over its places, every per-person limit held,
and no 5xx; availability read while they book never shows more places than there are, and
shows every session full once they are done (the shared cases: tests/integration/booking_rush.py,
on PostgreSQL behind nginx in tests/cluster/test_booking_rush.py)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
import requests

from .booking_rush import assert_rush, availability_left, build_rush_hall, plan, rush
from .live import ROOT, flask_command, gunicorn_server

pytestmark = [pytest.mark.live, pytest.mark.timeout(120)]

ATTEMPTS = 300
CLIENTS = 40
PLACES = 60


def test_300_attempts_from_40_clients_book_exactly_the_60_places(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'loket.db'}"
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    flask_command(env, "db", "upgrade")
    hall = build_rush_hall(database_url, PLACES)
    with gunicorn_server(
        database_url, {"WORKER_CONNECTIONS": "1000"}, tmp_path / "gunicorn.log", prepared=True
    ) as base:
        reads: list[dict[int, int]] = []
        stop = threading.Event()

        def read() -> None:
            with requests.Session() as http:
                while not stop.is_set():
                    for code in "ABC":
                        reads.append(availability_left(http, base, hall, code))

        reader = threading.Thread(target=read)
        reader.start()
        try:
            outcomes = rush(base, hall, plan(hall, ATTEMPTS), CLIENTS)
        finally:
            stop.set()
            reader.join(30)
        with requests.Session() as http:
            after = {
                session_id: left
                for code in "ABC"
                for session_id, left in availability_left(http, base, hall, code).items()
            }
    assert_rush(database_url, hall, outcomes, ATTEMPTS)
    assert reads, "availability was never read during the rush"
    for seen in reads:
        assert all(0 <= left <= hall.places[i] for i, left in seen.items()), seen
    assert after == dict.fromkeys(hall.places, 0)
