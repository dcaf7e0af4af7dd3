"""The mall in the admin console (issue 15): zones (*Zona*) and agencies (*Instansi*) are added
and changed, audited, and heard by the screens at once; bad input says what to fix and changes
nothing; a service chooses its agency and zone; a counter stands in the one zone of its
services."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import select

from queue_app.extensions import db
from queue_app.models import Agency, Counter, Service, Zone
from tests.conftest import Hall

from .conftest import Browser, changes_count, field_errors, heard, last_change, screen

ZONE = {"name": "Lantai 3", "floor": "3", "room_capacity": "40", "distancing_pct": "50"}
AGENCY = {
    "code": "bdki",
    "name_id": "Bank DKI",
    "name_en": "Bank DKI",
    "colour": "#C8102E",
    "daily_cap": "50",
    "channels": "walk_in",
}
SERVICE = {
    "code": "C",
    "name_id": "Paspor",
    "name_en": "Passports",
    "prior_minutes": "5",
    "is_open": "y",
}


def zone(name: str) -> Zone | None:
    return db.session.scalars(select(Zone).where(Zone.name == name)).first()


def agency(code: str) -> Agency | None:
    return db.session.scalars(select(Agency).where(Agency.code == code)).first()


def home_zone(hall: Hall) -> int:
    service = db.session.get(Service, hall.service_a)
    assert service is not None
    return service.zone_id


def add_zone(admin: Browser, **values: str) -> int:
    assert admin.submit("/admin/zones/new", {**ZONE, **values}).status_code == 302
    found = zone(values.get("name", ZONE["name"]))
    assert found is not None
    return found.id


def test_a_new_zone_is_stored_audited_listed_and_heard(
    app: Flask, hall: Hall, admin: Browser
) -> None:
    board = screen(app, f"board={hall.site_id}")
    response = admin.submit("/admin/zones/new", ZONE)
    assert response.status_code == 302
    with app.app_context():
        added = zone("Lantai 3")
        assert added is not None
        assert (added.floor, added.room_capacity, added.distancing_pct, added.cap) == (
            3,
            40,
            50,
            20,
        )
        change = last_change()
        assert (change.entity, change.entity_id, change.action) == ("zone", added.id, "create")
        assert change.changes is not None and change.changes["cap"] == 20
    config = heard(board, "config")
    assert len(config) == 1 and config[0]["what"] == "zone"
    page = admin.get("/admin/zones?lang=en").get_data(as_text=True)
    assert "Lantai 3" in page and "<b>20</b>" in page
    # The audit trail names it in words.
    trail = admin.get("/admin/audit?lang=en").get_data(as_text=True)
    assert "Zone" in trail and "Lantai 3" in trail


def test_changing_a_zone_records_only_what_changed(app: Flask, hall: Hall, admin: Browser) -> None:
    with app.app_context():
        zone_id = add_zone(admin)
    board = screen(app, f"board={hall.site_id}")
    response = admin.submit(f"/admin/zones/{zone_id}", {**ZONE, "distancing_pct": "100"})
    assert response.status_code == 302
    with app.app_context():
        changed = db.session.get(Zone, zone_id)
        assert changed is not None and changed.cap == 40
        change = last_change()
        assert change.action == "update"
        assert change.changes == {"distancing_pct": [50, 100], "cap": [20, 40]}
    assert [c["what"] for c in heard(board, "config")] == ["zone"]
    # Saving it unchanged writes nothing.
    with app.app_context():
        before = changes_count()
    assert (
        admin.submit(f"/admin/zones/{zone_id}", {**ZONE, "distancing_pct": "100"}).status_code
        == 302
    )
    with app.app_context():
        assert changes_count() == before


def test_bad_zone_input_shows_what_to_fix_and_changes_nothing(
    app: Flask, hall: Hall, admin: Browser
) -> None:
    with app.app_context():
        existing = db.session.get(Zone, home_zone(hall))
        assert existing is not None
        taken = existing.name
        before = changes_count()
    kiosk = screen(app, f"board={hall.site_id}")
    cases = {
        "same name, other case": ({"name": taken.upper()}, "Another zone already has this name."),
        "negative capacity": ({"room_capacity": "-1"}, "Give a number from 0 to 100000."),
        "no distancing share": ({"distancing_pct": "0"}, "Give a number from 1 to 100."),
        "over 100%": ({"distancing_pct": "101"}, "Give a number from 1 to 100."),
        "no name": ({"name": "  "}, "Please fill this in."),
        "floor not a number": ({"floor": "tiga"}, "Not a valid integer value."),
    }
    for case, (values, message) in cases.items():
        response = admin.submit("/admin/zones/new?lang=en", {**ZONE, **values})
        assert response.status_code == 422, case
        assert message in field_errors(response), (case, field_errors(response))
    with app.app_context():
        assert zone("Lantai 3") is None
        assert changes_count() == before
    assert heard(kiosk, "config") == []
    # Indonesian by default.
    refused = admin.submit("/admin/zones/new?lang=id", {**ZONE, "distancing_pct": "0"})
    assert "Isi angka dari 1 sampai 100." in field_errors(refused)


def test_a_new_agency_and_its_change_are_audited(app: Flask, hall: Hall, admin: Browser) -> None:
    board = screen(app, f"board={hall.site_id}")
    assert admin.submit("/admin/agencies/new", AGENCY).status_code == 302
    with app.app_context():
        added = agency("BDKI")  # typed in small letters, stored in capitals
        assert added is not None
        assert (added.colour, added.daily_cap, added.walk_in) == ("#c8102e", 50, True)
        change = last_change()
        assert (change.entity, change.entity_id, change.action) == ("agency", added.id, "create")
        added_id = added.id
    assert [c["what"] for c in heard(board, "config")] == ["agency"]
    # No walk-ins any more (online only: the older `walk_in` flag follows), and no cap.
    edited = {**AGENCY, "channels": "online", "daily_cap": ""}
    assert admin.submit(f"/admin/agencies/{added_id}", edited).status_code == 302
    with app.app_context():
        changed = db.session.get(Agency, added_id)
        assert changed is not None and (changed.walk_in, changed.daily_cap) == (False, None)
        assert changed.channels == "online"
        assert last_change().changes == {
            "channels": ["walk_in", "online"],
            "daily_cap": [50, None],
        }
    page = admin.get("/admin/agencies?lang=en").get_data(as_text=True)
    assert "BDKI" in page and "online only" in page


def test_bad_agency_input_shows_what_to_fix_and_changes_nothing(
    app: Flask, hall: Hall, admin: Browser
) -> None:
    with app.app_context():
        service = db.session.get(Service, hall.service_a)
        assert service is not None
        home = db.session.get(Agency, service.agency_id)
        assert home is not None
        taken = home.code
        before = changes_count()
    cases = {
        "code taken": ({"code": taken}, "Another agency already has this code."),
        "code with a dash": ({"code": "BD-KI"}, "1 to 12 capital letters or digits"),
        "colour by name": ({"colour": "red"}, "# and six hexadecimal digits"),
        "colour not hex": ({"colour": "#12345g"}, "# and six hexadecimal digits"),
        "negative cap": ({"daily_cap": "-1"}, "Give a number from 0 to 100000."),
        "no English name": ({"name_en": ""}, "Please fill this in."),
    }
    for case, (values, message) in cases.items():
        response = admin.submit("/admin/agencies/new?lang=en", {**AGENCY, **values})
        assert response.status_code == 422, case
        assert any(message in e for e in field_errors(response)), (case, field_errors(response))
    with app.app_context():
        assert agency("BDKI") is None
        assert changes_count() == before


def test_a_service_chooses_its_agency_and_zone(app: Flask, hall: Hall, admin: Browser) -> None:
    with app.app_context():
        zone_id = add_zone(admin)
        assert admin.submit("/admin/agencies/new", AGENCY).status_code == 302
        bdki = agency("BDKI")
        assert bdki is not None
        bdki_id = bdki.id
        home = home_zone(hall)
    # The new service's form offers them, the site's first preselected.
    form = admin.get("/admin/services/new?lang=en").get_data(as_text=True)
    assert f'<option selected value="{home}">' in form and "Lantai 3" in form
    data = {**SERVICE, "zone_id": str(zone_id), "agency_id": str(bdki_id)}
    assert admin.submit("/admin/services/new", data).status_code == 302
    with app.app_context():
        added = db.session.scalars(select(Service).where(Service.code == "C")).one()
        assert (added.zone_id, added.agency_id) == (zone_id, bdki_id)
        assert last_change().changes is not None
        assert (last_change().changes or {})["zone"] == "Lantai 3"
    listed = admin.get("/admin/services").get_data(as_text=True)
    assert "BDKI" in listed and "Lantai 3" in listed
    # A zone of no such id is refused.
    refused = admin.submit("/admin/services/new?lang=en", {**data, "code": "D", "zone_id": "999"})
    assert refused.status_code == 422 and "Not a valid choice." in field_errors(refused)


def test_a_service_moves_zone_with_its_own_counter_but_not_from_a_shared_one(
    app: Flask, hall: Hall, admin: Browser
) -> None:
    with app.app_context():
        zone_id = add_zone(admin)
        home = home_zone(hall)
    # B shares counters 1 and 2 with A, which stays: refused in words.
    data = {**SERVICE, "code": "B", "name_id": "Layanan B", "zone_id": str(zone_id)}
    refused = admin.submit(f"/admin/services/{hall.service_b}?lang=en", data)
    assert refused.status_code == 422
    assert any("Counter 1 also serves A" in e for e in field_errors(refused)), field_errors(refused)
    with app.app_context():
        b = db.session.get(Service, hall.service_b)
        assert b is not None and b.zone_id == home
    # C, served alone by counter 3, moves with it: both lines in the trail.
    assert admin.submit("/admin/services/new", {**SERVICE, "zone_id": str(home)}).status_code == 302
    three = {"number": "3", "label": "", "services": "C", "state": "closed"}
    assert admin.submit("/admin/counters/new", three).status_code == 302
    with app.app_context():
        c = db.session.scalars(select(Service).where(Service.code == "C")).one()
        c_id = c.id
    assert (
        admin.submit(f"/admin/services/{c_id}", {**SERVICE, "zone_id": str(zone_id)}).status_code
        == 302
    )
    with app.app_context():
        counter = db.session.scalars(select(Counter).where(Counter.number == 3)).one()
        assert counter.zone_id == zone_id
        assert last_change().entity == "counter"
        assert (last_change().changes or {})["zone"][1] == "Lantai 3"
    # The counters' list says where each one stands.
    page = admin.get("/admin/counters").get_data(as_text=True)
    zone_of = dict(re.findall(r"<b>(\d+)</b></td>\s*<td>[^<]*</td>\s*<td>([^<]*)</td>", page))
    assert zone_of["3"].endswith("Lantai 3")
    assert zone_of["1"].endswith("Ruang layanan")  # the hall's first zone


def test_a_single_hall_lists_its_counters_without_a_zone_column(
    app: Flask, hall: Hall, admin: Browser
) -> None:
    page = admin.get("/admin/counters?lang=en").get_data(as_text=True)
    assert "<th>Label</th>" in page
    assert "<th>Zone</th>" not in page


def test_a_service_with_active_tickets_of_today_keeps_its_zone(
    app: Flask, hall: Hall, admin: Browser
) -> None:
    with app.app_context():
        zone_id = add_zone(admin)
        home = home_zone(hall)
    assert admin.submit("/admin/services/new", {**SERVICE, "zone_id": str(home)}).status_code == 302
    issued = admin.client.post("/api/v1/tickets", json={"service": "C"})
    assert issued.status_code == 201
    with app.app_context():
        c_id = db.session.scalars(select(Service.id).where(Service.code == "C")).one()
        before = changes_count()
    refused = admin.submit(f"/admin/services/{c_id}?lang=en", {**SERVICE, "zone_id": str(zone_id)})
    assert refused.status_code == 422
    assert any(
        "still waiting or at a counter for this service (1)" in e for e in field_errors(refused)
    )
    with app.app_context():
        c = db.session.get(Service, c_id)
        assert c is not None and c.zone_id == home
        assert changes_count() == before


def test_a_counter_is_refused_when_its_services_span_two_zones(
    app: Flask, hall: Hall, admin: Browser
) -> None:
    with app.app_context():
        zone_id = add_zone(admin)
    assert (
        admin.submit("/admin/services/new", {**SERVICE, "zone_id": str(zone_id)}).status_code == 302
    )
    with app.app_context():
        before = changes_count()
    new = {"number": "3", "label": "", "services": "A, C", "state": "closed"}
    refused = admin.submit("/admin/counters/new?lang=en", new)
    assert refused.status_code == 422
    errors = field_errors(refused)
    assert any("one zone only" in e and "C in Lantai 3" in e for e in errors), errors
    edit = {"number": "1", "label": "Loket 1", "services": "A, C", "state": "open"}
    refused = admin.submit(f"/admin/counters/{hall.counter_1}?lang=en", edit)
    assert refused.status_code == 422 and any("one zone only" in e for e in field_errors(refused))
    with app.app_context():
        assert db.session.scalars(select(Counter).where(Counter.number == 3)).first() is None
        one = db.session.get(Counter, hall.counter_1)
        assert one is not None and one.service_ids == [hall.service_a, hall.service_b]
        assert changes_count() == before
    # Counter 1 given C alone follows it to Lantai 3.
    assert (
        admin.submit(f"/admin/counters/{hall.counter_1}", {**edit, "services": "C"}).status_code
        == 302
    )
    with app.app_context():
        one = db.session.get(Counter, hall.counter_1)
        assert one is not None and one.zone_id == zone_id
        assert (last_change().changes or {})["zone"][1] == "Lantai 3"
