"""The floor: a bare python-socketio server (no Flask, no database, no estimates) that sends the
same messages as Loket's call, of the same size, to the same rooms.

Served by the same gunicorn gevent worker as Loket (`bench.servers.bare_floor`). Clients connect
with Loket's queries (`?board=1`, `?counter=<id>`, `?ticket=<token>`) and get a small
`snapshot`. `POST /fanout?action=call&shape=same` then emits what a call emits in Loket: the
`ticket` news to the board room (and the called ticket's room), the `queue` figures to the board
and to the service's room, and one `position` to each phone's own room. `shape=broadcast` sends
one `position` to the whole service room instead: the cheapest possible fan-out, what Loket
would cost if it did not keep each phone's place private.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

import socketio

sio = socketio.Server(async_mode="gevent", cors_allowed_origins=[])
#: Rooms of the connected phones, in connection order.
PHONES: list[str] = []
SEQ = [0]

ANNOUNCE = {
    "id": "Nomor antrean A nol nol tujuh, silakan ke loket satu",
    "en": "Ticket number A zero zero seven, please go to counter one",
}
HALL = {
    "capacity": 150,
    "inside": 150,
    "outside": 4850,
    "full": True,
    "open": True,
    "opens_at": "00:00",
    "closes_at": "00:00",
}
SERVICE = {
    "id": 1,
    "code": "A",
    "name": "Kependudukan & Catatan Sipil",
    "name_en": "Population & civil registry",
    "open": True,
    "closed_early": False,
    "waiting": 5000,
    "waiting_inside": 150,
    "waiting_outside": 4850,
    "daily_quota": None,
    "quota_left": None,
    "counters_open": 1,
    "estimated_wait_s": 2100000,
}


def ticket_news(action: str, seq: int) -> dict[str, Any]:
    """The same fields as `realtime.broadcast.ticket_payload` (a call carries its announcement)."""
    payload: dict[str, Any] = {
        "seq": seq,
        "at": "2026-06-15T02:10:03.120000+00:00",
        "action": action,
        "ticket": {
            "id": 7,
            "code": "A-007",
            "service_id": 1,
            "service_code": "A",
            "priority": False,
            "state": "called" if action == "call" else "done",
            "from_state": "waiting" if action == "call" else "called",
            "counter_id": 1,
            "counter_number": 1,
        },
    }
    if action == "call":
        payload["announce"] = ANNOUNCE
    return payload


def position(seq: int, place: int) -> dict[str, Any]:
    """The same fields as Loket's `position` message."""
    return {
        "seq": seq,
        "code": f"A-{place + 8:03d}",
        "state": "waiting" if place < 150 else "issued",
        "position": place,
        "estimated_wait_s": 420 * place,
    }


#: A phone's snapshot with the fields and about the size of Loket's (`ticket_public`).
TICKET_SNAPSHOT = {
    "code": "A-4999",
    "number": 4999,
    "service": {k: SERVICE[k] for k in ("id", "code", "name", "name_en")},
    "state": "issued",
    "priority": False,
    "service_day": "2026-06-15",
    "position": 4990,
    "admitted": False,
    "estimated_wait_s": 2095800,
    "counter": None,
    "issued_at": "2026-06-15T02:10:03.120000+00:00",
    "called_at": None,
    "seq": 0,
}
#: A board's snapshot with the shape and about the size of Loket's demo hall board (31
#: counters, 10 services, 10 recent calls).
BOARD_SNAPSHOT = {
    "seq": 0,
    "site": {"id": 1, "name": "Mal Pelayanan Publik DKI Jakarta", "timezone": "Asia/Jakarta"},
    "service_day": "2026-06-15",
    "generated_at": "2026-06-15T02:10:03.120000+00:00",
    "hall": HALL,
    "counters": [
        {
            "id": n,
            "number": n,
            "label": f"Loket {n}",
            "state": "open",
            "current": {"code": f"A-{n:03d}", "state": "serving", "service_code": "A"},
        }
        for n in range(1, 32)
    ],
    "recent_calls": [
        {
            "code": f"A-{n:03d}",
            "service_code": "A",
            "counter_id": n,
            "counter_number": n,
            "recall": False,
            "at": "2026-06-15T02:10:03.120000+00:00",
            "seq": n,
        }
        for n in range(1, 11)
    ],
    "services": [{k: v for k, v in SERVICE.items() if k != "counters_open"} for _ in range(10)],
    "recently_admitted": [f"A-{n:03d}" for n in range(150, 160)],
}


def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
    query = parse_qs(environ.get("QUERY_STRING", ""))
    if "ticket" in query:
        room = f"ticket:{query['ticket'][0]}"
        sio.enter_room(sid, room)
        sio.enter_room(sid, "service:1")
        PHONES.append(room)
        kind, data = "ticket", TICKET_SNAPSHOT
    elif "counter" in query:
        sio.enter_room(sid, f"counter:{query['counter'][0]}")
        sio.enter_room(sid, "board:1")
        kind, data = "counter", {"board": BOARD_SNAPSHOT}
    else:
        sio.enter_room(sid, "board:1")
        kind, data = "board", BOARD_SNAPSHOT
    # A snapshot of the same size as Loket's, so that a connect costs the floor what sending
    # it costs (its `seq` the floor's own).
    sio.emit("snapshot", {"kind": kind, "data": {**data, "seq": SEQ[0]}}, to=sid)


sio.on("connect", connect)


def fanout(action: str, shape: str) -> int:
    """What one change sends in Loket, without computing anything."""
    SEQ[0] += 1
    seq = SEQ[0]
    sio.emit("ticket", ticket_news(action, seq), to=["board:1", "ticket:called", "counter:1"])
    sio.emit("queue", {"seq": seq, "hall": HALL, "services": [SERVICE]}, to="board:1")
    sio.emit("queue", {"seq": seq, "hall": HALL, "services": [SERVICE]}, to="service:1")
    if shape == "broadcast":
        sio.emit("position", position(seq, 0), to="service:1")
    else:
        for place, room in enumerate(list(PHONES)):
            sio.emit("position", position(seq, place), to=room)
    return len(PHONES)


def http_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    path = environ.get("PATH_INFO", "")
    if path == "/health":
        body = b'{"ok": true}'
    elif path == "/fanout" and environ.get("REQUEST_METHOD") == "POST":
        query = parse_qs(environ.get("QUERY_STRING", ""))
        action = query.get("action", ["call"])[0]
        shape = query.get("shape", ["same"])[0]
        body = json.dumps({"phones": fanout(action, shape), "seq": SEQ[0]}).encode()
    else:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]


app = socketio.WSGIApp(sio, http_app)
