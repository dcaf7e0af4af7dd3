"""Socket.IO clients on the websocket transport that behave like Loket's screens
(static/js/live.js): they reconnect by themselves, take the snapshot every connect brings, and
ask for a fresh one (`resync`) when a gap in `seq` is not filled within 1.5 s."""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Any

import socketio

GAP_WAIT_S = 1.5
#: How long a test waits for news it expects before it calls it lost: a liveness deadline, not a
#: speed target (how fast news crosses processes is measured in bench/, docs/benchmarks.md).
NEWS_S = 30.0


class Screen:
    """A board (`board=<site>`) or phone (`ticket=<token>`) connection, timestamping what it
    hears."""

    def __init__(self, base: str, query: str, *, sequenced: bool = True) -> None:
        self.base, self.query, self.sequenced = base, query, sequenced
        self.lock = threading.Lock()
        self.heard: list[tuple[float, str, dict[str, Any]]] = []
        self.disconnects: list[float] = []
        self.last_seq = -1
        self.changed = threading.Condition(self.lock)
        self._gap_timer: threading.Timer | None = None
        self._closing = False
        self.client = socketio.Client(
            reconnection=True,
            reconnection_delay=0.2,
            reconnection_delay_max=1.0,
            randomization_factor=0.2,
        )
        for name in ("snapshot", "ticket", "counter", "queue", "position"):
            self.client.on(name, self._handler(name))
        self.client.on("disconnect", self._on_disconnect)

    def connect(self) -> Screen:
        self.client.connect(f"{self.base}?{self.query}", transports=["websocket"], wait_timeout=10)
        assert self.client.transport() == "websocket"
        self.wait_for(lambda: self.snapshots(), NEWS_S, "a snapshot on connect")
        return self

    def close(self) -> None:
        self._closing = True
        if self._gap_timer is not None:
            self._gap_timer.cancel()
        self.client.disconnect()

    # -- what it heard -------------------------------------------------------------------------

    def snapshots(self, after: float = 0.0) -> list[tuple[float, dict[str, Any]]]:
        with self.lock:
            return [
                (at, data) for at, name, data in self.heard if name == "snapshot" and at > after
            ]

    def news(self, name: str = "ticket", after: float = 0.0) -> list[tuple[float, dict[str, Any]]]:
        with self.lock:
            return [(at, data) for at, n, data in self.heard if n == name and at > after]

    def wait_for(self, condition: Any, timeout: float, what: str) -> Any:
        """Until `condition()` is truthy (checked again on every message); its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = condition()
            if value:
                return value
            left = deadline - time.monotonic()
            assert left > 0, f"{self.query}: no {what} within {timeout} s"
            with self.changed:
                self.changed.wait(min(left, 0.05))

    # -- handlers ------------------------------------------------------------------------------

    def _handler(self, name: str) -> Any:
        def handle(data: dict[str, Any]) -> None:
            now = time.perf_counter()
            with self.changed:
                self.heard.append((now, name, data))
                if name == "snapshot":
                    seq = data.get("data", {}).get("seq")
                    if isinstance(seq, int):
                        self.last_seq = seq
                elif name in ("ticket", "counter") and self.sequenced:
                    self._admit(data.get("seq"))
                self.changed.notify_all()

        return handle

    def _admit(self, seq: Any) -> None:
        if not isinstance(seq, int) or seq <= self.last_seq:
            return
        if self.last_seq >= 0 and seq > self.last_seq + 1 and self._gap_timer is None:
            self._gap_timer = threading.Timer(GAP_WAIT_S, self._resync)
            self._gap_timer.daemon = True
            self._gap_timer.start()
        self.last_seq = seq

    def _resync(self) -> None:
        self._gap_timer = None
        if self.client.connected:
            with contextlib.suppress(socketio.exceptions.BadNamespaceError):
                self.client.emit("resync")

    def _on_disconnect(self, *_args: Any) -> None:
        if not self._closing:
            # The server dropped us. python-engineio's client leaves that websocket's socket
            # open (a ResourceWarning later); close it before the client reconnects.
            ws = getattr(self.client.eio, "ws", None)
            if ws is not None:
                with contextlib.suppress(Exception):
                    ws.shutdown()
        with self.changed:
            self.disconnects.append(time.perf_counter())
            self.changed.notify_all()
