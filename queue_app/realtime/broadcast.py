"""The only place that emits Socket.IO messages. Called after the transaction commits.

Each message carries the data it is about and the site's sequence number, so a client can drop
stale messages and never needs a second request to learn what changed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from ..domain.events import CounterChanged, DomainEvent, TicketChanged
from ..extensions import socketio
from .rooms import board_room, counter_room, service_room, ticket_room

log = logging.getLogger(__name__)


def ticket_payload(event: TicketChanged) -> dict[str, Any]:
    """What every room may see of a ticket change: no token, no personal data."""
    return {
        "seq": event.seq,
        "at": event.at.isoformat(),
        "action": event.action.value,
        "ticket": {
            "id": event.ticket_id,
            "code": event.code,
            "service_id": event.service_id,
            "service_code": event.service_code,
            "priority": event.priority is not None,
            "state": event.to_state.value,
            "from_state": event.from_state.value if event.from_state else None,
            "counter_id": event.counter_id,
            "counter_number": event.counter_number,
        },
    }


def counter_payload(event: CounterChanged) -> dict[str, Any]:
    """A counter's new state."""
    return {
        "seq": event.seq,
        "at": event.at.isoformat(),
        "counter": {"id": event.counter_id, "number": event.number, "state": event.state},
    }


def publish(events: Iterable[DomainEvent]) -> None:
    """Send each event to the rooms it concerns. Never raises: the commit already happened,
    and clients heal from the snapshot they get on reconnect."""
    for event in events:
        try:
            _publish_one(event)
        except Exception:  # a broken message queue must not fail a committed request
            log.exception("could not broadcast event seq=%s", event.seq)


def _publish_one(event: DomainEvent) -> None:
    if isinstance(event, TicketChanged):
        payload = ticket_payload(event)
        rooms = [
            board_room(event.site_id),
            service_room(event.service_id),
            ticket_room(event.token),
        ]
        if event.counter_id is not None:
            rooms.append(counter_room(event.counter_id))
        socketio.emit("ticket", payload, to=rooms)
    else:
        socketio.emit(
            "counter",
            counter_payload(event),
            to=[board_room(event.site_id), counter_room(event.counter_id)],
        )


def send_snapshot(kind: str, data: dict[str, Any], sid: str) -> None:
    """Send one client its snapshot (on connect and on every reconnect)."""
    socketio.emit("snapshot", {"kind": kind, "data": data}, to=sid)
