"""Online registration in the admin console (issue 16): the site's booking settings and closed
days, the channel policy on the agency and service forms, and the places of a service day's
sessions. Every change is audited; bad input says what to fix and changes nothing; only
admins may open these pages."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from queue_app.extensions import db
from queue_app.models import Agency, BookingSession, BookingSettings, ClosedDay, Service, Site
from queue_app.services import bookings
from queue_app.services.clock import utcnow
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

SETTINGS = {
    "windows": "16.00-22.00, 6:00-10:00",  # as people write them
    "days_ahead": "3",
    "working_days": ["1", "2", "3", "4", "5", "6"],
    "holder_kind": "phone",
    "week_limit": "1",
    "early_min": "20",
    "late_min": "10",
    "session_min": "30",
}
#: Booking all day, every day, two days ahead: whatever the hour the test runs at, tomorrow
#: is bookable.
ALWAYS = {**SETTINGS, "windows": "00:00-00:00", "working_days": [str(d) for d in range(1, 8)]}
NIK = "3171011506900001"


def booking_row(app: Flask, site_id: int) -> BookingSettings | None:
    with app.app_context():
        row = db.session.get(BookingSettings, site_id)
        if row is not None:
            db.session.expunge(row)
        return row


def daftar_config(app: Flask) -> dict[str, object]:
    page = app.test_client().get("/daftar").get_data(as_text=True)
    found = re.search(r'<script type="application/json" id="[^"]*">(.*?)</script>', page, re.S)
    assert found, "no config block on /daftar"
    config: dict[str, object] = json.loads(found.group(1))
    return config


def home_agency(app: Flask, hall: Hall) -> int:
    with app.app_context():
        service = db.session.get(Service, hall.service_a)
        assert service is not None
        return service.agency_id


def tomorrow(app: Flask, site_id: int) -> date:
    with app.app_context():
        site = db.session.get(Site, site_id)
        assert site is not None
        return bookings.rules_of(db.session, site).today(utcnow()) + timedelta(days=1)


# -- the settings ---------------------------------------------------------------------------


def test_settings_are_stored_audited_and_read_by_the_booking_page(
    app: Flask, hall: Hall, admin: Browser
) -> None:
    assert daftar_config(app)["holder_kind"] == "nik"  # the defaults, no row yet
    page = admin.get("/admin/booking?lang=en").get_data(as_text=True)
    assert 'value="06:00-10:00,16:00-22:00"' in page  # the defaults shown
    assert admin.submit("/admin/booking", SETTINGS).status_code == 302
    row = booking_row(app, hall.site_id)
    assert row is not None
    assert row.windows == "06:00-10:00,16:00-22:00"  # sorted and zero-padded
    assert (row.days_ahead, row.working_days, row.holder_kind) == (3, "123456", "phone")
    assert (row.week_limit, row.early_min, row.late_min, row.session_min) == (1, 20, 10, 30)
    with app.app_context():
        change = last_change()
        assert (change.entity, change.entity_id, change.action) == (
            "booking",
            hall.site_id,
            "settings",
        )
        # Only what changed: the windows were the defaults already.
        assert change.changes == {
            "days_ahead": [1, 3],
            "working_days": ["12345", "123456"],
            "holder_kind": ["nik", "phone"],
            "week_limit": [2, 1],
            "early_min": [30, 20],
            "late_min": [15, 10],
            "session_min": [60, 30],
        }
    config = daftar_config(app)
    assert config["holder_kind"] == "phone"
    assert len(config["days"]) == 3  # type: ignore[arg-type]
    # Saving again unchanged writes no audit row.
    with app.app_context():
        before = changes_count()
    assert admin.submit("/admin/booking", SETTINGS).status_code == 302
    with app.app_context():
        assert changes_count() == before
    trail = admin.get("/admin/audit?lang=en").get_data(as_text=True)
    assert "Online registration" in trail and "session length (min): 60 → 30" in trail


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"windows": "10:00-06:00"}, "each ending after it starts"),
        ({"windows": "06:00-10:00;16:00-22:00"}, "Write the windows as HH:MM-HH:MM"),
        ({"windows": "06:00-10:00,"}, "Write the windows as HH:MM-HH:MM"),
        ({"windows": "25:00-26:00"}, "Write the windows as HH:MM-HH:MM"),
        ({"windows": "pagi"}, "Write the windows as HH:MM-HH:MM"),
        ({"windows": ""}, "Please fill this in."),
        ({"working_days": []}, "Tick at least one working day."),
        ({"days_ahead": "0"}, "Give a number from 1 to 60."),
        ({"session_min": "4"}, "Give a number from 5 to 480."),
        ({"late_min": "-1"}, "Give a number from 0 to 240."),
        ({"holder_kind": "passport"}, "Not a valid choice."),
    ],
)
def test_bad_settings_say_what_to_fix_and_change_nothing(
    app: Flask, hall: Hall, admin: Browser, values: dict[str, object], message: str
) -> None:
    with app.app_context():
        before = changes_count()
    refused = admin.submit("/admin/booking?lang=en", {**SETTINGS, **values})
    assert refused.status_code == 422
    assert any(message in error for error in field_errors(refused)), field_errors(refused)
    assert "Nothing was saved" in refused.get_data(as_text=True)
    assert booking_row(app, hall.site_id) is None
    with app.app_context():
        assert changes_count() == before


def test_the_windows_error_is_in_indonesian_by_default(
    app: Flask, hall: Hall, admin: Browser
) -> None:
    refused = admin.submit("/admin/booking", {**SETTINGS, "windows": "22:00-16:00"})
    assert refused.status_code == 422
    assert any("HH:MM-HH:MM" in e and "misalnya" in e for e in field_errors(refused))


def test_a_closed_day_is_not_bookable_and_can_be_opened_again(
    app: Flask, hall: Hall, admin: Browser
) -> None:
    assert admin.submit("/admin/booking", ALWAYS).status_code == 302
    day = tomorrow(app, hall.site_id)
    assert day.isoformat() in daftar_config(app)["days"]  # type: ignore[operator]
    added = admin.submit(
        "/admin/booking/closed-days",
        {"closed_day": day.isoformat(), "closed_name": "Cuti bersama"},
        page="/admin/booking",
    )
    assert added.status_code == 302
    assert day.isoformat() not in daftar_config(app)["days"]  # type: ignore[operator]
    availability = app.test_client().get(
        f"/api/v1/booking/availability?service=A&date={day.isoformat()}"
    )
    assert availability.status_code == 422
    assert availability.get_json()["detail"]["reason"] == "closed"
    with app.app_context():
        change = last_change()
        assert (change.entity, change.action) == ("booking", "closed_day_add")
        assert change.changes == {"day": day.isoformat(), "name": "Cuti bersama"}
        closed = db.session.scalars(select(ClosedDay)).one()
        closed_id = closed.id
    page = admin.get("/admin/booking?lang=en").get_data(as_text=True)
    assert "Cuti bersama" in page and day.isoformat() in page
    # The same day twice, and a past day, are refused in words; nothing is added.
    again = admin.submit(
        "/admin/booking/closed-days?lang=en",
        {"closed_day": day.isoformat(), "closed_name": "Lagi"},
        page="/admin/booking",
    )
    assert again.status_code == 422
    assert "That day is closed already (Cuti bersama)." in field_errors(again)
    past = admin.submit(
        "/admin/booking/closed-days?lang=en",
        {"closed_day": (day - timedelta(days=5)).isoformat(), "closed_name": "Dulu"},
        page="/admin/booking",
    )
    assert past.status_code == 422
    assert "That day is past: close today or a coming day." in field_errors(past)
    nameless = admin.submit(
        "/admin/booking/closed-days?lang=en",
        {"closed_day": (day + timedelta(days=1)).isoformat(), "closed_name": " "},
        page="/admin/booking",
    )
    assert nameless.status_code == 422
    with app.app_context():
        assert db.session.scalars(select(ClosedDay)).all() != []
        assert len(db.session.scalars(select(ClosedDay)).all()) == 1
    # Opened again: bookable again, and audited.
    removed = admin.submit(
        f"/admin/booking/closed-days/{closed_id}/remove", {}, page="/admin/booking"
    )
    assert removed.status_code == 302
    assert day.isoformat() in daftar_config(app)["days"]  # type: ignore[operator]
    with app.app_context():
        assert db.session.scalars(select(ClosedDay)).all() == []
        assert last_change().action == "closed_day_remove"


def test_closing_a_day_with_bookings_says_they_are_kept(
    app: Flask, hall: Hall, admin: Browser
) -> None:
    _both(app, hall)
    assert admin.submit("/admin/booking", {**ALWAYS, "holder_kind": "nik"}).status_code == 302
    day = tomorrow(app, hall.site_id)
    slot = _book(app, day)
    assert slot
    answer = admin.submit(
        "/admin/booking/closed-days?lang=en",
        {"closed_day": day.isoformat(), "closed_name": "Banjir"},
        page="/admin/booking",
    )
    assert answer.status_code == 302
    page = admin.get("/admin/booking?lang=en").get_data(as_text=True)
    assert "1 bookings already hold a place that day: they are not cancelled" in page


# -- who may --------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["clerk1", "super"])
def test_clerks_and_supervisors_may_not_change_online_registration(
    app: Flask, hall: Hall, username: str
) -> None:
    other = Browser(app, username)
    for url in ("/admin/booking", "/admin/booking/sessions"):
        assert other.get(url).status_code == 403
    token = csrf_token(other.get("/admin/booking"))  # the refusal page's own token
    with app.app_context():
        before = changes_count()
    for url, data in (
        ("/admin/booking", SETTINGS),
        ("/admin/booking/closed-days", {"closed_day": "2099-01-01", "closed_name": "X"}),
    ):
        assert other.client.post(url, data={**data, "csrf_token": token}).status_code == 403
    assert booking_row(app, hall.site_id) is None
    with app.app_context():
        assert changes_count() == before
    anonymous = Browser(app).get("/admin/booking")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


# -- the channel policy on the agency and service forms -------------------------------------

AGENCY = {
    "code": "UMUM",
    "name_id": "Layanan umum",
    "name_en": "General services",
    "colour": "#1f6f8b",
    "daily_cap": "",
}


def test_an_agency_takes_both_channels_with_its_online_share(
    app: Flask, hall: Hall, admin: Browser
) -> None:
    agency_id = home_agency(app, hall)
    kiosk = screen(app, f"board={hall.site_id}")
    # An agency never given a policy follows its walk-in flag: walk-ins only is selected.
    page = admin.get(f"/admin/agencies/{agency_id}?lang=en").get_data(as_text=True)
    assert re.search(r'<option selected value="walk_in">|<option value="walk_in" selected', page)
    with app.app_context():
        home = db.session.get(Agency, agency_id)
        assert home is not None and home.channels is None
        code = home.code
    both = {**AGENCY, "code": code, "channels": "both", "online_pct": "30"}
    assert admin.submit(f"/admin/agencies/{agency_id}", both).status_code == 302
    with app.app_context():
        home = db.session.get(Agency, agency_id)
        assert home is not None
        assert (home.channels, home.online_pct, home.walk_in) == ("both", 30, True)
        assert last_change().changes is not None
        assert last_change().changes["channels"] == ["walk_in", "both"]  # type: ignore[index]
        assert last_change().changes["online_pct"] == [50, 30]  # type: ignore[index]
    assert [c["what"] for c in heard(kiosk, "config")] == ["agency"]
    listed = app.test_client().get("/api/v1/agencies").get_json()
    mine = next(a for a in listed if a["id"] == agency_id)
    assert (mine["channels"], mine["walk_in"]) == ("both", True)
    # Online only: the kiosk stops issuing walk-ins, and the older flag says so too.
    online = {**both, "channels": "online"}
    assert admin.submit(f"/admin/agencies/{agency_id}", online).status_code == 302
    with app.app_context():
        home = db.session.get(Agency, agency_id)
        assert home is not None and (home.channels, home.walk_in) == ("online", False)
    refused = app.test_client().post("/api/v1/tickets", json={"service": "A"})
    assert refused.status_code == 409
    assert refused.get_json()["error"] == "walk_in_not_accepted"
    listing = admin.get("/admin/agencies?lang=en").get_data(as_text=True)
    assert "online only" in listing


def test_an_agency_policy_out_of_range_is_refused(app: Flask, hall: Hall, admin: Browser) -> None:
    agency_id = home_agency(app, hall)
    with app.app_context():
        home = db.session.get(Agency, agency_id)
        assert home is not None
        code = home.code
        before = changes_count()
    for values, message in (
        ({"channels": "sometimes"}, "Not a valid choice."),
        ({"channels": "both", "online_pct": "120"}, "Give a number from 0 to 100."),
    ):
        refused = admin.submit(
            f"/admin/agencies/{agency_id}?lang=en", {**AGENCY, "code": code, **values}
        )
        assert refused.status_code == 422
        assert message in field_errors(refused)
    with app.app_context():
        assert changes_count() == before
        home = db.session.get(Agency, agency_id)
        assert home is not None and home.channels is None


SERVICE = {"code": "A", "name_id": "Layanan A", "name_en": "Service A", "prior_minutes": "5"}


def test_a_service_overrides_its_agency_and_keeps_its_no_shows_places(
    app: Flask, hall: Hall, admin: Browser
) -> None:
    page = admin.get(f"/admin/services/{hall.service_a}?lang=en").get_data(as_text=True)
    assert "As its agency" in page and "walk-ins only" in page  # the agency's, in the hint
    values = {
        **SERVICE,
        "is_open": "y",
        "channels": "online",
        "online_pct": "",
        "release_no_shows": "",
    }
    assert admin.submit(f"/admin/services/{hall.service_a}", values).status_code == 302
    with app.app_context():
        service = db.session.get(Service, hall.service_a)
        assert service is not None
        assert (service.channels, service.online_pct, service.release_no_shows) == (
            "online",
            None,
            False,
        )
        changes = last_change().changes
        assert changes is not None
        assert changes["channels"] == [None, "online"]
        assert changes["release_no_shows"] == [True, False]
    refused = app.test_client().post("/api/v1/tickets", json={"service": "A"})
    assert refused.status_code == 409  # online only now: no walk-in tickets
    trail = admin.get("/admin/audit?lang=en").get_data(as_text=True)
    assert "channels: as its agency → online only" in trail
    # A form posted without the policy (an older page, a script) keeps it.
    assert admin.submit(f"/admin/services/{hall.service_a}", {**SERVICE}).status_code == 302
    with app.app_context():
        service = db.session.get(Service, hall.service_a)
        assert service is not None
        assert (service.channels, service.release_no_shows) == ("online", False)
    # Back to the agency's policy, with its own online share.
    values = {**values, "channels": "", "online_pct": "70", "release_no_shows": "y"}
    assert admin.submit(f"/admin/services/{hall.service_a}", values).status_code == 302
    with app.app_context():
        service = db.session.get(Service, hall.service_a)
        assert service is not None
        assert (service.channels, service.online_pct, service.release_no_shows) == (
            None,
            70,
            True,
        )


# -- a service day's sessions ---------------------------------------------------------------


def _both(app: Flask, hall: Hall) -> None:
    with app.app_context():
        service = db.session.get(Service, hall.service_a)
        assert service is not None
        agency = db.session.get(Agency, service.agency_id)
        assert agency is not None
        agency.channels = "both"
        db.session.commit()


def _book(app: Flask, day: date) -> int:
    """Book the first session of service A on `day` through the API; its id."""
    client = app.test_client()
    found = client.get(f"/api/v1/booking/availability?service=A&date={day.isoformat()}")
    assert found.status_code == 200, found.get_json()
    first = found.get_json()["sessions"][0]["id"]
    made = client.post(
        "/api/v1/bookings",
        json={"service": "A", "date": day.isoformat(), "session": first, "holder_id": NIK},
    )
    assert made.status_code == 201, made.get_json()
    return int(first)


def _sessions(app: Flask, service_id: int, day: date) -> list[BookingSession]:
    with app.app_context():
        rows = list(
            db.session.scalars(
                select(BookingSession)
                .where(BookingSession.service_id == service_id, BookingSession.day == day)
                .order_by(BookingSession.starts_at)
            )
        )
        for row in rows:
            db.session.expunge(row)
        return rows


def test_the_sessions_page_cuts_the_day_and_overrides_its_places(
    app: Flask, hall: Hall, admin: Browser
) -> None:
    _both(app, hall)
    assert admin.submit("/admin/booking", {**ALWAYS, "holder_kind": "nik"}).status_code == 302
    day = tomorrow(app, hall.site_id)
    url = f"/admin/booking/sessions?service={hall.service_a}&date={day.isoformat()}"
    assert _sessions(app, hall.service_a, day) == []
    page = admin.get(url + "&lang=en")
    assert page.status_code == 200
    rows = _sessions(app, hall.service_a, day)  # cut by the page, as availability would
    assert rows and all(r.capacity_override is None for r in rows)
    html = page.get_data(as_text=True)
    assert f'name="places-{rows[0].id}"' in html
    first, second = rows[0], rows[1]
    with app.app_context():
        before = changes_count()
    saved = admin.submit(url, {f"places-{first.id}": "3", f"places-{second.id}": ""})
    assert saved.status_code == 302
    rows = _sessions(app, hall.service_a, day)
    assert (rows[0].capacity_override, rows[1].capacity_override) == (3, None)
    with app.app_context():
        assert changes_count() == before + 1  # one session changed, one row
        change = last_change()
        assert (change.entity, change.entity_id, change.action) == (
            "booking_session",
            first.id,
            "capacity",
        )
        assert change.changes is not None
        assert change.changes["capacity_override"] == [None, 3]
        assert change.changes["day"] == day.isoformat()
    found = app.test_client().get(f"/api/v1/booking/availability?service=A&date={day}")
    assert found.get_json()["sessions"][0]["capacity"] == 3  # the booking page offers 3
    # Back to the default.
    assert admin.submit(url, {f"places-{first.id}": ""}).status_code == 302
    assert _sessions(app, hall.service_a, day)[0].capacity_override is None


def test_places_below_what_is_booked_are_refused_clearly(
    app: Flask, hall: Hall, admin: Browser
) -> None:
    _both(app, hall)
    assert admin.submit("/admin/booking", {**ALWAYS, "holder_kind": "nik"}).status_code == 302
    day = tomorrow(app, hall.site_id)
    booked = _book(app, day)
    url = f"/admin/booking/sessions?service={hall.service_a}&date={day.isoformat()}&lang=en"
    rows = _sessions(app, hall.service_a, day)
    other = rows[1].id
    with app.app_context():
        before = changes_count()
    refused = admin.submit(url, {f"places-{other}": "5", f"places-{booked}": "0"})
    assert refused.status_code == 422
    assert (
        "Booked already in this session: 1. It cannot hold fewer places. Nothing was saved."
        in field_errors(refused)
    )
    # Nothing saved: not even the other session's valid value.
    assert [r.capacity_override for r in _sessions(app, hall.service_a, day)][:2] == [None, None]
    with app.app_context():
        assert changes_count() == before
    # What was typed stays in the form, to correct.
    assert f'name="places-{other}"' in refused.get_data(as_text=True)
    garbage = admin.submit(url, {f"places-{other}": "lots"})
    assert garbage.status_code == 422
    assert "Give a number from 0 to 10000." in field_errors(garbage)
    # Exactly what is booked is allowed.
    assert admin.submit(url, {f"places-{booked}": "1"}).status_code == 302
    assert _sessions(app, hall.service_a, day)[0].capacity_override == 1


def test_the_sessions_page_refuses_a_day_one_may_not_book(
    app: Flask, hall: Hall, admin: Browser
) -> None:
    _both(app, hall)
    assert admin.submit("/admin/booking", ALWAYS).status_code == 302
    today = tomorrow(app, hall.site_id) - timedelta(days=1)
    page = admin.get(
        f"/admin/booking/sessions?service={hall.service_a}&date={today.isoformat()}&lang=en"
    )
    assert page.status_code == 422
    assert "Only coming days can be booked" in page.get_data(as_text=True)
    assert _sessions(app, hall.service_a, today) == []
    # A walk-in-only service has no sessions, and says so.
    with app.app_context():
        service_b = db.session.get(Service, hall.service_b)
        assert service_b is not None
        service_b.channels = "walk_in"
        db.session.commit()
    walk_in = admin.get(f"/admin/booking/sessions?service={hall.service_b}&lang=en")
    assert "takes walk-ins only" in walk_in.get_data(as_text=True)
    # Another hall's service is not found.
    assert admin.get("/admin/booking/sessions?service=999999").status_code == 404
