"""Live: python-socketio clients on the websocket transport against gunicorn's gevent worker
see a call made over HTTP in well under a second — the board, the counter, and the phone."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio

from .live import ROOT, flask_command, gunicorn_server

pytestmark = pytest.mark.live


class Listener:
    """A Socket.IO client on the websocket transport that timestamps what it hears."""

    def __init__(self, base: str, query: str, headers: dict[str, str] | None = None) -> None:
        self.heard: list[tuple[float, str, dict[str, Any]]] = []
        self.snapshot = threading.Event()
        self.got: dict[str, threading.Event] = {}
        self.client = socketio.Client(reconnection=False)
        for name in ("ticket", "queue", "position", "counter", "snapshot"):
            self.client.on(name, self._handler(name))
        self.client.connect(
            f"{base}?{query}", transports=["websocket"], headers=headers or {}, wait_timeout=10
        )
        assert self.client.transport() == "websocket"
        assert self.snapshot.wait(30), "no snapshot on connect"

    def _handler(self, name: str) -> Any:
        def handle(data: dict[str, Any]) -> None:
            self.heard.append((time.perf_counter(), name, data))
            if name == "snapshot":
                self.snapshot.set()
            self.got.setdefault(name, threading.Event()).set()

        return handle

    def wait_for(self, name: str, timeout: float) -> float:
        event = self.got.setdefault(name, threading.Event())
        assert event.wait(timeout), f"no {name!r} within {timeout} s"
        return next(at for at, n, _ in self.heard if n == name)

    def close(self) -> None:
        self.client.disconnect()


def test_a_call_reaches_every_websocket_client_with_its_announcement(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'live.db'}"
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    with gunicorn_server(database_url) as base:
        token = flask_command(env, "create-token", "petugas01").strip()
        staff = {"Authorization": f"Bearer {token}"}
        ticket = requests.post(f"{base}/api/v1/tickets", json={"service": "A"}, timeout=10).json()
        assert requests.post(f"{base}/api/v1/counters/1/open", headers=staff, timeout=10).ok

        boards = [Listener(base, "board=1") for _ in range(3)]
        phone = Listener(base, f"ticket={ticket['token']}")
        try:
            for listener in [*boards, phone]:
                listener.heard.clear()
                listener.got.clear()
            started = time.perf_counter()
            called = requests.post(f"{base}/api/v1/counters/1/call-next", headers=staff, timeout=10)
            assert called.status_code == 200 and called.json()["code"] == "A-001"

            delays = [board.wait_for("ticket", 30) - started for board in boards]
            delays.append(phone.wait_for("ticket", 30) - started)
            print(f"\ncall -> websocket clients: slowest {max(delays) * 1000:.0f} ms")
            for board in boards:
                news = [d for _, n, d in board.heard if n == "ticket"]
                assert news[0]["ticket"]["code"] == "A-001"
                assert news[0]["ticket"]["counter_number"] == 1
                assert news[0]["announce"]["id"].endswith("silakan ke loket satu")
            mine = [d for _, n, d in phone.heard if n == "ticket"]
            assert mine[0]["ticket"]["state"] == "called"
            assert ticket["token"] not in repr(boards[0].heard)
        finally:
            for listener in [*boards, phone]:
                listener.close()
