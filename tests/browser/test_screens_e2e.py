"""End to end in a real browser: the kiosk issues and prints a ticket whose QR code opens its
status page; a clerk calls it; the lobby board, the phone page and the counter terminal all
show the call live, without reloading, and the board announces it.

Each test starts its own server on a fresh demo database (so the first ticket is A-001) and
drives Debian's headless Chromium (/usr/bin/chromium) through Playwright.
"""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import requests

from .conftest import Watch, zbarimg

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright

pytestmark = pytest.mark.browser

CLERK = {"username": "petugas01", "password": "petugas-loket"}

#: Headless Chromium prints nothing and never fires `afterprint`; the kiosk's Chromium
#: (--kiosk-printing) prints silently and then does. This stub records each print() call in the
#: tab's sessionStorage (it survives the ticket page's location.replace) and then fires
#: `afterprint` as that kiosk would, so ticket.js's way back to the kiosk runs as on site.
PRINT_STUB = """
(() => {
  const original = window.print.bind(window);
  window.print = () => {
    const done = JSON.parse(sessionStorage.getItem("loket-test-printed") || "[]");
    done.push(location.pathname + location.search);
    sessionStorage.setItem("loket-test-printed", JSON.stringify(done));
    original();
    window.dispatchEvent(new Event("afterprint"));
  };
})();
"""


def connected(page: Page) -> None:
    """Wait until the page's Socket.IO connection is up (it has joined its rooms by then)."""
    page.wait_for_function("() => window.LoketSocket && window.LoketSocket.connected")


def mark(page: Page) -> None:
    """Leave a mark in the page's JavaScript state: a reload or a navigation would lose it."""
    page.evaluate("() => { window.__marker = 1; }")


def still_marked(page: Page) -> bool:
    return bool(page.evaluate("() => window.__marker === 1"))


def text(page: Page, selector: str) -> str:
    return page.inner_text(selector).strip()


def wait_text(page: Page, selector: str, expected: str) -> None:
    """Wait until the element's text content is exactly `expected`."""
    page.wait_for_function(
        "([sel, want]) => { const el = document.querySelector(sel);"
        " return el !== null && el.textContent.trim() === want; }",
        arg=[selector, expected],
    )


def wait_announced(board: Page, sentence: str) -> None:
    board.wait_for_function(
        "(want) => window.LoketBoard && window.LoketBoard.announced.some(a => a.text === want)",
        arg=sentence,
    )


