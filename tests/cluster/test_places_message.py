"""With Redis, the places of a change travel as one message: each process works out the new
places of the phones connected to it from its own snapshot and tells them itself, so a hall
with thousands of phones does not put one Redis message per phone on the wire."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
import redis
import requests

from deploy.cluster import Cluster

from .halls import build_halls
from .outside import RedisServer
from .sockets import NEWS_S, Screen

pytestmark = [pytest.mark.postgres, pytest.mark.cluster]


class Wire:
    """Every message published on the Socket.IO channel while it listens."""

    def __init__(self, url: str) -> None:
        self.pubsub = redis.Redis.from_url(url).pubsub(ignore_subscribe_messages=True)
        self.pubsub.subscribe("flask-socketio")
        self.messages: list[dict[str, Any]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            message = self.pubsub.get_message(timeout=0.1)
            if message and message.get("type") == "message":
                data = json.loads(message["data"])
                batch = data.get("messages") if data.get("method") == "loket-batch" else None
                self.messages.extend(batch if batch is not None else [data])

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.pubsub.close()


def test_places_reach_phones_on_every_process_without_a_message_each(
    cluster: Cluster, cluster_database_url: str, redis_server: RedisServer
) -> None:
    hall = build_halls(cluster_database_url, 1, services="A", counters=1, name="places")[0]
    counter_id = hall.counters[0]
    staff = hall.staff[counter_id]
    backends = cluster.backends
    tokens = []
    for _ in range(3 * len(backends)):
        issued = requests.post(
            f"{cluster.url}/api/v1/tickets?site={hall.site_id}", json={"service": "A"}, timeout=10
        )
        assert issued.status_code == 201
        tokens.append(issued.json()["token"])
    opened = requests.post(
        f"{backends[0]}/api/v1/counters/{counter_id}/open", headers=staff, timeout=10
    )
    assert opened.status_code == 200
    # Every ticket but the first followed by a phone, spread over the processes.
    phones = [
        Screen(backends[n % len(backends)], f"ticket={token}").connect()
        for n, token in enumerate(tokens[1:])
    ]
    wire = Wire(redis_server.url)
    try:
        time.sleep(0.3)  # the subscription is in place
        started = time.perf_counter()
        called = requests.post(
            f"{backends[0]}/api/v1/counters/{counter_id}/call-next", headers=staff, timeout=10
        )
        assert called.status_code == 200, called.text
        seq = called.json()["seq"]
        for place, phone in enumerate(phones):
            heard = phone.wait_for(
                lambda phone=phone: [
                    data for _, data in phone.news("position", after=started) if data["seq"] >= seq
                ],
                NEWS_S,
                "the new place",
            )
            # The first ticket was called: everyone moved up by one.
            assert heard[-1]["position"] == place, (place, heard)
        time.sleep(0.5)  # anything else of this change is on the wire by now
    finally:
        wire.close()
        for phone in phones:
            phone.close()
    emitted = [m for m in wire.messages if m.get("method") == "emit"]
    assert not [m for m in emitted if m.get("event") == "position"], "a place went through Redis"
    places = [m for m in wire.messages if m.get("method") == "loket-places"]
    assert len(places) == 1 and places[0]["seq"] >= seq, wire.messages
