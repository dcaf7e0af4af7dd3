"""The kiosk page as served (issue 13): what its buttons say of the wait before any script
runs, the holder-number messages in both languages, and the way back to Indonesian after a
ticket. (Its layout and live behaviour in a real browser: tests/browser/test_kiosk_e2e.py.)"""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from queue_app.extensions import db
from queue_app.models import Site

from ..conftest import Hall
from ..helpers import bearer
from .test_pages import page, page_config


def wait_of(html: str, code: str) -> str:
    button = re.search(rf'<button[^>]*data-code="{code}"[^>]*>.*?</button>', html, re.S)
    assert button, code
    found = re.search(r'data-field="wait">([^<]*)<', button.group(0))
    assert found, button.group(0)
    return found.group(1)


def test_no_button_says_no_wait_while_no_open_counter_serves_its_service(
    app: Flask, client: FlaskClient, hall: Hall
) -> None:
    for counter, clerk in ((hall.counter_1, "clerk1"), (hall.counter_2, "clerk2")):
        closed = client.post(f"/api/v1/counters/{counter}/close", headers=bearer(app, clerk))
        assert closed.status_code == 200
    html = page(client, "/kiosk")
    assert wait_of(html, "A") == wait_of(html, "B") == "belum ada loket yang buka"
    assert "tanpa antre" not in html.split('id="config"')[0]  # (the script's own words: after)
    english = page(client, "/kiosk?lang=en")
    assert wait_of(english, "A") == "no counter open yet"
    # The page tells its script which counters serve what, to follow their states.
    assert page_config(html)["counter_services"] == {
        str(hall.counter_1): [hall.service_a, hall.service_b],
        str(hall.counter_2): [hall.service_b, hall.service_a],
    }

    opened = client.post(f"/api/v1/counters/{hall.counter_1}/open", headers=bearer(app, "clerk1"))
    assert opened.status_code == 200
    html = page(client, "/kiosk?lang=id")
    assert wait_of(html, "A") == wait_of(html, "B") == "tanpa antre"


def test_a_number_too_short_or_too_long_is_said_so_in_both_languages(
    app: Flask, client: FlaskClient, hall: Hall
) -> None:
    said = {}
    for kind in ("phone", "nik"):
        with app.app_context():
            site = db.session.get(Site, hall.site_id)
            assert site is not None
            site.holder_id_kind = kind
            db.session.commit()
        for lang in ("id", "en"):
            t = page_config(page(client, f"/kiosk?lang={lang}"))["t"]
            said[(kind, lang)] = (t["holder_short"], t["holder_long"])
    assert said[("phone", "id")] == (
        "Nomor ini terlalu pendek: nomor HP terdiri dari 10 sampai 13 angka, diawali 08.",
        "Nomor ini terlalu panjang: nomor HP terdiri dari 10 sampai 13 angka, diawali 08.",
    )
    assert said[("phone", "en")] == (
        "This number is too short: a mobile number has 10 to 13 digits, starting with 08.",
        "This number is too long: a mobile number has 10 to 13 digits, starting with 08.",
    )
    assert said[("nik", "id")] == (
        "Nomor ini terlalu pendek: NIK terdiri dari tepat 16 angka.",
        "Nomor ini terlalu panjang: NIK terdiri dari tepat 16 angka.",
    )
    assert said[("nik", "en")] == (
        "This number is too short: a NIK has exactly 16 digits.",
        "This number is too long: a NIK has exactly 16 digits.",
    )


def test_the_printed_ticket_goes_back_to_an_indonesian_kiosk(
    app: Flask, client: FlaskClient, hall: Hall
) -> None:
    ticket = client.post("/api/v1/tickets", json={"service": "A"}).get_json()
    html = page(client, f"/kiosk/ticket/{ticket['token']}?print=1&lang=en")
    assert '<html lang="en">' in html
    back = re.search(r'data-kiosk="([^"]*)"', html)
    assert back is not None
    assert back.group(1) == f"/kiosk?site={hall.site_id}&amp;lang=id"


def test_the_kiosk_starts_afresh_after_the_configured_idle_time(
    app: Flask, client: FlaskClient, hall: Hall
) -> None:
    assert 'data-idle-s="30.0"' in page(client, "/kiosk")
    app.config["KIOSK_IDLE_S"] = 45
    html = page(client, "/kiosk")
    assert 'data-idle-s="45"' in html and 'data-message-s="10"' in html
    assert f'data-home="/kiosk?site={hall.site_id}&amp;lang=id"' in html


def test_the_printed_ticket_says_no_counter_is_open_rather_than_no_wait(
    app: Flask, client: FlaskClient, hall: Hall
) -> None:
    for counter, clerk in ((hall.counter_1, "clerk1"), (hall.counter_2, "clerk2")):
        closed = client.post(f"/api/v1/counters/{counter}/close", headers=bearer(app, clerk))
        assert closed.status_code == 200
    ticket = client.post("/api/v1/tickets", json={"service": "A"}).get_json()
    slip = page(client, f"/kiosk/ticket/{ticket['token']}?lang=id")
    assert re.search(r"</dt><dd>belum ada loket yang buka</dd>", slip)
    assert "tanpa antre" not in slip

    opened = client.post(f"/api/v1/counters/{hall.counter_1}/open", headers=bearer(app, "clerk1"))
    assert opened.status_code == 200
    ticket = client.post("/api/v1/tickets", json={"service": "A"}).get_json()
    slip = page(client, f"/kiosk/ticket/{ticket['token']}")
    assert "belum ada loket yang buka" not in slip
    assert re.search(r"</dt><dd>(tanpa antre|± \d+ menit)</dd>", slip)
