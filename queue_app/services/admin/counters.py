"""The admin console's verbs and reads of the hall's counters: add, change (number, label,
services in preference order, state); the lists and numbers the pages show."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...domain.errors import InvalidInput, NotFound
from ...domain.vocabulary import CounterState
from ...models import Counter, CounterService, Service, Site, Zone
from .. import audit, mall
from ..hall import Hall, require_counter_free
from .changes import Applied, config_changed, diff
from .services import codes_by_id


@dataclass(frozen=True)
class CounterValues:
    """A counter as the admin console edits it; `service_codes` in preference order."""

    number: int
    label: str
    service_codes: tuple[str, ...]
    state: CounterState


# -- reading --------------------------------------------------------------------------------


def of_site(session: Session, site_id: int) -> list[Counter]:
    """The hall's counters by number."""
    return list(
        session.scalars(select(Counter).where(Counter.site_id == site_id).order_by(Counter.number))
    )


def numbers_taken(session: Session, site_id: int, own: int | None) -> frozenset[int]:
    """The numbers the hall's counters use, but for counter `own` (the one being edited)."""
    stmt = select(Counter.number).where(Counter.site_id == site_id)
    if own is not None:
        stmt = stmt.where(Counter.id != own)
    return frozenset(session.scalars(stmt))


def next_number(session: Session, site_id: int) -> int:
    """The number after the hall's highest (1 for the first counter)."""
    last = session.scalar(select(func.max(Counter.number)).where(Counter.site_id == site_id))
    return (last or 0) + 1


def every_counter(session: Session) -> list[tuple[int, int, str, str]]:
    """Every hall's counters as (id, number, label, the hall's name), hall by hall."""
    return [
        (cid, number, label, name)
        for cid, number, label, name in session.execute(
            select(Counter.id, Counter.number, Counter.label, Site.name)
            .join(Site, Site.id == Counter.site_id)
            .order_by(Site.id, Counter.number)
        )
    ]


# -- changing -------------------------------------------------------------------------------


def _counter_fields(session: Session, counter: Counter, codes: dict[int, str]) -> dict[str, Any]:
    zone = session.get(Zone, counter.zone_id) if counter.zone_id is not None else None
    return {
        "number": counter.number,
        "label": counter.label,
        "services": [codes.get(link.service_id, "?") for link in counter.links],
        "state": counter.state,
        "zone": zone.name if zone is not None else None,
    }


def _service_ids(session: Session, site_id: int, wanted: Iterable[str]) -> list[int]:
    """The ids of these service codes in this hall, in the order given."""
    codes = list(wanted)
    if not codes:
        raise InvalidInput(
            "a counter serves at least one service", field="services", reason="services_missing"
        )
    if len(set(codes)) != len(codes):
        raise InvalidInput(
            "each service may be listed once", field="services", reason="services_repeated"
        )
    known = {
        code: sid
        for code, sid in session.execute(
            select(Service.code, Service.id).where(Service.site_id == site_id)
        )
    }
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise InvalidInput(
            f"no service with the code {', '.join(unknown)}",
            field="services",
            reason="services_unknown",
            codes=", ".join(unknown),
        )
    return [known[code] for code in codes]


def _zone_of(session: Session, site: Site, service_ids: list[int]) -> int:
    """The zone the counter stands in: its services' (`mall.zone_of`), refused in words naming
    each zone's services when they lie in two or more."""
    rows = session.execute(
        select(Service.code, Zone.name)
        .join(Zone, Zone.id == Service.zone_id)
        .where(Service.id.in_(service_ids))
        .order_by(Zone.position, Zone.id, Service.position, Service.code)
    )
    by_zone: dict[str, list[str]] = {}
    for code, zone_name in rows:
        by_zone.setdefault(zone_name, []).append(code)
    if len(by_zone) > 1:
        spread = "; ".join(f"{', '.join(codes)} in {name}" for name, codes in by_zone.items())
        raise InvalidInput(
            f"a counter serves the services of one zone only: {spread}",
            field="services",
            reason="zones",
            spread=spread,
        )
    return mall.zone_of(session, site, service_ids)


