"""The booking rush at scale (issue 16): PostgreSQL, 2 gunicorn processes behind nginx.
2,000 booking attempts from 200 concurrent clients (from many addresses, so nginx's ip_hash
sends them to both processes), with repeated holder ids, against 500 places in 12 sessions give
exactly 500 bookings, no session over its places, every per-person limit held (one booking of
a service a day, 2 a week), and no 5xx. Availability polled meanwhile never shows more places
than there are, and once the rush is over both processes show every session full within the
read model's bound (tests/integration/booking_rush.py holds the plan and the checks)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy.cluster import Cluster

from ..integration.booking_rush import (
    assert_rush,
    availability_left,
    build_rush_hall,
    plan,
    rush,
)
from .conftest import cluster_of
from .halls import client_from
from .outside import RedisServer

pytestmark = [pytest.mark.postgres, pytest.mark.cluster, pytest.mark.timeout(300)]

ATTEMPTS = 2000
CLIENTS = 200
PLACES = 500
PROCESSES = 2


@pytest.fixture(scope="module")
def two_processes(
    cluster_database_url: str, redis_server: RedisServer, workdir: Path
) -> Iterator[Cluster]:
    with cluster_of(cluster_database_url, redis_server, workdir / "rush", PROCESSES) as cluster:
        yield cluster


def test_2000_attempts_from_200_clients_book_exactly_the_500_places(
    two_processes: Cluster, cluster_database_url: str
) -> None:
    cluster = two_processes
    hall = build_rush_hall(cluster_database_url, PLACES)
    reads: list[dict[int, int]] = []
    stop = threading.Event()

    def poll(n: int) -> None:
        with client_from(200 + n) as http:
            while not stop.is_set():
                for code in "ABC":
                    reads.append(availability_left(http, cluster.url, hall, code))
                time.sleep(0.05)

    pollers = [threading.Thread(target=poll, args=(n,)) for n in range(4)]
    for thread in pollers:
        thread.start()
    try:
        began = time.monotonic()
        outcomes = rush(cluster.url, hall, plan(hall, ATTEMPTS), CLIENTS, client_from)
        seconds = time.monotonic() - began
    finally:
        stop.set()
        for thread in pollers:
            thread.join(30)

    assert_rush(cluster_database_url, hall, outcomes, ATTEMPTS)
    print(f"\n{ATTEMPTS} attempts in {seconds:.1f} s: {dict(outcomes.answers)}")
    assert reads, "availability was never read during the rush"
    for seen in reads:
        assert all(0 <= left <= hall.places[i] for i, left in seen.items()), seen

    # Both processes show every session full once the bound has passed.
    served: set[int | None] = set()
    deadline = time.monotonic() + 10
    n = 0
    while served != set(range(PROCESSES)) and time.monotonic() < deadline:
        n += 1
        with client_from(n) as http:
            response = http.get(
                f"{cluster.url}/api/v1/booking/availability",
                params={"service": "C", "date": hall.day.isoformat(), "site": hall.site_id},
                timeout=30,
            )
        assert response.status_code == 200, response.text[:300]
        backend = cluster.backend_of(response.headers)
        lefts = [s["left"] for s in response.json()["sessions"]]
        if lefts == [0] * len(lefts):
            served.add(backend)
        else:
            time.sleep(0.2)  # a process's entry may be up to the bound old
    assert served == set(range(PROCESSES)), f"full on processes {served} only"
