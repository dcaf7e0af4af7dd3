"""The busy day (benchmark 4): the 5,000 applicants of `queue_app.simulate` replayed through HTTP
and Socket.IO as fast as the server answers, then every invariant checked.

The replay is `simulate.live.LiveDay` on a jumping clock: instead of sleeping until the next
action's simulated time, it does the next action at once (the day's order is kept: arrivals,
calls, starts, finishes, no-shows, transfers, cancellations). Kiosks, clerks and the supervisor
speak HTTP; a lobby board and `--phones` phone pages follow over Socket.IO. The server keeps its
own clock, so the durations it records are compressed and its estimates are not what this
measures (the in-process `flask simulate-day` does that).

Invariants afterwards, from the server's database and from what the board heard:
numbers never repeated and gap-free per service (`simulate.invariant_problems`), no zone of the
demo mall above its cap nor the building above its own, no ticket called twice at once, no
counter with two tickets; no 5xx; every applicant issued or refused (the land office takes no
walk-ins, Bank DKI 50 a day); and the board heard every change (`seq` 1 … last, each once).
The result gives each floor's peak inside, of its cap.

    python -m bench.busy_day                      # 5,000 applicants, PostgreSQL
    python -m bench.busy_day --applicants 500 --database sqlite
"""

from __future__ import annotations

import argparse
import heapq
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import create_engine, select, update
from sqlalchemy.orm import Session

from queue_app.models import Site
from queue_app.simulate import Applicant, Scenario, applicants, invariant_problems, replay_zones
from queue_app.simulate.live import LiveDay, Stats, percentile

from . import servers
from .common import cpu_seconds, log, raise_open_files, summary, workdir
from .fanout import database

#: An idle clerk whose screen announced nothing asks again after this many simulated seconds.
IDLE_POLL_S = 600.0


class FastDay(LiveDay):
    """LiveDay on a jumping clock: each action runs as soon as the one before it is answered.

    An idle counter does not poll every few simulated seconds (on a jumping clock that would be
    most of the day's requests): it waits until a ticket of one of its services is issued, or
    room frees in a full hall while people wait outside (as the board's queue news say), as a
    clerk watching the terminal's live queue would; or `IDLE_POLL_S` at most.
    """

    def __init__(self, base: str, scenario: Scenario, *, phones: int) -> None:
        super().__init__(base, scenario, speed=1.0, phones=phones)
        self.now_s = 0.0
        self.board_seqs: list[int] = []
        #: Counter id → the codes of its services; idle counters → their wake-up generation.
        self.serves: dict[int, set[str]] = {}
        self.idle: dict[int, int] = {}
        self.generation: dict[int, int] = {}
        #: People waiting outside, as the board's latest queue news said.
        self.outside = 0

    def _sign_in(self) -> None:
        super()._sign_in()
        _, counters = self.http.call("GET", "/api/v1/counters", kind="counters")
        self.serves = {c["id"]: {s["code"] for s in c["services"]} for c in counters}

    def _arrive(self, person: Applicant) -> Callable[[], None]:
        arrive = super()._arrive(person)

        def arrive_and_wake() -> None:
            arrive()
            if person.ticket_id is not None:
                for counter_id in [c for c in self.idle if person.service in self.serves[c]]:
                    self._wake(counter_id)

        return arrive_and_wake

    def _verb(self, counter_id: int, ticket_id: int, verb: str, body: Any = None) -> int:
        status = super()._verb(counter_id, ticket_id, verb, body)
        if status == 200 and verb in ("finish", "no-show", "transfer") and self.outside:
            for idle in list(self.idle):
                self._wake(idle)  # someone comes in from outside: maybe for them
        return status

    def _wake(self, counter_id: int) -> None:
        self.idle.pop(counter_id, None)
        self.generation[counter_id] = self.generation.get(counter_id, 0) + 1
        self.after(0, self._ready(counter_id))

    def _ready(self, counter_id: int) -> Callable[[], None]:
        generation = self.generation.get(counter_id, 0)

        def ready() -> None:
            if self.generation.get(counter_id, 0) != generation:
                return  # woken since: another ready() of this counter runs
            if self.sim_seconds() > self.day_s:
                self.http.call(
                    "POST",
                    f"/api/v1/counters/{counter_id}/close",
                    token=self.tokens[counter_id],
                    kind="close",
                )
                return
            status, ticket = self.http.call(
                "POST",
                f"/api/v1/counters/{counter_id}/call-next",
                token=self.tokens[counter_id],
                kind="call-next",
            )
            if status != 200 or ticket is None:
                self.idle[counter_id] = generation
                self.after(IDLE_POLL_S, self._ready(counter_id))
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

    def sim_seconds(self) -> float:
        return self.now_s

    def run(self) -> Stats:
        self._sign_in()
        self._follow_board()
        for counter_id in self.tokens:
            self.at_sim(self.rng.uniform(0, 600), self._open(counter_id))
        for person in applicants(self.scenario):
            offset = (person.arrive_at - self.day_start.astimezone(UTC)).total_seconds()
            self.at_sim(offset, self._arrive(person))
        while self._queue:
            when, _, action = heapq.heappop(self._queue)
            self.now_s = max(self.now_s, when)
            action()
        return self.stats

    def _follow_board(self) -> None:
        client = self._socket({})
        if client is None:
            raise RuntimeError("python-socketio's client is needed (requirements-dev.txt)")

        def on_ticket(payload: dict[str, Any]) -> None:
            self.stats.messages["board ticket"] += 1
            self.board_seqs.append(payload["seq"])
            sent = datetime.fromisoformat(payload["at"])
            self.stats.lag_ms.append((datetime.now(UTC) - sent).total_seconds() * 1000)

        def on_counter(payload: dict[str, Any]) -> None:
            self.stats.messages["board counter"] += 1
            self.board_seqs.append(payload["seq"])

        client.on("ticket", on_ticket)
        client.on("counter", on_counter)

        def on_queue(payload: dict[str, Any]) -> None:
            self.stats.messages["board queue"] += 1
            self.outside = payload["hall"]["outside"]

        client.on("queue", on_queue)

    def close(self) -> None:
        for sock in self.sockets:
            sock.disconnect()


