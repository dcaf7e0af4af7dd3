"""The admin console's verbs and reads of the mall's zones (a floor or a room, with its own
cap) and agencies (*instansi*): add and change them; the lists and choices the pages show.

Nothing is deleted: a zone or an agency stays with the services that name it (as services and
counters stay)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...domain.booking import ChannelPolicy, agency_policy, takes_walk_ins
from ...domain.errors import InvalidInput, NotFound
from ...models import Agency, Counter, Service, Zone
from .. import admission, audit
from ..hall import Hall
from .changes import Applied, config_changed, diff

#: An agency's tile colour as the form takes it.
COLOUR = re.compile(r"^#[0-9a-f]{6}$")
#: An agency's code: capital letters and digits, e.g. IMI, BDKI, BPJS1.
AGENCY_CODE = re.compile(r"^[A-Z0-9]{1,12}$")
#: The floors a building may number (basements below 0).
FLOORS = (-10, 200)
#: Places a room may hold, at most.
MAX_ROOM = 100_000


@dataclass(frozen=True)
class ZoneValues:
    """A zone as the admin console edits it."""

    name: str
    floor: int
    #: Places in the room in normal times; None = no cap of its own.
    room_capacity: int | None
    #: Share of the places that may be used, 1–100.
    distancing_pct: int
    #: Place on kiosks, boards and the overview (lower first); None = after the others.
    position: int | None


@dataclass(frozen=True)
class AgencyValues:
    """An agency as the admin console edits it."""

    code: str
    name_id: str
    name_en: str
    colour: str
    #: Tickets a day across its services; None = no cap.
    daily_cap: int | None
    position: int | None
    #: Channel policy (`walk_in`, `online`, `both`); None = keep what it is (a new agency:
    #: walk-ins only). Its older `walk_in` flag is kept to it (domain.booking.takes_walk_ins).
    channels: str | None = None
    #: Under `both`: the share of a service's daily quota booked online; None = keep (new: 50).
    online_pct: int | None = None


# -- reading --------------------------------------------------------------------------------


def zones(session: Session, site_id: int) -> list[Zone]:
    """The site's zones in display order."""
    return list(
        session.scalars(
            select(Zone).where(Zone.site_id == site_id).order_by(Zone.position, Zone.id)
        )
    )


def agencies(session: Session, site_id: int) -> list[Agency]:
    """The site's agencies in display order."""
    return list(
        session.scalars(
            select(Agency).where(Agency.site_id == site_id).order_by(Agency.position, Agency.id)
        )
    )


def services_per(session: Session, site_id: int, column: Any) -> dict[int, list[str]]:
    """Service codes per zone (`column` = Service.zone_id) or agency (Service.agency_id)."""
    found: dict[int, list[str]] = {}
    for owner, code in session.execute(
        select(column, Service.code)
        .where(Service.site_id == site_id)
        .order_by(Service.position, Service.code)
    ):
        found.setdefault(owner, []).append(code)
    return found


def counters_per_zone(session: Session, site_id: int) -> dict[int, list[int]]:
    """Counter numbers per zone."""
    found: dict[int, list[int]] = {}
    for zone_id, number in session.execute(
        select(Counter.zone_id, Counter.number)
        .where(Counter.site_id == site_id)
        .order_by(Counter.number)
    ):
        found.setdefault(zone_id, []).append(number)
    return found


def zone_choices(session: Session, site_id: int) -> list[tuple[int, str]]:
    """(id, "Lantai 3 · floor 3") for the service form's select."""
    return [(z.id, zone_label(z)) for z in zones(session, site_id)]


def agency_choices(session: Session, site_id: int) -> list[tuple[int, str]]:
    """(id, "IMI — Kantor Imigrasi") for the service form's select."""
    return [(a.id, f"{a.code} — {a.name_id}") for a in agencies(session, site_id)]


def zone_label(zone: Zone) -> str:
    """A zone as selects and the audit trail name it."""
    return zone.name


def names_taken(session: Session, site_id: int, own: int | None) -> frozenset[str]:
    """The names the site's zones use (case-folded), but zone `own`'s."""
    stmt = select(Zone.name).where(Zone.site_id == site_id)
    if own is not None:
        stmt = stmt.where(Zone.id != own)
    return frozenset(name.casefold() for name in session.scalars(stmt))