def _check_number(session: Session, site_id: int, number: int, own: int | None) -> None:
    if number <= 0:
        raise InvalidInput("counter numbers start at 1", field="number", reason="range")
    clash = session.scalar(
        select(Counter.id).where(Counter.site_id == site_id, Counter.number == number)
    )
    if clash is not None and clash != own:
        raise InvalidInput(
            f"counter {number} already exists", field="number", reason="number_taken"
        )


def create_counter(
    session: Session, site_id: int, user_id: int, values: CounterValues
) -> tuple[Counter, Applied]:
    """Add a counter to the hall."""
    hall = Hall.lock(session, site_id)
    _check_number(session, site_id, values.number, None)
    service_ids = _service_ids(session, site_id, values.service_codes)
    counter = Counter(
        site_id=site_id,
        zone_id=_zone_of(session, hall.site, service_ids),
        number=values.number,
        label=values.label.strip() or f"Loket {values.number}",
        state=values.state.value,
        regular_streak=0,
    )
    counter.links = [CounterService(service_id=sid, rank=i) for i, sid in enumerate(service_ids)]
    session.add(counter)
    session.flush()
    audit.record_change(
        session,
        site_id=site_id,
        user_id=user_id,
        entity=audit.COUNTER,
        entity_id=counter.id,
        action="create",
        changes=_counter_fields(session, counter, codes_by_id(session, site_id)),
        at=hall.now,
    )
    session.flush()
    return counter, Applied(events=config_changed(hall, audit.COUNTER))


def update_counter(
    session: Session, counter_id: int, user_id: int, values: CounterValues
) -> tuple[Counter, Applied]:
    """Change a counter: number, label, services in preference order, state. Closing needs
    it free of called and serving tickets, as at the terminal."""
    site_id = _counter(session, counter_id).site_id
    hall = Hall.lock(session, site_id)
    counter = _counter(session, counter_id)
    codes = codes_by_id(session, site_id)
    before = _counter_fields(session, counter, codes)
    _check_number(session, site_id, values.number, counter.id)
    service_ids = _service_ids(session, site_id, values.service_codes)
    zone_id = _zone_of(session, hall.site, service_ids)
    if values.state is CounterState.CLOSED and counter.state != CounterState.CLOSED.value:
        require_counter_free(session, counter)
    counter.number = values.number
    counter.label = values.label.strip() or f"Loket {values.number}"
    counter.zone_id = zone_id
    links = {link.service_id: link for link in counter.links}
    kept = []
    for rank, sid in enumerate(service_ids):
        link = links.get(sid) or CounterService(counter_id=counter.id, service_id=sid)
        link.rank = rank
        kept.append(link)
    counter.links = kept
    state_changed = counter.state != values.state.value
    counter.state = values.state.value
    if values.state is CounterState.CLOSED:
        counter.staff_id = None
    session.flush()
    session.refresh(counter, ["links"])
    changes = diff(before, _counter_fields(session, counter, codes))
    if not changes:
        return counter, Applied()
    applied = Applied()
    if state_changed:
        hall.record_counter(counter, user_id)
    if set(changes) - {"state"}:
        config_changed(hall, audit.COUNTER)
    audit.record_change(
        session,
        site_id=site_id,
        user_id=user_id,
        entity=audit.COUNTER,
        entity_id=counter.id,
        action="update",
        changes=changes,
        at=hall.now,
    )
    session.flush()
    applied.events = hall.events
    return counter, applied


def _counter(session: Session, counter_id: int) -> Counter:
    counter = session.get(Counter, counter_id)
    if counter is None:
        raise NotFound(f"no counter {counter_id}")
    return counter
