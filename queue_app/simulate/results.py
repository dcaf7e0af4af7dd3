"""What the simulated day shows: estimate accuracy, the invariants, the printed summary."""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..domain.states import INSIDE, TicketState
from ..models import Service, Ticket, TicketEvent, Zone
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


@dataclass
class ZonePeak:
    """One zone's day, replayed from the event log: its cap and the most people inside it at
    once (waiting + called + serving), first reached at `peak_at`."""

    zone_id: int
    name: str
    floor: int
    cap: int | None
    peak: int = 0
    peak_at: datetime | None = None
    #: Events after which the zone held more people than its cap (ticket id, inside).
    above: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class Replay:
    """The day's log replayed event by event, per zone and for the building."""

    zones: dict[int, ZonePeak]
    building_peak: int = 0
    #: Events after which the building held more than `capacity` (ticket id, inside).
    building_above: list[tuple[int, int]] = field(default_factory=list)
    #: Tickets a zone lost that it never held: the replay's bookkeeping is wrong.
    negative: list[tuple[int, int]] = field(default_factory=list)
    #: Transfers into a service of another zone (ticket id, left zone id, new zone id).
    zone_moves: list[tuple[int, int, int]] = field(default_factory=list)


def replay_zones(session: Session, site_id: int, capacity: int | None) -> Replay:
    """Replay every event in commit order, counting each ticket in the zone of the service it
    is in *now*: an event's `service_id` is the ticket's service after it (a transfer's is the
    target), so the zone it leaves is the one of its previous event."""
    zone_of = {
        service_id: zone_id
        for service_id, zone_id in session.execute(
            select(Service.id, Service.zone_id).where(Service.site_id == site_id)
        )
    }
    replay = Replay(
        {
            z.id: ZonePeak(z.id, z.name, z.floor, z.cap)
            for z in session.scalars(
                select(Zone).where(Zone.site_id == site_id).order_by(Zone.floor, Zone.position)
            )
        }
    )
    inside = dict.fromkeys(replay.zones, 0)
    building = 0
    where: dict[int, int] = {}  # ticket → zone of its current service
    for ticket_id, before, after, service_id, at in session.execute(
        select(
            TicketEvent.ticket_id,
            TicketEvent.from_state,
            TicketEvent.to_state,
            TicketEvent.service_id,
            TicketEvent.at,
        )
        .where(TicketEvent.site_id == site_id)
        .order_by(TicketEvent.seq)
    ):
        new_zone = zone_of[service_id]
        old_zone = where.get(ticket_id, new_zone)
        if old_zone != new_zone:
            replay.zone_moves.append((ticket_id, old_zone, new_zone))
        where[ticket_id] = new_zone
        left = before is not None and TicketState(before) in INSIDE
        came = TicketState(after) in INSIDE
        inside[old_zone] -= left
        inside[new_zone] += came
        building += came - left
        if inside[old_zone] < 0:
            replay.negative.append((ticket_id, old_zone))
        zone = replay.zones[new_zone]
        if inside[new_zone] > zone.peak:
            zone.peak, zone.peak_at = inside[new_zone], at
        if zone.cap is not None and inside[new_zone] > zone.cap:
            zone.above.append((ticket_id, inside[new_zone]))
        replay.building_peak = max(replay.building_peak, building)
        if capacity is not None and building > capacity:
            replay.building_above.append((ticket_id, building))
    return replay


def invariant_problems(session: Session, site_id: int, capacity: int | None) -> list[str]:
    """Every broken promise of the day, replayed from the event log (empty when all hold):
    `capacity` is the building's cap (None: none), each zone's cap is read from its row."""
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
    replay = replay_zones(session, site_id, capacity)
    if replay.building_above:
        ticket_id, inside = replay.building_above[0]
        problems.append(
            f"building above its cap {len(replay.building_above)} time(s), first "
            f"{inside} > {capacity} at ticket {ticket_id}"
        )
    for zone in replay.zones.values():
        if zone.above:
            ticket_id, inside = zone.above[0]
            problems.append(
                f"zone {zone.name} (floor {zone.floor}) above its cap {len(zone.above)} "
                f"time(s), first {inside} > {zone.cap} at ticket {ticket_id}"
            )
    for ticket_id, zone_id in replay.negative[:5]:
        problems.append(f"zone {zone_id} left by ticket {ticket_id} it did not hold")
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
        f"{len(report.zones)} zones, {len(report.agencies)} agencies, "
        f"{len(report.services)} services, {len(report.counters)} counters, "
        f"building cap {capacity}, early close {'on' if scenario.early_close else 'off'}, "
        f"seed {scenario.seed}."
    )
    yield (
        f"Simulated in {run.wall_s:.1f} s wall time ({run.operations} transactions, "
        f"{run.operations / max(run.wall_s, 1e-9):.0f}/s)."
    )
    yield ""
    refused = totals.refusals
    yield (
        f"Issued {totals.issued}, served {totals.served}, no-show {totals.no_show}, "
        f"cancelled {totals.cancelled}, expired {totals.expired}, "
        f"transferred {totals.transferred}; turned away: "
        f"quota {refused.get('quota_reached', 0)}, "
        f"agency cap {refused.get('agency_cap_reached', 0)}, "
        f"no walk-ins {refused.get('walk_in_not_accepted', 0)}, "
        f"closed early {refused.get('closed_early', 0)}."
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
            f"Building occupancy peak {o.peak_inside} of cap {capacity} at {when}; "
            f"most waiting outside at once: {o.peak_outside}."
        )
    replay = replay_zones(session, run.hall.site_id, capacity)
    for zone in replay.zones.values():
        when = zone.peak_at.astimezone(report.zone).strftime("%H:%M") if zone.peak_at else "-"
        yield (
            f"  floor {zone.floor}, {zone.name}: inside at most {zone.peak} of cap "
            f"{zone.cap if zone.cap is not None else 'none'} (at {when})."
        )
    yield ""
    yield (
        "service  issued served no-show cancel expired quota agency walk-in early  "
        "wait-mean wait-p90 (min)"
    )
    for service, f in report.service_rows():
        w = f.wait
        r = f.refusals
        yield (
            f"{service.code:<7} {f.issued:7d} {f.served:6d} {f.no_show:7d} {f.cancelled:6d} "
            f"{f.expired:7d} {r.get('quota_reached', 0):5d} {r.get('agency_cap_reached', 0):6d} "
            f"{r.get('walk_in_not_accepted', 0):7d} {f.closed_early:5d}  "
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
            "Invariants hold: no number repeated, no ticket called twice at once, no zone above "
            "its cap (nor the building above its own), every ticket in a final state after "
            "close-day."
        )