def codes_taken(session: Session, site_id: int, own: int | None) -> frozenset[str]:
    """The codes the site's agencies use, but agency `own`'s."""
    stmt = select(Agency.code).where(Agency.site_id == site_id)
    if own is not None:
        stmt = stmt.where(Agency.id != own)
    return frozenset(session.scalars(stmt))


# -- zones ----------------------------------------------------------------------------------


def _zone_fields(zone: Zone) -> dict[str, Any]:
    return {
        "name": zone.name,
        "floor": zone.floor,
        "room_capacity": zone.room_capacity,
        "distancing_pct": zone.distancing_pct,
        "cap": zone.cap,
        "position": zone.position,
    }


def _check_zone(session: Session, site_id: int, values: ZoneValues, own: int | None) -> None:
    name = values.name.strip()
    if not name or len(name) > 120:
        raise InvalidInput(
            "a zone needs a name of 1 to 120 characters", field="name", reason="required"
        )
    if name.casefold() in names_taken(session, site_id, own):
        raise InvalidInput(
            f"another zone is already called {name}", field="name", reason="zone_name_taken"
        )
    if not FLOORS[0] <= values.floor <= FLOORS[1]:
        raise InvalidInput("no such floor", field="floor", reason="range")
    if values.room_capacity is not None and not 0 <= values.room_capacity <= MAX_ROOM:
        raise InvalidInput("a room's capacity is 0 or more", field="room_capacity", reason="range")
    if not 1 <= values.distancing_pct <= 100:
        raise InvalidInput(
            "the share of places in use is 1 to 100%", field="distancing_pct", reason="range"
        )


def _next_position(session: Session, model: type[Zone | Agency], site_id: int) -> int:
    last = session.scalar(select(func.max(model.position)).where(model.site_id == site_id))
    return 0 if last is None else last + 1


def create_zone(
    session: Session, site_id: int, user_id: int, values: ZoneValues
) -> tuple[Zone, Applied]:
    """Add a zone to the site (empty: services and counters are moved to it by their forms)."""
    hall = Hall.lock(session, site_id)
    _check_zone(session, site_id, values, None)
    zone = Zone(
        site_id=site_id,
        name=values.name.strip(),
        floor=values.floor,
        room_capacity=values.room_capacity,
        distancing_pct=values.distancing_pct,
        position=values.position
        if values.position is not None
        else _next_position(session, Zone, site_id),
    )
    session.add(zone)
    session.flush()
    audit.record_change(
        session,
        site_id=site_id,
        user_id=user_id,
        entity=audit.ZONE,
        entity_id=zone.id,
        action="create",
        changes=_zone_fields(zone),
        at=hall.now,
    )
    session.flush()
    return zone, Applied(events=config_changed(hall, audit.ZONE))


def update_zone(
    session: Session, zone_id: int, user_id: int, values: ZoneValues
) -> tuple[Zone, Applied]:
    """Change a zone. A raised cap lets people waiting outside in at once (admission)."""
    zone = _zone(session, zone_id)
    hall = Hall.lock(session, zone.site_id)
    zone = _zone(session, zone_id)
    _check_zone(session, zone.site_id, values, zone.id)
    before = _zone_fields(zone)
    zone.name = values.name.strip()
    zone.floor = values.floor
    zone.room_capacity = values.room_capacity
    zone.distancing_pct = values.distancing_pct
    if values.position is not None:
        zone.position = values.position
    changes = diff(before, _zone_fields(zone))
    if not changes:
        return zone, Applied()
    session.flush()
    if "cap" in changes:
        admission.admit(hall)
    audit.record_change(
        session,
        site_id=zone.site_id,
        user_id=user_id,
        entity=audit.ZONE,
        entity_id=zone.id,
        action="update",
        changes=changes,
        at=hall.now,
    )
    session.flush()
    return zone, Applied(events=config_changed(hall, audit.ZONE))


def _zone(session: Session, zone_id: int) -> Zone:
    zone = session.get(Zone, zone_id)
    if zone is None:
        raise NotFound(f"no zone {zone_id}")
    return zone


# -- agencies -------------------------------------------------------------------------------


def _agency_fields(agency: Agency) -> dict[str, Any]:
    return {
        "code": agency.code,
        "name_id": agency.name_id,
        "name_en": agency.name_en,
        "colour": agency.colour,
        # The policy as it applies (a NULL one reads the `walk_in` flag), so the trail says
        # what changed for applicants, not how it was stored.
        "channels": agency_policy(agency.channels, agency.walk_in).value,
        "online_pct": agency.online_pct,
        "daily_cap": agency.daily_cap,
        "position": agency.position,
    }


