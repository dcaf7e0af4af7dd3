"""Every benchmark in one command: results as JSON and as Markdown tables under bench/results/.

    python -m bench.run_all            # the full set (docs/benchmarks.md), about 30-40 minutes
    python -m bench.run_all --short    # what `make bench` runs: small sizes, about 3 minutes
    python -m bench.run_all --only issue,fanout --label try

Writes bench/results/<label>.json (every figure, the machine, the command) and
bench/results/<label>.md (the tables docs/benchmarks.md shows). Run it on a quiet machine:
other work on the same cores lengthens every latency (the server CPU columns stay steady).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import asdict, dataclass
from typing import Any

from . import busy_day, fanout, issue
from .common import RESULTS, log, machine, raise_open_files, write_result


@dataclass(frozen=True)
class Sizes:
    """How big each benchmark runs."""

    issue_levels: tuple[int, ...] = (1, 16, 64)
    #: Also applicants arriving at these tickets/s (Poisson) on 16 kiosks: the busy day's peak
    #: is well under one a second.
    issue_rates: tuple[float, ...] = (2.0, 10.0)
    issue_tickets: int = 500
    issue_deployments: tuple[tuple[str, int], ...] = (
        ("sqlite", 1),
        ("postgres", 1),
        ("postgres", 2),
    )
    screens: tuple[int, int] = (50, 40)
    screen_rounds: int = 30
    phones: tuple[int, ...] = (1000, 5000)
    phone_rounds: int = 20
    shards: int = 2
    busy_applicants: int = 5000
    busy_database: str = "sqlite"
    busy_phones: int = 50


FULL = Sizes()
SHORT = Sizes(
    issue_levels=(1, 16),
    issue_rates=(10.0,),
    issue_tickets=100,
    issue_deployments=(("sqlite", 1),),
    screens=(10, 10),
    screen_rounds=5,
    phones=(200,),
    phone_rounds=5,
    shards=1,
    busy_applicants=150,
    busy_phones=5,
)


def run(sizes: Sizes, only: set[str]) -> dict[str, Any]:
    results: dict[str, Any] = {"machine": machine(), "sizes": asdict(sizes)}
    if "issue" in only:
        results["issue"] = []
        for db, processes in sizes.issue_deployments:
            results["issue"] += issue.run(
                db, processes, sizes.issue_levels, sizes.issue_tickets, rates=sizes.issue_rates
            )
    if "fanout" in only or "floor" in only:
        plans = [("screens", sizes.screens[0], sizes.screens[1], 0, sizes.screen_rounds)]
        plans += [(f"phones-{n}", 0, 0, n, sizes.phone_rounds) for n in sizes.phones]
        results["fanout"] = []
        for name, boards, counters, phones, rounds in plans:
            shards = sizes.shards if phones >= 1000 else 1
            kinds: list[str | None] = []
            if "fanout" in only:
                kinds.append(None)
            if "floor" in only:
                kinds += ["same", "broadcast"] if phones else ["same"]
            for floor in kinds:
                plan = fanout.Plan(
                    boards=boards,
                    counters=counters,
                    phones=phones,
                    rounds=rounds,
                    shards=shards,
                    floor=floor,
                )
                result = fanout.run(plan)
                result["scenario"] = name
                results["fanout"].append(result)
    if "busy" in only:
        results["busy_day"] = busy_day.run(
            sizes.busy_applicants, sizes.busy_database, sizes.busy_phones
        )
    return results


# -- tables ------------------------------------------------------------------------------------


def _ms(figures: dict[str, Any], key: str) -> str:
    value = figures.get(key)
    return "–" if value is None else f"{value:g}"


def markdown(results: dict[str, Any], label: str, command: str) -> str:
    m = results["machine"]
    lines = [
        f"<!-- bench/results/{label}.md: written by `{command}`; do not edit by hand -->",
        f"Measured {m['when']} on {m['cpu']} ({m['cores']} cores, {m['memory_gib']} GiB), "
        f"Linux {m['kernel']}, Python {m['python']}, gunicorn {m['packages']['gunicorn']} "
        f"(gevent {m['packages']['gevent']}), {m['nginx']}; load average at the start "
        f"{m['load_average_at_start']}. Command: `{command}`.",
        "",
    ]
    if "issue" in results:
        lines += [
            "**Ticket issue (`POST /api/v1/tickets`)**",
            "",
            "| database | processes | kiosks | tickets/s | p50 ms | p99 ms | max ms "
            "| server CPU ms/ticket | errors |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in results["issue"]:
            lat = r["latency_ms"]
            bad = r["tickets"] - r["issued"]
            where = f"{r['processes']} + nginx" if r["nginx"] else str(r["processes"])
            kiosks = str(r["concurrency"])
            if r.get("rate_per_s"):
                kiosks += f", {r['rate_per_s']:g} arriving/s"
            lines.append(
                f"| {r['database']} | {where} | {kiosks} | {r['per_s']:g} "
                f"| {_ms(lat, 'p50')} | {_ms(lat, 'p99')} | {_ms(lat, 'max')} "
                f"| {r['server_cpu_ms_per_ticket']:g} | {bad} |"
            )
        lines.append("")
    fan = results.get("fanout", [])
    if fan:
        lines += [
            "**Call → screen (from sending `call-next` until each client holds the news)**",
            "",
            "| server | clients | screens p50 / p99 / max ms | phones p50 / p99 / max ms "
            "| call request p50 ms | server CPU ms per call | RSS KiB per connection "
            "| missed |",
            "|---|---|---|---|---:|---:|---:|---:|",
        ]
        for r in fan:
            call = r["call"]
            screens, phones = call.get("screens_ms", {}), call.get("phone_ms", {})
            plan = r["plan"]
            who = f"{plan['boards']} boards + {plan['counters']} counters"
            if plan["phones"]:
                who = f"{plan['phones']} phones"
            server = f"floor ({plan['floor']})" if plan["floor"] else "Loket"
            missed = sum(r["missing"].values()) if r["missing"] else 0
            lines.append(
                f"| {server} | {who} "
                f"| {_triple(screens)} | {_triple(phones)} "
                f"| {_ms(call['request_ms'], 'p50')} | {_ms(call['server_cpu_ms'], 'mean')} "
                f"| {r['rss_per_connection_kib']:g} | {missed} |"
            )
        lines.append("")
        lines += _floor_ratios(fan)
    if "busy_day" in results:
        b = results["busy_day"]
        lines += [
            "**The busy day, replayed through HTTP + Socket.IO as fast as it goes**",
            "",
            "| applicants | database | wall s | HTTP requests | requests/s | changes "
            "| board lag p50 / p99 ms | invariants |",
            "|---:|---|---:|---:|---:|---:|---|---|",
            f"| {b['applicants']} | {b['database']} | {b['wall_s']:g} | {b['http_requests']} "
            f"| {b['requests_per_s']:g} | {b['changes']} | {b['board_lag_ms']['p50']:g} / "
            f"{b['board_lag_ms']['p99']:g} | "
            + ("all hold" if b["invariants_hold"] else "BROKEN: " + "; ".join(b["problems"]))
            + " |",
            "",
        ]
    lines += _targets(results)
    return "\n".join(lines) + "\n"


def _triple(figures: dict[str, Any]) -> str:
    if not figures or not figures.get("n"):
        return "–"
    return f"{figures['p50']:g} / {figures['p99']:g} / {figures['max']:g}"


def _floor_ratios(fan: list[dict[str, Any]]) -> list[str]:
    by_scenario: dict[str, dict[str, dict[str, Any]]] = {}
    for r in fan:
        by_scenario.setdefault(r["scenario"], {})[r["plan"]["floor"] or "loket"] = r
    rows = []
    for name, runs in by_scenario.items():
        ours, same = runs.get("loket"), runs.get("same")
        if not ours or not same:
            continue
        key = "phone_ms" if ours["plan"]["phones"] else "screens_ms"
        ours_p99 = ours["call"].get(key, {}).get("p99")
        same_p99 = same["call"].get(key, {}).get("p99")
        cpu_ours = ours["call"]["server_cpu_ms"].get("mean")
        cpu_same = same["call"]["server_cpu_ms"].get("mean")
        broadcast = runs.get("broadcast")
        bc_p99 = broadcast["call"].get(key, {}).get("p99") if broadcast else None
        rows.append(
            f"| {name} | {_ratio(ours_p99, same_p99)} | {_ratio(cpu_ours, cpu_same)} "
            f"| {_ratio(ours_p99, bc_p99)} |"
        )
    if not rows:
        return []
    return [
        "**Our fan-out over the bare floor (python-socketio alone, same messages, same rooms)**",
        "",
        "| clients | p99 latency ratio | server CPU ratio | p99 ratio to one broadcast |",
        "|---|---:|---:|---:|",
        *rows,
        "",
    ]


def _ratio(a: float | None, b: float | None) -> str:
    if not a or not b:
        return "–"
    return f"{a / b:.2f}×"


def _targets(results: dict[str, Any]) -> list[str]:
    rows = []
    for r in results.get("issue", []):
        if r["concurrency"] == 16 and r["processes"] == 1 and not r.get("rate_per_s"):
            p99 = r["latency_ms"].get("p99")
            rows.append(_target(f"issue p99 at 16 kiosks ({r['database']})", p99, 30.0))
    for r in results.get("fanout", []):
        plan = r["plan"]
        if plan["floor"]:
            continue
        if plan["boards"] + plan["counters"] == 90:
            p99 = r["call"].get("screens_ms", {}).get("p99")
            rows.append(_target("call → 90 screens p99", p99, 50.0))
        if plan["phones"] == 5000:
            p99 = r["call"].get("phone_ms", {}).get("p99")
            rows.append(_target("call → 5,000 phones p99", p99, 1000.0))
    for name, ratio in _p99_over_floor(results.get("fanout", [])).items():
        rows.append(_target(f"fan-out over the floor, p99 ({name})", ratio, 2.0, "×"))
    if not rows:
        return []
    return [
        "**The issue's targets (2-core machine)**",
        "",
        "| target | measured | goal | |",
        "|---|---:|---:|---|",
        *rows,
        "",
    ]


def _p99_over_floor(fan: list[dict[str, Any]]) -> dict[str, float]:
    by_scenario: dict[str, dict[str, dict[str, Any]]] = {}
    for r in fan:
        by_scenario.setdefault(r["scenario"], {})[r["plan"]["floor"] or "loket"] = r
    ratios = {}
    for name, runs in by_scenario.items():
        if "loket" in runs and "same" in runs:
            key = "phone_ms" if runs["loket"]["plan"]["phones"] else "screens_ms"
            ours = runs["loket"]["call"].get(key, {}).get("p99")
            floor = runs["same"]["call"].get(key, {}).get("p99")
            if ours and floor:
                ratios[name] = round(ours / floor, 2)
    return ratios


def _target(name: str, value: float | None, goal: float, unit: str = " ms") -> str:
    if value is None:
        return f"| {name} | – | ≤ {goal:g}{unit} | not measured |"
    verdict = "met" if value <= goal else "short"
    return f"| {name} | {value:g}{unit} | ≤ {goal:g}{unit} | {verdict} |"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--short", action="store_true", help="small sizes (make bench)")
    parser.add_argument("--only", default="issue,fanout,floor,busy", help="which benchmarks")
    parser.add_argument("--label", help="results file name (default: full or short)")
    args = parser.parse_args(argv)
    raise_open_files()
    sizes = SHORT if args.short else FULL
    only = {name.strip() for name in args.only.split(",")}
    label = args.label or ("short" if args.short else "full")
    command = "python -m bench.run_all" + (" " + " ".join(sys.argv[1:]) if sys.argv[1:] else "")
    started = time.perf_counter()
    results = run(sizes, only)
    results["command"] = command
    results["seconds"] = round(time.perf_counter() - started, 1)
    path = write_result(label, results)
    table = markdown(results, label, command)
    (RESULTS / f"{label}.md").write_text(table)
    print(table)
    log(f"{path} and {path.with_suffix('.md')} written in {results['seconds']} s")


if __name__ == "__main__":
    main()