def check(day: FastDay, url: str, site_capacity: int | None, last_seq: int) -> list[str]:
    """Every broken promise of the run (empty: all held)."""
    problems = []
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            site_id = session.scalars(select(Site.id).order_by(Site.id)).first()
            assert site_id is not None
            problems += [
                p
                for p in invariant_problems(session, site_id, site_capacity)
                # The server's day is today and still open: nothing has been closed yet.
                if not p.startswith("tickets left in")
            ]
    finally:
        engine.dispose()
    stats = day.stats
    errors = sum(n for k, n in stats.statuses.items() if k.split()[-1].startswith("5"))
    if errors:
        problems.append(f"{errors} server errors (5xx)")
    if stats.issued + sum(stats.refused.values()) != day.scenario.applicants:
        problems.append(
            f"issued {stats.issued} + refused {sum(stats.refused.values())} "
            f"!= {day.scenario.applicants} applicants"
        )
    heard = sorted(day.board_seqs)
    missing = sorted(set(range(1, last_seq + 1)) - set(heard))
    doubled = len(heard) - len(set(heard))
    if missing:
        problems.append(f"the board missed {len(missing)} change(s), e.g. seq {missing[:5]}")
    if doubled:
        problems.append(f"the board heard {doubled} change(s) twice")
    return problems


def run(applicants_n: int, db: str, phones: int, seed: int = 2020) -> dict[str, Any]:
    raise_open_files()
    scenario = Scenario(applicants=applicants_n, seed=seed)
    with (
        workdir("busy-day") as directory,
        database(db, directory) as url,
        servers.loket(url, directory) as server,
    ):
        masters = [p for p in server.pids if p]
        without_no_show_grace(url)
        day = FastDay(server.url, scenario, phones=phones)
        cpu = cpu_seconds(masters)
        started = time.perf_counter()
        try:
            stats = day.run()
            wall = time.perf_counter() - started
            cpu = cpu_seconds(masters) - cpu
            last_seq = _last_seq(server.url)
            deadline = time.monotonic() + 15
            while len(set(day.board_seqs)) < last_seq and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            day.close()
        capacity = _capacity(server.url)
        problems = check(day, url, capacity, last_seq)
        zones = zone_peaks(url, capacity)
    total = sum(stats.requests.values())
    return {
        "label": f"busy-day-{db}-{applicants_n}",
        "database": db,
        "applicants": applicants_n,
        "phones": phones,
        "wall_s": round(wall, 1),
        "http_requests": total,
        "requests_per_s": round(total / max(wall, 1e-9), 1),
        "server_cpu_s": round(cpu, 1),
        "issued": stats.issued,
        "served": stats.served,
        "refused": dict(stats.refused),
        # Answers other than 2xx by request kind (a refused issue is counted in "refused").
        "not_2xx": {k: n for k, n in sorted(stats.statuses.items()) if k.split()[-1][0] != "2"},
        "changes": last_seq,
        "latency_ms": {kind: summary(values) for kind, values in stats.latency_ms.items()},
        "board_lag_ms": {
            "p50": round(percentile(stats.lag_ms, 0.5), 1),
            "p99": round(percentile(stats.lag_ms, 0.99), 1),
        },
        "messages": dict(stats.messages),
        "zones": zones,
        "invariants_hold": not problems,
        "problems": problems,
    }


def zone_peaks(url: str, capacity: int | None) -> list[dict[str, Any]]:
    """Each zone's most people inside at once, of its cap, replayed from the server's log."""
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            site_id = session.scalars(select(Site.id).order_by(Site.id)).first()
            assert site_id is not None
            replay = replay_zones(session, site_id, capacity)
    finally:
        engine.dispose()
    return [
        {"floor": z.floor, "name": z.name, "cap": z.cap, "peak_inside": z.peak}
        for z in replay.zones.values()
    ]


def without_no_show_grace(url: str) -> None:
    """The demo mall gives a called applicant 60 s (of the server's clock) before a no-show
    may be marked; the replay jumps its clock and marks no-shows real milliseconds after the
    call, so the server would refuse every one (409 too_early) and leave the ticket at the
    counter. The bench's mall marks no-shows at once, as the one-hall demo does."""
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(update(Site).values(no_show_after_s=0))
    finally:
        engine.dispose()


def _last_seq(base: str) -> int:
    import urllib.request

    with urllib.request.urlopen(base + "/api/v1/board", timeout=30) as response:
        return int(json.loads(response.read())["seq"])


def _capacity(base: str) -> int | None:
    import urllib.request

    with urllib.request.urlopen(base + "/api/v1/board", timeout=30) as response:
        capacity = json.loads(response.read())["hall"]["capacity"]
    return int(capacity) if capacity is not None else None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applicants", type=int, default=5000)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--phones", type=int, default=50, help="phone pages on Socket.IO")
    parser.add_argument("--seed", type=int, default=2020)
    args = parser.parse_args(argv)
    result = run(args.applicants, args.database, args.phones, args.seed)
    print(json.dumps(result, indent=2))
    log(
        f"{result['label']}: {result['wall_s']} s wall, {result['http_requests']} requests; "
        f"invariants {'hold' if result['invariants_hold'] else 'BROKEN'}"
    )


if __name__ == "__main__":
    main()
