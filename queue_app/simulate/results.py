"""What the simulated day shows: estimate accuracy, the invariants, the printed summary."""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..domain.states import INSIDE, TicketState
from ..models import Ticket, TicketEvent
from ..services.reports import HallReport, Period
from .day import DayRun, IssueEstimate


@dataclass(frozen=True)
class Accuracy:
    """Mean absolute error of the estimates given at issue, against the real wait."""

    code: str
    tickets: int
    mean_wait_s: float
    ours_s: float
    naive_s: float
    first_version_s: float
    ours_bias_s: float


def real_waits(session: Session, site_id: int) -> dict[int, float]:
    """Ticket id → first call − issue, from the event log (tickets that were called)."""
    issued = dict(
        session.execute(
            select(TicketEvent.ticket_id, TicketEvent.at).where(
                TicketEvent.site_id == site_id, TicketEvent.action == "issue"
            )
        ).all()
    )
    called = session.execute(
        select(TicketEvent.ticket_id, func.min(TicketEvent.at))
        .where(TicketEvent.site_id == site_id, TicketEvent.action == "call")
        .group_by(TicketEvent.ticket_id)
    )
    return {t: (at - issued[t]).total_seconds() for t, at in called if t in issued}


def accuracy(session: Session, run: DayRun) -> list[Accuracy]:
    """Per service, then all together (code "*"), over the tickets that were called and were
    given a figure (a ticket taken while no open counter served its service was told so in
    words, and none of the three estimators is scored on it)."""
    waits = real_waits(session, run.hall.site_id)
    codes = {sid: code for code, sid in run.hall.service_ids.items()}
    # (ours, the estimate, the real wait) of each scored ticket
    groups: dict[str, list[tuple[int, IssueEstimate, float]]] = {}
    for estimate in run.estimates:
        wait = waits.get(estimate.ticket_id)
        if wait is None or estimate.ours_s is None:
            continue
        groups.setdefault(codes[estimate.service_id], []).append((estimate.ours_s, estimate, wait))
    everyone = [pair for code in sorted(groups) for pair in groups[code]]
    rows = []
    for code, pairs in [*sorted(groups.items()), ("*", everyone)]:
        n = len(pairs)
        if n == 0:
            continue
        rows.append(
            Accuracy(
                code=code,
                tickets=n,
                mean_wait_s=sum(w for _, _, w in pairs) / n,
                ours_s=sum(abs(o - w) for o, _, w in pairs) / n,
                naive_s=sum(abs(e.naive_s - w) for _, e, w in pairs) / n,
                first_version_s=sum(abs(e.first_version_s - w) for _, e, w in pairs) / n,
                ours_bias_s=sum(o - w for o, _, w in pairs) / n,
            )
        )
    return rows


def invariant_problems(session: Session, site_id: int, capacity: int | None) -> list[str]:
    """Every broken promise of the day, replayed from the event log (empty when all hold)."""
    problems = []
    numbers = session.execute(
        select(Ticket.issued_service_id, Ticket.service_day, Ticket.number).where(
            Ticket.site_id == site_id
        )
    ).all()
    repeated = [key for key, n in Tally(numbers).items() if n > 1]
    if repeated:
        problems.append(f"{len(repeated)} number(s) issued twice")
    per_service = Tally((s, d) for s, d, _ in numbers)
    for (service_id, day), count in per_service.items():
        drawn = sorted(n for s, d, n in numbers if (s, d) == (service_id, day))
        if drawn != list(range(1, count + 1)):
            problems.append(f"service {service_id} on {day}: numbers not 1..{count}")
    inside = 0
    at_counter: dict[int, int] = {}
    for ticket_id, action, before, after, counter_id in session.execute(
        select(
            TicketEvent.ticket_id,
            TicketEvent.action,
            TicketEvent.from_state,
            TicketEvent.to_state,
            TicketEvent.counter_id,
        )
        .where(TicketEvent.site_id == site_id)
        .order_by(TicketEvent.seq)
    ):
        inside += (TicketState(after) in INSIDE) - (
            before is not None and TicketState(before) in INSIDE
        )
        if capacity is not None and inside > capacity:
            problems.append(f"hall above its cap ({inside} > {capacity}) at ticket {ticket_id}")
        if action == "call":
            if before != TicketState.WAITING.value:
                problems.append(f"ticket {ticket_id} called while {before}")
            if ticket_id in at_counter.values():
                problems.append(f"ticket {ticket_id} called while at a counter")
            if counter_id in at_counter:
                problems.append(f"counter {counter_id} called with a ticket at it")
            if counter_id is not None:
                at_counter[counter_id] = ticket_id
        elif TicketState(after) not in (TicketState.CALLED, TicketState.SERVING):
            at_counter = {c: t for c, t in at_counter.items() if t != ticket_id}
    open_states = session.scalars(
        select(Ticket.state)
        .where(
            Ticket.site_id == site_id,
            Ticket.state.in_([s.value for s in (TicketState.ISSUED, *INSIDE)]),
        )
        .distinct()
    ).all()
    if open_states:
        problems.append(f"tickets left in {', '.join(sorted(open_states))} after close-day")
    return problems


