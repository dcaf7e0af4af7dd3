"""Online registration at 06:00 (issue 16's rush): bookings per second and their latency at 64
concurrent clients, and availability reads per second with 5,000 clients polling.

One fresh server (and database) per deployment, with the demo hall and a booking hall of 3
online-only services whose booking is open now (tests/integration/booking_rush.py builds it):

- **Bookings**: `--bookings` holders, each booking once (service and session in turn), sent
  by 64 clients as fast as the server answers (each keeps one connection and sends its next
  request when the last is answered); every answer a 201, latency from sending to the last byte.
- **Availability, 5,000 polling clients**: 5,000 logical clients each poll
  `GET /api/v1/booking/availability` for one of the 3 services every `--poll-s` seconds
  (1,000 reads a second offered at 5 s), spread evenly over the period, for `--seconds`; 64
  connections carry them (a poll waits for a free one). Latency counts from when the poll was
  due, so a server that falls behind shows it. Bookings keep arriving meanwhile (`--book-rate`
  a second), so the read model is rebuilt as it would be at 06:00.
- **Availability, as fast as it goes**: 64 connections polling back to back for `--seconds`.
- **The floor**: the same back-to-back polling of bench/availability_floor_app.py, a bare Flask
  + SQLAlchemy app reading the same rows with one statement per read, on the same database.

    python -m bench.booking --database sqlite
    python -m bench.booking --database postgres --processes 2     # behind nginx
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import time
from dataclasses import dataclass, field
from typing import Any

from . import servers
from .common import cpu_seconds, log, machine, raise_open_files, source_address, summary, workdir
from .fanout import database

CLIENTS = 64
POLLERS = 5000


@dataclass
class Answers:
    latency_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def add(self, status: int, ms: float) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1
        self.latency_ms.append(ms)

    def figures(self, ok: int) -> dict[str, Any]:
        done = self.statuses.get(ok, 0)
        return {
            "answered": sum(self.statuses.values()),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "errors": self.errors,
            "seconds": round(self.seconds, 2),
            "per_s": round(done / max(self.seconds, 1e-9), 1),
            "latency_ms": summary(self.latency_ms),
        }


def _sessions(concurrency: int) -> list[Any]:
    import aiohttp

    return [
        aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=1, local_addr=(source_address(k), 0))
        )
        for k in range(concurrency)
    ]


async def _request(
    session: Any, method: str, url: str, answers: Answers, body: Any = None, since: float = 0.0
) -> None:
    import aiohttp

    started = since or time.perf_counter()
    try:
        async with session.request(method, url, json=body) as response:
            await response.read()
            answers.add(response.status, (time.perf_counter() - started) * 1000)
    except aiohttp.ClientError as exc:
        name = type(exc).__name__
        answers.errors[name] = answers.errors.get(name, 0) + 1


def booking_jobs(hall: Any, count: int, first: int = 0) -> list[dict[str, Any]]:
    """`count` bookings by distinct holders, over the services and their sessions in turn."""
    from tests.integration.booking_rush import NIKS, SERVICES

    jobs = []
    for n in range(first, first + count):
        code = SERVICES[n % len(SERVICES)]
        sessions = hall.sessions[code]
        jobs.append(
            {
                "service": code,
                "date": hall.day.isoformat(),
                "session": sessions[(n // len(SERVICES)) % len(sessions)],
                "holder_id": NIKS[n],
            }
        )
    return jobs


async def _book_all(base: str, hall: Any, jobs: list[dict[str, Any]], clients: int) -> Answers:
    answers = Answers()
    todo = iter(jobs)
    url = f"{base}/api/v1/bookings?site={hall.site_id}"
    sessions = _sessions(clients)

    async def client(session: Any) -> None:
        for body in todo:
            await _request(session, "POST", url, answers, body)

    started = time.perf_counter()
    try:
        await asyncio.gather(*(client(s) for s in sessions))
    finally:
        answers.seconds = time.perf_counter() - started
        for session in sessions:
            await session.close()
    return answers


def _availability_urls(base: str, hall: Any, path: str) -> list[str]:
    day = hall.day.isoformat()
    if path == "floor":
        return [
            f"{base}/availability?service={service_id}&date={day}"
            for service_id in hall.service_ids.values()
        ]
    return [
        f"{base}/api/v1/booking/availability?site={hall.site_id}&service={code}&date={day}"
        for code in hall.sessions
    ]


async def _poll_back_to_back(urls: list[str], seconds: float, clients: int) -> Answers:
    answers = Answers()
    sessions = _sessions(clients)
    deadline = time.perf_counter() + seconds

    async def client(k: int, session: Any) -> None:
        n = k
        while time.perf_counter() < deadline:
            await _request(session, "GET", urls[n % len(urls)], answers)
            n += 1

    started = time.perf_counter()
    try:
        await asyncio.gather(*(client(k, s) for k, s in enumerate(sessions)))
    finally:
        answers.seconds = time.perf_counter() - started
        for session in sessions:
            await session.close()
    return answers


async def _poll_crowd(
    urls: list[str],
    pollers: int,
    period: float,
    seconds: float,
    clients: int,
    book: tuple[str, list[dict[str, Any]], float] | None,
) -> tuple[Answers, Answers]:
    """`pollers` logical clients each polling every `period` s for `seconds`, over `clients`
    connections; meanwhile bookings at `book`'s rate on a connection of their own."""
    reads, booked = Answers(), Answers()
    free: asyncio.Queue[Any] = asyncio.Queue()
    sessions = _sessions(clients + 1)
    for session in sessions[:clients]:
        free.put_nowait(session)
    start = time.perf_counter()
    polls = sorted(
        (k * period / pollers + j * period, k)
        for k in range(pollers)
        for j in range(math.ceil(seconds / period))
        if k * period / pollers + j * period < seconds
    )

    async def poll(at: float, k: int) -> None:
        await asyncio.sleep(max(0.0, at - (time.perf_counter() - start)))
        due = start + at
        session = await free.get()
        try:
            await _request(session, "GET", urls[k % len(urls)], reads, since=due)
        finally:
            free.put_nowait(session)

    async def booker() -> None:
        if book is None:
            return
        url, jobs, rate = book
        for n, body in enumerate(jobs):
            await asyncio.sleep(max(0.0, n / rate - (time.perf_counter() - start)))
            if time.perf_counter() - start > seconds:
                return
            await _request(sessions[-1], "POST", url, booked, body)

    try:
        await asyncio.gather(booker(), *(poll(at, k) for at, k in polls))
    finally:
        reads.seconds = time.perf_counter() - start
        booked.seconds = reads.seconds
        for session in sessions:
            await session.close()
    return reads, booked


