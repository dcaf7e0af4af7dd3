"""A real local HTTP receiver for the webhook: a threading http.server on 127.0.0.1 that records
every request and answers what the test scripts."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    """One request as it arrived."""

    headers: dict[str, str]
    raw: bytes

    @property
    def body(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.raw)
        return data


@dataclass(frozen=True)
class Reply:
    """What the receiver answers one request: a status, headers, and a delay before it."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


@dataclass
class Receiver:
    url: str
    received: list[Received]
    #: Replies to the next requests, in order; once used up, `default`.
    script: list[Reply]
    default: Reply = field(default_factory=Reply)
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: Called with each request before it is answered (a test can block here).
    on_request: Callable[[Received], None] | None = None

    def next_reply(self) -> Reply:
        with self.lock:
            return self.script.pop(0) if self.script else self.default

    def delivered(self) -> list[dict[str, Any]]:
        """Bodies of the requests answered 2xx (the handler records the status)."""
        return [r.body for r in self.received if r.headers.get("x-test-status", "200")[0] == "2"]


def verify(secret: str, header: str, raw: bytes, now: float, tolerance_s: float = 300) -> bool:
    """How a receiver checks `X-Loket-Signature` (the same code as docs/notifications.md)."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    timestamp, given = int(parts["t"]), parts["v1"]
    if abs(now - timestamp) > tolerance_s:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + raw, hashlib.sha256)
    return hmac.compare_digest(expected.hexdigest(), given)


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    """Start a receiver on a free port; stop it afterwards."""
    state: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            receiver = state["r"]
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            reply = receiver.next_reply()
            headers = {k.lower(): v for k, v in self.headers.items()}
            headers["x-test-status"] = str(reply.status)
            got = Received(headers, raw)
            with receiver.lock:
                receiver.received.append(got)
            if receiver.on_request is not None:
                receiver.on_request(got)
            if reply.delay_s:
                time.sleep(reply.delay_s)
            try:
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()
            except OSError:
                pass  # the client gave up (a timeout test)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    _host, port = server.server_address[:2]
    receiver = Receiver(url=f"http://127.0.0.1:{port}/hook", received=[], script=[])
    state["r"] = receiver
    # A short poll: `shutdown` waits for the loop's next look (the default half second, after
    # every test that starts a receiver).
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
