"""Kiosks and staff over HTTP: asyncio kiosks taking tickets as fast as the server answers, and a
small synchronous client for the staff requests a benchmark times one by one."""

from __future__ import annotations

import asyncio
import http.client
import json
import random
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .common import source_address


@dataclass
class Issued:
    """What the kiosks got: every request's status and latency, and the tickets' tokens."""

    latency_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    tokens: list[str] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> int:
        return self.statuses.get(201, 0)


async def _kiosks(
    base: str, total: int, concurrency: int, services: list[str], *, keep_tokens: bool
) -> Issued:
    import aiohttp

    issued = Issued()
    todo = iter(range(total))
    url = base.rstrip("/") + "/api/v1/tickets"

    async def kiosk(k: int) -> None:
        # One connection per kiosk, from its own address (nginx's ip_hash spreads kiosks).
        connector = aiohttp.TCPConnector(limit=1, local_addr=(source_address(k), 0))
        async with aiohttp.ClientSession(connector=connector) as session:
            for n in todo:
                body = {"service": services[n % len(services)], "channel": "kiosk"}
                started = time.perf_counter()
                try:
                    async with session.post(url, json=body) as response:
                        data = await response.read()
                        status = response.status
                except aiohttp.ClientError as exc:
                    name = type(exc).__name__
                    issued.errors[name] = issued.errors.get(name, 0) + 1
                    continue
                issued.latency_ms.append((time.perf_counter() - started) * 1000)
                issued.statuses[status] = issued.statuses.get(status, 0) + 1
                if status == 201 and keep_tokens:
                    ticket = json.loads(data)
                    issued.tokens.append(ticket["token"])
                    issued.ids.append(ticket["id"])

    started = time.perf_counter()
    await asyncio.gather(*(kiosk(k) for k in range(concurrency)))
    issued.seconds = time.perf_counter() - started
    return issued


async def _arrivals(
    base: str, total: int, rate: float, concurrency: int, services: list[str], seed: int
) -> Issued:
    import aiohttp

    issued = Issued()
    url = base.rstrip("/") + "/api/v1/tickets"
    rng = random.Random(seed)
    free: asyncio.Queue[Any] = asyncio.Queue()
    sessions = [
        aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=1, local_addr=(source_address(k), 0))
        )
        for k in range(concurrency)
    ]
    for session in sessions:
        free.put_nowait(session)

    async def applicant(n: int, at: float) -> None:
        await asyncio.sleep(max(0.0, at - (time.perf_counter() - started)))
        session = await free.get()  # waits when every kiosk is in use
        body = {"service": services[n % len(services)], "channel": "kiosk"}
        sent = time.perf_counter()
        try:
            async with session.post(url, json=body) as response:
                await response.read()
                status = response.status
        except aiohttp.ClientError as exc:
            name = type(exc).__name__
            issued.errors[name] = issued.errors.get(name, 0) + 1
            return
        finally:
            free.put_nowait(session)
        issued.latency_ms.append((time.perf_counter() - sent) * 1000)
        issued.statuses[status] = issued.statuses.get(status, 0) + 1

    at, schedule = 0.0, []
    for n in range(total):
        at += rng.expovariate(rate)
        schedule.append((n, at))
    started = time.perf_counter()
    try:
        await asyncio.gather(*(applicant(n, when) for n, when in schedule))
    finally:
        for session in sessions:
            await session.close()
    issued.seconds = time.perf_counter() - started
    return issued


def issue_at_rate(
    base: str, total: int, rate: float, concurrency: int, services: list[str], seed: int = 7
) -> Issued:
    """Applicants arrive at random (Poisson) at `rate` tickets/s on average and use whichever of
    the `concurrency` kiosks is free: the load of a hall, not of kiosks pressed non-stop.
    Latency is the server's answer time only (not a wait for a free kiosk)."""
    return asyncio.run(_arrivals(base, total, rate, concurrency, services, seed))


def issue_many(
    base: str,
    total: int,
    concurrency: int,
    services: list[str],
    *,
    keep_tokens: bool = False,
) -> Issued:
    """`concurrency` kiosks take `total` tickets between them, round-robin over `services`,
    each kiosk sending its next request as soon as the last one is answered."""
    return asyncio.run(_kiosks(base, total, concurrency, services, keep_tokens=keep_tokens))


class Staff:
    """Timed JSON requests over one keep-alive connection (the clerk's terminal)."""

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        self.token: str | None = None

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        payload = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if payload is not None else {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=payload, headers=headers)
                response = self.conn.getresponse()
                raw = response.read()
                break
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                if attempt == 2:
                    raise
        return response.status, (json.loads(raw) if raw[:1] in (b"{", b"[") else None)

    def sign_in(self, username: str, password: str) -> str:
        status, body = self.request(
            "POST", "/api/v1/auth/token", {"username": username, "password": password}
        )
        if status != 201:
            raise RuntimeError(f"sign-in as {username} answered {status}: {body}")
        self.token = body["token"]
        return self.token

    def close(self) -> None:
        self.conn.close()
