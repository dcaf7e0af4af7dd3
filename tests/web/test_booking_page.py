"""The booking's status page `/b/<token>` (issue 16): Indonesian first, with English; what,
where, when, what to bring, and a cancel button that posts with its CSRF token."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import time_machine
from flask import Flask

from queue_app.extensions import db
from queue_app.models import ServiceRequirement

from ..conftest import app_with_tables
from .booking_hall import BOOKING_TIME, NIKS, book, build_booking_hall, sessions_of


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    with app_with_tables(database_url, WTF_CSRF_ENABLED=True) as application:
        yield application


@pytest.fixture
def token(app: Flask) -> Iterator[str]:
    with app.app_context():
        hall = build_booking_hall()
        db.session.add(
            ServiceRequirement(
                service_id=hall.service_a, name_id="KTP asli", name_en="Original ID card"
            )
        )
        db.session.commit()
    with time_machine.travel(BOOKING_TIME, tick=False):
        client = app.test_client()
        made = book(client, "A", sessions_of(client, "A")[1]["id"], NIKS[0]).get_json()
        yield str(made["token"])


def test_the_page_says_what_where_when_and_what_to_bring(app: Flask, token: str) -> None:
    page = app.test_client().get(f"/b/{token}").get_data(as_text=True)
    assert "Instansi BOTH" in page and "Layanan A" in page
    assert "Selasa, 16 Juni 2026" in page
    assert "09.00–10.00" in page
    assert "dari 08.30 sampai 10.15" in page
    assert "KTP asli" in page
    assert "<svg" in page  # the QR the kiosk's scanner reads
    english = app.test_client().get(f"/b/{token}?lang=en").get_data(as_text=True)
    assert "Tuesday, 16 June 2026" in english and "09:00–10:00" in english
    assert "Original ID card" in english and "What to bring" in english


def test_the_cancel_button_needs_its_csrf_token_and_frees_the_place(app: Flask, token: str) -> None:
    client = app.test_client()
    page = client.get(f"/b/{token}").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf is not None
    forged = app.test_client().post(f"/b/{token}/cancel")
    assert forged.status_code in (302, 400)
    assert client.get(f"/api/v1/bookings/by-token/{token}").get_json()["state"] == "booked"
    left_before = sessions_of(client, "A")[1]["left"]
    done = client.post(f"/b/{token}/cancel", data={"csrf_token": csrf.group(1)})
    assert done.status_code == 302
    assert client.get(f"/api/v1/bookings/by-token/{token}").get_json()["state"] == "cancelled"
    assert sessions_of(client, "A")[1]["left"] == left_before + 1
    after = client.get(f"/b/{token}").get_data(as_text=True)
    assert 'id="cancel"' not in after


def test_an_unknown_booking_is_a_404_page(app: Flask) -> None:
    assert app.test_client().get("/b/not-a-token").status_code == 404
