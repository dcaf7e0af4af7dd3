"""The mall's zones and agencies as the verbs and reads need them (flush only)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..domain.errors import InvalidInput
from ..models import Agency, Service, Site, Ticket, Zone


def home(session: Session, site: Site) -> tuple[Zone, Agency]:
    """The site's first zone and agency, made when it has none: what a service or counter
    created without naming them belongs to (a single hall is a mall of one zone and one
    agency)."""
    zone = session.scalars(
        select(Zone).where(Zone.site_id == site.id).order_by(Zone.position, Zone.id)
    ).first()
    if zone is None:
        zone = Zone(site_id=site.id, name="Ruang layanan", floor=1, position=0)
        session.add(zone)
    agency = session.scalars(
        select(Agency).where(Agency.site_id == site.id).order_by(Agency.position, Agency.id)
    ).first()
    if agency is None:
        agency = Agency(
            site_id=site.id, code="UMUM", name_id=site.name[:120], name_en=site.name[:120]
        )
        session.add(agency)
    session.flush()
    return zone, agency


def issued_by_agency(session: Session, site_id: int, day: object) -> dict[int, int]:
    """Tickets issued on a service day per agency (by the service the number was drawn
    from), for agency caps and `GET /api/v1/agencies`."""
    rows = session.execute(
        select(Service.agency_id, func.count(Ticket.id))
        .join(Service, Service.id == Ticket.issued_service_id)
        .where(Ticket.site_id == site_id, Ticket.service_day == day)
        .group_by(Service.agency_id)
    )
    return {agency_id: int(n) for agency_id, n in rows}


def zone_of(session: Session, site: Site, service_ids: list[int]) -> int:
    """The zone of a counter serving `service_ids`: theirs (a counter serves the services
    of the zone it stands in), or the site's first zone when it serves none yet."""
    zones = set(session.scalars(select(Service.zone_id).where(Service.id.in_(service_ids))))
    if len(zones) > 1:
        raise InvalidInput(
            "a counter serves services of one zone only", field="services", reason="zones"
        )
    return zones.pop() if zones else home(session, site)[0].id
