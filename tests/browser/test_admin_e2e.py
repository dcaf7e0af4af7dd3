"""The admin console in a real browser: an admin adds a service, and a kiosk and a lobby board
that are already open show it without a reload; the supervisors' overview raises an alert when a
wait passes the site's limit, with no news from the hall in between.

Against the real server (gunicorn, gevent worker) on a fresh demo database, driven through
Debian's headless Chromium (/usr/bin/chromium) by Playwright."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import requests

from .conftest import Watch
from .test_screens_e2e import connected, mark, still_marked, text

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

ADMIN = ("admin", "admin-loket")
SUPERVISOR = ("supervisor", "supervisor-loket")


def sign_in(page: Page, base: str, who: tuple[str, str], target: str) -> None:
    page.goto(f"{base}/login?next={target}")
    page.fill("#username", who[0])
    page.fill("#password", who[1])
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}{target}")


def test_a_service_added_by_an_admin_appears_on_an_open_kiosk_and_board(
    browser: Browser, live_server: str, watch: Watch
) -> None:
    base = live_server
    kiosk = watch.context(browser, viewport={"width": 1280, "height": 800}).new_page()
    kiosk.goto(f"{base}/kiosk")
    board = watch.context(browser, viewport={"width": 1920, "height": 1080}).new_page()
    board.goto(f"{base}/display")
    for page in (kiosk, board):
        connected(page)
        mark(page)
    assert kiosk.query_selector('.service[data-code="L"]') is None

    admin = watch.context(browser, viewport={"width": 1440, "height": 900}).new_page()
    sign_in(admin, base, ADMIN, "/admin/services/new")
    admin.fill("#code", "l")
    admin.fill("#name_id", "Layanan Baru")
    admin.fill("#name_en", "New service")
    admin.fill("#daily_quota", "20")
    admin.click("form.admin-form button[type=submit]")
    admin.wait_for_url(re.compile(re.escape(f"{base}/admin/services")))
    assert "Layanan L ditambahkan." in text(admin, ".notice")

    # The open kiosk draws the new button, live; the board lists the new queue.
    button = kiosk.wait_for_selector('.service[data-code="L"]')
    assert button is not None
    assert "Layanan Baru" in button.inner_text() and "New service" in button.inner_text()
    assert button.is_enabled()
    board.wait_for_function(
        "() => [...document.querySelectorAll('#waiting .w-code')].some(e => e.textContent === 'L')"
    )
    for page in (kiosk, board):
        assert still_marked(page), f"{page.url} was reloaded"

    # A touch on the new button takes a ticket from the new service.
    with kiosk.expect_response(
        lambda r: r.url.startswith(f"{base}/api/v1/tickets") and r.request.method == "POST"
    ) as issued:
        kiosk.click('.service[data-code="L"]')
    assert issued.value.status == 201
    services = requests.get(f"{base}/api/v1/services", timeout=10).json()
    assert [s["waiting"] for s in services if s["code"] == "L"] == [1]
    watch.assert_clean(console=True)


def test_the_overview_raises_a_wait_alert_as_time_passes(
    browser: Browser, live_server: str, watch: Watch, tmp_path: Path
) -> None:
    base = live_server
    ticket = requests.post(f"{base}/api/v1/tickets", json={"service": "A"}, timeout=10).json()
    # The site alerts after one minute; the ticket has waited 40 seconds so far (a margin for a
    # loaded machine to sign in and open the page before the minute is up).
    with sqlite3.connect(tmp_path / "browser.db") as db:
        db.execute("UPDATE sites SET wait_alert_min = 1")
        db.execute("UPDATE tickets SET issued_at = datetime(issued_at, '-40 seconds')")

    page = watch.context(browser, viewport={"width": 1440, "height": 900}).new_page()
    # The page's clock runs on from the real time; the test moves it on below instead of
    # waiting the rest of the minute out.
    page.clock.install()
    sign_in(page, base, SUPERVISOR, "/admin/overview?lang=en")
    connected(page)
    mark(page)
    long_wait = f"A: {ticket['code']} has waited 1 min"
    assert long_wait not in text(page, "#ov-alerts")
    # No counter is open in the demo hall: that alert is there from the start.
    assert "A: 1 waiting and no counter open" in text(page, "#ov-alerts")

    # Nothing happens in the hall; the page's own clock brings the alert (its redraw every 5 s
    # included: 25 s on, the ticket has waited over a minute).
    page.clock.fast_forward(25_000)
    page.wait_for_function(
        "(want) => document.getElementById('ov-alerts').textContent.includes(want)",
        arg=long_wait,
        timeout=40_000,
    )
    assert page.is_visible("tr.alerted")
    assert still_marked(page)
    watch.assert_clean(console=True)
