"""Socket rooms per zone (issue 15): `?board=<site>&zone=<id>` is `GET /api/v1/board?zone=`
live and hears only its zone; `?board=<site>&entrance=1` is the building door's board, every
zone's admission line; the whole-site board hears everything as before."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_socketio import SocketIOTestClient

from queue_app.extensions import db, socketio
from queue_app.models import Service, Site

from ..helpers import bearer, make_agency
from ..services.test_mall import build_mall

API = "/api/v1"


def heard(client: SocketIOTestClient) -> list[tuple[str, dict[str, Any]]]:
    return [(m["name"], m["args"][0]) for m in client.get_received()]


def codes(messages: list[tuple[str, dict[str, Any]]], name: str = "ticket") -> set[str]:
    return {m["ticket"]["code"] for n, m in messages if n == name}


def test_a_zone_board_hears_only_its_zone_and_the_whole_board_hears_all(app: Flask) -> None:
    with app.app_context():
        mall = build_mall(db.session, caps=(1, 3))
    headers = bearer(app, f"boss{mall.site_id}")
    http = app.test_client()
    zones = {z["name"]: z["id"] for z in http.get(f"{API}/zones").get_json()}
    lower_id, upper_id = zones["Lantai 2"], zones["Lantai 3"]

    def connect(query: str) -> SocketIOTestClient:
        return socketio.test_client(app, query_string=query, flask_test_client=app.test_client())

    whole = connect(f"board={mall.site_id}")
    lower = connect(f"board={mall.site_id}&zone={lower_id}")
    upper = connect(f"board={mall.site_id}&zone={upper_id}")
    door = connect(f"board={mall.site_id}&entrance=1")
    # On connect: the zone's board, the same as the API's.
    (name, snap), *_ = heard(upper)
    assert name == "snapshot" and snap["kind"] == "board"
    assert snap["data"]["zone"]["name"] == "Lantai 3"
    api_board = http.get(f"{API}/board", query_string={"zone": upper_id}).get_json()
    assert snap["data"]["services"] == api_board["services"]
    assert [s["code"] for s in snap["data"]["services"]] == ["C", "D"]
    (name, snap), *_ = heard(door)
    assert snap["kind"] == "entrance"
    assert [z["name"] for z in snap["data"]["zones"]] == ["Lantai 2", "Lantai 3"]
    whole.get_received()
    # `entrance=0` is the whole hall's board; a malformed flag is refused.
    (name, snap), *_ = heard(connect(f"board={mall.site_id}&entrance=0"))
    assert snap["kind"] == "board" and snap["data"]["zone"] is None
    assert not connect(f"board={mall.site_id}&entrance=maybe").is_connected()

    a1 = http.post(f"{API}/tickets", json={"service": "A"}).get_json()
    a2 = http.post(f"{API}/tickets", json={"service": "A"}).get_json()  # waits outside
    c1 = http.post(f"{API}/tickets", json={"service": "C"}).get_json()
    assert not a2["admitted"]
    http.post(f"{API}/counters/{mall.counters[3]}/call-next", headers=headers)
    called = http.post(f"{API}/counters/{mall.counters[1]}/call-next", headers=headers)
    http.post(f"{API}/tickets/{called.get_json()['id']}/finish", headers=headers)  # A-002 in

    on_lower, on_upper, on_whole = heard(lower), heard(upper), heard(whole)
    assert codes(on_lower) == {a1["code"], a2["code"]}
    assert codes(on_upper) == {c1["code"]}
    assert codes(on_whole) == {a1["code"], a2["code"], c1["code"]}
    # Queue figures: a zone's services only, with its own room figures and admission line.
    lower_queues = [m for n, m in on_lower if n == "queue"]
    upper_queues = [m for n, m in on_upper if n == "queue"]
    assert {s["code"] for m in lower_queues for s in m["services"]} <= {"A", "B"}
    # (D shares C's counters, so its estimates move with C's queue.)
    assert {s["code"] for m in upper_queues for s in m["services"]} == {"C", "D"}
    assert lower_queues[-1]["recently_admitted"] == [a2["code"]]
    assert (lower_queues[-1]["hall"]["capacity"], lower_queues[-1]["hall"]["inside"]) == (1, 1)
    assert upper_queues[-1]["recently_admitted"] == []
    assert upper_queues[-1]["hall"]["capacity"] == 3
    # The whole-site board: every service, the whole hall's line, as before.
    whole_queues = [m for n, m in on_whole if n == "queue"]
    assert whole_queues[-1]["recently_admitted"] == [a2["code"]]
    assert whole_queues[-1]["hall"]["inside"] == 2
    # A counter's news goes to its zone only.
    http.post(f"{API}/counters/{mall.counters[4]}/pause", headers=headers)
    assert [n for n, _ in heard(lower) if n == "counter"] == []
    assert [m["counter"]["number"] for n, m in heard(upper) if n == "counter"] == [4]
    assert [m["counter"]["number"] for n, m in heard(whole) if n == "counter"] == [4]

    # The door: every zone's line and figures, whole in each message.
    entrance = [m for n, m in heard(door) if n == "entrance"]
    assert entrance, "the door's board hears every change"
    last = {z["name"]: z for z in entrance[-1]["zones"]}
    assert last["Lantai 2"]["recently_admitted"] == [a2["code"]]
    assert (last["Lantai 2"]["hall"]["inside"], last["Lantai 2"]["hall"]["capacity"]) == (1, 1)
    assert (last["Lantai 3"]["hall"]["inside"], last["Lantai 3"]["hall"]["capacity"]) == (1, 3)

    # A resync sends the zone's board again, at the latest `seq`.
    upper.emit("resync")
    (name, snap), *_ = heard(upper)
    assert snap["data"]["zone"]["id"] == upper_id
    assert snap["data"]["seq"] == http.get(f"{API}/board").get_json()["seq"]
    assert [c["code"] for c in snap["data"]["recent_calls"]] == [c1["code"]]


def test_a_bad_zone_is_refused_as_a_bad_site_is(app: Flask) -> None:
    with app.app_context():
        mall = build_mall(db.session)
        other = build_mall(db.session)
    zones = app.test_client().get(f"{API}/zones", query_string={"site": other.site_id})
    foreign = zones.get_json()[0]["id"]
    for query in (
        f"board={mall.site_id}&zone=abc",
        f"board={mall.site_id}&zone=999999",
        f"board={mall.site_id}&zone={foreign}",  # a zone of another building
        "board=999999",
    ):
        client = socketio.test_client(app, query_string=query)
        assert not client.is_connected(), query


def test_the_zone_a_transfer_leaves_hears_its_own_new_figures(app: Flask) -> None:
    with app.app_context():
        mall = build_mall(db.session, caps=(2, 1))
    headers = bearer(app, f"boss{mall.site_id}")
    http = app.test_client()
    zones = {z["name"]: z["id"] for z in http.get(f"{API}/zones").get_json()}
    upper = socketio.test_client(
        app,
        query_string=f"board={mall.site_id}&zone={zones['Lantai 3']}",
        flask_test_client=app.test_client(),
    )
    http.post(f"{API}/tickets", json={"service": "C"})
    waiting = http.post(f"{API}/tickets", json={"service": "C"}).get_json()  # outside
    called = http.post(f"{API}/counters/{mall.counters[3]}/call-next", headers=headers)
    upper.get_received()
    # Sent down to Lantai 2: its place on Lantai 3 goes to the one waiting outside.
    moved = http.post(
        f"{API}/tickets/{called.get_json()['id']}/transfer", json={"service": "A"}, headers=headers
    )
    assert moved.status_code == 200, moved.get_json()
    on_upper = heard(upper)
    # The transfer (at its counter, here) and the admission it made room for.
    assert codes(on_upper) == {called.get_json()["code"], waiting["code"]}
    last = [m for n, m in on_upper if n == "queue"][-1]
    assert last["recently_admitted"] == [waiting["code"]]
    assert (last["hall"]["inside"], last["hall"]["outside"]) == (1, 0)
    assert {s["code"] for s in last["services"]} <= {"C", "D"}


def test_a_zone_keeps_its_line_however_many_the_other_zones_let_in(app: Flask) -> None:
    """The site's line keeps the newest ten; a zone's line its own newest, even when ten
    others were let in on another floor since."""
    with app.app_context():
        mall = build_mall(db.session, caps=(10, 1))
    headers = bearer(app, f"boss{mall.site_id}")
    http = app.test_client()
    zones = {z["name"]: z["id"] for z in http.get(f"{API}/zones").get_json()}
    door = socketio.test_client(
        app, query_string=f"board={mall.site_id}&entrance=1", flask_test_client=app.test_client()
    )

    def post(path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = http.post(f"{API}{path}", json=body or {}, headers=headers)
        assert response.status_code in (200, 201), response.get_json()
        return dict(response.json)  # type: ignore[arg-type]

    post("/tickets", {"service": "C"})
    upstairs = post("/tickets", {"service": "C"})  # waits outside Lantai 3
    post(f"/tickets/{post(f'/counters/{mall.counters[3]}/call-next')['id']}/finish")
    for _ in range(20):
        post("/tickets", {"service": "A"})  # ten go in, ten wait outside Lantai 2
    for _ in range(10):  # each finish lets one in from outside
        post(f"/tickets/{post(f'/counters/{mall.counters[1]}/call-next')['id']}/finish")
    site_line = http.get(f"{API}/board").get_json()["recently_admitted"]
    assert len(site_line) == 10 and upstairs["code"] not in site_line
    upper = http.get(f"{API}/board", query_string={"zone": zones["Lantai 3"]}).get_json()
    assert upper["recently_admitted"] == [upstairs["code"]]
    last = [m for n, m in heard(door) if n == "entrance"][-1]
    lines = {z["name"]: z["recently_admitted"] for z in last["zones"]}
    assert lines["Lantai 3"] == [upstairs["code"]] and len(lines["Lantai 2"]) == 10


def test_kiosks_hear_each_agencys_numbers_of_today_with_the_queue_news(app: Flask) -> None:
    """In a mall the kiosks' tiles ("full for today") follow each agency's count from the
    queue news itself, on the whole hall's room and on a floor's: no request per change."""
    with app.app_context():
        mall = build_mall(db.session)
        site = db.session.get(Site, mall.site_id)
        assert site is not None
        bank = make_agency(db.session, site, "BDKI", daily_cap=2)
        c = db.session.get(Service, mall.services["C"])
        assert c is not None
        c.agency_id = bank.id
        db.session.commit()
        bank_id = bank.id
    http = app.test_client()
    zones = {z["name"]: z["id"] for z in http.get(f"{API}/zones").get_json()}

    def connect(query: str) -> SocketIOTestClient:
        return socketio.test_client(app, query_string=query, flask_test_client=app.test_client())

    whole = connect(f"board={mall.site_id}")
    upper = connect(f"board={mall.site_id}&zone={zones['Lantai 3']}")
    for client in (whole, upper):
        client.get_received()
    http.post(f"{API}/tickets", json={"service": "C"})
    http.post(f"{API}/tickets", json={"service": "A"})
    api = {a["id"]: a["issued_today"] for a in http.get(f"{API}/agencies").get_json()}
    assert api[bank_id] == 1
    # The whole hall's room heard both issues (its last news: every agency as the API says);
    # the third floor's, its own issue (C).
    news = [m for name, m in heard(whole) if name == "queue"]
    assert {a["id"]: a["issued_today"] for a in news[-1]["agencies"]} == api
    floor = [m for name, m in heard(upper) if name == "queue"]
    assert floor and {a["id"]: a["issued_today"] for a in floor[-1]["agencies"]}[bank_id] == 1


def test_a_hall_of_one_agency_sends_no_agency_counts(app: Flask) -> None:
    with app.app_context():
        mall = build_mall(db.session)
    http = app.test_client()
    whole = socketio.test_client(
        app, query_string=f"board={mall.site_id}", flask_test_client=app.test_client()
    )
    whole.get_received()
    http.post(f"{API}/tickets", json={"service": "A"})
    news = [m for name, m in heard(whole) if name == "queue"]
    assert news and all("agencies" not in m for m in news)
