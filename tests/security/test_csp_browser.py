"""The Content-Security-Policy in a real browser: headless Chromium opens every screen — kiosk
(with the phone-number keypad), printed ticket, lobby board, phone status page, sign-in, counter
terminal and the admin pages — against the real server (gunicorn, gevent), and not one page
reports a CSP violation or a console error, while each live page holds its Socket.IO websocket
(same origin: allowed by connect-src 'self').
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import requests

from ..browser.conftest import Watch

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

pytestmark = pytest.mark.browser

ADMIN = {"username": "admin", "password": "admin-loket"}

#: Every CSP violation the page sees (the browser fires `securitypolicyviolation` for each),
#: and a print() that fires `afterprint` as the kiosk's Chromium does (see test_screens_e2e).
WATCH_SCRIPT = """
(() => {
  window.__csp = [];
  document.addEventListener("securitypolicyviolation", (e) => {
    window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " @ " +
      location.pathname);
  });
  window.print = () => window.dispatchEvent(new Event("afterprint"));
})();
"""
LIVE = "() => window.LoketSocket && window.LoketSocket.connected"


def visit(page: Page, url: str, live: bool = False) -> None:
    page.goto(url)
    page.wait_for_load_state("load")
    if live:
        page.wait_for_function(LIVE)
    assert page.evaluate("() => window.__csp") == [], url


def open_context(browser: Browser, watch: Watch) -> BrowserContext:
    context = watch.context(browser)
    context.add_init_script(WATCH_SCRIPT)
    return context


def test_no_page_breaks_the_content_security_policy(
    browser: Browser, live_server: str, watch: Watch, tmp_path: Path
) -> None:
    base = live_server
    issued = requests.post(f"{base}/api/v1/tickets", json={"service": "A"}, timeout=10).json()

    page = open_context(browser, watch).new_page()
    for path, live in [
        ("/", False),
        ("/login", False),
        ("/kiosk", True),
        ("/display", True),
        (f"/t/{issued['token']}", True),
        (f"/kiosk/ticket/{issued['token']}", False),
        ("/daftar", False),
        ("/nowhere", False),
    ]:
        visit(page, base + path, live)
    header = requests.get(f"{base}/kiosk", timeout=10).headers["Content-Security-Policy"]
    assert "script-src 'self'" in header and "unsafe-inline" not in header

    # staff: sign in through the form, then the terminal and every admin page
    page.goto(f"{base}/login")
    page.fill("input[name=username]", ADMIN["username"])
    page.fill("input[name=password]", ADMIN["password"])
    page.click("button[type=submit]")
    page.wait_for_load_state("load")
    visit(page, f"{base}/counter/1", live=True)
    visit(page, f"{base}/desk/bookings")
    page.click("#open") if page.query_selector("#open") else None
    for path in [
        "/admin",
        "/admin/overview",
        "/admin/services",
        "/admin/services/new",
        "/admin/counters",
        "/admin/counters/new",
        "/admin/staff",
        "/admin/staff/new",
        "/admin/site",
        "/admin/booking",
        "/admin/booking/sessions",
        "/admin/audit",
        "/admin/reports",
    ]:
        visit(page, base + path)

    # the kiosk of a hall that gives one ticket per phone number: its keypad works under the
    # policy, and a second ticket for the same number is refused on screen
    with sqlite3.connect(tmp_path / "browser.db") as db:
        db.execute("UPDATE sites SET holder_id_kind = 'phone'")
    kiosk = open_context(browser, watch).new_page()
    visit(kiosk, f"{base}/kiosk", live=True)
    service = "button.service:not([disabled])"
    kiosk.click(service)
    kiosk.wait_for_selector("#message:not([hidden])")
    assert "nomor HP" in kiosk.inner_text("#message-text")
    kiosk.click("#message-close")
    for digit in "081234567890":
        kiosk.click(f'#holder .keypad button[data-key="{digit}"]')
    assert kiosk.input_value("#holder-id") == "081234567890"
    kiosk.click(service)
    kiosk.wait_for_url("**/kiosk/ticket/**")
    kiosk.wait_for_url("**/kiosk?**")  # printed, and back at the kiosk
    kiosk.wait_for_function(LIVE)
    assert kiosk.input_value("#holder-id") == ""  # nothing left for the next person
    kiosk.fill("#holder-id", "+62 812-3456-7890")
    kiosk.click(service)
    # The kiosk first says it is printing, then the server's refusal replaces that message.
    kiosk.wait_for_selector("#message-text:has-text('sudah memiliki nomor antrean')")
    assert not kiosk.is_hidden("#message")
    assert kiosk.evaluate("() => window.__csp") == []

    assert any(url.startswith("ws://") for url in watch.urls), "no websocket was opened"
    watch.assert_clean()
    # the console logs the 404 page and the refused second ticket (409) as failed loads, as
    # it should; anything else — a CSP refusal above all — is an error
    unexpected = [e for e in watch.console_errors if "Failed to load resource" not in e]
    assert unexpected == [], unexpected
    assert len(watch.console_errors) == 2

    # the control: the same watch does catch what the policy forbids — an inline script
    control = browser.new_context()
    control.add_init_script(WATCH_SCRIPT)
    probe = control.new_page()
    probe.goto(f"{base}/")
    ran = probe.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.__ran = 1'; document.body.appendChild(s);"
        " return new Promise(r => setTimeout(() => r(window.__ran === 1), 200)); }"
    )
    assert ran is False
    assert any("script-src" in v for v in probe.evaluate("() => window.__csp"))
    control.close()
