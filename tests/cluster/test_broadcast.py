"""A call handled by one process reaches lobby boards connected (websocket transport) to every
other process — through Redis — in under a second."""

from __future__ import annotations

import time

import pytest
import requests

from deploy.cluster import Cluster

from .halls import build_halls
from .sockets import NEWS_S, Screen

pytestmark = [pytest.mark.postgres, pytest.mark.cluster]


def test_a_call_on_one_process_reaches_boards_on_every_other_process(
    cluster: Cluster, cluster_database_url: str
) -> None:
    hall = build_halls(cluster_database_url, 1, services="A", counters=1, name="broadcast")[0]
    counter_id = hall.counters[0]
    staff = hall.staff[counter_id]
    backends = cluster.backends
    for _ in backends:
        issued = requests.post(
            f"{cluster.url}/api/v1/tickets?site={hall.site_id}", json={"service": "A"}, timeout=10
        )
        assert issued.status_code == 201
    opened = requests.post(
        f"{backends[0]}/api/v1/counters/{counter_id}/open", headers=staff, timeout=10
    )
    assert opened.status_code == 200

    # One board on each process, and one through nginx (on whichever process ip_hash picks).
    boards = [Screen(base, f"board={hall.site_id}").connect() for base in backends]
    boards.append(Screen(cluster.url, f"board={hall.site_id}").connect())
    try:
        delays: dict[str, float] = {}
        for caller, base in enumerate(backends):
            started = time.perf_counter()
            called = requests.post(
                f"{base}/api/v1/counters/{counter_id}/call-next", headers=staff, timeout=10
            )
            assert called.status_code == 200, called.text
            code = called.json()["code"]
            for index, board in enumerate(boards):
                news = board.wait_for(
                    lambda board=board, code=code, started=started: [
                        at
                        for at, data in board.news("ticket", after=started)
                        if data["action"] == "call" and data["ticket"]["code"] == code
                    ],
                    NEWS_S,
                    f"call of {code}",
                )
                delays[f"process {caller} → board {index}"] = news[0] - started
            finished = requests.post(
                f"{base}/api/v1/tickets/{called.json()['id']}/finish", headers=staff, timeout=10
            )
            assert finished.status_code == 200
        slowest = max(delays.values())
        print(f"\ncall → board across processes: slowest {slowest * 1000:.0f} ms")
    finally:
        for board in boards:
            board.close()
