"""Call → screen latency (benchmark 2) and the bare floor (benchmark 3).

A round: every client of the crowd is armed, the clock starts (t0) right before the clerk's
`POST /api/v1/counters/<id>/call-next` is sent, and each client notes when it holds the news:
lobby boards and counter terminals the `ticket` message of the call, phones their own
`position`. Then the ticket is finished (timed the same way, reported apart) so the next round
starts from a settled hall. Latency = arrival − t0, over every (client, round).

The hall is the demo hall (`flask seed-demo`); the tickets are all in service A, which one
counter calls: the worst case for a fan-out, every phone hears every call. Phones follow the
tickets at the back of the queue, which no round calls.

The floor runs the same rounds against `bench/floor_app.py`, a bare python-socketio server that
sends messages of the same size to the same rooms (`shape=same`) or one broadcast to the service
room (`shape=broadcast`).

    python -m bench.fanout --boards 50 --counters 40 --rounds 30
    python -m bench.fanout --phones 5000 --boards 0 --counters 0 --shards 2
    python -m bench.fanout --phones 5000 --boards 0 --counters 0 --floor same
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any

from queue_app.demo import SUPERVISOR

from . import profiling, servers
from .common import (
    cpu_seconds,
    fresh_postgres,
    log,
    raise_open_files,
    rss_bytes,
    sqlite_url,
    summary,
    workdir,
)
from .crowd import ClientSpec, Crowd
from .kiosks import Staff, issue_many

#: How long a round waits for the last client before counting it as missing.
ROUND_TIMEOUT_S = 15.0


@dataclass(frozen=True)
class Plan:
    """One fan-out run."""

    boards: int = 50
    counters: int = 40
    phones: int = 0
    rounds: int = 20
    shards: int = 1
    database: str = "sqlite"
    processes: int = 1
    nginx: bool = False
    #: None: Loket. "same" / "broadcast": the bare python-socketio floor.
    floor: str | None = None
    #: Sample the server with py-spy during the rounds (bench/results/profiles/).
    profile: bool = False
    #: A clerk calls and finishes every CLERK_EVERY_S while the crowd connects.
    clerk: bool = False

    @property
    def label(self) -> str:
        what = f"floor-{self.floor}" if self.floor else f"loket-{self.database}"
        if self.processes > 1:
            what += f"-{self.processes}p"
        return f"{what}-b{self.boards}-c{self.counters}-p{self.phones}"


class LoketTarget:
    """Loket's demo hall: counter 1 calls service A, signed in as the supervisor."""

    def __init__(self, url: str, plan: Plan) -> None:
        self.url = url
        self.staff = Staff(url)
        self.staff.sign_in(*SUPERVISOR)
        _, board = self.staff.request("GET", "/api/v1/board")
        self.site_id = board["site"]["id"]
        _, counters = self.staff.request("GET", "/api/v1/counters")
        self.counter_ids = [c["id"] for c in counters]
        self.counter_id = next(c["id"] for c in counters if c["services"][0]["code"] == "A")
        status, _ = self.staff.request("POST", f"/api/v1/counters/{self.counter_id}/open")
        if status != 200:
            raise RuntimeError(f"opening counter {self.counter_id} answered {status}")
        # The front of the queue for the rounds and the clerk working while the crowd
        # connects; the phones follow the back, which neither reaches.
        wanted = plan.rounds + CLERK_CALLS_AT_MOST + plan.phones + 1
        started = time.perf_counter()
        issued = issue_many(url, wanted, 16, ["A"], keep_tokens=True)
        if issued.ok != wanted:
            raise RuntimeError(f"issued {issued.ok} of {wanted}: {issued.statuses}")
        self.setup_issue_s = round(time.perf_counter() - started, 1)
        in_queue_order = [token for _, token in sorted(zip(issued.ids, issued.tokens, strict=True))]
        self.phone_tokens = in_queue_order[len(in_queue_order) - plan.phones :][: plan.phones]
        self.current: int | None = None
        self.plan = plan

    def specs(self) -> list[ClientSpec]:
        bearer = self.staff.token
        ids = self.counter_ids
        return [
            *(ClientSpec("board", f"board={self.site_id}") for _ in range(self.plan.boards)),
            *(
                ClientSpec("counter", f"counter={ids[i % len(ids)]}", bearer)
                for i in range(self.plan.counters)
            ),
            *(ClientSpec("phone", f"ticket={token}") for token in self.phone_tokens),
        ]

    def trigger(self, action: str) -> int:
        if action == "call":
            status, ticket = self.staff.request(
                "POST", f"/api/v1/counters/{self.counter_id}/call-next"
            )
            self.current = ticket["id"] if status == 200 else None
        else:
            status, _ = self.staff.request("POST", f"/api/v1/tickets/{self.current}/finish")
        return status


