"""Domain events: what changed, returned by services and broadcast after the commit.

They carry the data a screen needs, so no client has to ask again to learn what changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .states import Action, TicketState


@dataclass(frozen=True, kw_only=True)
class TicketChanged:
    """A ticket took an action (issue, admit, call, …)."""

    site_id: int
    seq: int
    at: datetime
    action: Action
    ticket_id: int
    code: str
    service_id: int
    service_code: str
    priority: str | None
    from_state: TicketState | None
    to_state: TicketState
    counter_id: int | None
    counter_number: int | None
    staff_id: int | None
    # Used only to route the news to the ticket's own room; never put into a public payload.
    token: str


@dataclass(frozen=True, kw_only=True)
class CounterChanged:
    """A counter opened, paused or closed."""

    site_id: int
    seq: int
    at: datetime
    counter_id: int
    number: int
    state: str
    staff_id: int | None


@dataclass(frozen=True, kw_only=True)
class ConfigChanged:
    """The hall's set-up changed (a service, a counter or the site's settings, `what`): boards,
    kiosks and counter terminals take a fresh look at the whole board."""

    site_id: int
    seq: int
    what: str


DomainEvent = TicketChanged | CounterChanged | ConfigChanged
