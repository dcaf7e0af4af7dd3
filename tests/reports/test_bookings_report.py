"""The reports page's online registration (issue 16): the figures of the booking day of
tests/services/test_booking_reports.py on the page (both languages), in its CSV download and
in the JSON report, and who may read them."""

from __future__ import annotations

import csv
import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers import bearer
from tests.services.test_booking_reports import BookingDay, play_booking_day

from .test_reports_page import main_part, sign_in

PAGE = "/admin/reports"
TUESDAY = {"date": "2026-06-16"}


@pytest.fixture
def booking_day(app: Flask) -> BookingDay:
    with app.app_context():
        return play_booking_day()


def cells(html: str, row_attrs: str) -> list[str]:
    """The text of each cell of the table row that carries these attributes."""
    match = re.search(rf"<tr {re.escape(row_attrs)}>(.*?)</tr>", html, re.S)
    assert match, row_attrs
    return [
        re.sub(r"<[^>]+>", "", c).strip()
        for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", match.group(1), re.S)
    ]


def test_the_page_shows_bookings_per_session_service_and_agency(
    booking_day: BookingDay, client: FlaskClient
) -> None:
    sign_in(client, "super")
    main = main_part(client.get(PAGE, query_string={**TUESDAY, "lang": "en"}).get_data(True))
    assert "Online registration" in main
    assert re.search(r'id="bookings-booked">8<', main)
    assert re.search(r'id="bookings-checked-in">4<', main)
    assert re.search(r'id="bookings-cancelled">2<', main)
    assert re.search(r'id="bookings-no-show">1<', main)
    assert re.search(r'id="bookings-show-rate">66.7 %<', main)
    assert re.search(r'id="tickets-online-share">44.4 %<', main)
    # Service, session, places, booked, checked in, cancelled, no-show, late, still booked, rate.
    assert cells(main, 'data-service="A" data-session="08:00"')[1:] == [
        "08:00–09:00", "6", "4", "2", "1", "1", "0", "0", "66.7 %"
    ]  # fmt: skip
    assert cells(main, 'data-service="A" data-session="09:00"')[-3:] == ["1", "0", "50.0 %"]
    # A session nobody booked has no show rate: a dash, not 0 % and not an error.
    assert cells(main, 'data-service="A" data-session="15:00"')[-1] == "–"
    row = cells(main, 'data-group="service" data-key="A"')
    assert row[2:4] == ["6", "3"] and row[8:] == ["60.0 %", "16.7 %", "7", "3", "4", "42.9 %"]
    assert cells(main, 'data-group="service" data-key="W"')[8:] == [
        "–", "–", "1", "0", "1", "0.0 %"
    ]  # fmt: skip
    assert cells(main, 'data-group="agency" data-key="ONL"')[2:4] == ["2", "1"]
    total = cells(main, 'data-group="total" data-key=""')
    assert total[2:] == ["8", "4", "2", "1", "1", "0", "66.7 %", "25.0 %", "9", "4", "5", "44.4 %"]
    assert 'href="/admin/reports/bookings.csv?site=' in main


def test_the_page_speaks_indonesian_by_default(
    booking_day: BookingDay, client: FlaskClient
) -> None:
    sign_in(client, "super")
    main = main_part(client.get(PAGE, query_string=TUESDAY).get_data(True))
    assert "Pendaftaran online" in main and "Tingkat kehadiran" in main
    assert re.search(r'id="bookings-show-rate">66,7 %<', main)


def test_a_day_without_bookings_shows_dashes(booking_day: BookingDay, client: FlaskClient) -> None:
    """Monday: the bookings were made that day, but for Tuesday; nothing counts on Monday."""
    sign_in(client, "super")
    main = main_part(
        client.get(PAGE, query_string={"date": "2026-06-15", "lang": "en"}).get_data(True)
    )
    assert re.search(r'id="bookings-booked">0<', main)
    assert re.search(r'id="bookings-show-rate">–<', main)
    assert re.search(r'id="tickets-online-share">–<', main)
    assert "No session was open for booking on these days." in main


def test_the_csv_has_a_row_per_session_service_agency_and_the_total(
    booking_day: BookingDay, client: FlaskClient
) -> None:
    sign_in(client, "super")
    response = client.get(f"{PAGE}/bookings.csv", query_string=TUESDAY)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "loket-bookings-2026-06-16.csv" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    first = next(r for r in rows if r["group"] == "session" and r["starts"] == "08:00"
                 and r["service"] == "A")  # fmt: skip
    assert first["agency"] == "BOTH" and first["ends"] == "09:00"
    assert (first["places"], first["booked"], first["checked_in"], first["show_rate"]) == (
        "6",
        "4",
        "2",
        "0.6667",
    )
    assert first["tickets_issued"] == ""  # a walk-in has no session
    late = next(r for r in rows if r["group"] == "session" and r["starts"] == "15:00"
                and r["service"] == "A")  # fmt: skip
    assert (late["booked"], late["show_rate"]) == ("0", "")
    assert len([r for r in rows if r["group"] == "session"]) == 16  # A and N, eight each
    service = {r["service"]: r for r in rows if r["group"] == "service"}
    assert set(service) == {"A", "W", "N"}
    assert (service["A"]["late_walk_in"], service["A"]["online_share"]) == ("1", "0.4286")
    agency = {r["agency"]: r for r in rows if r["group"] == "agency"}
    assert agency["ONL"]["cancel_rate"] == "0.5"
    (total,) = [r for r in rows if r["group"] == "total"]
    assert (total["booked"], total["expired"], total["no_show"], total["still_booked"]) == (
        "8",
        "2",
        "1",
        "0",
    )
    assert (total["tickets_issued"], total["tickets_online"], total["tickets_walk_in"]) == (
        "9",
        "4",
        "5",
    )


def test_the_json_report_carries_the_bookings(
    app: Flask, booking_day: BookingDay, client: FlaskClient
) -> None:
    response = client.get(
        "/api/v1/reports/daily", query_string=TUESDAY, headers=bearer(app, "super")
    )
    assert response.status_code == 200
    made = response.get_json()["bookings"]
    assert made["totals"]["booked"] == 8 and made["totals"]["show_rate"] == 0.6667
    assert made["totals"]["online_share"] == 0.4444
    first = next(s for s in made["sessions"] if s["service"] == "A" and s["starts"] == "08:00")
    assert (first["ends"], first["places"], first["cancelled"], first["no_show"]) == (
        "09:00",
        6,
        1,
        1,
    )
    walk_ins = next(s for s in made["services"] if s["code"] == "W")
    assert walk_ins["show_rate"] is None and walk_ins["tickets_walk_in"] == 1
    assert {a["code"] for a in made["agencies"]} >= {"BOTH", "ONL"}


def test_the_csv_is_for_supervisors_and_admins(
    booking_day: BookingDay, client: FlaskClient
) -> None:
    path = f"{PAGE}/bookings.csv"
    response = client.get(path, query_string=TUESDAY)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    sign_in(client, "clerk1")
    assert client.get(path, query_string=TUESDAY).status_code == 403
