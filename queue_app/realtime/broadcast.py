"""The only place that emits Socket.IO messages. Called after the transaction commits.

Each message carries the data it is about and the site's sequence number, so a client can drop
stale messages and never needs a second request to learn what changed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from ..domain.events import CounterChanged, DomainEvent, TicketChanged
from ..domain.states import Action
from ..extensions import db_session, socketio
from ..i18n import announcements
from ..models import CounterService
from ..services import read
from .rooms import board_room, counter_room, service_room, ticket_room

log = logging.getLogger(__name__)


#: Actions a lobby board announces aloud.
ANNOUNCED = (Action.CALL, Action.RECALL)


def ticket_payload(event: TicketChanged) -> dict[str, Any]:
    """What every room may see of a ticket change: no token, no personal data. A call carries
    its spoken announcement in every language, so boards need no second request."""
    payload = {
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
    if event.action in ANNOUNCED and event.counter_number is not None:
        payload["announce"] = announcements(event.code, event.counter_number)
    return payload


def counter_payload(event: CounterChanged) -> dict[str, Any]:
    """A counter's new state."""
    return {
        "seq": event.seq,
        "at": event.at.isoformat(),
        "counter": {"id": event.counter_id, "number": event.number, "state": event.state},
    }


def publish(events: Iterable[DomainEvent]) -> None:
    """Send each event to the rooms it concerns, then the new queue figures of the services it
    touched. Never raises: the commit already happened, and clients heal from the snapshot
    they get on reconnect."""
    events = list(events)
    for event in events:
        try:
            _publish_one(event)
        except Exception:  # a broken message queue must not fail a committed request
            log.exception("could not broadcast event seq=%s", event.seq)
    if events:
        try:
            _publish_queues(events)
        except Exception:
            log.exception("could not broadcast queue figures")
        finally:
            # End the read transaction (on SQLite it holds the write lock until it ends).
            db_session().rollback()


def _publish_one(event: DomainEvent) -> None:
    if isinstance(event, TicketChanged):
        payload = ticket_payload(event)
        rooms = [board_room(event.site_id), ticket_room(event.token)]
        if event.counter_id is not None:
            rooms.append(counter_room(event.counter_id))
        socketio.emit("ticket", payload, to=rooms)
    else:
        socketio.emit(
            "counter",
            counter_payload(event),
            to=[board_room(event.site_id), counter_room(event.counter_id)],
        )


def _publish_queues(events: list[DomainEvent]) -> None:
    """After a change: the hall and the touched services' counts to boards and to each
    service's followers, and each queued ticket of those services its new place."""
    session = db_session()
    service_ids: dict[int, None] = {}
    for event in events:
        if isinstance(event, TicketChanged):
            service_ids[event.service_id] = None
        else:
            linked = select(CounterService.service_id).where(
                CounterService.counter_id == event.counter_id
            )
            service_ids.update(dict.fromkeys(session.scalars(linked)))
    site_id = events[-1].site_id
    view = read.HallView(session, site_id)
    seq = max(event.seq for event in events)
    hall = view.hall_summary()
    summaries = {s.id: view.service_summary(s) for s in view.services if s.id in service_ids}
    socketio.emit(
        "queue",
        {"seq": seq, "hall": hall, "services": list(summaries.values())},
        to=board_room(site_id),
    )
    for service_id, summary in summaries.items():
        socketio.emit(
            "queue", {"seq": seq, "hall": hall, "services": [summary]}, to=service_room(service_id)
        )
        for token, place in read.queue_positions(session, service_id, view):
            socketio.emit("position", {"seq": seq, **place}, to=ticket_room(token))


def send_snapshot(kind: str, data: dict[str, Any], sid: str) -> None:
    """Send one client its snapshot (on connect and on every reconnect)."""
    socketio.emit("snapshot", {"kind": kind, "data": data}, to=sid)
