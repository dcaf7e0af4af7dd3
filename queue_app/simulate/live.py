"""The busy day against a running server: the same scenario (`simulate.Scenario`), replayed
through HTTP and Socket.IO in real time, sped up (`speed` simulated seconds per real second).

Meant for `bench/` and for trying a deployment before opening day: it signs in as the demo
hall's clerks (`flask seed-demo`: petugasNN / petugas-loket, supervisor / supervisor-loket),
opens their counters, takes tickets at the rate of the scenario, calls, serves and finishes them
as the clerks would, follows the lobby board and `phones` status pages over Socket.IO, and
reports throughput, HTTP latency and how late the broadcasts arrive.

The server keeps its own clock, so durations it records are the sped-up ones and its estimates
are not meaningful here; estimate accuracy is measured by the in-process `simulate-day`.

HTTP uses only the standard library; Socket.IO needs python-socketio's client transports
(`requests`, `websocket-client`, installed with requirements-dev.txt).
"""

from __future__ import annotations

import heapq
import json
import random
import statistics
import threading
import time as wallclock
import urllib.error
import urllib.request
from collections import Counter as Tally
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from ..demo import CLERK_PASSWORD, SUPERVISOR
from .scenario import Applicant, Scenario, applicants, lognormal

#: An idle counter asks again after this many real seconds (no push to counters here).
POLL_S = 0.25


@dataclass
class Stats:
    """What the run measured."""

    requests: Tally[str] = field(default_factory=Tally)
    statuses: Tally[str] = field(default_factory=Tally)
    latency_ms: dict[str, list[float]] = field(default_factory=dict)
    messages: Tally[str] = field(default_factory=Tally)
    lag_ms: list[float] = field(default_factory=list)
    issued: int = 0
    refused: Tally[str] = field(default_factory=Tally)
    served: int = 0


class Http:
    """A tiny JSON client over urllib, timing every request."""

    def __init__(self, base: str, stats: Stats) -> None:
        self.base = base.rstrip("/")
        self.stats = stats
        self.lock = threading.Lock()

    def call(
        self, method: str, path: str, body: Any = None, token: str | None = None, kind: str = ""
    ) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        started = wallclock.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        elapsed = (wallclock.perf_counter() - started) * 1000
        label = kind or path
        with self.lock:
            self.stats.requests[label] += 1
            self.stats.statuses[f"{label} {status}"] += 1
            self.stats.latency_ms.setdefault(label, []).append(elapsed)
        return status, json.loads(raw) if raw and raw[:1] in b"[{" else None


