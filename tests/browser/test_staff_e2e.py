"""Staff in a real browser (issue 13, items 13 and 15): the supervisor acts from the hall
overview — a refused close says why, a transfer frees the counter, a pause shows, a no-show is
reinstated — and a clerk reprints a lost ticket by its code.

Against the real server (gunicorn, gevent worker) on a fresh demo database, driven through
Debian's headless Chromium (/usr/bin/chromium) by Playwright. Screenshots of what was checked
go to $LOKET_SHOTS when it is set."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import requests

from .conftest import Watch
from .test_admin_e2e import SUPERVISOR, sign_in
from .test_screens_e2e import PRINT_STUB, connected, text

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

CLERK_PASSWORD = "petugas-loket"


def shot(page: Page, name: str) -> None:
    folder = os.environ.get("LOKET_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def clerk_calls(base: str, counter_id: int = 1, service: str = "A") -> dict[str, Any]:
    """The demo's clerk of counter N (petugasNN; counter ids are the numbers in the demo)
    opens it and calls a new ticket of `service` to it, through the API."""
    login = {"username": f"petugas{counter_id:02d}", "password": CLERK_PASSWORD}
    token = requests.post(f"{base}/api/v1/auth/token", json=login, timeout=10).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    opened = requests.post(f"{base}/api/v1/counters/{counter_id}/open", headers=headers, timeout=10)
    assert opened.status_code == 200
    issued = requests.post(f"{base}/api/v1/tickets", json={"service": service}, timeout=10)
    assert issued.status_code == 201
    called = requests.post(
        f"{base}/api/v1/counters/{counter_id}/call-next", headers=headers, timeout=10
    )
    assert called.status_code == 200
    return {"headers": headers, "ticket": called.json(), "issued": issued.json()}


def counter_item(page: Page, number: int) -> str:
    return f"#ov-counters li.ov-counter:nth-child({number})"


def test_a_supervisor_acts_from_the_overview(
    browser: Browser, live_server: str, watch: Watch
) -> None:
    base = live_server
    first = clerk_calls(base)
    code = first["ticket"]["code"]
    page = watch.context(browser, viewport={"width": 1440, "height": 900}).new_page()
    sign_in(page, base, SUPERVISOR, "/admin/overview")
    connected(page)
    one = counter_item(page, 1)
    page.wait_for_selector(f"{one} .ov-current b:text('{code}')")

    # Closing a counter with a ticket at it is refused, and the page says why.
    page.once("dialog", lambda dialog: dialog.accept())
    page.click(f"{one} button[data-action=close]")
    page.wait_for_selector("#ov-result.refused:not([hidden])")
    assert "Tidak dilakukan" in text(page, "#ov-result")
    assert "masih melayani" in text(page, "#ov-result")
    shot(page, "overview-refused")

    # The ticket at counter 1 goes to Paspor (B): the counter is free, B has it first.
    page.select_option(f"{one} .ov-transfer select", "B")
    page.click(f"{one} button[data-action=transfer]")
    page.wait_for_selector("#ov-result:not(.refused):not([hidden])")
    assert code in text(page, "#ov-result")
    page.wait_for_function(
        "(sel) => document.querySelector(sel + ' .ov-current').textContent.trim() === '–'", arg=one
    )
    services = requests.get(f"{base}/api/v1/services", timeout=10).json()
    assert [s["waiting"] for s in services if s["code"] == "B"] == [1]

    # A pause shows on the counter; a paused counter offers Close, no more Pause.
    page.click(f"{one} button[data-action=pause]")
    page.wait_for_selector(f"{one}.paused")
    assert page.query_selector(f"{one} button[data-action=pause]") is None
    assert page.query_selector(f"{one} button[data-action=close]") is not None

    # A no-show at counter 2 appears under "Tidak hadir hari ini" and is reinstated from there.
    second = clerk_calls(base, counter_id=2, service="A")
    missed = requests.post(
        f"{base}/api/v1/tickets/{second['ticket']['id']}/no-show",
        headers=second["headers"],
        timeout=10,
    )
    assert missed.status_code == 200, missed.text
    row = f"#ov-missed li[data-id='{second['ticket']['id']}']"
    page.wait_for_selector(row)
    shot(page, "overview-actions")
    page.click(f"{row} button[data-action=reinstate]")
    page.wait_for_selector(row, state="detached")
    assert second["ticket"]["code"] in text(page, "#ov-result")
    states = requests.get(
        f"{base}/api/v1/tickets/by-token/{second['issued']['token']}", timeout=10
    ).json()
    assert states["state"] == "waiting"
    # The refused close is the one failed load the console saw.
    assert [e for e in watch.console_errors if "409" not in e] == []
    watch.assert_clean()


def test_a_clerk_reprints_a_lost_slip_and_comes_back_to_the_counter(
    browser: Browser, live_server: str, watch: Watch
) -> None:
    base = live_server
    issued = requests.post(f"{base}/api/v1/tickets", json={"service": "B"}, timeout=10).json()
    context = watch.context(browser, viewport={"width": 1366, "height": 768})
    context.add_init_script(PRINT_STUB)
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("#username", "petugas01")
    page.fill("#password", CLERK_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/counter/1")  # a one-counter clerk lands at the terminal
    page.click("a[href^='/reprint']")
    page.wait_for_url(re.compile(re.escape(f"{base}/reprint?")))
    # A code that is not today's is refused in words, and the form stays.
    page.fill("#code", "B-099")
    page.click(".reprint-form button[type=submit]")
    page.wait_for_selector("#reprint-error")
    assert "Hari ini tidak ada nomor B-099" in text(page, "#reprint-error")
    shot(page, "reprint-refused")
    page.fill("#code", "b1")
    page.click(".reprint-form button[type=submit]")
    page.wait_for_url(re.compile(re.escape(f"{base}/kiosk/ticket/{issued['token']}?")))
    assert text(page, "h1.code") == issued["code"]
    assert "CETAK ULANG" in text(page, ".reprint")  # uppercase on paper
    shot(page, "reprint-slip")
    # After printing, the clerk is back at the terminal (not at the kiosk).
    page.wait_for_url(f"{base}/counter/1")
    watch.assert_clean()
