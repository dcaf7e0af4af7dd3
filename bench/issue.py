"""Ticket issue through HTTP (benchmark 1): throughput and latency of `POST /api/v1/tickets` with
1, 16 and 64 kiosks taking tickets as fast as the server answers.

Each concurrency level gets a fresh server on a fresh database with the demo hall (so every level
starts from an empty queue), and takes `--tickets` tickets round-robin over the demo services
without a daily quota (A, C, D, E, F, K). Each kiosk keeps one connection and sends its next
request when the last one is answered; latency is from sending to the last byte of the answer.

    python -m bench.issue --database sqlite
    python -m bench.issue --database postgres --processes 2     # behind nginx
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from . import profiling, servers
from .common import cpu_seconds, log, raise_open_files, summary, workdir
from .fanout import database
from .kiosks import Issued, issue_at_rate, issue_many

#: The demo services without a daily quota: a level never runs into "quota reached".
SERVICES = ["A", "C", "D", "E", "F", "K"]
LEVELS = (1, 16, 64)


def run_level(
    db: str,
    processes: int,
    concurrency: int,
    tickets: int,
    *,
    rate: float | None = None,
    profile: bool = False,
) -> dict[str, Any]:
    """One concurrency level on a fresh server: kiosks pressed non-stop, or with `rate`,
    applicants arriving at that many tickets per second (Poisson) using the free kiosks."""
    nginx = processes > 1
    with (
        workdir("issue") as directory,
        database(db, directory) as url,
        servers.loket(url, directory, processes=processes, nginx_in_front=nginx) as server,
    ):
        # A few requests first: connections, caches and the first query plans are warm.
        issue_many(server.url, 12, 4, SERVICES)
        label = f"issue-{db}-{processes}p-c{concurrency}" + (f"-r{rate:g}" if rate else "")
        report: dict[str, Any] = {}
        masters = [p for p in server.pids if p]

        def load() -> Issued:
            if rate:
                return issue_at_rate(server.url, tickets, rate, concurrency, SERVICES)
            return issue_many(server.url, tickets, concurrency, SERVICES)

        cpu = cpu_seconds(masters)
        if profile:
            with profiling.py_spy(profiling.worker_pids(masters), label) as outputs:
                issued = load()
            report["profile"] = profiling.summarize(outputs)
        else:
            issued = load()
        cpu = cpu_seconds(masters) - cpu
    result = {
        "label": label,
        "database": db,
        "processes": processes,
        "nginx": nginx,
        "concurrency": concurrency,
        "rate_per_s": rate,
        "tickets": tickets,
        "issued": issued.ok,
        "statuses": {str(k): v for k, v in issued.statuses.items()},
        "errors": issued.errors,
        "seconds": round(issued.seconds, 2),
        "per_s": round(issued.ok / max(issued.seconds, 1e-9), 1),
        "latency_ms": summary(issued.latency_ms),
        # Loket's processes only (not nginx, not the kiosks): steady on a busy machine.
        "server_cpu_ms_per_ticket": round(1000 * cpu / max(issued.ok, 1), 2),
        **report,
    }
    log(
        f"{label}: {result['per_s']}/s, p50 {result['latency_ms'].get('p50')} ms, "
        f"p99 {result['latency_ms'].get('p99')} ms"
    )
    return result


def run_floor(db: str, concurrency: int, tickets: int) -> dict[str, Any]:
    """The same kiosks against the issue floor (bench/issue_floor_app.py) on a fresh database."""
    with (
        workdir("issue-floor") as directory,
        database(db, directory) as url,
        servers.issue_floor(directory, url) as floor,
    ):
        issue_many(floor.url, 12, 4, SERVICES)
        masters = floor.pids
        cpu = cpu_seconds(masters)
        issued = issue_many(floor.url, tickets, concurrency, SERVICES)
        cpu = cpu_seconds(masters) - cpu
    label = f"issue-floor-{db}-c{concurrency}"
    result = {
        "label": label,
        "database": db,
        "concurrency": concurrency,
        "tickets": tickets,
        "issued": issued.ok,
        "statuses": {str(k): v for k, v in issued.statuses.items()},
        "seconds": round(issued.seconds, 2),
        "per_s": round(issued.ok / max(issued.seconds, 1e-9), 1),
        "latency_ms": summary(issued.latency_ms),
        "server_cpu_ms_per_ticket": round(1000 * cpu / max(issued.ok, 1), 2),
    }
    log(f"{label}: {result['per_s']}/s, {result['server_cpu_ms_per_ticket']} ms CPU per ticket")
    return result


def run(
    db: str,
    processes: int = 1,
    levels: tuple[int, ...] = LEVELS,
    tickets: int = 500,
    *,
    rates: tuple[float, ...] = (),
    profile: bool = False,
) -> list[dict[str, Any]]:
    """Every level for one deployment, then each arrival rate with 16 kiosks."""
    raise_open_files()
    results = []
    for concurrency in levels:
        results.append(run_level(db, processes, concurrency, tickets, profile=profile))
        time.sleep(1)
        if processes == 1:
            # The floor in the same run, at the same level: the ratio is of one machine state.
            floor = run_floor(db, concurrency, tickets)
            results.append(floor)
            results[-2]["cpu_vs_floor"] = round(
                results[-2]["server_cpu_ms_per_ticket"]
                / max(floor["server_cpu_ms_per_ticket"], 1e-9),
                2,
            )
            time.sleep(1)
    for rate in rates:
        # About a minute of arrivals at most: a slow rate needs fewer tickets to show its latency.
        count = min(tickets, max(50, int(rate * 60)))
        results.append(run_level(db, processes, 16, count, rate=rate, profile=profile))
        time.sleep(1)
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--processes", type=int, default=1, help="> 1: behind nginx (ip_hash)")
    parser.add_argument("--levels", default="1,16,64", help="concurrent kiosks, comma-separated")
    parser.add_argument("--tickets", type=int, default=500, help="tickets per level")
    parser.add_argument(
        "--rates", default="", help="also: applicants arriving at these tickets/s, 16 kiosks"
    )
    parser.add_argument("--profile", action="store_true", help="py-spy the server at each level")
    args = parser.parse_args(argv)
    levels = tuple(int(n) for n in args.levels.split(","))
    rates = tuple(float(r) for r in args.rates.split(",") if r)
    results = run(
        args.database, args.processes, levels, args.tickets, rates=rates, profile=args.profile
    )
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
