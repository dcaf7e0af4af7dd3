"""Drawing the next number of a (service, day) inside the issuing transaction."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from ..domain.errors import QuotaReached
from ..models import DayCounter, Service


def draw_number(session: Session, service: Service, day: date) -> int:
    """Advance the day counter of `service` and return the new number, or `QuotaReached`.

    The caller holds the hall lock, so the read-modify-write cannot interleave; the counter row
    is still locked FOR UPDATE so numbering stays safe even for a caller that forgot, and the
    unique (service, day, number) constraint on tickets is the last line of defence.
    """
    counter = session.get(DayCounter, (service.id, day), with_for_update=True)
    if counter is None:
        counter = DayCounter(service_id=service.id, day=day, last_number=0)
        session.add(counter)
    if service.daily_quota is not None and counter.last_number >= service.daily_quota:
        raise QuotaReached(
            f"service {service.code} has issued its {service.daily_quota} tickets for today",
            service=service.code,
            quota=service.daily_quota,
        )
    counter.last_number += 1
    session.flush()
    return counter.last_number
