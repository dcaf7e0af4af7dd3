"""The admin console's verbs and reads of the hall's services (what the kiosk issues tickets
for): add, change, reorder; the lists and codes the pages show."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...domain.errors import InvalidInput, NotFound
from ...domain.numbering import is_valid_service_code
from ...models import Agency, Counter, CounterService, Service, Ticket, Zone
from .. import audit, mall
from ..hall import ACTIVE_STATES, Hall
from .changes import Applied, config_changed, diff
from .mall import check_channels


@dataclass(frozen=True)
class ServiceChannels:
    """A service's own channel policy (issue 16)."""

    #: `walk_in`, `online`, `both`; None = its agency's.
    channels: str | None
    #: Under `both`: the online share of its daily quota; None = its agency's.
    online_pct: int | None
    #: No-shows' places go to walk-ins for the rest of the day.
    release_no_shows: bool


@dataclass(frozen=True)
class ServiceValues:
    """A service as the admin console edits it."""

    code: str
    name_id: str
    name_en: str
    daily_quota: int | None
    prior_service_s: int
    is_open: bool
    closes_early: bool
    #: Place on kiosks and boards (lower first); None = after the others.
    position: int | None
    #: Its zone and agency; None = the site's first (`mall.home`).
    zone_id: int | None = None
    agency_id: int | None = None
    #: None = keep what is stored (a form posted without these fields).
    channel_policy: ServiceChannels | None = None


# -- reading --------------------------------------------------------------------------------


def of_site(session: Session, site_id: int) -> list[Service]:
    """The hall's services in kiosk order."""
    return list(
        session.scalars(
            select(Service)
            .where(Service.site_id == site_id)
            .order_by(Service.position, Service.code)
        )
    )


def codes(session: Session, site_id: int) -> list[str]:
    """The hall's service codes in kiosk order."""
    return list(
        session.scalars(
            select(Service.code)
            .where(Service.site_id == site_id)
            .order_by(Service.position, Service.code)
        )
    )


def codes_by_id(session: Session, site_id: int) -> dict[int, str]:
    """The hall's service codes by service id."""
    return {
        sid: code
        for sid, code in session.execute(
            select(Service.id, Service.code).where(Service.site_id == site_id)
        )
    }


def codes_taken(session: Session, site_id: int, own: int | None) -> frozenset[str]:
    """The codes the hall's services use, but for service `own` (the one being edited)."""
    stmt = select(Service.code).where(Service.site_id == site_id)
    if own is not None:
        stmt = stmt.where(Service.id != own)
    return frozenset(session.scalars(stmt))


# -- changing -------------------------------------------------------------------------------


def _service_fields(session: Session, service: Service) -> dict[str, Any]:
    zone = session.get(Zone, service.zone_id)
    agency = session.get(Agency, service.agency_id)
    return {
        "code": service.code,
        "name_id": service.name_id,
        "name_en": service.name_en,
        "daily_quota": service.daily_quota,
        "prior_service_s": service.prior_service_s,
        "is_open": service.is_open,
        "closes_early": service.closes_early,
        "position": service.position,
        "zone": zone.name if zone is not None else None,
        "agency": agency.code if agency is not None else None,
        "channels": service.channels,
        "online_pct": service.online_pct,
        "release_no_shows": service.release_no_shows,
    }


def _set_channels(service: Service, policy: ServiceChannels | None) -> None:
    if policy is None:
        return
    service.channels = policy.channels
    service.online_pct = policy.online_pct
    service.release_no_shows = policy.release_no_shows


def _check_service(session: Session, site_id: int, values: ServiceValues, own: int | None) -> None:
    if not is_valid_service_code(values.code):
        raise InvalidInput(
            "a service code is one to three capital letters", field="code", reason="code_format"
        )
    clash = session.scalar(
        select(Service.id).where(Service.site_id == site_id, Service.code == values.code)
    )
    if clash is not None and clash != own:
        raise InvalidInput(
            f"another service already has the code {values.code}", field="code", reason="code_taken"
        )
    if values.daily_quota is not None and values.daily_quota < 0:
        raise InvalidInput(
            "the daily quota cannot be negative", field="daily_quota", reason="range"
        )
    if values.prior_service_s <= 0:
        raise InvalidInput(
            "the service time must be positive", field="prior_service_s", reason="range"
        )
    if not values.name_id.strip() or not values.name_en.strip():
        raise InvalidInput("a service needs both names", field="name_id", reason="required")
    if values.zone_id is not None:
        zone = session.get(Zone, values.zone_id)
        if zone is None or zone.site_id != site_id:
            raise InvalidInput("no such zone in this hall", field="zone_id", reason="choice")
    if values.agency_id is not None:
        agency = session.get(Agency, values.agency_id)
        if agency is None or agency.site_id != site_id:
            raise InvalidInput("no such agency in this hall", field="agency_id", reason="choice")
    if values.channel_policy is not None:
        check_channels(values.channel_policy.channels, values.channel_policy.online_pct)


