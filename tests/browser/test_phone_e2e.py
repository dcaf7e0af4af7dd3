"""The phone status page in a real browser (issue 13, items 11 and 12): it names the hall, says
when the ticket was taken and which number its service serves now, live as clerks call; the
holder leaves the queue after confirming in the page's own dialog, and the lobby board and the
next person's phone see the queue shrink without reloading. A call chimes once the page was
touched (browsers allow sound only then) as well as vibrating.

Each test starts its own server on a fresh demo database (the first ticket of A is A-001) and
drives Debian's headless Chromium (/usr/bin/chromium) through Playwright, at a phone's 390×844.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pytest
import requests

from .conftest import Watch
from .test_screens_e2e import connected, mark, staff_headers, still_marked, text, wait_text

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

pytestmark = pytest.mark.browser

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
HALL_NAME = "Mal Pelayanan Publik DKI Jakarta"
CLERK = "petugas01"


def issue(base: str, service: str = "A") -> dict[str, Any]:
    response = requests.post(f"{base}/api/v1/tickets", json={"service": service}, timeout=10)
    assert response.status_code == 201, response.text
    return dict(response.json())


def call_next(base: str, headers: dict[str, str], counter: int = 1) -> dict[str, Any]:
    response = requests.post(
        f"{base}/api/v1/counters/{counter}/call-next", headers=headers, timeout=10
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def open_counter(base: str, headers: dict[str, str], counter: int = 1) -> None:
    response = requests.post(f"{base}/api/v1/counters/{counter}/open", headers=headers, timeout=10)
    assert response.status_code == 200, response.text


def phone_page(watch: Watch, browser: Browser, url: str) -> Page:
    context: BrowserContext = watch.context(browser, **PHONE)
    page = context.new_page()
    page.goto(url)
    connected(page)
    return page


def waiting_on_board(board: Page, code: str, count: int) -> None:
    """Wait until the board's waiting list shows `count` people for service `code`."""
    board.wait_for_function(
        "([code, n]) => [...document.querySelectorAll('#waiting li')].some(li =>"
        " li.querySelector('.w-code').textContent === code"
        " && li.querySelector('.w-count').textContent === String(n))",
        arg=[code, count],
    )


def test_the_holder_leaves_the_queue_and_the_hall_sees_it_shrink(
    browser: Browser, live_server: str, watch: Watch
) -> None:
    base = live_server
    first, mine, after = issue(base), issue(base), issue(base)
    board = watch.context(browser, viewport={"width": 1920, "height": 1080}).new_page()
    board.goto(f"{base}/display")
    connected(board)
    waiting_on_board(board, "A", 3)

    phone = phone_page(watch, browser, f"{base}/t/{mine['token']}")
    next_phone = phone_page(watch, browser, f"{base}/t/{after['token']}")

    # The hall's name, when the ticket was taken (the hall's local time, written the
    # Indonesian way), and nobody served yet.
    taken = datetime.fromisoformat(mine["issued_at"]).astimezone(ZoneInfo("Asia/Jakarta"))
    assert text(phone, "#site-name") == HALL_NAME
    assert text(phone, "#taken") == f"Diambil {taken:%H.%M}"
    assert text(phone, "#now-serving") == "—"
    assert text(phone, "#position") == "1"
    for page in (board, phone, next_phone):
        mark(page)

    # A clerk calls A-001: the number now served changes live on both phones.
    staff = staff_headers(base, CLERK)
    open_counter(base, staff)
    assert call_next(base, staff)["code"] == first["code"]
    wait_text(phone, "#now-serving", first["code"])
    wait_text(next_phone, "#now-serving", first["code"])
    wait_text(phone, "#position", "0")
    waiting_on_board(board, "A", 2)

    # Leaving asks first, in the page's own dialog; "no" leaves everything as it was.
    assert phone.is_visible("#leave")
    phone.click("#leave")
    phone.wait_for_selector("#leave-dialog[open]")
    assert phone.evaluate("() => document.activeElement.id") == "leave-no"
    phone.click("#leave-no")
    phone.wait_for_selector("#leave-dialog:not([open])", state="attached")
    assert text(phone, "#state-text") == "Masuk sekarang dan tunggu panggilan Anda."
    public = requests.get(f"{base}/api/v1/tickets/by-token/{mine['token']}", timeout=10).json()
    assert public["state"] == "waiting"

    # "Yes": the ticket is cancelled, the page says so and offers the button no more.
    phone.click("#leave")
    with phone.expect_response(lambda r: r.url.endswith("/cancel")) as answer:
        phone.click("#leave-yes")
    assert answer.value.status == 200
    wait_text(phone, "#state-text", "Anda telah keluar dari antrean. Nomor ini dibatalkan.")
    assert not phone.is_visible("#leave") and not phone.is_visible("#queue-facts")
    assert not phone.is_visible("#leave-dialog")
    public = requests.get(f"{base}/api/v1/tickets/by-token/{mine['token']}", timeout=10).json()
    assert public["state"] == "cancelled"

    # The hall saw the queue shrink: the board counts one fewer, and the next person moved up.
    waiting_on_board(board, "A", 1)
    wait_text(next_phone, "#position", "0")
    for page in (board, phone, next_phone):
        assert still_marked(page), f"{page.url} was reloaded"

    # A reload shows the same: cancelled, no button.
    phone.reload()
    connected(phone)
    assert text(phone, "#state-text") == "Anda telah keluar dari antrean. Nomor ini dibatalkan."
    assert not phone.is_visible("#leave")
    watch.assert_clean(console=True)


def test_a_call_chimes_once_the_page_was_touched(
    browser: Browser, live_server: str, watch: Watch
) -> None:
    base = live_server
    mine = issue(base)
    phone = phone_page(watch, browser, f"{base}/t/{mine['token']}")
    # Until touched, the page says how to turn the sound on; the first tap anywhere does.
    assert phone.is_visible("#sound-hint")
    assert text(phone, "#sound-hint") == "Ketuk untuk mengaktifkan suara"
    phone.tap("h1.code")
    phone.wait_for_selector("#sound-hint", state="hidden")
    assert phone.evaluate("() => window.LoketStatus.soundLocked") is False

    staff = staff_headers(base, CLERK)
    open_counter(base, staff)
    call_next(base, staff)

    wait_text(phone, "#state-text", "Silakan ke loket 1")
    phone.wait_for_function("() => window.LoketStatus.chimed === 1")
    watch.assert_clean(console=True)
