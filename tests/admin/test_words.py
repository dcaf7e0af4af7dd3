"""Pages speak words (issue 13, item 14): the audit trail names fields and services rather
than `from_service_id`, error pages say what happened rather than `403 forbidden`, and
Indonesian pages write decimals with a comma."""

from __future__ import annotations

import re

from flask import Flask

from queue_app.extensions import db
from queue_app.models import Service
from tests.conftest import Hall
from tests.helpers import bearer

from .conftest import Browser


def test_a_transfer_in_the_audit_names_the_service_it_came_from(
    app: Flask, hall: Hall, admin: Browser
) -> None:
    api = app.test_client()
    api.post("/api/v1/tickets", json={"service": "A"})
    clerk = bearer(app, "clerk1")
    ticket = api.post(f"/api/v1/counters/{hall.counter_1}/call-next", headers=clerk).get_json()
    moved = api.post(
        f"/api/v1/tickets/{ticket['id']}/transfer", json={"service": "B"}, headers=clerk
    )
    assert moved.status_code == 200
    page = admin.get("/admin/audit").get_data(as_text=True)
    row = next(" ".join(r.split()) for r in page.split("<tr") if ">dialihkan<" in r)
    assert "dari layanan: A" in row
    assert "from_service_id" not in page and "service_id" not in page


def test_a_changed_setting_is_named_in_words(app: Flask, hall: Hall, admin: Browser) -> None:
    data = {"code": "B", "name_id": "Pajak", "name_en": "Tax", "prior_minutes": "5"}
    assert admin.submit(f"/admin/services/{hall.service_b}", data).status_code == 302
    page = admin.get("/admin/audit").get_data(as_text=True)
    row = next(" ".join(r.split()) for r in page.split("<tr") if ">diubah<" in r)
    assert "nama (Indonesia): Layanan B → Pajak" in row
    assert "buka: ya → tidak" in row  # the box left unticked closed the service
    assert "name_id" not in row and "is_open" not in row and "True" not in row


def test_error_pages_say_what_happened_in_words(app: Flask, hall: Hall) -> None:
    clerk = Browser(app, "clerk1")
    refused = clerk.get("/admin/services")
    assert refused.status_code == 403
    page = refused.get_data(as_text=True)
    assert "Tidak diizinkan" in page
    assert "Akun Anda (clerk1) tidak boleh membuka halaman ini" in page
    assert "Masuk dengan akun lain" in page
    assert "forbidden" not in page
    missing = clerk.get("/t/no-such-ticket-token-at-all")
    assert missing.status_code == 404
    assert "not_found" not in missing.get_data(as_text=True)
    # A form whose token has expired (here: none at all) says so, not `csrf_failed`.
    stale = clerk.client.post("/logout")
    assert stale.status_code == 400
    text = stale.get_data(as_text=True)
    assert "Formulir sudah kedaluwarsa" in text and "csrf" not in text.lower().replace(
        'name="csrf-token"', ""
    )
    english = clerk.get("/admin/services?lang=en").get_data(as_text=True)
    assert "Your account (clerk1) may not open this page" in english
    assert re.search(r"Error number \(for the help desk\): 403", english)
    assert "403 forbidden" not in english


def test_indonesian_pages_write_decimals_with_a_comma(
    app: Flask, hall: Hall, admin: Browser
) -> None:
    # The Indonesian form takes 2,5 as two and a half minutes.
    data = {"code": "B", "name_id": "Layanan B", "name_en": "B", "prior_minutes": "2,5"}
    data["is_open"] = "y"
    assert admin.submit(f"/admin/services/{hall.service_b}", data).status_code == 302
    with app.app_context():
        service = db.session.get(Service, hall.service_b)
        assert service is not None and service.prior_service_s == 150
    listed = admin.get("/admin/services").get_data(as_text=True)
    assert re.search(r">2,5 menit<", listed), listed
    form = admin.get(f"/admin/services/{hall.service_b}").get_data(as_text=True)
    assert 'value="2,5"' in form
    english = admin.get("/admin/services?lang=en").get_data(as_text=True)
    assert re.search(r">2\.5 min<", english)
    assert 'value="2.5"' in admin.get(f"/admin/services/{hall.service_b}").get_data(as_text=True)
