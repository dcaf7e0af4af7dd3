"""`/display?zone=<id>` (one zone's board) and `/display?entrance=1` (the building door's) as
served, before any script runs (issue 15). The live behaviour is in tests/browser."""

from __future__ import annotations

from flask import Flask

from queue_app.extensions import db

from ..helpers import bearer, make_counter, make_service, make_site
from ..services.test_mall import build_mall
from .test_pages import page, page_config

API = "/api/v1"


def test_a_zone_board_shows_its_zone_and_the_door_every_zone(app: Flask) -> None:
    with app.app_context():
        mall = build_mall(db.session, caps=(1, 3))
    headers = bearer(app, f"boss{mall.site_id}")
    client = app.test_client()
    client.post(f"{API}/tickets", json={"service": "A"})
    waiting = client.post(f"{API}/tickets", json={"service": "A"}).get_json()  # outside
    client.post(f"{API}/tickets", json={"service": "C"})
    called = client.post(f"{API}/counters/{mall.counters[1]}/call-next", headers=headers)
    client.post(f"{API}/tickets/{called.get_json()['id']}/finish", headers=headers)
    zones = {z["name"]: z["id"] for z in client.get(f"{API}/zones").get_json()}

    html = page(client, f"/display?zone={zones['Lantai 2']}")
    assert "Lantai 2 — silakan masuk:" in html
    config = page_config(html)
    assert config["options"]["zone"] == zones["Lantai 2"]
    assert config["board"]["zone"]["name"] == "Lantai 2"
    assert [s["code"] for s in config["board"]["services"]] == ["A", "B"]
    assert config["board"]["recently_admitted"] == [waiting["code"]]
    # (`?lang=` stays with the browser: an English screen is another client.)
    english = page(app.test_client(), f"/display?zone={zones['Lantai 3']}&lang=en")
    assert "Lantai 3 — please come in:" in english
    assert [s["code"] for s in page_config(english)["board"]["services"]] == ["C", "D"]

    door = page(client, "/display?entrance=1")
    assert "Papan pintu masuk" in door
    lines = {z["name"]: z for z in page_config(door)["entrance"]["zones"]}
    assert lines["Lantai 2"]["recently_admitted"] == [waiting["code"]]
    assert (lines["Lantai 2"]["hall"]["inside"], lines["Lantai 2"]["hall"]["capacity"]) == (1, 1)
    assert (lines["Lantai 3"]["hall"]["inside"], lines["Lantai 3"]["hall"]["capacity"]) == (1, 3)
    assert "Entrance board" in page(app.test_client(), "/display?entrance=1&lang=en")

    # The whole-site board is as before: no zone, every service.
    whole = page_config(page(client, "/display"))
    assert whole["board"]["zone"] is None and len(whole["board"]["services"]) == 4
    assert whole["options"]["zone"] is None
    # `?entrance=0` is not the door's board.
    off = page_config(page(client, "/display?entrance=0"))
    assert off["board"]["zone"] is None and len(off["board"]["services"]) == 4


def test_a_bad_zone_is_a_worded_page_never_a_500(app: Flask) -> None:
    with app.app_context():
        build_mall(db.session)
    client = app.test_client()
    for query in ("zone=abc", "zone=-1", "zone=1&entrance=1"):
        html = page(client, f"/display?{query}", status=422)
        assert "Lantai atau ruang di alamat salah" in html, query
    english = app.test_client()
    assert "Wrong floor or room in the address" in page(
        english, "/display?zone=x&lang=en", status=422
    )
    page(client, "/display?zone=999999", status=404)
    page(client, "/display?entrance=maybe", status=422)


def test_the_door_of_a_hall_of_one_zone_shows_its_one_line(app: Flask) -> None:
    with app.app_context():
        site = make_site(db.session, capacity=1)
        a = make_service(db.session, site, "A")
        make_counter(db.session, site, 1, [a])
        db.session.commit()
        site_id = site.id
    client = app.test_client()
    client.post(f"{API}/tickets", json={"service": "A", "site": site_id})
    config = page_config(page(client, f"/display?entrance=1&site={site_id}"))
    assert len(config["entrance"]["zones"]) == 1
    assert config["entrance"]["zones"][0]["hall"]["inside"] == 1
