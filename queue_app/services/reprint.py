"""Reprinting a lost slip: today's ticket of a hall found by the code printed on it, handed
back with its own token (the same QR code), and the reprint kept in the audit trail — a slip
gives whoever holds it the ticket's status page, so who handed out a second one is recorded."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.errors import InvalidInput, NotFound
from ..domain.numbering import display_code, service_day, site_zone
from ..domain.states import TicketState
from ..models import Site, Ticket
from .audit import TICKET, record_change
from .clock import utcnow

#: What a clerk may type for `A-007`: `A-007`, `a007`, `A 7`, `a7` (one to three letters).
TYPED_CODE = re.compile(r"\s*([A-Za-z]{1,3})\s*[-–]?\s*(\d{1,6})\s*")
#: A slip of a ticket in these states is of no more use: nothing is reprinted.
FINISHED = frozenset(
    {TicketState.DONE.value, TicketState.CANCELLED.value, TicketState.EXPIRED.value}
)


@dataclass(frozen=True)
class Refusal:
    """Why nothing was reprinted: `malformed`, `unknown`, `other_day` (with the day the
    code was last issued) or `finished` (with the ticket's state)."""

    reason: str
    code: str
    day: date | None = None
    state: str | None = None


def normalise_code(typed: str) -> str | None:
    """`A-007` for what a clerk typed (`a7`, `A 007` …), or None when it is no ticket code."""
    found = TYPED_CODE.fullmatch(typed)
    if found is None:
        return None
    return display_code(found.group(1).upper(), int(found.group(2)))


def find_for_reprint(session: Session, site_id: int, typed: str) -> Ticket | Refusal:
    """Today's ticket of the hall with this code (the day in the hall's time zone), or why
    there is none to reprint. Reads only."""
    code = normalise_code(typed)
    if code is None:
        return Refusal("malformed", typed.strip()[:16])
    site = session.get(Site, site_id)
    if site is None:
        raise NotFound(f"no site {site_id}")
    today = service_day(utcnow(), site_zone(site.timezone))
    ticket = session.scalars(
        select(Ticket).where(
            Ticket.site_id == site_id, Ticket.service_day == today, Ticket.code == code
        )
    ).first()
    if ticket is None:
        earlier = session.scalars(
            select(Ticket.service_day)
            .where(Ticket.site_id == site_id, Ticket.code == code)
            .order_by(Ticket.service_day.desc())
            .limit(1)
        ).first()
        return Refusal("other_day", code, day=earlier) if earlier else Refusal("unknown", code)
    if ticket.state in FINISHED:
        return Refusal("finished", code, state=ticket.state)
    return ticket


def record_reprint(session: Session, ticket: Ticket, user_id: int) -> None:
    """Keep the reprint in the audit trail (entity `ticket`, action `reprint`). Flushes."""
    if ticket.state in FINISHED:
        raise InvalidInput("a finished ticket is not reprinted", code=ticket.code)
    record_change(
        session,
        site_id=ticket.site_id,
        user_id=user_id,
        entity=TICKET,
        entity_id=ticket.id,
        action="reprint",
        changes={"ticket_state": ticket.state},
    )
    session.flush()
