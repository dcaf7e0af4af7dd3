"""Live, on the embedded default (gunicorn's gevent worker, SQLite, rate limits on): the freeze
of issue 12 reproduced. A few hundred anonymous board and phone sockets connect in bursts while a
clerk issues, calls and finishes or marks no-shows; before the read model, a connect's
BEGIN IMMEDIATE waited inside SQLite for the clerk's write lock, the whole worker hung and
gunicorn killed it (WORKER TIMEOUT). Also the socket limits an outsider meets on a real server:
the Origin check, the payload limit and a malformed packet."""

from __future__ import annotations

import json
import os
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
import websocket

from .live import ROOT, flask_command, gunicorn_server

pytestmark = pytest.mark.live

CONNECTS = 320
BURST = 40
#: A clerk's request that gets no answer in this long counts as lost (the freeze took 30 s).
ANSWER_S = 10


class Polling:
    """A Socket.IO client on Engine.IO's polling transport, spoken by hand (cheap enough to
    open hundreds from one test)."""

    def __init__(self, base: str, query: str, headers: dict[str, str] | None = None) -> None:
        self.base = base
        self.http = requests.Session()
        self.http.headers.update(headers or {})
        self.query = query
        self.sid: str | None = None

    def url(self, extra: str = "") -> str:
        sid = f"&sid={self.sid}" if self.sid else ""
        return f"{self.base}/socket.io/?EIO=4&transport=polling&{self.query}{sid}{extra}"

    def open(self) -> requests.Response:
        response = self.http.get(self.url(f"&t={uuid.uuid4().hex[:6]}"), timeout=ANSWER_S)
        if response.status_code == 200:
            self.sid = json.loads(response.text[1:])["sid"]
        return response

    def send(self, packet: str) -> requests.Response:
        return self.http.post(self.url(), data=packet.encode(), timeout=ANSWER_S)

    def receive(self) -> list[str]:
        response = self.http.get(self.url(), timeout=ANSWER_S)
        assert response.status_code == 200, response.text
        return response.text.split("\x1e")

    def connect(self) -> dict[str, Any]:
        """Open, join the namespace, and return the snapshot the server sends."""
        assert self.open().status_code == 200
        assert self.send("40").status_code == 200
        for _ in range(5):
            for packet in self.receive():
                if packet.startswith("42"):
                    name, data = json.loads(packet[2:])
                    if name == "snapshot":
                        return dict(data)
                if packet.startswith("44"):
                    raise AssertionError(f"connect refused: {packet}")
        raise AssertionError("no snapshot")

    def close(self) -> None:
        if self.sid:
            try:
                self.send("41")
                self.send("1")
            except requests.RequestException:
                pass
        self.http.close()


def env_for(database_url: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}


