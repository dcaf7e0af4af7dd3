"""The kiosk of a mall (issue 15, "Screens"): agencies first as tiles in their colours, a tile
that takes no walk-ins says "register online", one at its daily cap says it is full, and
`?zone=` keeps one zone's services (a malformed zone is a worded 422, an unknown one 404).
(In a real browser: tests/browser/test_kiosk_e2e.py.)"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import Flask
from flask.testing import FlaskClient

from queue_app.extensions import db
from queue_app.models import Site
from queue_app.services import mall

from ..helpers import make_agency, make_service, make_site, make_zone
from .test_pages import page, page_config


@dataclass
class Mall:
    site_id: int
    upper: int
    agencies: dict[str, int]


def build(app: Flask) -> Mall:
    """Floor 2 (home zone): agency IMI's A and B; floor 3: BDKI's C (cap 1 a day) and ONL's D
    (no walk-ins)."""
    with app.app_context():
        session = db.session
        site = make_site(session)
        home, _ = mall.home(session, site)
        upper = make_zone(session, site, "Lantai 3", floor=3)
        imi = make_agency(session, site, "IMI")
        imi.colour = "#c0392b"
        bank = make_agency(session, site, "BDKI", daily_cap=1)
        online = make_agency(session, site, "ONL", walk_in=False)
        make_service(session, site, "A", zone=home, agency=imi)
        make_service(session, site, "B", zone=home, agency=imi)
        make_service(session, site, "C", zone=upper, agency=bank)
        make_service(session, site, "D", zone=upper, agency=online)
        session.commit()
        return Mall(site.id, upper.id, {a.code: a.id for a in (imi, bank, online)})


def tiles(html: str) -> dict[str, str]:
    """Agency code → its tile's whole markup."""
    return {
        m.group(1): m.group(0)
        for m in re.finditer(
            r'<button[^>]*class="agency[^"]*"[^>]*data-code="([^"]+)".*?</button>', html, re.S
        )
    }


def test_a_mall_kiosk_shows_agency_tiles_with_their_names_colours_and_states(
    app: Flask, client: FlaskClient
) -> None:
    hall = build(app)
    html = page(client, f"/kiosk?site={hall.site_id}")
    found = tiles(html)
    assert list(found) == ["IMI", "BDKI", "ONL"]  # only agencies offering a service
    assert 'data-colour="#c0392b"' in found["IMI"]
    assert "Instansi IMI" in found["IMI"]
    # Touchable: a touch shows where to register online (issue 16).
    assert "Daftar online" in found["ONL"] and "aria-disabled" not in found["ONL"]
    assert "aria-disabled" not in found["BDKI"]
    # The service buttons come after a touch (kiosk.js), none before.
    assert 'class="service ' not in html and 'class="service"' not in html
    config = page_config(html)
    assert [a["code"] for a in config["agencies"]] == ["IMI", "BDKI", "ONL"]
    assert config["zone"] is None
    assert config["t"]["walk_in_not_accepted"].startswith("Instansi ini hanya melayani")

    english = page(client, f"/kiosk?site={hall.site_id}&lang=en")
    found = tiles(english)
    assert "Agency IMI" in found["IMI"] and "Register online" in found["ONL"]
    assert "Back to the agencies" in english

    # BDKI gives one number a day: after it, its tile says it is full, and the API refuses.
    issued = client.post(f"/api/v1/tickets?site={hall.site_id}", json={"service": "C"})
    assert issued.status_code == 201, issued.get_json()
    again = client.post(f"/api/v1/tickets?site={hall.site_id}", json={"service": "C"})
    assert again.status_code == 409 and again.get_json()["error"] == "agency_cap_reached"
    found = tiles(page(client, f"/kiosk?site={hall.site_id}&lang=id"))
    assert "Penuh untuk hari ini" in found["BDKI"] and 'data-full="yes"' in found["BDKI"]


def test_a_zone_kiosk_shows_only_that_zones_services_and_agencies(
    app: Flask, client: FlaskClient
) -> None:
    hall = build(app)
    html = page(client, f"/kiosk?site={hall.site_id}&zone={hall.upper}")
    assert list(tiles(html)) == ["BDKI", "ONL"]
    config = page_config(html)
    assert config["zone"] == hall.upper
    home = re.search(r'data-home="([^"]*)"', html)
    assert home is not None and f"zone={hall.upper}" in home.group(1)


def test_a_zone_kiosk_of_one_agency_is_the_plain_kiosk(app: Flask, client: FlaskClient) -> None:
    hall = build(app)
    with app.app_context():
        site = db.session.get_one(Site, hall.site_id)
        zone = make_zone(db.session, site, "Lantai 4", floor=4)
        make_service(db.session, site, "E", zone=zone)
        db.session.commit()
        zone_id = zone.id
    html = page(client, f"/kiosk?site={hall.site_id}&zone={zone_id}")
    assert tiles(html) == {}
    assert re.findall(r'data-code="([A-Z])"', html.split('id="config"')[0]) == ["E"]
    assert page_config(html)["agencies"] == []


def test_a_malformed_zone_is_a_worded_422_and_an_unknown_one_404(
    app: Flask, client: FlaskClient
) -> None:
    hall = build(app)
    bad = page(client, f"/kiosk?site={hall.site_id}&zone=lantai", status=422)
    assert "Lantai atau ruang di alamat salah" in bad
    assert "?zone=" in bad
    english = page(client, f"/kiosk?site={hall.site_id}&zone=-1&lang=en", status=422)
    assert "Wrong floor or room in the address" in english
    page(client, f"/kiosk?site={hall.site_id}&zone=999999", status=404)


def test_a_hall_of_one_agency_has_no_tiles(app: Flask, client: FlaskClient, hall: object) -> None:
    html = page(client, "/kiosk")
    assert tiles(html) == {} and 'id="agencies"' not in html
    assert page_config(html)["agencies"] == []
