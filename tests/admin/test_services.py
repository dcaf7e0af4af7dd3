"""Services in the admin console: adding, changing, closing and reordering one changes the
database, is written to the audit trail, and reaches the kiosks and boards at once; bad input
shows what to fix and changes nothing."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from queue_app.extensions import db
from queue_app.models import Service
from tests.conftest import Hall

from .conftest import Browser, changes_count, field_errors, heard, last_change, screen

NEW = {
    "code": "c",
    "name_id": "Layanan Paspor",
    "name_en": "Passports",
    "daily_quota": "40",
    "prior_minutes": "7.5",
    "is_open": "y",
}


def service(code: str) -> Service | None:
    return db.session.scalars(select(Service).where(Service.code == code)).first()


def test_a_new_service_is_stored_audited_and_appears_on_kiosks_and_boards(
    app: Flask, hall: Hall, admin: Browser
) -> None:
    kiosk = screen(app, f"board={hall.site_id}")
    response = admin.submit("/admin/services/new", NEW)
    assert response.status_code == 302
    with app.app_context():
        added = service("C")
        assert added is not None
        assert (added.name_id, added.name_en, added.daily_quota, added.prior_service_s) == (
            "Layanan Paspor",
            "Passports",
            40,
            450,
        )
        assert added.is_open and added.position > 0  # after A and B
        change = last_change()
        assert (change.entity, change.entity_id, change.action) == ("service", added.id, "create")
        assert change.user_id is not None and change.changes is not None
        assert change.changes["code"] == "C"
    # The kiosk hears the new set-up with the new service last, ready for a button.
    config = heard(kiosk, "config")
    assert len(config) == 1 and config[0]["what"] == "service"
    assert [s["code"] for s in config[0]["board"]["services"]] == ["A", "B", "C"]
    assert config[0]["board"]["services"][-1]["name_en"] == "Passports"
    # The list page shows it, and a ticket can be taken for it right away.
    assert "Layanan Paspor" in admin.get("/admin/services").get_data(as_text=True)
    issued = admin.client.post("/api/v1/tickets", json={"service": "C"})
    assert issued.status_code == 201 and issued.get_json()["code"] == "C-001"


def test_renaming_and_closing_a_service_reach_the_board_and_the_kiosk_refuses_it(
    app: Flask, hall: Hall, admin: Browser
) -> None:
    board = screen(app, f"board={hall.site_id}")
    url = f"/admin/services/{hall.service_b}"
    response = admin.submit(url, {**NEW, "code": "B", "name_id": "Pajak", "is_open": ""})
    assert response.status_code == 302
    config = heard(board, "config")
    b = next(s for s in config[-1]["board"]["services"] if s["code"] == "B")
    assert (b["name"], b["open"]) == ("Pajak", False)
    with app.app_context():
        change = last_change()
        assert change.action == "update" and change.changes is not None
        assert change.changes["name_id"] == ["Layanan B", "Pajak"]
        assert change.changes["is_open"] == [True, False]
        assert "code" not in change.changes  # only what changed is recorded
    refused = admin.client.post("/api/v1/tickets", json={"service": "B"})
    assert refused.status_code == 409 and refused.get_json()["error"] == "service_closed"


def test_reordering_moves_a_service_on_the_kiosk(app: Flask, hall: Hall, admin: Browser) -> None:
    kiosk = screen(app, f"board={hall.site_id}")
    response = admin.submit(
        f"/admin/services/{hall.service_b}/move", {"direction": "up"}, page="/admin/services"
    )
    assert response.status_code == 302
    assert [s["code"] for s in heard(kiosk, "config")[-1]["board"]["services"]] == ["B", "A"]
    with app.app_context():
        change = last_change()
        assert change.action == "reorder"
        assert change.changes == {"order": [["A", "B"], ["B", "A"]]}
    assert [s["code"] for s in admin.client.get("/api/v1/services").get_json()] == ["B", "A"]


def test_bad_service_input_shows_what_to_fix_and_changes_nothing(
    app: Flask, hall: Hall, admin: Browser
) -> None:
    with app.app_context():
        before = changes_count()
    kiosk = screen(app, f"board={hall.site_id}")
    cases = {
        "duplicate code": ({**NEW, "code": "a"}, "Another service already has this code."),
        "negative quota": ({**NEW, "daily_quota": "-5"}, "Give a number from 0 to 100000."),
        "code with a digit": ({**NEW, "code": "A1"}, "one to three capital letters"),
        "no name": ({**NEW, "name_en": ""}, "Please fill this in."),
        "zero minutes": ({**NEW, "prior_minutes": "0"}, "minutes from 0.5 to 480"),
        "quota not a number": ({**NEW, "daily_quota": "many"}, "Not a valid integer value."),
    }
    for case, (data, message) in cases.items():
        response = admin.submit("/admin/services/new?lang=en", data)
        assert response.status_code == 422, case
        assert any(message in error for error in field_errors(response)), (case, response)
    with app.app_context():
        assert service("C") is None
        assert changes_count() == before
    assert heard(kiosk, "config") == []


def test_a_code_is_fixed_once_the_service_has_issued_a_ticket(
    app: Flask, hall: Hall, admin: Browser
) -> None:
    assert admin.client.post("/api/v1/tickets", json={"service": "A"}).status_code == 201
    url = f"/admin/services/{hall.service_a}"
    response = admin.submit(f"{url}?lang=en", {**NEW, "code": "Q"}, page=f"{url}?lang=en")
    assert response.status_code == 422
    assert "its code is printed on them" in " ".join(field_errors(response))
    with app.app_context():
        assert service("A") is not None and service("Q") is None


def test_form_errors_are_in_indonesian_by_default(app: Flask, hall: Hall, admin: Browser) -> None:
    response = admin.submit("/admin/services/new?lang=id", {**NEW, "code": "a"})
    assert response.status_code == 422
    errors = field_errors(response)
    assert errors and "Another service" not in " ".join(errors)
    response = admin.submit("/admin/services/new", {**NEW, "daily_quota": "x"})
    assert "Not a valid integer value." not in " ".join(field_errors(response))


def test_every_mistake_of_a_form_shows_at_once(app: Flask, hall: Hall, admin: Browser) -> None:
    data = {**NEW, "code": "A", "daily_quota": "-1"}
    errors = field_errors(admin.submit("/admin/services/new?lang=en", data))
    assert "Another service already has this code." in errors
    assert "Give a number from 0 to 100000." in errors