def staff_headers(base: str, username: str) -> dict[str, str]:
    response = requests.post(
        f"{base}/api/v1/auth/token",
        json={"username": username, "password": CLERK["password"]},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def issue_and_call(base: str, service: str = "A", counter: int = 1) -> str:
    """Issue a ticket and have counter 1's clerk open the counter and call it, over the API."""
    issued = requests.post(f"{base}/api/v1/tickets", json={"service": service}, timeout=10)
    assert issued.status_code == 201, issued.text
    staff = staff_headers(base, CLERK["username"])
    opened = requests.post(f"{base}/api/v1/counters/{counter}/open", headers=staff, timeout=10)
    assert opened.status_code == 200, opened.text
    called = requests.post(f"{base}/api/v1/counters/{counter}/call-next", headers=staff, timeout=10)
    assert called.status_code == 200, called.text
    assert called.json()["code"] == issued.json()["code"]
    return str(called.json()["code"])


def wait_note(board: Page, code: str, expected: str) -> None:
    """Wait until the board's waiting list notes `expected` under service `code` ("": none)."""
    board.wait_for_function(
        "([code, want]) => [...document.querySelectorAll('#waiting li')].some(li =>"
        " li.querySelector('.w-code').textContent === code"
        " && ((li.querySelector('.w-note') || {}).textContent || '') === want)",
        arg=[code, expected],
    )


def decode_qr(png: Path) -> list[str]:
    """The QR codes zbarimg reads in a PNG, one text per code."""
    zbar = zbarimg()
    assert zbar is not None
    done = subprocess.run(
        [zbar, "--raw", "-q", str(png)], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, f"zbarimg found no code in {png}: {done.stderr}"
    return done.stdout.splitlines()


def test_ticket_from_kiosk_is_called_live_on_board_phone_and_counter(
    browser: Browser, playwright: Playwright, live_server: str, watch: Watch, tmp_path: Path
) -> None:
    base = live_server

    # (a) The kiosk: touch service A; the ticket page prints and hands the kiosk back.
    kiosk_context = watch.context(browser, viewport={"width": 1280, "height": 800})
    kiosk_context.add_init_script(PRINT_STUB)
    kiosk = kiosk_context.new_page()
    visited: list[str] = []
    kiosk.on("framenavigated", lambda f: visited.append(f.url) if f == kiosk.main_frame else None)
    kiosk.goto(f"{base}/kiosk")
    connected(kiosk)
    history = kiosk.evaluate("() => history.length")
    with kiosk.expect_response(
        lambda r: r.url.startswith(f"{base}/api/v1/tickets") and r.request.method == "POST"
    ) as issued:
        kiosk.click('.service[data-code="A"]')
    assert issued.value.status == 201
    printed = re.compile(re.escape(f"{base}/kiosk/ticket/") + r"([\w-]+)\?print=1&lang=id$")
    # Back at the kiosk (in Indonesian for the next person), having shown the ticket between.
    kiosk.wait_for_url(re.compile(re.escape(f"{base}/kiosk?") + r"(.*&)?lang=id(&|$)"))
    assert len(visited) == 3 and visited[0] == f"{base}/kiosk", visited
    shown = printed.match(visited[1])
    assert shown is not None, visited
    token = shown.group(1)
    code = requests.get(f"{base}/api/v1/tickets/by-token/{token}", timeout=10).json()["code"]
    assert code == "A-001"
    assert kiosk.evaluate("() => sessionStorage.getItem('loket-test-printed')") == (
        f'["/kiosk/ticket/{token}?print=1&lang=id"]'
    )
    # Both moves replaced the history entry: nobody can page back to the ticket.
    assert kiosk.evaluate("() => history.length") == history

    # (b) The ticket without ?print=1 stays put; its QR code holds the absolute status URL.
    slip_context = watch.context(browser, viewport={"width": 600, "height": 1000})
    slip = slip_context.new_page()
    slip.goto(f"{base}/kiosk/ticket/{token}")
    mark(slip)
    status_url = f"{base}/t/{token}"
    assert text(slip, "h1.code") == code
    assert text(slip, ".url") == status_url
    png = tmp_path / "ticket.png"
    slip.screenshot(path=str(png), full_page=True)
    assert decode_qr(png) == [status_url]

    # (c) Before the call: the lobby board and the holder's phone follow the hall.
    board_context = watch.context(browser, viewport={"width": 1920, "height": 1080})
    board = board_context.new_page()
    board.goto(f"{base}/display")
    phone_context = watch.context(browser, **playwright.devices["Pixel 7"])
    phone = phone_context.new_page()
    phone.goto(status_url)
    for page in (board, phone):
        connected(page)
    assert text(board, "#now-code") == "—"
    assert text(phone, "h1.code") == code
    assert "loket" not in text(phone, "#state-text").lower()

    # (d) The clerk signs in, lands on counter 1's terminal, opens it and presses Space.
    clerk_context = watch.context(browser, viewport={"width": 1440, "height": 900})
    counter = clerk_context.new_page()
    counter.goto(f"{base}/login?next=/counter")
    counter.fill("#username", CLERK["username"])
    counter.fill("#password", CLERK["password"])
    counter.click("button[type=submit]")
    counter.wait_for_url(re.compile(re.escape(f"{base}/counter/") + r"\d+$"))
    connected(counter)
    if counter.is_visible("#resume"):
        counter.click("#resume")
    counter.wait_for_selector('[data-action="call-next"]:enabled')
    assert text(counter, "#current-code") == "—"
    for page in (board, phone, counter):
        mark(page)
    # Nothing focused, so Space is the terminal's shortcut and not a focused button's click.
    counter.evaluate("() => document.activeElement && document.activeElement.blur()")
    counter.keyboard.press("Space")

    # (e) Every screen shows the call live, without a reload.
    wait_text(counter, "#current-code", code)
    wait_text(board, "#now-code", code)
    wait_text(board, "#now-counter", "ke loket 1")
    wait_announced(board, "Nomor antrean A nol nol satu, silakan ke loket satu")
    wait_text(phone, "#state-text", "Silakan ke loket 1")
    for page in (board, phone, counter, slip):
        assert still_marked(page), f"{page.url} was reloaded"

    # The ticket page without ?print=1 neither printed nor went anywhere meanwhile.
    assert slip.url == f"{base}/kiosk/ticket/{token}"
    assert slip.evaluate("() => sessionStorage.getItem('loket-test-printed')") is None
    watch.assert_clean(console=True)


def test_english_board_announces_in_english(
    browser: Browser, live_server: str, watch: Watch
) -> None:
    base = live_server
    board = watch.context(browser, viewport={"width": 1920, "height": 1080}).new_page()
    board.goto(f"{base}/display?lang=en")
    connected(board)
    mark(board)

    code = issue_and_call(base)

    assert code == "A-001"
    wait_announced(board, "Ticket number A zero zero one, please go to counter one")
    wait_text(board, "#now-code", code)
    wait_text(board, "#now-counter", "to counter 1")
    assert still_marked(board)
    watch.assert_clean(console=True)


def test_board_reconnects_by_itself_and_catches_up(
    browser: Browser, live_server: str, watch: Watch
) -> None:
    base = live_server
    context = watch.context(browser, viewport={"width": 1920, "height": 1080})
    board = context.new_page()
    board.goto(f"{base}/display")
    connected(board)
    mark(board)
    assert board.is_hidden("#offline")

    # Cut the connection and keep the network down so that it cannot come back at once.
    context.set_offline(True)
    board.evaluate("() => window.LoketSocket.io.engine.close()")
    board.wait_for_selector("#offline", state="visible")

    code = issue_and_call(base)  # over the API, from outside the browser
    time.sleep(1.0)  # time enough for the call to reach a connected board
    assert text(board, "#now-code") == "—", "the board saw the call while disconnected"
    assert board.is_visible("#offline")

    # The network is back: the board reconnects by itself and its snapshot brings the call.
    context.set_offline(False)
    board.wait_for_selector("#offline", state="hidden", timeout=15_000)
    wait_text(board, "#now-code", code)
    wait_text(board, "#now-counter", "ke loket 1")
    assert still_marked(board), "the board was reloaded"
    assert board.evaluate("() => window.LoketSocket.connected")
    # The console does carry the browser's own errors for the refused reconnection attempts.
    watch.assert_clean()


def test_phone_and_board_say_no_counter_open_until_one_opens(
    browser: Browser, live_server: str, watch: Watch
) -> None:
    """Issue 13, item 5: with no open counter serving the service the API says
    `estimated_wait_s: null`, and the phone and the board say so in words (never "no wait"),
    then show a real figure as soon as a counter opens, without a reload."""
    base = live_server
    # The demo hall opens with every counter closed.
    taken = [
        requests.post(f"{base}/api/v1/tickets", json={"service": "A"}, timeout=10).json()
        for _ in range(2)
    ]
    assert [t["estimated_wait_s"] for t in taken] == [None, None]
    listed = requests.get(f"{base}/api/v1/services", timeout=10).json()
    assert {s["code"]: s["estimated_wait_s"] for s in listed}["A"] is None

    phone = watch.context(browser, viewport={"width": 390, "height": 844}).new_page()
    phone.goto(f"{base}/t/{taken[1]['token']}")
    connected(phone)
    assert text(phone, "#wait") == "belum ada loket yang buka"
    board = watch.context(browser, viewport={"width": 1920, "height": 1080}).new_page()
    board.goto(f"{base}/display")
    connected(board)
    wait_note(board, "A", "belum ada loket yang buka")
    mark(phone)
    mark(board)

    staff = staff_headers(base, CLERK["username"])  # counter 1 serves A first
    opened = requests.post(f"{base}/api/v1/counters/1/open", headers=staff, timeout=10)
    assert opened.status_code == 200, opened.text
    phone.wait_for_function(
        "() => /^± \\d+ menit$/.test(document.getElementById('wait').textContent.trim())"
    )
    wait_note(board, "A", "")
    assert still_marked(phone) and still_marked(board)
    served = requests.get(f"{base}/api/v1/tickets/by-token/{taken[1]['token']}", timeout=10)
    assert served.json()["estimated_wait_s"] > 0
    watch.assert_clean(console=True)