def _check_agency(session: Session, site_id: int, values: AgencyValues, own: int | None) -> None:
    if not AGENCY_CODE.match(values.code):
        raise InvalidInput(
            "an agency code is 1 to 12 capital letters or digits",
            field="code",
            reason="agency_code_format",
        )
    if values.code in codes_taken(session, site_id, own):
        raise InvalidInput(
            f"another agency already has the code {values.code}",
            field="code",
            reason="agency_code_taken",
        )
    if not values.name_id.strip() or not values.name_en.strip():
        raise InvalidInput("an agency needs both names", field="name_id", reason="required")
    if max(len(values.name_id.strip()), len(values.name_en.strip())) > 120:
        raise InvalidInput("a name has at most 120 characters", field="name_id", reason="too_long")
    if not COLOUR.match(values.colour):
        raise InvalidInput("a colour is written #rrggbb", field="colour", reason="colour")
    if values.daily_cap is not None and values.daily_cap < 0:
        raise InvalidInput("the daily cap cannot be negative", field="daily_cap", reason="range")
    check_channels(values.channels, values.online_pct)


def check_channels(channels: str | None, online_pct: int | None) -> None:
    """A channel policy and online share as an agency or service form gives them."""
    if channels is not None and channels not in tuple(ChannelPolicy):
        raise InvalidInput("no such channel policy", field="channels", reason="choice")
    if online_pct is not None and not 0 <= online_pct <= 100:
        raise InvalidInput(
            "the online share is 0 to 100 percent", field="online_pct", reason="range"
        )


def _set_channels(agency: Agency, channels: str | None, online_pct: int | None) -> None:
    if channels is not None:
        agency.channels = channels
        agency.walk_in = takes_walk_ins(ChannelPolicy(channels))
    if online_pct is not None:
        agency.online_pct = online_pct


def create_agency(
    session: Session, site_id: int, user_id: int, values: AgencyValues
) -> tuple[Agency, Applied]:
    """Add an agency to the site (its services are given to it on the service form)."""
    hall = Hall.lock(session, site_id)
    _check_agency(session, site_id, values, None)
    agency = Agency(
        site_id=site_id,
        code=values.code,
        name_id=values.name_id.strip(),
        name_en=values.name_en.strip(),
        colour=values.colour,
        walk_in=True,
        online_pct=50,
        daily_cap=values.daily_cap,
        position=values.position
        if values.position is not None
        else _next_position(session, Agency, site_id),
    )
    _set_channels(agency, values.channels, values.online_pct)
    session.add(agency)
    session.flush()
    audit.record_change(
        session,
        site_id=site_id,
        user_id=user_id,
        entity=audit.AGENCY,
        entity_id=agency.id,
        action="create",
        changes=_agency_fields(agency),
        at=hall.now,
    )
    session.flush()
    return agency, Applied(events=config_changed(hall, audit.AGENCY))


def update_agency(
    session: Session, agency_id: int, user_id: int, values: AgencyValues
) -> tuple[Agency, Applied]:
    """Change an agency. A lowered daily cap refuses the next tickets; none already issued is
    taken back."""
    agency = _agency(session, agency_id)
    hall = Hall.lock(session, agency.site_id)
    agency = _agency(session, agency_id)
    _check_agency(session, agency.site_id, values, agency.id)
    before = _agency_fields(agency)
    agency.code = values.code
    agency.name_id = values.name_id.strip()
    agency.name_en = values.name_en.strip()
    agency.colour = values.colour
    _set_channels(agency, values.channels, values.online_pct)
    agency.daily_cap = values.daily_cap
    if values.position is not None:
        agency.position = values.position
    changes = diff(before, _agency_fields(agency))
    if not changes:
        return agency, Applied()
    audit.record_change(
        session,
        site_id=agency.site_id,
        user_id=user_id,
        entity=audit.AGENCY,
        entity_id=agency.id,
        action="update",
        changes=changes,
        at=hall.now,
    )
    session.flush()
    return agency, Applied(events=config_changed(hall, audit.AGENCY))


def _agency(session: Session, agency_id: int) -> Agency:
    agency = session.get(Agency, agency_id)
    if agency is None:
        raise NotFound(f"no agency {agency_id}")
    return agency
