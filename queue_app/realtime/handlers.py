"""Socket.IO connection handlers. A client says what it follows in the connection query:
`?board=<site_id>` (with `&zone=<id>`: one zone's board; with `&entrance=1`: the building door's
board), `?ticket=<token>`, (staff only) `?counter=<id>` or `?overview=<site_id>`, or
(an enrolled survey tablet only) `?survey=<counter id>`.
Every message and payload is documented in docs/realtime.md."""

from __future__ import annotations

import logging
import time
from collections import Counter as Tally
from typing import Any

from flask import Flask, current_app, g, request
from flask_login import current_user
from flask_socketio import join_room
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from ..contract.fields import parse_flag, parse_id
from ..device_cookie import COOKIE, seen_by_socket
from ..domain.errors import LoketError
from ..domain.vocabulary import OVERSEER_ROLES, DeviceKind
from ..extensions import db_session, socketio
from ..models import Counter, User
from ..security import client_address
from ..services import devices, overview, read, staff, survey
from ..services.clock import utcnow
from . import broadcast, snapshots
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

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """Handlers are registered on the shared `socketio` object at import; nothing else to do."""


class SocketBook:
    """This process's anonymous sockets per address (the cap) and each socket's last resync
    (the throttle). Both are per process: behind nginx's ip_hash an address stays on one."""

    def __init__(self) -> None:
        self.per_address: Tally[str] = Tally()
        self.address_of: dict[str, str] = {}
        self.last_resync: dict[str, float] = {}


def book() -> SocketBook:
    found = current_app.extensions.get("loket.sockets")
    if found is None:
        found = current_app.extensions.setdefault("loket.sockets", SocketBook())
    assert isinstance(found, SocketBook)
    return found


@socketio.on("connect")
def on_connect(auth: Any = None) -> bool:
    """Sent by every screen on connect and on every reconnect: join the rooms it follows and
    receive a full snapshot, so a screen that lost its connection heals by itself.

    Anonymous sockets (boards, phones) are capped per address (SOCKET_MAX_PER_ADDRESS): one
    address cannot hold the process's connections and snapshots hostage."""
    sid: str = request.sid  # type: ignore[attr-defined]  # set by Flask-SocketIO
    address = None if current_user.is_authenticated else client_address()
    cap = int(current_app.config.get("SOCKET_MAX_PER_ADDRESS") or 0)
    sockets = book()
    if address is not None and cap and sockets.per_address[address] >= cap:
        log.warning(
            "refused a socket from %s: %d open already (SOCKET_MAX_PER_ADDRESS)", address, cap
        )
        return False
    try:
        followed = _followed()
    except SQLAlchemyError:
        # The database is out of reach. A refusal would be final (socket.io-client does not
        # retry a refused connect); dropping the connection makes the client retry with its
        # backoff, and it gets its snapshot once the database is back.
        log.warning("database unavailable: dropping a connecting client to retry later")
        _drop_connection(sid)
        return False
    if followed is None:
        return False
    rooms, kind, snapshot = followed
    for room in rooms:
        join_room(room)
    if address is not None:
        sockets.per_address[address] += 1
        sockets.address_of[sid] = address
    broadcast.send_snapshot(kind, snapshot, sid)
    _device_alive()
    return True


@socketio.on("alive")
def on_alive(_data: Any = None) -> None:
    """An enrolled kiosk's or board's heartbeat (every minute, static/js/live.js)."""
    _device_alive()


def _device_alive() -> None:
    """Mark the enrolled device of this socket, if any, as seen (device_cookie.py)."""
    try:
        seen_by_socket()
    except SQLAlchemyError:
        log.warning("database unavailable: a device's heartbeat was not recorded")


@socketio.on("disconnect")
def on_disconnect(*_args: Any) -> None:
    """A socket went away: it no longer counts against its address's cap."""
    sid: str = request.sid  # type: ignore[attr-defined]
    sockets = book()
    sockets.last_resync.pop(sid, None)
    address = sockets.address_of.pop(sid, None)
    if address is not None:
        sockets.per_address[address] -= 1
        if sockets.per_address[address] <= 0:
            del sockets.per_address[address]


