"""The mall's API contract (issue 15): zones, agencies, services by zone and agency, one zone's
board, and the zone a ticket sends its holder to."""

from __future__ import annotations

from typing import Any

from flask import Flask

from queue_app.domain.vocabulary import Role
from queue_app.extensions import db
from queue_app.models import Site

from ..helpers import bearer, make_agency, make_counter, make_service, make_site, make_user
from ..services.test_mall import build_mall

API = "/api/v1"


def test_zones_and_agencies_say_who_is_where_and_what_is_left(app: Flask) -> None:
    with app.app_context():
        build_mall(db.session, caps=(2, 3))
    client = app.test_client()
    for code in "AAAC":
        assert client.post(f"{API}/tickets", json={"service": code}).status_code == 201
    zones = client.get(f"{API}/zones").get_json()
    assert [(z["name"], z["floor"], z["capacity"], z["inside"], z["outside"]) for z in zones] == [
        ("Lantai 2", 2, 2, 2, 1),
        ("Lantai 3", 3, 3, 1, 0),
    ]
    agencies = client.get(f"{API}/agencies").get_json()
    assert len(agencies) == 1 and agencies[0]["issued_today"] == 4
    assert agencies[0]["walk_in"] is True and agencies[0]["daily_cap"] is None


def test_services_filter_by_zone_and_agency_and_name_both(app: Flask) -> None:
    with app.app_context():
        mall = build_mall(db.session)
        site = db.session.get_one(Site, mall.site_id)
        bank = make_agency(db.session, site, "BDKI", daily_cap=50)
        make_service(db.session, site, "K", agency=bank)
        db.session.commit()
        bank_id = bank.id
    client = app.test_client()
    services = client.get(f"{API}/services").get_json()
    by_code = {s["code"]: s for s in services}
    assert by_code["C"]["zone"]["name"] == "Lantai 3" and by_code["C"]["zone"]["floor"] == 3
    assert by_code["K"]["agency"] == {"id": bank_id, "code": "BDKI", "name": "Instansi BDKI"}
    upper = by_code["C"]["zone"]["id"]
    on_3 = client.get(f"{API}/services", query_string={"zone": upper}).get_json()
    assert sorted(s["code"] for s in on_3) == ["C", "D"]
    banking = client.get(f"{API}/services", query_string={"agency": bank_id}).get_json()
    assert [s["code"] for s in banking] == ["K"]
    both = client.get(f"{API}/services", query_string={"agency": bank_id, "zone": upper})
    assert both.get_json() == []
    bad = client.get(f"{API}/services", query_string={"zone": "tiga"})
    assert bad.status_code == 422 and bad.get_json()["error"] == "invalid_input"


def test_a_ticket_names_the_floor_and_room_to_go_to(app: Flask) -> None:
    with app.app_context():
        build_mall(db.session)
    client = app.test_client()
    issued = client.post(f"{API}/tickets", json={"service": "D"}).get_json()
    assert issued["zone"]["name"] == "Lantai 3" and issued["zone"]["floor"] == 3
    public = client.get(f"{API}/tickets/by-token/{issued['token']}").get_json()
    assert public["zone"] == issued["zone"]
    page = client.get(f"/t/{issued['token']}").get_data(as_text=True)
    assert '<p class="zone" id="zone">Lantai 3</p>' in page
    slip = client.get(f"/kiosk/ticket/{issued['token']}").get_data(as_text=True)
    assert '<p class="zone" id="zone">Lantai 3</p>' in slip


def test_a_zone_board_shows_its_own_calls_queues_and_admission_line_only(app: Flask) -> None:
    with app.app_context():
        mall = build_mall(db.session, caps=(1, 3))
        boss = f"boss{mall.site_id}"
    headers = bearer(app, boss)
    client = app.test_client()
    a1 = client.post(f"{API}/tickets", json={"service": "A"}).get_json()
    a2 = client.post(f"{API}/tickets", json={"service": "A"}).get_json()  # waits outside
    c1 = client.post(f"{API}/tickets", json={"service": "C"}).get_json()
    assert not a2["admitted"]
    counters = mall.counters
    client.post(f"{API}/counters/{counters[3]}/call-next", headers=headers)
    called = client.post(f"{API}/counters/{counters[1]}/call-next", headers=headers).get_json()
    client.post(f"{API}/tickets/{called['id']}/finish", headers=headers)  # A-002 comes in

    zones = {z["name"]: z["id"] for z in client.get(f"{API}/zones").get_json()}
    lower = client.get(f"{API}/board", query_string={"zone": zones["Lantai 2"]}).get_json()
    upper = client.get(f"{API}/board", query_string={"zone": zones["Lantai 3"]}).get_json()
    assert lower["zone"]["name"] == "Lantai 2" and upper["zone"]["floor"] == 3
    assert [s["code"] for s in lower["services"]] == ["A", "B"]
    assert sorted(c["number"] for c in lower["counters"]) == [1, 2]
    assert [c["code"] for c in lower["recent_calls"]] == [a1["code"]]
    assert [c["code"] for c in upper["recent_calls"]] == [c1["code"]]
    assert lower["recently_admitted"] == [a2["code"]]
    assert upper["recently_admitted"] == []
    assert (lower["hall"]["capacity"], lower["hall"]["inside"]) == (1, 1)
    assert (upper["hall"]["capacity"], upper["hall"]["inside"]) == (3, 1)
    whole = client.get(f"{API}/board").get_json()
    assert whole["zone"] is None and len(whole["services"]) == 4
    assert client.get(f"{API}/board", query_string={"zone": 999_999}).status_code == 404


def test_a_hall_of_one_zone_and_one_agency_answers_as_before(app: Flask) -> None:
    with app.app_context():
        site = make_site(db.session, capacity=1)
        a = make_service(db.session, site, "A")
        make_counter(db.session, site, 1, [a])
        make_user(db.session, "boss", Role.SUPERVISOR)
        db.session.commit()
    client = app.test_client()
    first: dict[str, Any] = client.post(f"{API}/tickets", json={"service": "A"}).get_json()
    assert 'id="zone"' not in client.get(f"/t/{first['token']}").get_data(as_text=True)
    second = client.post(f"{API}/tickets", json={"service": "A"}).get_json()
    assert first["admitted"] and not second["admitted"]
    (zone,) = client.get(f"{API}/zones").get_json()
    assert (zone["capacity"], zone["inside"], zone["outside"]) == (1, 1, 1)
    board = client.get(f"{API}/board").get_json()
    assert board["hall"]["capacity"] == 1 and board["hall"]["full"]
    assert client.get(f"{API}/board", query_string={"zone": zone["id"]}).get_json()["hall"] == {
        **board["hall"]
    }
