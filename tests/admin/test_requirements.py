"""A service's requirements (persyaratan) in the admin console: adding, changing, reordering
and removing a document is stored, written to the audit trail and reaches the kiosks at once
(their board and `GET /api/v1/services`); bad input shows what to fix and changes nothing."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from queue_app.extensions import db
from queue_app.models import ServiceRequirement
from queue_app.services.admin.requirements import MAX_REQUIREMENTS
from tests.conftest import Hall

from .conftest import (
    Browser,
    changes_count,
    csrf_token,
    field_errors,
    heard,
    last_change,
    screen,
)

KTP = {"req_name_id": "KTP asli", "req_name_en": "Original ID card", "req_note": "dan fotokopi"}
KK = {"req_name_id": "Kartu Keluarga", "req_name_en": "Family card", "req_note": ""}


def listed(admin: Browser, code: str = "A") -> list[dict[str, str]]:
    services = admin.client.get("/api/v1/services").get_json()
    return next(s["requirements"] for s in services if s["code"] == code)


def ids(service_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(ServiceRequirement.id)
            .where(ServiceRequirement.service_id == service_id)
            .order_by(ServiceRequirement.position)
        )
    )


def test_documents_added_changed_moved_and_removed_reach_the_kiosk_and_are_audited(
    app: Flask, hall: Hall, admin: Browser
) -> None:
    page = f"/admin/services/{hall.service_a}"
    base = f"{page}/requirements"
    kiosk = screen(app, f"board={hall.site_id}")
    assert listed(admin) == []

    assert admin.submit(base, KTP, page=page).status_code == 302
    assert admin.submit(base, KK, page=page).status_code == 302
    assert listed(admin) == [
        {"name": "KTP asli", "name_en": "Original ID card", "note": "dan fotokopi"},
        {"name": "Kartu Keluarga", "name_en": "Family card", "note": ""},
    ]
    assert listed(admin, "B") == []  # the other service asks for nothing
    config = heard(kiosk, "config")
    assert len(config) == 2 and config[-1]["what"] == "service"
    a = next(s for s in config[-1]["board"]["services"] if s["code"] == "A")
    assert [r["name"] for r in a["requirements"]] == ["KTP asli", "Kartu Keluarga"]
    with app.app_context():
        change = last_change()
        assert (change.entity, change.entity_id, change.action) == (
            "service",
            hall.service_a,
            "requirement_add",
        )
        assert change.changes == {
            "name_id": "Kartu Keluarga",
            "name_en": "Family card",
            "note": "",
        }
        ktp, kk = ids(hall.service_a)

    # Change one: only what changed is recorded.
    edited = {**KTP, "req_note": "asli dan fotokopi"}
    assert admin.submit(f"{base}/{ktp}", edited, page=page).status_code == 302
    assert listed(admin)[0]["note"] == "asli dan fotokopi"
    with app.app_context():
        change = last_change()
        assert change.action == "requirement_update"
        assert change.changes == {
            "note": ["dan fotokopi", "asli dan fotokopi"],
            "requirement": ["KTP asli", "KTP asli"],
        }

    # Move the family card first.
    response = admin.submit(f"{base}/{kk}/move", {"direction": "up"}, page=page)
    assert response.status_code == 302
    assert [r["name"] for r in listed(admin)] == ["Kartu Keluarga", "KTP asli"]
    assert [
        r["name"] for r in heard(kiosk, "config")[-1]["board"]["services"][0]["requirements"]
    ] == [
        "Kartu Keluarga",
        "KTP asli",
    ]
    with app.app_context():
        assert last_change().changes == {
            "requirements": [["KTP asli", "Kartu Keluarga"], ["Kartu Keluarga", "KTP asli"]]
        }

    # Remove one: the trail keeps what it was.
    assert admin.submit(f"{base}/{ktp}/remove", {}, page=page).status_code == 302
    assert [r["name"] for r in listed(admin)] == ["Kartu Keluarga"]
    with app.app_context():
        change = last_change()
        assert change.action == "requirement_remove"
        assert change.changes is not None and change.changes["name_id"] == "KTP asli"
    # The service's page lists what is left, and the audit page names the change.
    text = admin.get(page).get_data(as_text=True)
    assert 'value="Kartu Keluarga"' in text and 'value="KTP asli"' not in text
    assert "requirement removed" in admin.get("/admin/audit?lang=en").get_data(as_text=True)


def test_bad_requirement_input_shows_what_to_fix_and_changes_nothing(
    app: Flask, hall: Hall, admin: Browser
) -> None:
    page = f"/admin/services/{hall.service_a}?lang=en"
    base = f"/admin/services/{hall.service_a}/requirements"
    with app.app_context():
        before = changes_count()
    kiosk = screen(app, f"board={hall.site_id}")
    cases = {
        "no name": ({**KTP, "req_name_id": "  "}, "Please fill this in."),
        "no English name": ({**KTP, "req_name_en": ""}, "Please fill this in."),
        "long note": ({**KTP, "req_note": "x" * 201}, "200"),
    }
    for case, (data, message) in cases.items():
        response = admin.submit(f"{base}?lang=en", data, page=page)
        assert response.status_code == 422, case
        assert any(message in error for error in field_errors(response)), (case, response)
    with app.app_context():
        assert ids(hall.service_a) == []
        assert changes_count() == before
    assert heard(kiosk, "config") == []
    assert listed(admin) == []


def test_a_service_asks_for_a_bounded_number_of_documents(
    app: Flask, hall: Hall, admin: Browser
) -> None:
    page = f"/admin/services/{hall.service_a}?lang=en"
    base = f"/admin/services/{hall.service_a}/requirements"
    for n in range(MAX_REQUIREMENTS):
        data = {**KK, "req_name_id": f"Dokumen {n}"}
        assert admin.submit(f"{base}?lang=en", data, page=page).status_code == 302
    # The page no longer offers to add one; a post anyway is refused with the reason.
    form = admin.get(page)
    assert "Add a document" not in form.get_data(as_text=True)
    response = admin.client.post(f"{base}?lang=en", data={**KK, "csrf_token": csrf_token(form)})
    assert response.status_code == 422
    assert any(f"at most {MAX_REQUIREMENTS}" in e for e in field_errors(response))
    assert len(listed(admin)) == MAX_REQUIREMENTS