class FloorTarget:
    """The bare python-socketio server, asked to send what a call sends."""

    def __init__(self, url: str, plan: Plan) -> None:
        self.staff = Staff(url)
        self.plan = plan
        self.setup_issue_s = 0.0

    def specs(self) -> list[ClientSpec]:
        plan = self.plan
        return [
            *(ClientSpec("board", "board=1") for _ in range(plan.boards)),
            *(ClientSpec("counter", f"counter={1 + i % 31}") for i in range(plan.counters)),
            *(ClientSpec("phone", f"ticket=floor{i:05d}") for i in range(plan.phones)),
        ]

    def trigger(self, action: str) -> int:
        status, _ = self.staff.request(
            "POST", f"/fanout?action={action}&shape={self.plan.floor or 'same'}"
        )
        return status


#: How often the clerk working while the crowd connects calls (and finishes), and how many
#: calls at most (the tickets set aside for them).
CLERK_EVERY_S = 0.25
CLERK_CALLS_AT_MOST = 400


class Clerk(threading.Thread):
    """A clerk calling and finishing while the crowd connects (a restart with a hall full of
    phones): how long each of their requests takes meanwhile."""

    def __init__(self, target: Any) -> None:
        super().__init__(daemon=True)
        self.target = target
        self.done = threading.Event()
        self.request_ms: dict[str, list[float]] = {"call": [], "finish": []}
        self.statuses: dict[str, int] = {}

    def run(self) -> None:
        calls = 0
        while not self.done.is_set() and calls < CLERK_CALLS_AT_MOST:
            for action in ("call", "finish"):
                t0 = time.monotonic()
                status = self.target.trigger(action)
                self.request_ms[action].append((time.monotonic() - t0) * 1000)
                key = f"{action} {status}"
                self.statuses[key] = self.statuses.get(key, 0) + 1
            calls += 1
            self.done.wait(CLERK_EVERY_S)

    def result(self) -> dict[str, Any]:
        self.done.set()
        self.join(timeout=60)
        return {
            "statuses": self.statuses,
            **{f"{action}_ms": summary(ms) for action, ms in self.request_ms.items()},
        }


def play(crowd: Crowd, target: Any, rounds: int, pids: list[int]) -> dict[str, Any]:
    """The rounds: call (measured), finish (measured apart, and lets the hall settle). Besides
    the latencies, the server's CPU time per action (steady whatever else runs)."""
    latency: dict[str, dict[str, list[float]]] = {"call": {}, "finish": {}}
    request_ms: dict[str, list[float]] = {"call": [], "finish": []}
    cpu_ms: dict[str, list[float]] = {"call": [], "finish": []}
    missing: dict[str, int] = {}
    statuses: dict[str, int] = {}
    for _ in range(rounds):
        for action in ("call", "finish"):
            crowd.arm(action)
            cpu = cpu_seconds(pids)
            t0 = time.monotonic()
            status = target.trigger(action)
            request_ms[action].append((time.monotonic() - t0) * 1000)
            statuses[f"{action} {status}"] = statuses.get(f"{action} {status}", 0) + 1
            arrivals, lost = crowd.collect(ROUND_TIMEOUT_S)
            cpu_ms[action].append((cpu_seconds(pids) - cpu) * 1000)
            for kind, times in arrivals.items():
                latency[action].setdefault(kind, []).extend((at - t0) * 1000 for at in times)
            for kind, n in lost.items():
                missing[f"{action} {kind}"] = missing.get(f"{action} {kind}", 0) + n
    result: dict[str, Any] = {"statuses": statuses, "missing": missing}
    for action in ("call", "finish"):
        every = [ms for times in latency[action].values() for ms in times]
        result[action] = {
            "request_ms": summary(request_ms[action]),
            "server_cpu_ms": summary(cpu_ms[action]),
            "all_ms": summary(every),
            **{f"{kind}_ms": summary(times) for kind, times in latency[action].items()},
        }
    screens = latency["call"].get("board", []) + latency["call"].get("counter", [])
    result["call"]["screens_ms"] = summary(screens)
    return result


