"""Applicants turned away: a refused issue writes nothing, so the refusal is recorded apart."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..domain.errors import (
    AgencyCapReached,
    ClosedEarly,
    LoketError,
    NotFound,
    QuotaReached,
    WalkInNotAccepted,
)
from ..domain.numbering import service_day, site_zone
from ..domain.vocabulary import Channel, Priority
from ..models import Refusal, Service, Site
from .clock import utcnow

#: The reason of an applicant who saw a service's requirements at the kiosk, lacked a document
#: and took no number ("Belum"): a visit saved, not a refusal by the hall.
NOT_READY = "not_ready"


def refusal_reason(error: LoketError) -> str | None:
    """The reason recorded for a refused issue, or None when it is not a refusal for capacity
    (a service switched off, the hall outside its hours, bad input …)."""
    if isinstance(error, QuotaReached):
        return "quota_reached"
    if isinstance(error, AgencyCapReached):
        return "agency_cap_reached"
    if isinstance(error, WalkInNotAccepted):
        return "walk_in_not_accepted"
    if isinstance(error, ClosedEarly):
        return "closed_early"
    return None


def record_refusal(
    session: Session,
    service_id: int,
    reason: str,
    channel: Channel,
    priority: Priority | None = None,
) -> Refusal:
    """Append one refusal of `service_id` now. Call it in a fresh transaction, after the
    refused one rolled back; it takes no hall lock (it changes no queue)."""
    service = session.get(Service, service_id)
    site = session.get(Site, service.site_id) if service is not None else None
    if service is None or site is None:
        raise NotFound(f"no service {service_id}")
    now = utcnow()
    refusal = Refusal(
        site_id=site.id,
        service_id=service.id,
        service_day=service_day(now, site_zone(site.timezone)),
        at=now,
        reason=reason,
        channel=channel.value,
        priority=priority.value if priority else None,
    )
    session.add(refusal)
    session.flush()
    return refusal