def minutes(seconds: float) -> str:
    return f"{seconds / 60:6.1f}"


def summary_lines(session: Session, run: DayRun) -> Iterator[str]:
    """The day's report and the estimate accuracy, as the command prints them."""
    scenario = run.scenario
    report = HallReport(session, run.hall.site_id, Period(scenario.day, scenario.day))
    totals = report.report.totals
    capacity = report.site.hall_capacity
    yield (
        f"Busy day {scenario.day}: {scenario.applicants} applicants, "
        f"{len(report.services)} services, {len(report.counters)} counters, "
        f"hall cap {capacity}, early close {'on' if scenario.early_close else 'off'}, "
        f"seed {scenario.seed}."
    )
    yield (
        f"Simulated in {run.wall_s:.1f} s wall time ({run.operations} transactions, "
        f"{run.operations / max(run.wall_s, 1e-9):.0f}/s)."
    )
    yield ""
    yield (
        f"Issued {totals.issued}, served {totals.served}, no-show {totals.no_show}, "
        f"cancelled {totals.cancelled}, expired {totals.expired}, "
        f"transferred {totals.transferred}; turned away: quota {totals.refused_quota}, "
        f"closed early {totals.closed_early}."
    )
    wait = totals.wait
    if wait.count:
        assert wait.mean is not None and wait.median is not None and wait.p90 is not None
        yield (
            f"Wait (min): mean {wait.mean / 60:.1f}, median {wait.median / 60:.1f}, "
            f"p90 {wait.p90 / 60:.1f}."
        )
    for o in report.report.occupancy:
        peak = o.peak_inside_at
        when = peak.astimezone(report.zone).strftime("%H:%M") if peak else ""
        yield (
            f"Hall occupancy peak {o.peak_inside} of cap {capacity} at {when}; "
            f"most waiting outside at once: {o.peak_outside}."
        )
    yield ""
    yield "service  issued served no-show cancel expired quota early  wait-mean wait-p90 (min)"
    for service, f in report.service_rows():
        w = f.wait
        yield (
            f"{service.code:<7} {f.issued:7d} {f.served:6d} {f.no_show:7d} {f.cancelled:6d} "
            f"{f.expired:7d} {f.refused_quota:5d} {f.closed_early:5d}  "
            f"{minutes(w.mean or 0)}   {minutes(w.p90 or 0)}"
        )
    yield ""
    yield "Estimate accuracy at issue: mean absolute error (min) vs the real wait"
    yield "service  tickets  mean-wait   ours  naive  first-version  ours-bias"
    for row in accuracy(session, run):
        yield (
            f"{row.code:<7} {row.tickets:8d}  {minutes(row.mean_wait_s)}  "
            f"{minutes(row.ours_s)} {minutes(row.naive_s)}  {minutes(row.first_version_s)}"
            f"         {minutes(row.ours_bias_s)}"
        )
    problems = invariant_problems(session, run.hall.site_id, capacity)
    yield ""
    if problems:
        yield "INVARIANTS BROKEN:"
        yield from (f"  {p}" for p in problems)
    else:
        yield (
            "Invariants hold: no number repeated, no ticket called twice at once, the hall never "
            "above its cap, every ticket in a final state after close-day."
        )
