"""The booking desk page `/desk/bookings` as served (issue 16, item 8): staff only (anonymous
people are sent to sign in, a kiosk account is refused), Indonesian first with English
available, the search by the id the hall asks for, the hall's today as the default day, the
words its script says, the headers and no inline script or style; and the staff find it
from where they land. (Its search and check-in in a real browser:
tests/browser/test_desk_e2e.py.)"""

from __future__ import annotations

from datetime import UTC, datetime

import time_machine
from flask import Flask
from flask.testing import FlaskClient

from queue_app.domain.vocabulary import Role
from queue_app.extensions import db
from queue_app.models import BookingSettings

from ..conftest import Hall
from ..helpers import make_user, signed_in
from ..security.test_headers import assert_nothing_inline, assert_secure_headers
from .test_pages import page, page_config

DESK = "/desk/bookings"


def test_only_staff_open_the_desk_and_anonymous_people_are_sent_to_sign_in(
    app: Flask, client: FlaskClient, hall: Hall
) -> None:
    anonymous = client.get(DESK)
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].startswith("/login?next=")
    assert "desk" in anonymous.headers["Location"]
    for who in ("clerk1", "clerk2", "super", "admin"):
        assert signed_in(app, who).get(DESK).status_code == 200, who
    with app.app_context():
        make_user(db.session, "kiosk1", Role.KIOSK)
        db.session.commit()
    assert signed_in(app, "kiosk1").get(DESK).status_code == 403


def test_the_desk_speaks_indonesian_first_and_english_on_request(app: Flask, hall: Hall) -> None:
    clerk = signed_in(app, "clerk1")
    html = page(clerk, DESK)
    assert "Meja pendaftaran online" in html
    assert "Dengan kode pendaftaran" in html and "Dengan NIK" in html and "NIK (16 angka)" in html
    t = page_config(html)["t"]
    assert t["check_in"] == "Lapor hadir"
    assert t["refused"]["too_early"].endswith("Minta pemohon kembali pukul {time}.")
    assert t["refused"]["already_checked_in"] == (
        "Pendaftaran ini sudah lapor hadir: nomor antreannya {ticket}."
    )
    assert t["states"]["checked_in"] == "Sudah lapor hadir"
    english = page(clerk, f"{DESK}?lang=en")
    assert "Booking desk" in english and "By booking code" in english
    t = page_config(english)["t"]
    assert t["check_in"] == "Check in"
    assert t["refused"]["too_early"].endswith("Ask the applicant to come back at {time}.")
    assert t["refused"]["not_today"].startswith("This booking is for {day}, not today")


def test_the_search_asks_for_the_id_the_hall_books_by(app: Flask, hall: Hall) -> None:
    with app.app_context():
        db.session.add(BookingSettings(site_id=hall.site_id, holder_kind="phone"))
        db.session.commit()
    html = page(signed_in(app, "clerk1"), DESK)
    assert "Dengan nomor HP" in html and "Dengan NIK" not in html
    assert page_config(html)["holder_kind"] == "phone"
    assert page_config(html)["t"]["holder_empty"] == "Ketik nomor HP-nya."
    # A mistyped number is said in the page's words before the server is asked (live.js).
    assert page_config(html)["holder_words"]["phone_bad"].startswith("Periksa kembali nomornya")


def test_the_day_looked_up_is_the_halls_today_not_the_servers(app: Flask, hall: Hall) -> None:
    # 20:00 UTC on the 15th is already 03:00 on the 16th in Jakarta.
    with time_machine.travel(datetime(2026, 6, 15, 20, 0, tzinfo=UTC), tick=False):
        html = page(signed_in(app, "clerk1"), DESK)
    assert 'id="day" name="date" type="date" value="2026-06-16"' in html
    config = page_config(html)
    assert config["today"] == "2026-06-16" and config["timezone"] == "Asia/Jakarta"


def test_the_desk_carries_the_headers_and_needs_no_inline_script_or_style(
    app: Flask, hall: Hall
) -> None:
    response = signed_in(app, "clerk1").get(DESK)
    assert_secure_headers(response, DESK)
    html = response.get_data(as_text=True)
    assert_nothing_inline(html, DESK)
    assert '<script src="/static/js/desk.js"></script>' in html
    # The check-in is a session-authenticated API action: the page hands out its CSRF token.
    assert '<meta name="csrf-token" content="' in html


def test_staff_find_the_desk_from_where_they_land(app: Flask, hall: Hall) -> None:
    clerk = signed_in(app, "clerk1")
    terminal = page(clerk, f"/counter/{hall.counter_1}")
    assert f'href="{DESK}"' in terminal
    choice = page(signed_in(app, "super"), "/counter")
    assert f'href="{DESK}"' in choice
    overview = page(signed_in(app, "super"), "/admin/overview")
    assert f'id="desk-link" href="{DESK}' in overview and "Meja pendaftaran online" in overview