@contextmanager
def database(kind: str, directory: Any) -> Iterator[str]:
    if kind == "postgres":
        with fresh_postgres() as url:
            yield url
    else:
        yield sqlite_url(directory)


@contextmanager
def target_for(plan: Plan, directory: Any) -> Iterator[tuple[Any, Any]]:
    """The running server and the target driving it."""
    if plan.floor:
        with servers.bare_floor(directory) as floor:
            yield floor, FloorTarget(floor.url, plan)
        return
    with (
        database(plan.database, directory) as url,
        servers.loket(url, directory, processes=plan.processes, nginx_in_front=plan.nginx) as srv,
    ):
        yield srv, LoketTarget(srv.url, plan)


def run(plan: Plan) -> dict[str, Any]:
    """One fan-out run, from starting the server to stopping it."""
    raise_open_files()
    with workdir("fanout") as directory, target_for(plan, directory) as (server, target):
        specs = target.specs()
        pids = [p for p in server.pids if p]
        before = rss_bytes(pids)
        log(f"{plan.label}: connecting {len(specs)} clients in {plan.shards} shard(s)")
        with Crowd(server.url, specs, plan.shards) as crowd:
            clerk = Clerk(target) if plan.clerk else None
            cpu = cpu_seconds(pids)
            if clerk is not None:
                clerk.start()
            connected = crowd.connect()
            during_connect = clerk.result() if clerk is not None else None
            connect_cpu_s = cpu_seconds(pids) - cpu
            time.sleep(1.0)
            after = rss_bytes(pids)
            if connected["ready"] < len(specs):
                log(f"only {connected['ready']} of {len(specs)} clients connected: {connected}")
            log(f"{plan.label}: {connected['ready']} ready in {connected['seconds']} s; playing")
            profile: dict[str, Any] = {}
            if plan.profile:
                with profiling.py_spy(profiling.worker_pids(pids), plan.label) as outputs:
                    played = play(crowd, target, plan.rounds, pids)
                profile = profiling.summarize(outputs)
            else:
                played = play(crowd, target, plan.rounds, pids)
            sizes = crowd.frame_sizes()
        clients = max(1, connected["ready"])
        return {
            "plan": asdict(plan),
            "label": plan.label,
            "server": "bench/floor_app.py" if plan.floor else "deploy.cluster",
            "clients": len(specs),
            "connected": connected,
            "connects_per_s": round(connected["ready"] / max(connected["seconds"], 1e-9), 1),
            # The server's CPU while the crowd connected, per client (with `--clerk`, the
            # clerk's requests are in it too), and the clerk's requests meanwhile.
            "connect_cpu_ms_per_client": round(connect_cpu_s * 1000 / clients, 3),
            **({"clerk_during_connect": during_connect} if during_connect else {}),
            "setup_issue_s": target.setup_issue_s,
            "server_rss_mib": {
                "before": round(before / 2**20, 1),
                "after": round(after / 2**20, 1),
            },
            "rss_per_connection_kib": round((after - before) / clients / 1024, 1),
            "frame_bytes": sizes,
            **played,
            **({"profile": profile} if profile else {}),
        }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--boards", type=int, default=50)
    parser.add_argument("--counters", type=int, default=40)
    parser.add_argument("--phones", type=int, default=0)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--shards", type=int, default=1, help="load-generator processes")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--processes", type=int, default=1, help="Loket processes (nginx in front)")
    parser.add_argument("--floor", choices=["same", "broadcast"], help="the bare floor instead")
    parser.add_argument("--profile", action="store_true", help="py-spy the server's rounds")
    parser.add_argument(
        "--clerk", action="store_true", help="a clerk calls and finishes while the crowd connects"
    )
    args = parser.parse_args(argv)
    plan = Plan(
        boards=args.boards,
        counters=args.counters,
        phones=args.phones,
        rounds=args.rounds,
        shards=args.shards,
        database=args.database,
        processes=args.processes,
        nginx=args.processes > 1,
        floor=args.floor,
        profile=args.profile,
        clerk=args.clerk,
    )
    print(json.dumps(run(plan), indent=2))


if __name__ == "__main__":
    main()