def _move_zone(session: Session, hall: Hall, service: Service, zone_id: int) -> list[Counter]:
    """Move `service` to zone `zone_id`, with the counters that serve it: refused while today's
    tickets of it are queued or at a counter (they would change rooms, and caps, under way),
    and when a counter serves it beside services that stay (a counter stands in one zone).
    Returns the counters moved with it."""
    active = session.scalar(
        select(func.count(Ticket.id)).where(
            Ticket.service_id == service.id,
            Ticket.service_day == hall.today,
            Ticket.state.in_(ACTIVE_STATES),
        )
    )
    if active:
        raise InvalidInput(
            f"service {service.code} has {active} tickets of today waiting or at a counter: "
            "move it to another zone once they are done (or tomorrow)",
            field="zone_id",
            reason="zone_busy",
            n=int(active),
        )
    counters = list(
        session.scalars(
            select(Counter)
            .join(CounterService, CounterService.counter_id == Counter.id)
            .where(CounterService.service_id == service.id)
            .order_by(Counter.number)
        )
    )
    for counter in counters:
        others = list(
            session.scalars(
                select(Service.code)
                .join(CounterService, CounterService.service_id == Service.id)
                .where(CounterService.counter_id == counter.id, Service.id != service.id)
                .order_by(CounterService.rank)
            )
        )
        if others:
            raise InvalidInput(
                f"counter {counter.number} also serves {', '.join(others)}, which stay in "
                "their zone: change the counter's services first",
                field="zone_id",
                reason="zone_counter",
                counter=counter.number,
                codes=", ".join(others),
            )
    service.zone_id = zone_id
    for counter in counters:
        counter.zone_id = zone_id
    return counters


def create_service(
    session: Session, site_id: int, user_id: int, values: ServiceValues
) -> tuple[Service, Applied]:
    """Add a service to the hall (it appears on kiosks and boards at once)."""
    hall = Hall.lock(session, site_id)
    _check_service(session, site_id, values, None)
    position = values.position
    if position is None:
        last = session.scalar(select(func.max(Service.position)).where(Service.site_id == site_id))
        position = 0 if last is None else last + 1
    zone, agency = mall.home(session, hall.site)
    service = Service(
        site_id=site_id,
        zone_id=values.zone_id or zone.id,
        agency_id=values.agency_id or agency.id,
        code=values.code,
        name_id=values.name_id.strip(),
        name_en=values.name_en.strip(),
        daily_quota=values.daily_quota,
        prior_service_s=values.prior_service_s,
        is_open=values.is_open,
        closes_early=values.closes_early,
        position=position,
    )
    _set_channels(service, values.channel_policy)
    session.add(service)
    session.flush()
    audit.record_change(
        session,
        site_id=site_id,
        user_id=user_id,
        entity=audit.SERVICE,
        entity_id=service.id,
        action="create",
        changes=_service_fields(session, service),
        at=hall.now,
    )
    session.flush()
    return service, Applied(events=config_changed(hall, audit.SERVICE))


def update_service(
    session: Session, service_id: int, user_id: int, values: ServiceValues
) -> tuple[Service, Applied]:
    """Change a service. Its code is fixed once it has issued a ticket (tickets carry it)."""
    service = _service(session, service_id)
    hall = Hall.lock(session, service.site_id)
    service = _service(session, service_id)
    _check_service(session, service.site_id, values, service.id)
    if values.code != service.code and session.scalar(
        select(Ticket.id).where(Ticket.issued_service_id == service.id).limit(1)
    ):
        raise InvalidInput(
            f"service {service.code} has issued tickets: its code is printed on them and "
            "cannot change",
            field="code",
            reason="code_fixed",
        )
    before = _service_fields(session, service)
    service.code = values.code
    service.name_id = values.name_id.strip()
    service.name_en = values.name_en.strip()
    service.daily_quota = values.daily_quota
    service.prior_service_s = values.prior_service_s
    service.is_open = values.is_open
    service.closes_early = values.closes_early
    if values.position is not None:
        service.position = values.position
    if values.agency_id is not None:
        service.agency_id = values.agency_id
    _set_channels(service, values.channel_policy)
    moved: list[Counter] = []
    if values.zone_id is not None and values.zone_id != service.zone_id:
        moved = _move_zone(session, hall, service, values.zone_id)
    session.flush()
    changes = diff(before, _service_fields(session, service))
    if not changes:
        return service, Applied()
    audit.record_change(
        session,
        site_id=service.site_id,
        user_id=user_id,
        entity=audit.SERVICE,
        entity_id=service.id,
        action="update",
        changes=changes,
        at=hall.now,
    )
    for counter in moved:
        # The counter follows its service: its own line in the trail says so.
        audit.record_change(
            session,
            site_id=service.site_id,
            user_id=user_id,
            entity=audit.COUNTER,
            entity_id=counter.id,
            action="update",
            changes={"zone": changes["zone"]},
            at=hall.now,
        )
    session.flush()
    return service, Applied(events=config_changed(hall, audit.SERVICE))


def move_service(
    session: Session, service_id: int, user_id: int, offset: int
) -> tuple[Service, Applied]:
    """Move a service one place earlier (`offset` −1) or later (+1) on kiosks and boards;
    the hall's services are renumbered 0, 1, 2 … in their new order."""
    service = _service(session, service_id)
    hall = Hall.lock(session, service.site_id)
    ordered = list(
        session.scalars(
            select(Service)
            .where(Service.site_id == service.site_id)
            .order_by(Service.position, Service.code)
        )
    )
    index = next(i for i, s in enumerate(ordered) if s.id == service_id)
    target = index + (1 if offset > 0 else -1)
    if not 0 <= target < len(ordered):
        return ordered[index], Applied()
    before = [s.code for s in ordered]
    ordered[index], ordered[target] = ordered[target], ordered[index]
    for position, each in enumerate(ordered):
        each.position = position
    audit.record_change(
        session,
        site_id=service.site_id,
        user_id=user_id,
        entity=audit.SERVICE,
        entity_id=service_id,
        action="reorder",
        changes={"order": [before, [s.code for s in ordered]]},
        at=hall.now,
    )
    session.flush()
    return ordered[target], Applied(events=config_changed(hall, audit.SERVICE))


def _service(session: Session, service_id: int) -> Service:
    service = session.get(Service, service_id)
    if service is None:
        raise NotFound(f"no service {service_id}")
    return service
