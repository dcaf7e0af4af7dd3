"""The site's settings: each change is stored, audited and live on the screens — a raised hall
cap lets people waiting outside in at once, opening hours close the kiosk, the public address
goes into ticket QR codes — and bad values are refused field by field, changing nothing."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask

from queue_app.extensions import db
from queue_app.models import Site
from tests.conftest import Hall

from .conftest import Browser, changes_count, field_errors, heard, last_change, screen

SETTINGS = {
    "name": "MPP Jakarta Selatan",
    "timezone": "Asia/Makassar",
    "opens_at": "00:00",
    "closes_at": "00:00",
    "hall_capacity": "",
    "priority_ratio": "3",
    "recall_limit": "2",
    "no_show_after_s": "60",
    "wait_alert_min": "30",
    "public_base_url": "https://antrean.example.go.id/",
    "holder_id_kind": "phone",
}


def site(app: Flask, site_id: int) -> dict[str, Any]:
    with app.app_context():
        row = db.session.get(Site, site_id)
        assert row is not None
        return {c.name: getattr(row, c.name) for c in Site.__table__.columns}


def test_settings_are_stored_audited_and_used_in_ticket_urls(
    app: Flask, hall: Hall, admin: Browser
) -> None:
    kiosk = screen(app, f"board={hall.site_id}")
    assert admin.submit("/admin/site", SETTINGS).status_code == 302
    saved = site(app, hall.site_id)
    assert saved["name"] == "MPP Jakarta Selatan" and saved["timezone"] == "Asia/Makassar"
    assert (saved["recall_limit"], saved["no_show_after_s"], saved["wait_alert_min"]) == (2, 60, 30)
    assert saved["priority_ratio"] == 3 and saved["hall_capacity"] is None
    assert saved["public_base_url"] == "https://antrean.example.go.id"  # no trailing slash
    assert saved["holder_id_kind"] == "phone"
    with app.app_context():
        change = last_change()
        assert (change.entity, change.action) == ("site", "update")
        assert change.changes is not None
        assert change.changes["recall_limit"] == [None, 2]
        assert change.changes["public_base_url"] == [None, "https://antrean.example.go.id"]
        assert "opens_at" not in change.changes  # unchanged
    config = heard(kiosk, "config")
    assert config[-1]["what"] == "site"
    assert config[-1]["board"]["site"]["name"] == "MPP Jakarta Selatan"
    assert config[-1]["holder_id_kind"] == "phone"  # the kiosk reloads to ask for it
    assert config[-1]["seq"] == saved["seq"]  # the change took its own place in the sequence
    # The QR code of a ticket (its status URL) now uses the site's public address.
    issued = (
        app.test_client()
        .post("/api/v1/tickets", json={"service": "A", "holder_id": "0812 3456 7890"})
        .get_json()
    )
    assert issued["status_url"] == f"https://antrean.example.go.id/t/{issued['token']}"
    printed = app.test_client().get(f"/kiosk/ticket/{issued['token']}").get_data(as_text=True)
    assert f"https://antrean.example.go.id/t/{issued['token']}" in printed
    # The kiosk now asks for a phone number (one ticket per person and service a day).
    assert 'id="holder" data-kind="phone"' in app.test_client().get("/kiosk").get_data(as_text=True)


def test_raising_the_hall_cap_lets_people_in_at_once(
    app: Flask, hall: Hall, admin: Browser
) -> None:
    with app.app_context():
        row = db.session.get(Site, hall.site_id)
        assert row is not None
        row.hall_capacity = 1
        db.session.commit()
    api = app.test_client()
    first, second, third = (
        api.post("/api/v1/tickets", json={"service": "A"}).get_json() for _ in range(3)
    )
    assert [t["admitted"] for t in (first, second, third)] == [True, False, False]
    board = screen(app, f"board={hall.site_id}")
    # The hall's own time zone: in another one, today may be another day (between 16:00 and
    # 17:00 UTC it is tomorrow in Makassar, and today's tickets would no longer count).
    data = {**SETTINGS, "timezone": "Asia/Jakarta", "hall_capacity": "2", "holder_id_kind": ""}
    assert admin.submit("/admin/site", data).status_code == 302
    news = board.get_received()
    admitted = [m["args"][0]["ticket"]["code"] for m in news if m["name"] == "ticket"]
    assert admitted == [second["code"]]
    configs = [m["args"][0] for m in news if m["name"] == "config"]
    assert configs[-1]["board"]["hall"] == {
        **configs[-1]["board"]["hall"],
        "capacity": 2,
        "inside": 2,
    }
    assert api.get(f"/api/v1/tickets/by-token/{second['token']}").get_json()["admitted"]
    assert not api.get(f"/api/v1/tickets/by-token/{third['token']}").get_json()["admitted"]


def test_opening_hours_close_the_kiosk_live(app: Flask, hall: Hall, admin: Browser) -> None:
    board = screen(app, f"board={hall.site_id}")
    # Open for an hour, six hours from now (local time in the site's new zone).
    local = datetime.now(UTC).astimezone(ZoneInfo("Asia/Makassar"))
    opens = (local + timedelta(hours=6)).strftime("%H:%M")
    closes = (local + timedelta(hours=7)).strftime("%H:%M")
    data = {**SETTINGS, "opens_at": opens, "closes_at": closes, "holder_id_kind": ""}
    assert admin.submit("/admin/site", data).status_code == 302
    hall_now = heard(board, "config")[-1]["board"]["hall"]
    assert hall_now["open"] is False and (hall_now["opens_at"], hall_now["closes_at"]) == (
        opens,
        closes,
    )
    refused = app.test_client().post("/api/v1/tickets", json={"service": "A"})
    assert refused.status_code == 409 and refused.get_json()["error"] == "hall_closed"
    assert site(app, hall.site_id)["opens_at"] == time.fromisoformat(opens)


def test_bad_settings_are_refused_field_by_field_and_change_nothing(
    app: Flask, hall: Hall, admin: Browser
) -> None:
    before = site(app, hall.site_id)
    with app.app_context():
        changes = changes_count()
    cases = {
        "unknown time zone": ({"timezone": "Asia/Atlantis"}, "Unknown time zone"),
        "hour 25": ({"opens_at": "25:00"}, "Not a valid time value."),
        "time with seconds": ({"closes_at": "16:00:00"}, "Not a valid time value."),
        "time in words": ({"closes_at": "four pm"}, "Not a valid time value."),
        "no opening time": ({"opens_at": ""}, "Please fill this in."),
        "negative capacity": ({"hall_capacity": "-1"}, "Give a number from 0 to 100000."),
        "negative ratio": ({"priority_ratio": "-2"}, "Give a number from 0 to 100."),
        "negative no-show wait": ({"no_show_after_s": "-5"}, "Give a number from 0 to 3600."),
        "zero alert": ({"wait_alert_min": "0"}, "Give a number from 1 to 1440."),
        "ftp address": ({"public_base_url": "ftp://antrean.example.go.id"}, "http or https"),
        "address with a query": ({"public_base_url": "https://x.go.id/?a=1"}, "http or https"),
        "not an address": ({"public_base_url": "antrean dot go dot id"}, "http or https"),
        "address with a bad port": ({"public_base_url": "https://x.go.id:99999"}, "http or https"),
        "unknown holder id": ({"holder_id_kind": "passport"}, "Not a valid choice."),
    }
    for case, (change, message) in cases.items():
        response = admin.submit("/admin/site?lang=en", {**SETTINGS, **change})
        assert response.status_code == 422, case
        assert any(message in error for error in field_errors(response)), (case, response)
    assert site(app, hall.site_id) == before
    with app.app_context():
        assert changes_count() == changes