def run(
    db: str,
    processes: int,
    bookings: int,
    seconds: float,
    poll_s: float,
    book_rate: float,
    pollers: int = POLLERS,
) -> dict[str, Any]:
    from tests.integration.booking_rush import build_rush_hall

    raise_open_files()
    nginx = processes > 1
    label = f"booking-{db}-{processes}p"
    result: dict[str, Any] = {"label": label, "database": db, "processes": processes}
    with (
        workdir("booking") as directory,
        database(db, directory) as url,
        servers.loket(url, directory, processes=processes, nginx_in_front=nginx) as server,
    ):
        masters = [p for p in server.pids if p]
        # Places for every booking of the run (the polling phase books too).
        extra = int(book_rate * seconds) + 50
        hall = build_rush_hall(url, 3 * 4 * ((bookings + extra) // 12 + 1), name=label)
        jobs = booking_jobs(hall, bookings + extra)
        # Warm up: the rules and the day's places read once per process.
        asyncio.run(_poll_back_to_back(_availability_urls(server.url, hall, "api"), 1.0, 8))

        cpu = cpu_seconds(masters)
        booked = asyncio.run(_book_all(server.url, hall, jobs[:bookings], CLIENTS))
        cpu = cpu_seconds(masters) - cpu
        result["bookings"] = {
            "clients": CLIENTS,
            **booked.figures(201),
            "server_cpu_ms_per_booking": round(1000 * cpu / max(booked.statuses.get(201, 0), 1), 2),
        }
        log(f"{label} bookings: {result['bookings']['per_s']}/s, p99 {_p99(booked)} ms")

        urls = _availability_urls(server.url, hall, "api")
        cpu = cpu_seconds(masters)
        reads, during = asyncio.run(
            _poll_crowd(
                urls,
                pollers,
                poll_s,
                seconds,
                CLIENTS,
                (f"{server.url}/api/v1/bookings?site={hall.site_id}", jobs[bookings:], book_rate),
            )
        )
        cpu = cpu_seconds(masters) - cpu
        result["crowd"] = {
            "pollers": pollers,
            "poll_every_s": poll_s,
            "offered_per_s": round(pollers / poll_s, 1),
            "connections": CLIENTS,
            **reads.figures(200),
            "bookings_meanwhile": during.figures(201),
            "server_cpu_ms_per_read": round(1000 * cpu / max(reads.statuses.get(200, 0), 1), 3),
        }
        log(f"{label} crowd: {result['crowd']['per_s']}/s, p99 {_p99(reads)} ms (from due)")

        cpu = cpu_seconds(masters)
        fast = asyncio.run(_poll_back_to_back(urls, seconds, CLIENTS))
        cpu = cpu_seconds(masters) - cpu
        result["reads_max"] = {
            "connections": CLIENTS,
            **fast.figures(200),
            "server_cpu_ms_per_read": round(1000 * cpu / max(fast.statuses.get(200, 0), 1), 3),
        }
        log(f"{label} reads back to back: {result['reads_max']['per_s']}/s")

        with servers.availability_floor(directory, url) as floor:
            floor_urls = _availability_urls(floor.url, hall, "floor")
            asyncio.run(_poll_back_to_back(floor_urls, 1.0, 8))
            cpu = cpu_seconds(floor.pids)
            bare = asyncio.run(_poll_back_to_back(floor_urls, seconds, CLIENTS))
            cpu = cpu_seconds(floor.pids) - cpu
        result["floor_reads_max"] = {
            "connections": CLIENTS,
            "processes": 1,
            **bare.figures(200),
            "server_cpu_ms_per_read": round(1000 * cpu / max(bare.statuses.get(200, 0), 1), 3),
        }
        log(f"{label} floor reads back to back (1 process): {result['floor_reads_max']['per_s']}/s")
    return result


def _p99(answers: Answers) -> Any:
    return summary(answers.latency_ms).get("p99")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--processes", type=int, default=1, help="> 1: behind nginx (ip_hash)")
    parser.add_argument("--bookings", type=int, default=1000, help="bookings at 64 clients")
    parser.add_argument("--seconds", type=float, default=15.0, help="each polling phase")
    parser.add_argument("--poll-s", type=float, default=5.0, help="each poller's period")
    parser.add_argument("--book-rate", type=float, default=20.0, help="bookings/s while polled")
    parser.add_argument("--pollers", type=int, default=POLLERS)
    args = parser.parse_args(argv)
    result = run(
        args.database,
        args.processes,
        args.bookings,
        args.seconds,
        args.poll_s,
        args.book_rate,
        args.pollers,
    )
    result["machine"] = machine()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
