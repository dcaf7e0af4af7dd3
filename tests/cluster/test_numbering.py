"""Numbering and calling stay correct across processes: 64 kiosks (from 64 addresses, spread by
nginx's ip_hash over 4 processes) issue 5,000 tickets at once, then 20 counters on the 4
processes call the tickets of one hall at once."""

from __future__ import annotations

import threading
import time
from collections import Counter as Tally
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from deploy.cluster import Cluster

from .halls import (
    Outcomes,
    TestHall,
    assert_numbering,
    build_halls,
    client_from,
    events_of,
    tickets_of,
)

# Issuing 5,000 tickets takes minutes on 2 busy cores (it is the server's work, not the test's).
pytestmark = [pytest.mark.postgres, pytest.mark.cluster, pytest.mark.timeout(900)]

TICKETS = 5000
CLIENTS = 64
SERVICES = "ABCDE"
#: The hall the counters then serve: 100 tickets (20 per service) for its 20 counters.
CALLED = 100
#: Malls of a city that only issue: 4,900 tickets, 245 each (49 per service).
SITES = 20
COUNTERS = 20


@dataclass
class Issued:
    halls: list[TestHall]
    outcomes: Outcomes  # statuses; items: (site_id, response json, process index)
    seconds: float


@pytest.fixture(scope="module")
def issued(shared_cluster: Cluster, cluster_database_url: str) -> Issued:
    """5,000 tickets issued by 64 concurrent clients through nginx. The first hall has 20
    counters (closed) for the calling test."""
    cluster = shared_cluster
    halls = build_halls(
        cluster_database_url, 1, services=SERVICES, counters=COUNTERS, name="calls"
    ) + build_halls(cluster_database_url, SITES, services=SERVICES, name="numbers")
    share = [CALLED] + [(TICKETS - CALLED) // SITES] * SITES
    assert sum(share) == TICKETS
    # Each hall's tickets spread evenly over the run (and its services in turn), so every
    # hall has several requests in flight at once, on several processes.
    plan = sorted(
        (
            (k / share[h], h, SERVICES[k % len(SERVICES)])
            for h in range(len(halls))
            for k in range(share[h])
        ),
    )
    tasks = iter([(halls[h], code) for _, h, code in plan])
    take = threading.Lock()
    outcomes = Outcomes()

    def kiosk(n: int) -> None:
        with client_from(n) as http:
            issue_from(http)

    def issue_from(http: requests.Session) -> None:
        while True:
            with take:
                task = next(tasks, None)
            if task is None:
                return
            hall, code = task
            try:
                response = http.post(
                    f"{cluster.url}/api/v1/tickets?site={hall.site_id}",
                    json={"service": code, "channel": "kiosk"},
                    timeout=60,
                )
            except Exception as exc:  # counted: the test fails on anything but 201
                outcomes.add(type(exc).__name__)
                continue
            body = response.json() if response.status_code == 201 else None
            outcomes.add(
                response.status_code,
                (hall.site_id, body, cluster.backend_of(response.headers)) if body else None,
            )

    started = time.perf_counter()
    threads = [threading.Thread(target=kiosk, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Issued(halls, outcomes, time.perf_counter() - started)


def test_5000_tickets_from_64_clients_on_4_processes_are_numbered_without_gaps(
    issued: Issued, cluster_database_url: str
) -> None:
    assert dict(issued.outcomes.statuses) == {201: TICKETS}, issued.outcomes.statuses
    by_process = Tally(process for _, _, process in issued.outcomes.items)
    assert set(by_process) == {0, 1, 2, 3}, f"nginx used only {by_process}"

    site_ids = [hall.site_id for hall in issued.halls]
    stored = tickets_of(cluster_database_url, site_ids)
    assert len(stored) == TICKETS
    per_service = assert_numbering(stored)
    assert len(per_service) == len(issued.halls) * len(SERVICES)
    assert sum(per_service.values()) == TICKETS
    # What each client was told is what the database holds.
    numbers = {t["id"]: (t["service_id"], t["number"]) for t in stored}
    for _, body, _ in issued.outcomes.items:
        assert numbers[body["id"]] == (body["service"]["id"], body["number"])
    print(
        f"\n{TICKETS} tickets in {issued.seconds:.1f} s "
        f"({TICKETS / issued.seconds:.0f}/s); per process {dict(sorted(by_process.items()))}"
    )


def test_20_counters_on_4_processes_call_every_ticket_exactly_once(
    issued: Issued, shared_cluster: Cluster, cluster_database_url: str
) -> None:
    cluster = shared_cluster
    hall = issued.halls[0]
    mine = sorted(body["id"] for site, body, _ in issued.outcomes.items if site == hall.site_id)
    assert len(mine) == CALLED
    called = Outcomes()
    failures = Outcomes()
    ready = threading.Barrier(COUNTERS)

    def counter(index: int, counter_id: int) -> None:
        with client_from(100 + index) as http:
            serve(index, counter_id, http)

    def serve(index: int, counter_id: int, http: requests.Session) -> None:
        base = cluster.backends[index % len(cluster.backends)]  # counters spread over processes
        staff = hall.staff[counter_id]
        opened = http.post(f"{base}/api/v1/counters/{counter_id}/open", headers=staff, timeout=30)
        assert opened.status_code == 200, opened.text
        ready.wait()  # every counter calls from the same moment on
        while True:
            response = http.post(
                f"{base}/api/v1/counters/{counter_id}/call-next", headers=staff, timeout=60
            )
            if response.status_code == 204:
                return
            if response.status_code != 200:
                failures.add(response.status_code, response.text)
                return
            ticket = response.json()
            called.add(counter_id, ticket["id"])
            done = http.post(
                f"{base}/api/v1/tickets/{ticket['id']}/finish", headers=staff, timeout=60
            )
            if done.status_code != 200:
                failures.add(done.status_code, done.text)
                return

    started = time.perf_counter()
    threads = [
        threading.Thread(target=counter, args=(i, counter_id))
        for i, counter_id in enumerate(hall.counters)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started

    assert not failures.statuses, failures.items[:5]
    assert sorted(called.items) == mine  # every ticket called, none twice
    assert len([c for c, n in called.statuses.items() if n > 0]) == COUNTERS  # all took part
    calls: Tally[Any] = Tally(
        e["ticket_id"]
        for e in events_of(cluster_database_url, hall.site_id)
        if e["action"] == "call"
    )
    assert set(calls) == set(mine) and set(calls.values()) == {1}
    states = {t["state"] for t in tickets_of(cluster_database_url, [hall.site_id])}
    assert states == {"done"}
    print(f"\n{len(mine)} tickets called and finished by {COUNTERS} counters in {seconds:.1f} s")
