"""Closing a service day: what earlier days left in the queue expires (the first lock of a day
does it by itself, the `close-day` command on demand)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.events import DomainEvent
from ..domain.states import Action
from ..models import Site, Ticket
from .admission import admit
from .hall import QUEUED_STATES, Hall


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


def expire_earlier_days(hall: Hall) -> list[Ticket]:
    """Expire every ticket of an earlier service day still in the queue.

    Runs on the first lock of a service day, so the day turns over at local midnight by
    itself; the `close-day` command runs it on demand. Nothing is deleted: each gets an
    `expire` event. A ticket called or being served when the day turns is with a clerk:
    it is not expired, and is started and finished as usual (its service time recorded);
    until then its counter is busy with it (read.ACTIVE_QUERY keeps it in the hall)."""
    stmt = select(Ticket).where(
        Ticket.site_id == hall.site.id,
        Ticket.state.in_(QUEUED_STATES),
        Ticket.service_day < hall.today,
    )
    expired = list(hall.session.scalars(stmt.order_by(Ticket.id)))
    for ticket in expired:
        hall.move(ticket, Action.EXPIRE, detail={"reason": "day_closed"})
    if expired:
        hall.session.flush()
        admit(hall)
    return expired
