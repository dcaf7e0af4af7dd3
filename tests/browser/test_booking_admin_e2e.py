"""Online registration in the admin console (issue 16), in a real browser: an admin sets the
booking windows and working days (a bad window is refused on the form), closes a holiday,
lets the agency take bookings, and overrides a session's places; the booking API then offers
what the admin set.

Against the real server (gunicorn, gevent worker) on a fresh demo database, driven through
Debian's headless Chromium (/usr/bin/chromium) by Playwright."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import TYPE_CHECKING

import pytest
import requests

from .conftest import Watch
from .test_admin_e2e import ADMIN, sign_in

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.browser


def test_an_admin_sets_up_online_registration_and_a_sessions_places(
    browser: Browser, live_server: str, watch: Watch
) -> None:
    base = live_server
    page = watch.context(browser, viewport={"width": 1440, "height": 900}).new_page()
    sign_in(page, base, ADMIN, "/admin/booking?lang=en")
    assert page.inner_text("nav a[aria-current=page]") == "Online"

    # A window that ends before it starts: refused on the form, nothing saved.
    page.fill("#windows", "10:00-06:00")
    page.click("form.admin-form button[type=submit] >> nth=0")
    page.wait_for_selector(".field-error")
    assert "HH:MM-HH:MM" in page.inner_text(".has-error .field-error")
    assert page.input_value("#windows") == "10:00-06:00"  # kept, to correct

    # All day, every day, two working days ahead.
    page.fill("#windows", "00:00-00:00")
    for box in page.query_selector_all("input[name=working_days]"):
        box.check()
    page.fill("#days_ahead", "2")
    page.click("form.admin-form button[type=submit] >> nth=0")
    page.wait_for_selector(".notice")
    assert "Online registration settings saved." in page.inner_text(".notice")

    # A holiday three weeks ahead.
    holiday = (date.today() + timedelta(days=21)).isoformat()
    page.fill("#closed_day", holiday)
    page.fill("#closed_name", "Cuti bersama")
    page.click("#closed-days button:has-text('Add')")
    page.wait_for_selector(f"#closed-days td:has-text('{holiday}')")
    assert "Cuti bersama" in page.inner_text("#closed-days table")

    # The hall's agency takes both channels, a third of a quota online.
    page.goto(f"{base}/admin/agencies?lang=en")
    page.click("table.grid a:has-text('Edit')")
    page.select_option("#channels", "both")
    page.fill("#online_pct", "33")
    page.click("form.admin-form button[type=submit]")
    page.wait_for_url(re.compile(re.escape(f"{base}/admin/agencies")))
    assert "walk-ins and online" in page.inner_text("table.grid")

    # The first session of the first service tomorrow: 2 places instead of the default.
    page.goto(f"{base}/admin/booking/sessions?lang=en")
    page.wait_for_selector("table.sessions")
    day = page.input_value("select[name=date]")
    service = page.inner_text("select[name=service] option:checked").split(" — ")[0]
    first = page.query_selector("table.sessions tbody input")
    assert first is not None
    name = first.get_attribute("name")
    first.fill("2")
    page.click("button:has-text('Save')")
    page.wait_for_selector(".notice")
    assert "Places saved (1 sessions changed)." in page.inner_text(".notice")
    assert page.input_value(f"input[name='{name}']") == "2"

    found = requests.get(
        f"{base}/api/v1/booking/availability",
        params={"service": service, "date": day},
        timeout=10,
    ).json()
    assert found["sessions"][0]["capacity"] == 2
    assert f"places-{found['sessions'][0]['id']}" == name
    # No script error and nothing from elsewhere (the refused form is a 422 on purpose, which
    # the console reports as a failed load).
    watch.assert_clean()
