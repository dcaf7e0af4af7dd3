"""Drawing the next number of a (service, day) inside the issuing transaction."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..domain.errors import QuotaReached
from ..models import DayCounter, Service


def draw_number(session: Session, service: Service, day: date) -> int:
    """Advance the day counter of `service` and return the new number, or `QuotaReached`.

    One statement on every ticket but a day's first: `UPDATE … RETURNING` advances the counter
    only while the quota allows. The caller holds the hall lock, so nothing interleaves; the
    UPDATE locks the counter row anyway, and the unique (service, day, number) constraint on
    tickets is the last line of defence.
    """
    quota = service.daily_quota
    stmt = (
        update(DayCounter)
        .where(DayCounter.service_id == service.id, DayCounter.day == day)
        .values(last_number=DayCounter.last_number + 1)
        .returning(DayCounter.last_number)
    )
    if quota is not None:
        stmt = stmt.where(DayCounter.last_number < quota)
    number = session.execute(stmt, execution_options={"synchronize_session": False}).scalar()
    if number is not None:
        return int(number)
    exists = session.scalar(
        select(DayCounter.last_number).where(
            DayCounter.service_id == service.id, DayCounter.day == day
        )
    )
    if exists is not None or quota == 0:
        raise QuotaReached(
            f"service {service.code} has issued its {quota} tickets for today",
            service=service.code,
            quota=quota,
        )
    session.add(DayCounter(service_id=service.id, day=day, last_number=1))
    session.flush()
    return 1
