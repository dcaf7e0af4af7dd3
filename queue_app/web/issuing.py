"""Issuing a ticket from a view, counting the applicants turned away.

A refused issue (quota reached, service closed early) rolls back and writes nothing; the reports
still need to know someone was turned away, so the refusal is written in a transaction of its
own before the error goes on to the error handler. Every surface that issues (the API, a kiosk
form) calls `issue_or_refuse` instead of `tickets.issue_ticket`.
"""

from __future__ import annotations

from collections.abc import Callable

from ..domain.errors import LoketError
from ..domain.events import DomainEvent
from ..domain.vocabulary import Channel, Priority
from ..extensions import db, db_session
from ..models import Ticket
from ..services import refusals, tickets
from ..services.holders import HolderId
from ..services.notifications import Contact


def issue_or_refuse(
    service_id: int,
    *,
    priority: Priority | None,
    channel: Channel,
    holder: HolderId | None = None,
    holder_for: Callable[[str | None], HolderId | None] | None = None,
    site_id: int | None = None,
    code: str | None = None,
    contact: Contact | None = None,
) -> tuple[Ticket, list[DomainEvent]]:
    """`tickets.issue_ticket`, recording a refusal for capacity before re-raising it.

    The caller commits the issue and publishes its events as usual."""
    try:
        return tickets.issue_ticket(
            db_session(),
            service_id,
            priority=priority,
            channel=channel,
            holder=holder,
            holder_for=holder_for,
            site_id=site_id,
            code=code,
            contact=contact,
        )
    except LoketError as refused:
        reason = refusals.refusal_reason(refused)
        if reason is None:
            raise
        db.session.rollback()
        refusals.record_refusal(db_session(), service_id, reason, channel, priority)
        db.session.commit()
        raise