@socketio.on("resync")
def on_resync(_data: Any = None) -> None:
    """A client that missed a message (a gap in `seq`) asks for a fresh snapshot: at most one
    every RESYNC_MIN_INTERVAL_S per socket (the ones between are ignored; the news they ask
    about reaches the client anyway), answered from the hall's shared snapshot."""
    sid: str = request.sid  # type: ignore[attr-defined]
    sockets = book()
    now = time.monotonic()
    interval = float(current_app.config.get("RESYNC_MIN_INTERVAL_S") or 0)
    last = sockets.last_resync.get(sid)
    if last is not None and now - last < interval:
        log.debug("ignored a resync from %s: the last one was %.1f s ago", sid, now - last)
        return
    sockets.last_resync[sid] = now
    followed = _followed()
    if followed is not None:
        _rooms, kind, snapshot = followed
        broadcast.send_snapshot(kind, snapshot, sid)


def _drop_connection(sid: str) -> None:
    """Close this client's transport without a goodbye, as a network cut would: Socket.IO
    clients then reconnect by themselves. (Any answer we send after this is discarded.)"""
    server = socketio.server
    client = server.eio.sockets.get(server.manager.eio_sid_from_sid(sid, "/"))
    if client is not None:
        client.close(wait=False, abort=True)


def _followed() -> tuple[list[str], str, Any] | None:
    """`_follow` for this connection's query, None when refused; the read transaction ends
    before anything is emitted (under gevent an emit may yield, and an SQLite transaction holds
    the write lock until it ends)."""
    g.loket_reads_only = True  # a socket handler never writes (extensions.reads_only)
    session = db_session()
    try:
        return _follow(session, request.args)
    except LoketError:
        return None
    finally:
        session.rollback()


def _follow(session: Session, args: MultiDict[str, str]) -> tuple[list[str], str, Any] | None:
    """The rooms and the snapshot for a connection query, or None when it is refused."""
    if "ticket" in args:
        ticket, hall = snapshots.ticket_by_token(session, args["ticket"])
        # Its own news, and the public counts of its service (never other tickets' news).
        rooms = [ticket_room(ticket.token), service_room(ticket.service_id)]
        return rooms, "ticket", hall.ticket_public(ticket)
    if "counter" in args:
        counter_id = parse_id(args["counter"])
        if not current_user.is_authenticated or counter_id is None:
            return None
        counter = session.get(Counter, counter_id)
        user: User = current_user._get_current_object()
        if counter is None or not staff.actor_for(user).may_use_counter(counter.id):
            return None
        rooms = [counter_room(counter.id), board_room(counter.site_id)]
        snapshot = read.counter_detail(session, counter.id)
        hall = snapshots.current(session, counter.site_id)
        snapshot["board"] = hall.board
        # Staff only, from the hall's shared read model: who waits for this counter.
        snapshot["waiting"] = hall.waiting([s["id"] for s in snapshot["services"]])
        return rooms, "counter", snapshot
    if "overview" in args:
        # Supervisors and admins only (any other role, known or not, is refused).
        site_id = parse_id(args["overview"])
        if site_id is None or not current_user.is_authenticated:
            return None
        if current_user.role not in OVERSEER_ROLES:
            return None
        return [overview_room(site_id)], "overview", overview.hall_overview(session, site_id)
    if "survey" in args:
        # An enrolled survey tablet of the counter's hall: its counter's finishes only.
        counter_id = parse_id(args["survey"])
        token = request.cookies.get(COOKIE)
        device = devices.by_token(session, token[:128]) if token else None
        if device is None or device.kind != DeviceKind.SURVEY.value or counter_id is None:
            return None
        counter = session.get(Counter, counter_id)
        if counter is None or counter.site_id != device.site_id:
            return None
        return [survey_room(counter.id)], "survey", survey.tablet_view(session, counter, utcnow())
    site_id = parse_id(args.get("board", "")) or snapshots.default_site_id(session)
    if "zone" in args:
        # One zone's board: its zone's news only. A malformed or unknown zone (or one of
        # another site) is refused, as an unknown site is.
        zone_id = parse_id(args["zone"])
        if zone_id is None:
            return None
        board = snapshots.current(session, site_id).zone_board(zone_id)
        return [zone_room(zone_id)], "board", board
    if "entrance" in args:
        entrance = parse_flag(args["entrance"])
        if entrance is None:
            return None  # a malformed flag is refused, as a malformed zone is
        if entrance:
            # The board at the building's door: every zone's admission line and figures.
            site = snapshots.current(session, site_id)
            return [entrance_room(site_id)], "entrance", site.entrance
    return [board_room(site_id)], "board", snapshots.current(session, site_id).board
