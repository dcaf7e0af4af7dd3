"""The only place that emits Socket.IO messages. Called after the transaction commits.

Each message carries the data it is about and the site's sequence number, so a client can drop
stale messages and never needs a second request to learn what changed.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from typing import Any

from flask import Flask
from socketio import PubSubManager

from ..contract import payloads
from ..domain.events import ConfigChanged, CounterChanged, DomainEvent, TicketChanged
from ..domain.states import Action
from ..extensions import db_session, rollback_session, socketio
from ..i18n import announcements
from ..services import overview
from . import snapshots
from .message_queue import ResilientRedisManager
from .rooms import (
    board_room,
    counter_room,
    entrance_room,
    overview_room,
    service_room,
    survey_room,
    ticket_room,
    zone_room,
)
from .snapshots import HallSnapshot

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


def publish(events: Iterable[DomainEvent], snapshot: HallSnapshot | None) -> None:
    """Send each event to the rooms it concerns, then the new queue figures of the services it
    touched, from `snapshot`, the hall's read model at the change's `seq`
    (`snapshots.of_change`, made by the caller once for every reader of it; None when it could
    not be made: then only the events go out). Never raises: the commit already happened, and
    clients heal from the snapshot they get on reconnect."""
    events = list(events)
    if not events:
        return
    for event in events:
        try:
            if isinstance(event, ConfigChanged):
                _publish_config(event, snapshot)
            else:
                _publish_one(event, snapshot)
        except Exception:  # a broken message queue must not fail a committed request
            log.exception("could not broadcast event seq=%s", event.seq)
    # Let the screens have the news now, not after every phone's place is worked out.
    _yield_unless_in_transaction()
    outbox: list[tuple[str, dict[str, Any], str]] = []
    try:
        if snapshot is not None:
            seq = max(event.seq for event in events)
            _publish_queues(events, snapshot, outbox)
            local = _local_rooms()
            if local is None or entrance_room(snapshot.site_id) in local:
                _publish_entrance(snapshot)
            if local is None or overview_room(snapshot.site_id) in local:
                _publish_overview(snapshot, seq)
    except Exception:
        log.exception("could not broadcast queue figures")
    finally:
        # End any read transaction of the request's own session (the overview's) before the
        # long part, the phones' places, is sent (the database may have gone meanwhile).
        rollback_session()
    _send(outbox)


def _zone_rooms(snapshot: HallSnapshot | None, event: TicketChanged | CounterChanged) -> list[str]:
    """The zone boards an event concerns, by the snapshot's view of the hall: a ticket's, its
    service's zone and its counter's; a counter's, the zone of the services it serves. Without
    a snapshot none (zone boards heal from their next snapshot)."""
    if snapshot is None:
        return []
    zones: set[int] = set()
    if isinstance(event, TicketChanged):
        zone = snapshot.zone_of_service(event.service_id)
        if zone is not None:
            zones.add(zone)
    if event.counter_id is not None:
        zones.update(snapshot.zones_of_counter.get(event.counter_id, ()))
    return [zone_room(zone) for zone in sorted(zones)]


def _publish_one(event: TicketChanged | CounterChanged, snapshot: HallSnapshot | None) -> None:
    zones = _zone_rooms(snapshot, event)
    if isinstance(event, TicketChanged):
        payload = ticket_payload(event)
        rooms = [board_room(event.site_id), ticket_room(event.token), *zones]
        if event.counter_id is not None:
            rooms.append(counter_room(event.counter_id))
            if event.action is Action.FINISH:  # the counter's survey tablet offers its survey
                rooms.append(survey_room(event.counter_id))
        socketio.emit("ticket", payload, to=rooms)
    else:
        socketio.emit(
            "counter",
            counter_payload(event),
            to=[board_room(event.site_id), counter_room(event.counter_id), *zones],
        )


def _publish_queues(
    events: list[DomainEvent],
    snapshot: HallSnapshot,
    outbox: list[tuple[str, dict[str, Any], str]],
) -> None:
    """After a change: the hall and the touched services' counts to boards and to each
    service's followers, and each queued ticket of those services its new place (into
    `outbox`, sent by `_send` afterwards). Everything comes from the snapshot: no query."""
    service_ids: dict[int, None] = {}
    links = {c.id: c.service_ids for c in snapshot.view.estimates.counters}
    for event in events:
        if isinstance(event, TicketChanged):
            service_ids[event.service_id] = None
        elif isinstance(event, CounterChanged):
            service_ids.update(dict.fromkeys(links.get(event.counter_id, [])))
    # A counter's time is shared by the services it serves: a change in one queue moves the
    # estimates of the others served by the same counters (A's counters helping B). Boards and
    # counter terminals (the board room) get those services' figures too; each service's own
    # followers and phones hear of their own service's changes only, as before.
    neighbours = dict(service_ids)
    for served in links.values():
        if service_ids.keys() & set(served):
            neighbours.update(dict.fromkeys(served))
    site_id = snapshot.site_id
    seq = max(max(event.seq for event in events), snapshot.seq)
    hall = snapshot.hall
    shown = {s["id"]: s for s in snapshot.summaries(neighbours)}
    summaries = {i: s for i, s in shown.items() if i in service_ids}
    # Boards also get the "silakan masuk" list of this `seq`, from the same read model as their
    # snapshot: a live board and a freshly loaded one name the same tickets.
    news: dict[str, Any] = {
        "seq": seq,
        "hall": hall,
        "services": list(shown.values()),
        "recently_admitted": snapshot.recently_admitted,
    }
    if len(snapshot.view.agencies) > 1:
        # In a mall, the kiosks' agency tiles: each agency's numbers of today (its cap's).
        news["agencies"] = snapshot.view.agency_counts
    socketio.emit("queue", news, to=board_room(site_id))
    _publish_zone_queues(snapshot, seq, shown, _transferred(events))
    for service_id, summary in summaries.items():
        socketio.emit(
            "queue", {"seq": seq, "hall": hall, "services": [summary]}, to=service_room(service_id)
        )
    _publish_waiting(snapshot, seq, summaries.keys(), links)
    manager = _places_manager()
    if manager is not None:
        # The other processes work out their own phones' places from their own snapshots:
        # one message for the whole change, not one per phone.
        manager.publish_places(site_id, seq, list(summaries))
    _places(snapshot, seq, list(summaries), outbox)


def _transferred(events: list[DomainEvent]) -> bool:
    """Whether a ticket moved to another service (maybe of another zone) in this change."""
    return any(isinstance(e, TicketChanged) and e.action is Action.TRANSFER for e in events)


def _publish_zone_queues(
    snapshot: HallSnapshot, seq: int, shown: dict[int, payloads.Service], transferred: bool
) -> None:
    """To each zone board whose services' figures changed: those services' figures, its
    zone's room figures and its zone's "silakan masuk" line, from the zone's board of this
    snapshot (made once per `seq` and zone, for these messages and every zone board's
    snapshot alike). Zones nobody follows here, when this process alone knows, are skipped.

    After a transfer every zone gets its own figures and line (its services' figures only
    where they changed): the event names the ticket's new service only, and the zone it left
    has one person fewer inside (and maybe someone let in)."""
    local = _local_rooms()
    by_zone: dict[int, list[payloads.Service]] = {}
    if transferred:
        by_zone = {zone.id: [] for zone in snapshot.view.zones}
    for service_id, summary in shown.items():
        zone = snapshot.zone_of_service(service_id)
        if zone is not None:
            by_zone.setdefault(zone, []).append(summary)
    for zone, services in by_zone.items():
        room = zone_room(zone)
        if local is not None and room not in local:
            continue
        board = snapshot.zone_board(zone)
        news: dict[str, Any] = {
            "seq": seq,
            "hall": board["hall"],
            "services": services,
            "recently_admitted": board["recently_admitted"],
        }
        if len(snapshot.view.agencies) > 1:
            news["agencies"] = snapshot.view.agency_counts  # a floor's kiosk's tiles
        socketio.emit("queue", news, to=room)


def _publish_entrance(snapshot: HallSnapshot) -> None:
    """The door's board after a change: every zone's line and figures, whole (one line per
    zone), so a door board that missed a message is put right by the next one."""
    socketio.emit("entrance", snapshot.entrance, to=entrance_room(snapshot.site_id))


def _publish_waiting(
    snapshot: HallSnapshot,
    seq: int,
    service_ids: Collection[int],
    links: dict[int, list[int]],
) -> None:
    """To each counter terminal serving a touched service (`counter:<id>`, staff only, never
    a public room): the new waiting lists of those of its services, from the snapshot (each
    list made once per `seq` and shared by every terminal). Counters nobody follows here,
    when this process alone knows, are skipped."""
    local = _local_rooms()
    touched = set(service_ids)
    for counter_id, served in links.items():
        mine = [s for s in served if s in touched]
        room = counter_room(counter_id)
        if not mine or (local is not None and room not in local):
            continue
        socketio.emit("waiting", {"seq": seq, "services": snapshot.waiting(mine)}, to=room)


def _places(
    snapshot: HallSnapshot,
    seq: int,
    service_ids: list[int],
    outbox: list[tuple[str, dict[str, Any], str]],
) -> None:
    """Each queued ticket of these services that a phone of this process follows, its new
    place (into `outbox`). Without a message queue every client is here; with one, only the
    phones of this process (the others hear `publish_places` and do the same)."""
    local = _process_rooms()
    # No phone at all in this process: no place needs sending.
    if local is not None and not any(str(room).startswith(TICKET_ROOMS) for room in local):
        return
    followed = None if local is None else (lambda token: ticket_room(token) in local)
    for service_id in service_ids:
        for token, place in snapshot.places(service_id, followed):
            outbox.append(("position", {"seq": seq, **place}, ticket_room(token)))


def _send(outbox: list[tuple[str, dict[str, Any], str]]) -> None:
    """Emit what `_publish_queues` prepared, each message to its own room, in queue order (the
    front of the queue hears first). Never raises. Places go to this process's own phones
    only when the other processes make their own (`_places_manager`)."""
    local_only = _places_manager() is not None
    try:
        for name, payload, room in outbox:
            socketio.emit(name, payload, to=room, ignore_queue=local_only)
    except Exception:
        log.exception("could not broadcast the queue places")


#: What every phone's room name starts with.
TICKET_ROOMS = ticket_room("")


def _local_rooms() -> Collection[str] | None:
    """The rooms that have someone in them, when this process alone knows (no message queue:
    every client is connected here); None when clients of other processes may listen. What
    nobody listens to (a queued ticket without a phone, the overview without a supervisor) is
    neither computed nor sent."""
    manager = socketio.server.manager if socketio.server is not None else None
    if manager is None or isinstance(manager, PubSubManager):
        return None
    rooms: Collection[str] = manager.rooms.get("/", {})
    return rooms


def _process_rooms() -> Collection[str] | None:
    """The rooms whose phones this process tells their places: with our message queue, those
    connected here (the others hear `publish_places`); else as `_local_rooms`."""
    manager = _places_manager()
    if manager is None:
        return _local_rooms()
    rooms: Collection[str] = manager.rooms.get("/", {})
    return rooms


def _places_manager() -> ResilientRedisManager | None:
    """The message queue, when the processes each tell their own phones their places."""
    manager = socketio.server.manager if socketio.server is not None else None
    return manager if isinstance(manager, ResilientRedisManager) else None


def init_app(app: Flask) -> None:
    """Let the message queue hand this app the places news of the other processes."""
    manager = _places_manager()
    if manager is not None:
        manager.places_handler = lambda news: places_from_elsewhere(app, news)


def places_from_elsewhere(app: Flask, news: dict[str, Any]) -> None:
    """Another process made a change: tell the phones connected here their new places, from
    this process's own snapshot at that `seq` or newer (carried forward by one read of the
    event log). Never raises: a phone that misses it heals from its next snapshot."""
    with app.app_context():
        try:
            seq = int(news["seq"])
            snapshot = snapshots.after(int(news["site_id"]), seq)
            outbox: list[tuple[str, dict[str, Any], str]] = []
            _places(snapshot, max(seq, snapshot.seq), [int(s) for s in news["services"]], outbox)
        except Exception:
            log.exception("could not work out the places of another process's change")
            return
        finally:
            rollback_session()
        _send(outbox)


def _yield_unless_in_transaction() -> None:
    """Let other greenlets (the sockets' writers) run, but never while this request holds a
    database transaction: on SQLite that is the write lock, and a greenlet waiting for it
    would block the whole process."""
    if not db_session().in_transaction():
        socketio.sleep(0)


def _publish_overview(snapshot: HallSnapshot, seq: int) -> None:
    """The supervisors' overview after a change, whole (it is small: one line per service and
    counter), from the view the queue figures were computed with."""
    data = overview.hall_overview(db_session(), snapshot.site_id, snapshot.view)
    data["seq"] = max(seq, data["seq"])
    socketio.emit("overview", data, to=overview_room(snapshot.site_id))


def _publish_config(change: ConfigChanged, snapshot: HallSnapshot | None) -> None:
    """A change of the hall's set-up (admin console): boards, kiosks and counter terminals get
    the whole board of the change's snapshot (the overview follows with the queue news)."""
    if snapshot is None:
        return  # screens heal from the snapshot they get on reconnect
    socketio.emit(
        "config",
        {
            "seq": change.seq,
            "what": change.what,
            "board": snapshot.board,
            # What the kiosk asks applicants for (one ticket per person), if anything.
            "holder_id_kind": snapshot.view.site.holder_id_kind,
        },
        to=board_room(change.site_id),
    )
    # Each zone's boards get their zone's board; the door's, every zone's line.
    local = _local_rooms()
    for zone in snapshot.view.zones:
        room = zone_room(zone.id)
        if local is not None and room not in local:
            continue
        socketio.emit(
            "config",
            {
                "seq": change.seq,
                "what": change.what,
                "board": snapshot.zone_board(zone.id),
                "holder_id_kind": snapshot.view.site.holder_id_kind,
            },
            to=room,
        )
    if local is None or entrance_room(change.site_id) in local:
        _publish_entrance(snapshot)


def send_snapshot(kind: str, data: dict[str, Any], sid: str) -> None:
    """Send one client its snapshot (on connect and on every reconnect)."""
    socketio.emit("snapshot", {"kind": kind, "data": data}, to=sid)
