"""A crash mid-delivery (issue 17): the server is killed with SIGKILL while the gateway holds a
message it has taken but not yet answered; after a restart every message arrives, and the one
sent twice carries the same id (at-least-once, de-duplicated by the receiver)."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import defaultdict
from pathlib import Path

import requests

from ..integration.live import gunicorn_server, kill_9
from .conftest import SECRET
from .receiver import Received, Reply, running_receiver, verify

MESSAGES = 8
#: The request the gateway is busy with when the server dies (it never hears the answer).
KILLED_AT = 4


def test_kill_9_mid_delivery_then_a_restart_delivers_every_message_once_by_id(
    tmp_path: Path,
) -> None:
    database = tmp_path / "crash.db"
    url = f"sqlite:///{database}"
    with running_receiver() as receiver:
        env = {
            "NOTIFY_ENABLED": "true",
            "NOTIFY_WEBHOOK_URL": receiver.url,
            "NOTIFY_WEBHOOK_SECRET": SECRET,
            "NOTIFY_TIMEOUT_S": "3",
            # The dead process's lease lapses this soon, so the restart takes over quickly.
            "NOTIFY_LEASE_S": "2",
        }
        receiver.default = Reply(200, delay_s=0.05)
        killed = threading.Event()
        with gunicorn_server(url, extra_env=env) as base:

            def crash_on(got: Received) -> None:
                # The gateway has the message; the server dies before it hears the 200.
                if len(receiver.received) == KILLED_AT and not killed.is_set():
                    kill_9(base)
                    killed.set()

            receiver.on_request = crash_on
            for n in range(MESSAGES):
                response = requests.post(
                    f"{base}/api/v1/tickets",
                    json={"service": "A", "phone": f"0812-0000-{n:04d}"},
                    timeout=10,
                )
                assert response.status_code == 201, response.text
            assert killed.wait(30), "the server never delivered the first messages"
        receiver.on_request = None
        assert len(receiver.received) == KILLED_AT

        # The restart: its first request starts the delivery loop, which takes the lapsed lease.
        with gunicorn_server(url, extra_env=env, prepared=True):
            deadline = time.monotonic() + 60
            while len({r.body["id"] for r in receiver.received}) < MESSAGES:
                assert time.monotonic() < deadline, f"{len(receiver.received)} received"
                time.sleep(0.1)
            while time.monotonic() < deadline and _states(database) != {"sent": MESSAGES}:
                time.sleep(0.1)

    assert _states(database) == {"sent": MESSAGES}
    by_id: dict[str, list[Received]] = defaultdict(list)
    for got in receiver.received:
        by_id[got.body["id"]].append(got)
        assert verify(SECRET, got.headers["x-loket-signature"], got.raw, time.time())
        assert got.headers["idempotency-key"] == got.body["id"]
    assert set(by_id) == _ids(database)
    # Exactly the message the gateway held at the crash came twice, the same message both times.
    twice = {i: copies for i, copies in by_id.items() if len(copies) > 1}
    assert len(twice) == 1
    ((first, again),) = twice.values()
    assert first.body == again.body
    assert first.body == receiver.received[KILLED_AT - 1].body
    # Each holder's numbers got their own message, once each apart from that one.
    assert sorted(r.body["to"] for r in receiver.received if r is not again) == sorted(
        f"+628120000{n:04d}" for n in range(MESSAGES)
    )


def _states(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as connection:
        return dict(connection.execute("SELECT state, count(*) FROM notifications GROUP BY state"))


def _ids(database: Path) -> set[str]:
    with sqlite3.connect(database) as connection:
        return {row[0] for row in connection.execute("SELECT id FROM notifications")}
