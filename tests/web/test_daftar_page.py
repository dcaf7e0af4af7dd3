"""The booking page /daftar's first state (issue 16, item 9): what it offers to book, the
days, whether booking is open and when it opens; and the booking's QR image."""

from __future__ import annotations

import json
import re
from datetime import time
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from queue_app.extensions import db
from queue_app.models import Agency, Service, ServiceRequirement

from .booking_hall import (
    BOOKING_TIME,
    MONDAY,
    NIKS,
    BookingHall,
    book,
    build_booking_hall,
    local,
    sessions_of,
)


@pytest.fixture
def hall(app: Flask) -> BookingHall:
    with app.app_context():
        return build_booking_hall()


def page_config(client: FlaskClient, query: str = "") -> dict[str, Any]:
    response = client.get(f"/daftar{query}")
    assert response.status_code == 200
    found = re.search(
        r'<script type="application/json" id="config">(.*?)</script>', response.text, re.S
    )
    assert found
    config: dict[str, Any] = json.loads(found.group(1))
    return config


def test_the_page_offers_the_services_taking_bookings_and_the_next_working_day(
    client: FlaskClient, hall: BookingHall
) -> None:
    with time_machine.travel(BOOKING_TIME, tick=False):
        config = page_config(client)
    assert [s["code"] for s in config["services"]] == ["A", "N"]  # W takes walk-ins only
    assert config["days"] == ["2026-06-16"]
    assert config["open"] is True
    assert config["holder_kind"] == "nik"
    assert {a["code"] for a in config["agencies"]} == {"BOTH", "ONL"}


def test_outside_the_windows_the_page_says_when_booking_opens(
    client: FlaskClient, hall: BookingHall
) -> None:
    with time_machine.travel(local(MONDAY, time(11)), tick=False):
        config = page_config(client, "?lang=en")
    assert config["open"] is False
    assert config["opens_at"] == local(MONDAY, time(16)).isoformat()
    assert config["lang"] == "en"


def test_a_services_documents_to_bring_are_on_the_page(
    app: Flask, client: FlaskClient, hall: BookingHall
) -> None:
    with app.app_context():
        db.session.add(
            ServiceRequirement(
                service_id=hall.service_a,
                position=0,
                name_id="KTP asli",
                name_en="Original ID card",
            )
        )
        db.session.commit()
    with time_machine.travel(BOOKING_TIME, tick=False):
        config = page_config(client)
    a = next(s for s in config["services"] if s["code"] == "A")
    assert [r["name_en"] for r in a["requirements"]] == ["Original ID card"]


def test_a_bookings_qr_is_an_svg_of_its_token_and_unknown_tokens_are_404(
    client: FlaskClient, hall: BookingHall
) -> None:
    with time_machine.travel(BOOKING_TIME, tick=False):
        first = sessions_of(client, "A")[0]["id"]
        token = book(client, "A", first, NIKS[0]).get_json()["token"]
        image = client.get(f"/b/{token}/qr.svg")
        assert client.get("/b/no-such-token/qr.svg").status_code == 404
    assert image.status_code == 200
    assert image.mimetype == "image/svg+xml"
    assert image.text.lstrip().startswith(("<?xml", "<svg"))


def test_the_kiosk_offers_check_in_only_where_a_service_takes_bookings(
    app: Flask, client: FlaskClient, hall: BookingHall
) -> None:
    page = client.get("/kiosk").text
    assert 'id="checkin-open"' in page and "Sudah daftar online?" in page
    assert 'data-timezone="Asia/Jakarta"' in page
    with app.app_context():
        for agency in db.session.scalars(select(Agency)):
            agency.channels = "walk_in"
        for service in db.session.scalars(select(Service)):
            service.channels = None
        db.session.commit()
    page = client.get("/kiosk").text
    assert 'id="checkin-open"' not in page and 'id="checkin"' not in page