def test_a_crowd_of_screens_never_freezes_the_clerk_or_the_worker(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'outage.db'}"
    log = tmp_path / "gunicorn.log"
    limits = {
        # The limiter stays on (the freeze needed it), with room for this test's clerk.
        "RATELIMIT_ENABLED": "true",
        "ISSUE_RATE_LIMIT_PER_IP": "10000 per minute",
        "ISSUE_RATE_LIMIT_PER_DEVICE": "10000 per minute",
    }
    with gunicorn_server(database_url, limits, log_path=log) as base:
        token = flask_command(env_for(database_url), "create-token", "petugas01").strip()
        staff = {"Authorization": f"Bearer {token}"}
        assert requests.post(f"{base}/api/v1/counters/1/open", headers=staff, timeout=10).ok
        phone = requests.post(f"{base}/api/v1/tickets", json={"service": "A"}, timeout=10)
        phone_token = phone.json()["token"]

        stop = threading.Event()
        answered: list[int] = []
        lost: list[str] = []

        def clerk() -> None:
            clerk_http = requests.Session()
            step = 0
            while not stop.is_set():
                try:
                    # Issued by the clerk for someone at the desk: signed in, so the rate
                    # limiter's key reads the account (a database read) before it counts.
                    issued = clerk_http.post(
                        f"{base}/api/v1/tickets",
                        json={"service": "A"},
                        headers=staff,
                        timeout=ANSWER_S,
                    )
                    answered.append(issued.status_code)
                    called = clerk_http.post(
                        f"{base}/api/v1/counters/1/call-next", headers=staff, timeout=ANSWER_S
                    )
                    answered.append(called.status_code)
                    if called.status_code == 200:
                        verb = "finish" if step % 2 else "no-show"
                        ended = clerk_http.post(
                            f"{base}/api/v1/tickets/{called.json()['id']}/{verb}",
                            headers=staff,
                            timeout=ANSWER_S,
                        )
                        answered.append(ended.status_code)
                except requests.RequestException as exc:
                    lost.append(type(exc).__name__)
                step += 1
                stop.wait(0.3)
            clerk_http.close()

        snapshots: list[dict[str, Any]] = []
        failures: list[str] = []

        def screen(n: int) -> None:
            query = "board=1" if n % 2 else f"ticket={phone_token}"
            client = Polling(base, query)
            try:
                snapshots.append(client.connect())
            except (AssertionError, requests.RequestException) as exc:
                failures.append(f"{type(exc).__name__}: {exc}")
            finally:
                client.close()

        worker = threading.Thread(target=clerk, daemon=True)
        worker.start()
        try:
            for start in range(0, CONNECTS, BURST):
                burst = [
                    threading.Thread(target=screen, args=(n,), daemon=True)
                    for n in range(start, start + BURST)
                ]
                for thread in burst:
                    thread.start()
                for thread in burst:
                    thread.join(60)
        finally:
            stop.set()
            worker.join(30)
        written = log.read_text(encoding="utf-8")

    assert "WORKER TIMEOUT" not in written, written[-3000:]
    assert "Booting worker" in written and written.count("Booting worker") == 1
    assert failures == [], failures[:5]
    assert len(snapshots) == CONNECTS
    assert {s["kind"] for s in snapshots} == {"board", "ticket"}
    assert lost == [], lost
    assert answered and set(answered) <= {200, 201, 204}, sorted(set(answered))
    assert len(answered) > 10


def test_origin_payload_and_malformed_packets_on_a_real_server(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'limits.db'}"
    log = tmp_path / "gunicorn.log"
    extra = {"SOCKET_ALLOWED_ORIGINS": "https://kiosk.example.id", "SOCKET_MAX_PAYLOAD": "4096"}
    with gunicorn_server(database_url, extra, log_path=log) as base:
        # Origin: a page of another site may not open a socket; this site's own and the
        # configured ones may; a client without Origin (not a browser) is not asked.
        def handshake(headers: dict[str, str] | None = None) -> requests.Response:
            client = Polling(base, "board=1", headers)
            try:
                return client.open()
            finally:
                client.close()

        evil = handshake({"Origin": "https://evil.example"})
        assert evil.status_code == 400 and "origin" in evil.text.lower()
        for origin in (base, "https://kiosk.example.id"):
            assert handshake({"Origin": origin}).status_code == 200
        assert handshake().status_code == 200

        # A message larger than SOCKET_MAX_PAYLOAD ends that socket, and the server goes on.
        ws = websocket.create_connection(
            base.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket&board=1",
            timeout=10,
        )
        try:
            assert ws.recv().startswith("0")  # Engine.IO open
            ws.send("40")
            heard = [ws.recv() for _ in range(2)]
            assert any(m.startswith('42["snapshot"') for m in heard), heard
            ws.send("42" + json.dumps(["resync", "x" * 20000]))
            with pytest.raises((websocket.WebSocketConnectionClosedException, ConnectionError)):
                for _ in range(10):  # anything queued before the close, then the close
                    if not ws.recv():
                        raise websocket.WebSocketConnectionClosedException("closed")
        finally:
            ws.close(timeout=1)
            ws.shutdown()  # close() leaves the socket open when the server closed first

        # A malformed packet: one line in the log, no traceback, and the server goes on.
        bad = Polling(base, "board=1")
        assert bad.connect()["kind"] == "board"
        bad.send('42["resync", {unclosed')
        bad.close()
        after = Polling(base, "board=1")
        assert after.connect()["kind"] == "board"
        after.close()
        assert requests.get(f"{base}/api/v1/board", timeout=10).status_code == 200
        written = log.read_text(encoding="utf-8")
    assert "Traceback" not in written, written[-3000:]
    assert "message handler error" in written  # said, in one line
