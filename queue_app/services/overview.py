"""The supervisors' live hall overview: inside against the cap, outside, per service the queue
and its longest wait, each counter's state, clerk and ticket, and the alerts.

The page and its socket messages carry timestamps (the oldest waiting ticket's issue time, the
current ticket's call time), so the browser keeps the waits — and the alerts — moving between
messages without asking the server again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..domain.states import TicketState
from ..domain.vocabulary import CounterState
from ..models import Counter, CounterService, Ticket, User
from .read import HallView

Json = dict[str, Any]

QUEUED = [TicketState.ISSUED.value, TicketState.WAITING.value]
AT_COUNTER = [TicketState.CALLED.value, TicketState.SERVING.value]
#: How many of today's no-shows the overview lists (latest first) for a supervisor to reinstate.
NO_SHOWS_LISTED = 20


def hall_overview(session: Session, site_id: int, view: HallView | None = None) -> Json:
    """The overview of one hall now (`view`: reuse one made at the same instant)."""
    view = view or HallView(session, site_id)
    today = view.today
    # The longest-waiting ticket of each service: first by issue time.
    place = (
        select(
            Ticket.id.label("id"),
            func.row_number()
            .over(partition_by=Ticket.service_id, order_by=(Ticket.issued_at, Ticket.id))
            .label("place"),
        )
        .where(
            Ticket.site_id == site_id,
            Ticket.service_day == today,
            Ticket.state.in_(QUEUED),
        )
        .subquery()
    )
    oldest = {
        row.service_id: row
        for row in session.execute(
            select(Ticket.service_id, Ticket.code, Ticket.issued_at)
            .join(place, place.c.id == Ticket.id)
            .where(place.c.place == 1)
        )
    }
    current = {
        row.counter_id: row
        for row in session.execute(
            select(
                Ticket.counter_id,
                Ticket.id,
                Ticket.service_id,
                Ticket.code,
                Ticket.state,
                Ticket.issued_at,
                Ticket.called_at,
                Ticket.started_at,
            ).where(Ticket.site_id == site_id, Ticket.state.in_(AT_COUNTER))
        )
    }
    # Plain rows, not counter objects with their service lists: this runs after every change.
    rows = session.execute(
        select(
            Counter.id,
            Counter.number,
            Counter.label,
            Counter.zone_id,
            Counter.state,
            Counter.staff_id,
        )
        .where(Counter.site_id == site_id)
        .order_by(Counter.number)
    ).all()
    links: dict[int, list[int]] = {}
    for counter_id, service_id in session.execute(
        select(CounterService.counter_id, CounterService.service_id)
        .join(Counter, Counter.id == CounterService.counter_id)
        .where(Counter.site_id == site_id)
        .order_by(CounterService.counter_id, CounterService.rank)
    ):
        links.setdefault(counter_id, []).append(service_id)
    staff_ids = {row.staff_id for row in rows if row.staff_id is not None}
    names = (
        {
            uid: name
            for uid, name in session.execute(
                select(User.id, User.username).where(User.id.in_(staff_ids))
            )
        }
        if staff_ids
        else {}
    )
    codes = {s.id: s.code for s in view.services}
    services = []
    for service in view.services:
        summary = view.service_summary(service)
        head = oldest.get(service.id)
        services.append(
            {
                "id": service.id,
                "code": service.code,
                "name": service.name_id,
                "name_en": service.name_en,
                "open": summary["open"],
                "waiting_inside": summary["waiting_inside"],
                "waiting_outside": summary["waiting_outside"],
                "quota_left": summary["quota_left"],
                "counters_open": summary["counters_open"],
                "estimated_wait_s": summary["estimated_wait_s"],
                "oldest_code": head.code if head else None,
                "oldest_issued_at": _iso(head.issued_at) if head else None,
                "zone_id": service.zone_id,
            }
        )
    counters = []
    for counter in rows:
        at = current.get(counter.id)
        counters.append(
            {
                "id": counter.id,
                "number": counter.number,
                "label": counter.label,
                "zone_id": counter.zone_id,
                "state": counter.state,
                "staff": names.get(counter.staff_id) if counter.staff_id else None,
                "services": [codes.get(sid, "?") for sid in links.get(counter.id, [])],
                "current": (
                    {
                        "id": at.id,
                        "service_id": at.service_id,
                        "code": at.code,
                        "state": at.state,
                        "called_at": _iso(at.called_at),
                        "started_at": _iso(at.started_at),
                    }
                    if at
                    else None
                ),
            }
        )
    numbers = {row.id: row.number for row in rows}
    no_shows = [
        {
            "id": row.id,
            "code": row.code,
            "service": codes.get(row.service_id, "?"),
            "counter": numbers.get(row.counter_id) if row.counter_id else None,
            "at": _iso(row.closed_at),
        }
        for row in session.execute(
            select(Ticket.id, Ticket.code, Ticket.service_id, Ticket.counter_id, Ticket.closed_at)
            .where(
                Ticket.site_id == site_id,
                Ticket.service_day == today,
                Ticket.state == TicketState.NO_SHOW.value,
            )
            .order_by(Ticket.closed_at.desc(), Ticket.id.desc())
            .limit(NO_SHOWS_LISTED)
        )
    ]
    data: Json = {
        "seq": view.seq,
        "generated_at": view.now.isoformat(),
        "site": {
            "id": view.site.id,
            "name": view.site.name,
            "timezone": view.site.timezone,
            "wait_alert_min": view.site.wait_alert_min,
        },
        "hall": view.hall_summary(),
        "zones": _zones(view, services),
        "services": services,
        "counters": counters,
        # Today's latest no-shows, which a supervisor may reinstate from the overview.
        "no_shows": no_shows,
    }
    data["alerts"] = alerts(data, view.now)
    return data


def alerts(overview: Json, now: datetime) -> list[Json]:
    """What needs a supervisor now: a service whose longest wait passed the site's threshold,
    and a service with people waiting while none of its counters is open (hall open). The
    overview page recomputes the same list every few seconds from the same data."""
    threshold_s = overview["site"]["wait_alert_min"] * 60
    found: list[Json] = []
    for service in overview["services"]:
        since = service["oldest_issued_at"]
        if since is not None:
            waited = (now - datetime.fromisoformat(since)).total_seconds()
            if waited >= threshold_s:
                found.append(
                    {
                        "kind": "long_wait",
                        "service": service["code"],
                        "ticket": service["oldest_code"],
                        "minutes": int(waited // 60),
                    }
                )
        waiting = service["waiting_inside"] + service["waiting_outside"]
        if waiting and not service["counters_open"] and overview["hall"]["open"]:
            found.append({"kind": "unserved", "service": service["code"], "waiting": waiting})
    return found


def _zones(view: HallView, services: list[Json]) -> list[Json]:
    """Each zone with its cap, who is in it and outside, its open counters and its longest
    wait (the overview groups the hall by zone in a mall)."""
    zones = []
    for zone in view.zone_summaries:
        own = [s for s in services if s["zone_id"] == zone["id"]]
        waited = [s for s in own if s["oldest_issued_at"] is not None]
        oldest = min(waited, key=lambda s: s["oldest_issued_at"]) if waited else None
        zones.append(
            {
                **zone,
                "full": zone["capacity"] is not None and zone["inside"] >= zone["capacity"],
                "counters_open": sum(
                    1
                    for c in view.estimates.counters
                    if c.state == CounterState.OPEN.value
                    and any(view.zone_by_service.get(sid) == zone["id"] for sid in c.service_ids)
                ),
                "oldest_code": oldest["oldest_code"] if oldest else None,
                "oldest_issued_at": oldest["oldest_issued_at"] if oldest else None,
            }
        )
    return zones


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
