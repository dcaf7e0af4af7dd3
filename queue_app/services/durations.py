"""A ticket's durations, read from its event log."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.durations import Durations, LoggedEvent, durations
from ..domain.states import Action
from ..models import TicketEvent


def ticket_durations(session: Session, ticket_id: int) -> Durations:
    """Wait, walk and service time of a ticket, from its events only."""
    rows = session.execute(
        select(TicketEvent.action, TicketEvent.at)
        .where(TicketEvent.ticket_id == ticket_id)
        .order_by(TicketEvent.seq)
    )
    return durations(LoggedEvent(Action(action), at) for action, at in rows)