class LiveDay:
    """One busy day against a server, on a sped-up wall clock."""

    def __init__(self, base: str, scenario: Scenario, *, speed: float, phones: int) -> None:
        self.scenario = scenario
        self.speed = speed
        self.phones = phones
        self.stats = Stats()
        self.http = Http(base, self.stats)
        self.base = base
        self.rng = random.Random(scenario.seed + 2)
        zone = ZoneInfo(scenario.timezone)
        self.day_start = datetime.combine(scenario.day, scenario.opens_at, tzinfo=zone)
        self.day_end = datetime.combine(scenario.day, scenario.closes_at, tzinfo=zone)
        self.wall_start = 0.0
        self._queue: list[tuple[float, int, Callable[[], None]]] = []
        self._order = 0
        self.tokens: dict[int, str] = {}
        self.supervisor = ""
        self.people: dict[int, Applicant] = {}
        self.services: dict[str, int] = {}
        self.sockets: list[Any] = []
        #: Counters stop calling at closing time (simulated seconds after opening).
        self.day_s = (self.day_end - self.day_start).total_seconds()

    # -- time -----------------------------------------------------------------------------

    def sim_seconds(self) -> float:
        return (wallclock.monotonic() - self.wall_start) * self.speed

    def at_sim(self, seconds: float, action: Callable[[], None]) -> None:
        self._order += 1
        heapq.heappush(self._queue, (seconds, self._order, action))

    def after(self, seconds: float, action: Callable[[], None]) -> None:
        self.at_sim(self.sim_seconds() + seconds, action)

    # -- the run --------------------------------------------------------------------------

    def run(self) -> Stats:
        self._sign_in()
        self._follow_board()
        for counter_id in self.tokens:
            self.at_sim(self.rng.uniform(0, 600), self._open(counter_id))
        for person in applicants(self.scenario):
            offset = (person.arrive_at - self.day_start.astimezone(UTC)).total_seconds()
            self.at_sim(offset, self._arrive(person))
        self.wall_start = wallclock.monotonic()
        while self._queue:
            when, _, action = heapq.heappop(self._queue)
            wait = (when - self.sim_seconds()) / self.speed
            if wait > 0:
                wallclock.sleep(wait)
            action()
        for sock in self.sockets:
            sock.disconnect()
        return self.stats

    def _sign_in(self) -> None:
        status, counters = self.http.call("GET", "/api/v1/counters", kind="counters")
        if status != 200:
            raise RuntimeError(f"GET /api/v1/counters answered {status}")
        _, services = self.http.call("GET", "/api/v1/services", kind="services")
        self.services = {s["code"]: s["id"] for s in services}
        for counter in counters:
            username = f"petugas{counter['number']:02d}"
            status, body = self.http.call(
                "POST",
                "/api/v1/auth/token",
                {"username": username, "password": CLERK_PASSWORD},
                kind="auth",
            )
            if status == 201:
                self.tokens[counter["id"]] = body["token"]
        status, body = self.http.call(
            "POST",
            "/api/v1/auth/token",
            {"username": SUPERVISOR[0], "password": SUPERVISOR[1]},
            kind="auth",
        )
        if status != 201 or not self.tokens:
            raise RuntimeError("sign-in failed: is this the demo hall (`flask seed-demo`)?")
        self.supervisor = body["token"]

    def _follow_board(self) -> None:
        client = self._socket({})
        if client is None:
            return

        def on_ticket(payload: dict[str, Any]) -> None:
            self.stats.messages["board ticket"] += 1
            sent = datetime.fromisoformat(payload["at"])
            self.stats.lag_ms.append((datetime.now(UTC) - sent).total_seconds() * 1000)

        client.on("ticket", on_ticket)
        client.on("queue", lambda _payload: self._count("board queue"))

    def _socket(self, query: dict[str, str]) -> Any:
        try:
            import socketio
        except ImportError:  # pragma: no cover - runtime-only install
            return None
        client = socketio.Client(reconnection=True)

        client.on("snapshot", lambda _payload: self._count("snapshot"))

        url = self.base
        if query:
            url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
        client.connect(url, transports=["websocket"], wait_timeout=10)
        self.sockets.append(client)
        return client

    # -- applicants -------------------------------------------------------------------------

    def _arrive(self, person: Applicant) -> Callable[[], None]:
        def arrive() -> None:
            body = {"service": person.service, "channel": "kiosk"}
            if person.priority:
                body["priority"] = person.priority.value
            status, ticket = self.http.call("POST", "/api/v1/tickets", body, kind="issue")
            if status != 201:
                code = (ticket or {}).get("error", str(status))
                reason = ((ticket or {}).get("detail") or {}).get("reason", code)
                self.stats.refused[reason] += 1
                return
            self.stats.issued += 1
            self.people[ticket["id"]] = person
            person.ticket_id = ticket["id"]
            if len(self.sockets) <= self.phones:
                phone = self._socket({"ticket": ticket["token"]})
                if phone is not None:
                    phone.on("position", lambda _p: self._count("phone position"))
                    phone.on("ticket", lambda _p: self._count("phone ticket"))
            if person.give_up_after_s is not None:
                self.after(person.give_up_after_s, self._give_up(person))

        return arrive

    def _count(self, what: str) -> None:
        self.stats.messages[what] += 1

    def _give_up(self, person: Applicant) -> Callable[[], None]:
        def give_up() -> None:
            self.http.call(
                "POST",
                f"/api/v1/tickets/{person.ticket_id}/cancel",
                token=self.supervisor,
                kind="cancel",
            )

        return give_up

    # -- counters ---------------------------------------------------------------------------

    def _open(self, counter_id: int) -> Callable[[], None]:
        def open_counter() -> None:
            self.http.call(
                "POST",
                f"/api/v1/counters/{counter_id}/open",
                token=self.tokens[counter_id],
                kind="open",
            )
            self._ready(counter_id)()

        return open_counter

    def _ready(self, counter_id: int) -> Callable[[], None]:
        def ready() -> None:
            if self.sim_seconds() > self.day_s:
                self.http.call(
                    "POST",
                    f"/api/v1/counters/{counter_id}/close",
                    token=self.tokens[counter_id],
                    kind="close",
                )
                return
            token = self.tokens[counter_id]
            status, ticket = self.http.call(
                "POST", f"/api/v1/counters/{counter_id}/call-next", token=token, kind="call-next"
            )
            if status != 200 or ticket is None:
                self.after(POLL_S * self.speed, self._ready(counter_id))
                return
            person = self.people.get(ticket["id"])
            if person is None:  # a ticket this run did not issue
                self._verb(counter_id, ticket["id"], "finish")
                self.after(1, self._ready(counter_id))
                return
            person.rounds += 1
            if person.no_show and person.rounds == 1:
                self.after(2 * self.scenario.no_show_wait_s, self._missed(counter_id, person))
                return
            ticket_id = ticket["id"]

            def start() -> None:
                self._verb(counter_id, ticket_id, "start")

            self.after(person.walk_s, start)
            self.after(person.walk_s + person.service_s, self._done(counter_id, person))

        return ready

    def _verb(self, counter_id: int, ticket_id: int, verb: str, body: Any = None) -> int:
        status, _ = self.http.call(
            "POST",
            f"/api/v1/tickets/{ticket_id}/{verb}",
            body,
            token=self.tokens[counter_id],
            kind=verb,
        )
        return status

    def _done(self, counter_id: int, person: Applicant) -> Callable[[], None]:
        def done() -> None:
            assert person.ticket_id is not None
            if person.transfer_to is not None and person.rounds == 1:
                self._verb(
                    counter_id, person.ticket_id, "transfer", {"service": person.transfer_to}
                )
                profile = next(p for p in self.scenario.services if p.code == person.transfer_to)
                person.service_s = lognormal(self.rng, profile.mean_s, profile.cv)
            elif self._verb(counter_id, person.ticket_id, "finish") == 200:
                self.stats.served += 1
            self.after(self.rng.uniform(*self.scenario.turnaround_s), self._ready(counter_id))

        return done

    def _missed(self, counter_id: int, person: Applicant) -> Callable[[], None]:
        def missed() -> None:
            assert person.ticket_id is not None
            self._verb(counter_id, person.ticket_id, "no-show")
            self.after(self.rng.uniform(*self.scenario.turnaround_s), self._ready(counter_id))

        return missed


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def simulate_live(base: str, scenario: Scenario, *, speed: float, phones: int) -> Iterator[str]:
    """Run the day against `base` and describe what happened."""
    started = wallclock.perf_counter()
    day = LiveDay(base, scenario, speed=speed, phones=phones)
    stats = day.run()
    wall = wallclock.perf_counter() - started
    total = sum(stats.requests.values())
    yield (
        f"Live busy day against {base}: {scenario.applicants} applicants at {speed:g}× "
        f"in {wall:.0f} s wall time; {total} HTTP requests ({total / max(wall, 1e-9):.0f}/s)."
    )
    yield (
        f"Issued {stats.issued}, finished {stats.served}; refused: "
        + (", ".join(f"{k} {v}" for k, v in sorted(stats.refused.items())) or "none")
        + "."
    )
    yield "request       count    p50 ms   p90 ms   p99 ms"
    for kind, values in sorted(stats.latency_ms.items()):
        yield (
            f"{kind:<12} {len(values):6d}  {statistics.median(values):7.1f}  "
            f"{percentile(values, 0.9):7.1f}  {percentile(values, 0.99):7.1f}"
        )
    errors = {k: v for k, v in stats.statuses.items() if k.split()[-1].startswith("5")}
    yield f"Server errors (5xx): {sum(errors.values())}."
    if stats.messages:
        yield "Socket.IO messages: " + ", ".join(
            f"{k} {v}" for k, v in sorted(stats.messages.items())
        )
    if stats.lag_ms:
        yield (
            f"Board broadcast lag (event time → received): p50 "
            f"{statistics.median(stats.lag_ms):.0f} ms, p90 {percentile(stats.lag_ms, 0.9):.0f} ms."
        )
