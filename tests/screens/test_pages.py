"""The screens as served: what each shows before any script runs, who may open it, and the
language switch. (The live behaviour in a real browser is in tests/browser.)"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, time
from typing import Any

import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from queue_app.extensions import db
from queue_app.models import Service, Site, Ticket, TicketEvent
from queue_app.web.screens import parse_numbers

from ..conftest import Hall
from ..helpers import bearer, signed_in


def page(client: FlaskClient, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code)
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def page_config(html: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="config">(.*?)</script>', html, re.S)
    assert found, "the page has no config block"
    return dict(json.loads(found.group(1)))


def tickets_and_events() -> tuple[int, int]:
    return (
        db.session.scalar(select(func.count(Ticket.id))) or 0,
        db.session.scalar(select(func.count(TicketEvent.id))) or 0,
    )


def test_kiosk_shows_every_service_in_both_languages_with_its_queue(
    app: Flask, client: FlaskClient, hall: Hall
) -> None:
    client.post("/api/v1/tickets", json={"service": "A"})
    html = page(client, "/kiosk")
    assert '<html lang="id">' in html and "Ambil nomor antrean" in html
    for code in ("A", "B"):
        assert f'data-code="{code}"' in html
        assert f"Layanan {code}" in html and f"Service {code}" in html
    services = {s["code"]: s for s in page_config(html)["board"]["services"]}
    assert services["A"]["waiting"] == 1 and services["B"]["waiting"] == 0
    for label in ("Lansia", "Disabilitas", "Ibu hamil", "Membawa bayi"):
        assert label in html

    english = page(client, "/kiosk?lang=en")
    assert '<html lang="en">' in english and "Take a queue number" in english
    # The choice is remembered for the rest of the visit.
    assert "Take a queue number" in page(client, "/kiosk")
    assert "Ambil nomor antrean" in page(client, "/kiosk?lang=id")


def test_kiosk_buttons_say_plainly_when_quota_is_used_up_or_service_closed(
    app: Flask, client: FlaskClient, hall: Hall
) -> None:
    with app.app_context():
        a = db.session.get(Service, hall.service_a)
        b = db.session.get(Service, hall.service_b)
        assert a is not None and b is not None
        a.daily_quota = 1
        b.is_open = False
        db.session.commit()
    assert client.post("/api/v1/tickets", json={"service": "A"}).status_code == 201
    html = page(client, "/kiosk")
    button_a = re.search(r'<button[^>]*data-code="A"[^>]*>.*?</button>', html, re.S)
    button_b = re.search(r'<button[^>]*data-code="B"[^>]*>.*?</button>', html, re.S)
    assert button_a and button_b
    assert " disabled" in button_a.group(0) and "Kuota hari ini habis" in button_a.group(0)
    assert " disabled" in button_b.group(0) and "Layanan tutup" in button_b.group(0)


def test_outside_opening_hours_the_kiosk_is_closed_and_no_ticket_is_issued(
    app: Flask, client: FlaskClient, hall: Hall
) -> None:
    with app.app_context():
        site = db.session.get(Site, hall.site_id)
        assert site is not None
        site.opens_at, site.closes_at = time(8), time(16)
        db.session.commit()
    # 17:30 in Jakarta (UTC+7): after closing.
    with time_machine.travel(datetime(2026, 6, 15, 10, 30, tzinfo=UTC), tick=False):
        with app.app_context():
            before = tickets_and_events()
        refused = client.post("/api/v1/tickets", json={"service": "A"})
        assert refused.status_code == 409
        assert refused.get_json()["error"] == "hall_closed"
        assert "08:00" in refused.get_json()["message"]
        with app.app_context():
            assert tickets_and_events() == before
        html = page(client, "/kiosk")
        assert "Aula sedang tutup." in html and "Tutup · buka 08:00–16:00" in html
        assert page_config(html)["board"]["hall"]["open"] is False
    # 09:00 in Jakarta: open.
    with time_machine.travel(datetime(2026, 6, 15, 2, 0, tzinfo=UTC), tick=False):
        assert client.post("/api/v1/tickets", json={"service": "A"}).status_code == 201
        assert page_config(page(client, "/kiosk"))["board"]["hall"]["open"] is True


def test_printed_ticket_has_code_place_wait_and_the_qr_of_its_status_page(
    app: Flask, client: FlaskClient, hall: Hall
) -> None:
    client.post("/api/v1/tickets", json={"service": "A"})
    ticket = client.post("/api/v1/tickets", json={"service": "A", "priority": "elderly"}).get_json()
    html = page(client, f"/kiosk/ticket/{ticket['token']}")
    assert ">A-002<" in html
    assert "Layanan A" in html and "Service A" in html
    assert "Silakan masuk dan tunggu panggilan." in html
    assert "Prioritas: Lansia" in html
    assert re.search(r"Di depan Anda</dt><dd>0</dd>", html)  # priority: nobody ahead
    assert f"https://loket.example.id/t/{ticket['token']}" in html
    assert "<svg" in html and "<path" in html  # the QR, drawn on the server
    assert "@page" not in html and "ticket.css" in html  # 80 mm layout lives in a stylesheet
    with client.get("/static/css/ticket.css") as response:
        css = response.get_data(as_text=True)
    assert "size: 80mm" in css
    page(client, "/kiosk/ticket/not-a-real-token", status=404)


def test_printed_ticket_tells_to_wait_outside_when_the_hall_is_full(
    app: Flask, client: FlaskClient, hall: Hall
) -> None:
    with app.app_context():
        site = db.session.get(Site, hall.site_id)
        assert site is not None
        site.hall_capacity = 1
        db.session.commit()
    client.post("/api/v1/tickets", json={"service": "A"})
    outside = client.post("/api/v1/tickets", json={"service": "A"}).get_json()
    html = page(client, f"/kiosk/ticket/{outside['token']}")
    assert "Tunggu di luar, nomor Anda akan dipanggil masuk." in html
    english = page(client, f"/kiosk/ticket/{outside['token']}?lang=en")
    assert "Wait outside, your number will be called in." in english


def test_counter_terminal_needs_a_signed_in_clerk_of_that_counter(
    app: Flask, client: FlaskClient, hall: Hall
) -> None:
    anonymous = client.get(f"/counter/{hall.counter_1}")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert client.get("/counter").status_code == 302

    clerk = signed_in(app, "clerk1")
    choice = clerk.get("/counter")
    assert choice.status_code == 302
    assert choice.headers["Location"].endswith(f"/counter/{hall.counter_1}")
    html = page(clerk, f"/counter/{hall.counter_1}")
    assert "Panggil berikutnya" in html and "<kbd>Space</kbd>" in html
    config = page_config(html)
    assert config["counter"]["id"] == hall.counter_1
    assert [s["code"] for s in config["counter"]["services"]] == ["A", "B"]
    assert 'name="csrf-token"' in html

    forbidden = clerk.get(f"/counter/{hall.counter_2}")
    assert forbidden.status_code == 403 and "Tidak diizinkan" in forbidden.get_data(as_text=True)
    assert clerk.get("/counter/999999").status_code == 404

    supervisor = signed_in(app, "super")
    listing = page(supervisor, "/counter")
    assert f"/counter/{hall.counter_1}" in listing and f"/counter/{hall.counter_2}" in listing


def test_board_options_come_from_the_query_string(
    app: Flask, client: FlaskClient, hall: Hall
) -> None:
    html = page(client, "/display?counters=1-3,7&services=a,B&n=4&lang=en")
    config = page_config(html)
    assert config["options"]["counters"] == [1, 2, 3, 7]
    assert config["options"]["services"] == ["A", "B"]
    assert config["options"]["calls"] == 4
    assert config["lang"] == "en" and "Now calling" in html
    assert "sounds/chime.wav" in html
    default = page_config(page(client, "/display?lang=id"))
    assert default["options"]["counters"] is None and default["lang"] == "id"
    with client.get("/static/sounds/chime.wav") as chime:
        assert chime.status_code == 200 and chime.mimetype.startswith("audio/")
    # Nonsense in the board's own options is ignored, never an error.
    assert page_config(page(client, "/display?counters=x-&n=-5"))["options"]["calls"] >= 1
    # A hall named by a malformed id is refused in words, as everywhere (web/common.site_id_arg):
    # a TV must not show another hall's queue because its address has a typo.
    refused = client.get("/display?site=abc")
    assert refused.status_code == 422 and "Alamat menyebut aula yang salah" in refused.get_data(
        as_text=True
    )


def test_parse_numbers() -> None:
    assert parse_numbers("1-3, 7 ,12") == {1, 2, 3, 7, 12}
    assert parse_numbers("") == set()
    assert parse_numbers("5-2,abc,1-100000") == set()


def test_phone_status_page_in_both_languages(app: Flask, client: FlaskClient, hall: Hall) -> None:
    ticket = client.post("/api/v1/tickets", json={"service": "A"}).get_json()
    html = page(client, f"/t/{ticket['token']}")
    assert "Masuk sekarang dan tunggu panggilan Anda." in html
    assert page_config(html)["ticket"]["code"] == "A-001"
    assert "token" not in page_config(html)["ticket"]
    headers = bearer(app, "clerk1")
    client.post(f"/api/v1/counters/{hall.counter_1}/call-next", headers=headers)
    assert "Silakan ke loket 1" in page(client, f"/t/{ticket['token']}")
    assert "Please go to counter 1" in page(client, f"/t/{ticket['token']}?lang=en")
    missing = page(client, "/t/nobody-has-this", status=404)
    assert "Not found" in missing  # the visit is still in English


def test_unknown_language_falls_back_to_indonesian(app: Flask, hall: Hall) -> None:
    client = app.test_client()
    assert '<html lang="id">' in page(client, "/kiosk?lang=fr")


def test_phone_status_page_names_the_hall_its_time_and_offers_leaving_while_queued(
    app: Flask, client: FlaskClient, hall: Hall
) -> None:
    # 02:14 UTC is 09:14 in Jakarta, the hall's time zone.
    with time_machine.travel(datetime(2026, 6, 15, 2, 14, tzinfo=UTC), tick=False):
        ticket = client.post("/api/v1/tickets", json={"service": "A"}).get_json()
        html = page(client, f"/t/{ticket['token']}")
        english = page(client, f"/t/{ticket['token']}?lang=en")
        assert 'id="site-name">Test hall<' in html
        assert "Diambil 09.14" in html and "Taken at 09:14" in english
        assert re.search(r'id="leave" aria-haspopup="dialog">Batalkan antrean<', html)
        assert 'id="leave-dialog"' in html and "Ya, batalkan antrean" in html
        assert re.search(r'id="now-serving"[^>]*>—<', html)
        client.post(f"/api/v1/counters/{hall.counter_1}/call-next", headers=bearer(app, "clerk1"))
        called = page(client, f"/t/{ticket['token']}")
    # Once called, the button is there for the script but hidden, and the number served is its own.
    assert re.search(r'id="leave" aria-haspopup="dialog" hidden>', called)
    assert page_config(called)["ticket"]["now_serving"] == "A-001"
