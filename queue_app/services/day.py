"""Closing a service day."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.events import DomainEvent
from ..models import Site, Ticket
from .hall import Hall


def close_day(
    session: Session, site_id: int | None = None
) -> tuple[list[Ticket], list[DomainEvent]]:
    """Expire what earlier service days left in the queue or at a counter, for one site or all.

    Locking a hall on a new day already does this by itself (see `Hall.lock`), so the day turns
    over at local midnight even if nobody runs this; the command lets an operator or a cron job
    do it right after midnight, so boards and reports are clean before the first ticket.
    """
    site_ids = [site_id] if site_id is not None else list(session.scalars(select(Site.id)))
    expired: list[Ticket] = []
    events: list[DomainEvent] = []
    for sid in site_ids:
        hall = Hall.lock(session, sid, close_days=True)
        expired.extend(hall.expired)
        events.extend(hall.events)
    session.flush()
    return expired, events
