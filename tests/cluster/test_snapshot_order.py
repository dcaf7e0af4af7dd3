"""Each process keeps its own hall snapshot (realtime/snapshots.py); a client is never sent one
older than what it already had, whichever process it reconnects to, while kiosks and counters
change the hall through both processes at once (PostgreSQL and Redis, behind nginx)."""

from __future__ import annotations

import threading

import pytest
import requests

from deploy.cluster import Cluster

from .halls import build_halls
from .sockets import Screen

pytestmark = [pytest.mark.postgres, pytest.mark.cluster]

CHANGES = 40  # per worker thread below
RECONNECTS = 24


def seen_seq(screen: Screen) -> int:
    """The newest `seq` any message told this screen."""
    newest = -1
    for _, data in screen.snapshots():
        newest = max(newest, int(data["data"]["seq"]))
    for name in ("ticket", "counter", "queue", "position"):
        for _, data in screen.news(name):
            if isinstance(data.get("seq"), int):
                newest = max(newest, data["seq"])
    return newest


def test_a_reconnecting_client_never_gets_an_older_snapshot(
    cluster: Cluster, cluster_database_url: str
) -> None:
    hall = build_halls(cluster_database_url, 1, services="A", counters=2, name="order")[0]
    backends = cluster.backends[:2]
    site = f"?site={hall.site_id}"
    for index, counter_id in enumerate(hall.counters):
        opened = requests.post(
            f"{backends[index % 2]}/api/v1/counters/{counter_id}/open",
            headers=hall.staff[counter_id],
            timeout=10,
        )
        assert opened.status_code == 200
    stop = threading.Event()
    problems: list[str] = []

    def kiosk(n: int) -> None:
        with requests.Session() as http:
            issue_from(n, http)

    def issue_from(n: int, http: requests.Session) -> None:
        for i in range(CHANGES):
            if stop.is_set():
                return
            base = backends[(n + i) % 2]
            r = http.post(f"{base}/api/v1/tickets{site}", json={"service": "A"}, timeout=30)
            if r.status_code != 201:
                problems.append(f"issue {r.status_code}")

    def counter(n: int, counter_id: int) -> None:
        with requests.Session() as http:
            serve_from(n, counter_id, http)

    def serve_from(n: int, counter_id: int, http: requests.Session) -> None:
        staff = hall.staff[counter_id]
        for i in range(CHANGES):
            if stop.is_set():
                return
            base = backends[(n + i) % 2]
            called = http.post(
                f"{base}/api/v1/counters/{counter_id}/call-next", headers=staff, timeout=30
            )
            if called.status_code == 200:
                done = http.post(
                    f"{backends[(n + i + 1) % 2]}/api/v1/tickets/{called.json()['id']}/finish",
                    headers=staff,
                    timeout=30,
                )
                if done.status_code != 200:
                    problems.append(f"finish {done.status_code}")
            elif called.status_code != 204:
                problems.append(f"call {called.status_code}")

    workers = [threading.Thread(target=kiosk, args=(n,), daemon=True) for n in range(3)]
    workers += [
        threading.Thread(target=counter, args=(n, c), daemon=True)
        for n, c in enumerate(hall.counters)
    ]
    for worker in workers:
        worker.start()

    went_back: list[tuple[int, int]] = []
    screen: Screen | None = None
    snapshots: list[int] = []
    try:
        screen = Screen(backends[0], f"board={hall.site_id}").connect()
        for attempt in range(RECONNECTS):
            # Let news arrive, then move to the other process as a screen behind nginx would
            # after its process went away.
            busy = any(worker.is_alive() for worker in workers)
            screen.wait_for(lambda s=screen, b=busy: s.news("queue") or not b, 30, "news")
            had = seen_seq(screen)
            screen.close()
            screen = Screen(backends[(attempt + 1) % 2], f"board={hall.site_id}").connect()
            got = int(screen.snapshots()[0][1]["data"]["seq"])
            snapshots.append(got)
            if got < had:
                went_back.append((had, got))
    finally:
        stop.set()
        for worker in workers:
            worker.join(60)
        if screen is not None:
            screen.close()

    assert problems == [], problems[:5]
    assert went_back == [], went_back
    assert len(snapshots) == RECONNECTS
    assert snapshots == sorted(snapshots), snapshots  # and each one newer or as new
    assert snapshots[-1] > snapshots[0], "the hall did not change meanwhile"
