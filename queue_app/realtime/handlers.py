"""Socket.IO connection handlers. A client says what it follows in the connection query:
`?board=<site_id>`, `?ticket=<token>` or `?counter=<id>` (staff only). Every message and
payload is documented in docs/realtime.md."""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from flask_login import current_user
from flask_socketio import join_room
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from ..domain.errors import LoketError
from ..extensions import db_session, socketio
from ..models import Counter, User
from ..services import read, staff
from ..web.validation import parse_id
from . import broadcast
from .rooms import board_room, counter_room, service_room, ticket_room


def init_app(app: Flask) -> None:
    """Handlers are registered on the shared `socketio` object at import; nothing else to do."""


@socketio.on("connect")
def on_connect(auth: Any = None) -> bool:
    """Sent by every screen on connect and on every reconnect: join the rooms it follows and
    receive a full snapshot, so a screen that lost its connection heals by itself."""
    sid: str = request.sid  # type: ignore[attr-defined]  # set by Flask-SocketIO
    followed = _followed()
    if followed is None:
        return False
    rooms, kind, snapshot = followed
    for room in rooms:
        join_room(room)
    broadcast.send_snapshot(kind, snapshot, sid)
    return True


@socketio.on("resync")
def on_resync(_data: Any = None) -> None:
    """A client that missed a message (a gap in `seq`) asks for a fresh snapshot."""
    sid: str = request.sid  # type: ignore[attr-defined]
    followed = _followed()
    if followed is not None:
        _rooms, kind, snapshot = followed
        broadcast.send_snapshot(kind, snapshot, sid)


def _followed() -> tuple[list[str], str, Any] | None:
    """`_follow` for this connection's query, None when refused; the read transaction ends
    before anything is emitted (under gevent an emit may yield, and an SQLite transaction holds
    the write lock until it ends)."""
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
        ticket = read.ticket_by_token(session, args["ticket"])
        # Its own news, and the public counts of its service (never other tickets' news).
        rooms = [ticket_room(ticket.token), service_room(ticket.service_id)]
        return rooms, "ticket", read.ticket_public(session, ticket)
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
        snapshot["board"] = read.board(session, counter.site_id)
        return rooms, "counter", snapshot
    site_id = parse_id(args.get("board", "")) or read.default_site_id(session)
    return [board_room(site_id)], "board", read.board(session, site_id)
