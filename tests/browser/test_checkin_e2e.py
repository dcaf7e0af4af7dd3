"""The kiosk's "Sudah daftar online?" (issue 16, item 6), in a real browser at an enrolled
kiosk against the real server: a booking's QR read by a USB barcode scanner (keystrokes a few
ms apart, then Enter, with nothing focused) prints its ticket; so does its code typed on the
overlay's keys; a booking of a later session is told when to come back, an unknown code is
said so, a person typing slowly on a keyboard checks nothing in, the idle reset clears what
was typed, and the kiosk with its overlay fits 1080×1920 and 1366×768 without scrolling."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pytest

from tests.integration.live import flask_command

from .booking_live import BookingMall, booking_mall
from .conftest import Watch
from .test_kiosk_e2e import LANDSCAPE, MIN_TARGET_PX, PORTRAIT
from .test_screens_e2e import PRINT_STUB, connected

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

JAKARTA = ZoneInfo("Asia/Jakarta")
IDLE_S = 6


@pytest.fixture
def mall(browser_tools: None, tmp_path: Path) -> Iterator[BookingMall]:
    with booking_mall(
        f"sqlite:///{tmp_path / 'checkin.db'}", checkins=3, extra_env={"KIOSK_IDLE_S": str(IDLE_S)}
    ) as served:
        yield served


def shots(tmp_path: Path) -> Path:
    """$LOKET_SHOTS_DIR (to look at the screenshots), else the test's temporary directory."""
    where = Path(os.environ.get("LOKET_SHOTS_DIR") or tmp_path)
    where.mkdir(parents=True, exist_ok=True)
    return where


def enrolled_kiosk(browser: Browser, watch: Watch, mall: BookingMall, viewport: Any) -> Page:
    """A kiosk's browser enrolled as the operator does it (`flask enrol-device`)."""
    printed = flask_command(mall.env, "enrol-device", "--kind", "kiosk", "--name", "Kiosk lobi")
    code = re.search(r"/enrol/([A-Za-z0-9_-]+)", printed)
    assert code, printed
    context = watch.context(browser, viewport=viewport, has_touch=True)
    context.add_init_script(PRINT_STUB)
    page = context.new_page()
    page.goto(f"{mall.base}/enrol/{code.group(1)}")
    assert re.search(r"/kiosk\?site=\d+$", page.url), page.url
    connected(page)
    return page


def printed_slip(page: Page) -> str:
    """The ticket number on the slip the kiosk opened (then back at the kiosk)."""
    page.wait_for_url("**/kiosk/ticket/**")
    assert "print=1" in page.url
    number = page.locator("h1.code").inner_text()
    page.wait_for_url("**/kiosk?**")
    connected(page)
    return number


def scan(page: Page, text: str, gap_ms: float = 5.0) -> None:
    """A USB barcode scanner reads `text`: its keys `gap_ms` apart, then Enter. The keys go
    through the DevTools protocol with the scanner's own time stamps, as a real scanner's
    carry the moment each key came in: a busy test machine delays their delivery, not the
    gaps the kiosk measures (Playwright's `keyboard.type(delay=5)` let a loaded CI stretch
    them past the kiosk's bounds)."""
    cdp = page.context.new_cdp_session(page)
    at = time.time()
    try:
        for n, key in enumerate([*text, "Enter"]):
            stamp = at + n * gap_ms / 1000
            enter = key == "Enter"
            down = {
                "type": "keyDown",
                "key": key,
                "text": "\r" if enter else key,
                "timestamp": stamp,
                **({"code": "Enter", "windowsVirtualKeyCode": 13} if enter else {}),
            }
            cdp.send("Input.dispatchKeyEvent", down)
            cdp.send("Input.dispatchKeyEvent", {"type": "keyUp", "key": key, "timestamp": stamp})
    finally:
        cdp.detach()


def nothing_focused(page: Page) -> None:
    assert page.evaluate("() => document.activeElement === document.body")


def test_a_scanned_qr_checks_in_with_nothing_focused_and_slow_typing_does_not(
    browser: Browser, mall: BookingMall
) -> None:
    watch = Watch(mall.base)
    page = enrolled_kiosk(browser, watch, mall, PORTRAIT)
    first, second, third = mall.now
    # A person typing a token on a keyboard, keys far apart: nothing happens.
    nothing_focused(page)
    page.keyboard.type(third.token[:12], delay=150)
    page.keyboard.press("Enter")
    page.wait_for_timeout(800)
    assert "/kiosk/ticket/" not in page.url
    assert page.locator("#checkin").is_hidden()
    assert mall.state_of(third.token) == "booked"
    # The scanner types the QR's token fast, then Enter: its ticket is printed.
    nothing_focused(page)
    scan(page, first.token)
    assert printed_slip(page).startswith("B")
    assert mall.state_of(first.token) == "checked_in"
    # A QR holding the booking's page (a link to /b/<token>) is read as well.
    nothing_focused(page)
    scan(page, f"{mall.base}/b/{second.token}")
    assert printed_slip(page).startswith("B")
    assert mall.state_of(second.token) == "checked_in"
    # The first booking scanned again: said so, no second ticket.
    scan(page, first.token)
    result = page.locator("#checkin-result")
    result.wait_for()
    page.wait_for_function(
        "() => !/Sedang/.test(document.getElementById('checkin-result').textContent)"
    )
    assert "sudah check-in" in result.inner_text()
    assert "/kiosk/ticket/" not in page.url
    watch.assert_clean()


def test_the_code_on_the_kiosks_keys_checks_in_and_a_later_session_is_told_when_to_come(
    browser: Browser, mall: BookingMall, tmp_path: Path
) -> None:
    watch = Watch(mall.base)
    page = enrolled_kiosk(browser, watch, mall, LANDSCAPE)
    fits(page, "landscape kiosk with its check-in button")
    later = mall.later[0]
    page.click("#checkin-open")
    step = page.locator("#checkin")
    assert step.is_visible()
    overlay_fits(page, "landscape overlay")
    # A booking of the session in three hours: come back at its start less 30 minutes.
    type_code(page, later.code)
    assert page.locator("#checkin-code").inner_text() == later.code
    page.screenshot(path=str(shots(tmp_path) / "kiosk-checkin-1366x768.png"))
    page.click("#checkin-send")
    come_back = (later.starts_at - timedelta(minutes=30)).astimezone(JAKARTA)
    result = page.locator("#checkin-result")
    page.wait_for_function(
        "() => /pukul/.test(document.getElementById('checkin-result').textContent)"
    )
    assert f"kembali pukul {come_back:%H.%M}" in result.inner_text(), result.inner_text()
    assert mall.state_of(later.token) == "booked"
    page.screenshot(path=str(shots(tmp_path) / "kiosk-checkin-too-early-1366x768.png"))
    # A code nobody has: said so.
    type_code(page, "ZZZZZZ")
    page.click("#checkin-send")
    page.wait_for_function(
        "() => /Tidak ada pendaftaran/.test(document.getElementById('checkin-result').textContent)"
    )
    # A booking of the running session: its ticket is printed.
    now = mall.now[0]
    type_code(page, now.code)
    page.click("#checkin-send")
    assert printed_slip(page).startswith("B")
    assert mall.state_of(now.token) == "checked_in"
    # What was typed and left: the idle reset closes the overlay and forgets it.
    page.click("#checkin-open")
    type_code(page, mall.now[1].code[:3])
    page.wait_for_function(
        "() => document.getElementById('checkin').hidden", timeout=(IDLE_S + 5) * 1000
    )
    page.click("#checkin-open")
    assert page.locator("#checkin-code").inner_text() == ""
    assert page.locator("#checkin-send").is_disabled()
    watch.assert_clean()


def test_the_check_in_overlay_fits_a_portrait_kiosk(
    browser: Browser, mall: BookingMall, tmp_path: Path
) -> None:
    watch = Watch(mall.base)
    page = enrolled_kiosk(browser, watch, mall, PORTRAIT)
    fits(page, "portrait kiosk with its check-in button")
    page.click("#checkin-open")
    type_code(page, mall.later[1].code)
    overlay_fits(page, "portrait overlay")
    page.screenshot(path=str(shots(tmp_path) / "kiosk-checkin-1080x1920.png"))
    watch.assert_clean()


def type_code(page: Page, code: str) -> None:
    for _ in range(8):
        page.click('#checkin-keys button[data-key="back"]')
    for char in code:
        page.click(f'#checkin-keys button[data-key="{char}"]')


FITS = """(min) => {
  const doc = document.scrollingElement;
  const open = document.getElementById('checkin-open').getBoundingClientRect();
  return {
    scroll: [doc.scrollWidth, doc.scrollHeight],
    viewport: [innerWidth, innerHeight],
    button: [open.width, open.height, open.right <= innerWidth + 0.5],
  };
}"""

OVERLAY = """(min) => {
  const doc = document.scrollingElement;
  const parts = [...document.querySelectorAll(
    '#checkin-title, #checkin-code, #checkin-keys button, #checkin-send, #checkin-close')];
  const outside = parts.filter(e => {
    const r = e.getBoundingClientRect();
    return r.top < 0 || r.left < 0 || r.bottom > innerHeight + 0.5 || r.right > innerWidth + 0.5;
  });
  const small = [...document.querySelectorAll(
    '#checkin-keys button, #checkin-send, #checkin-close')]
    .map(e => e.getBoundingClientRect()).filter(r => r.width < min || r.height < min);
  const box = document.querySelector('.checkin-box');
  return {
    scroll: [doc.scrollWidth, doc.scrollHeight],
    viewport: [innerWidth, innerHeight],
    outside: outside.map(e => e.textContent.trim().slice(0, 12)),
    small: small.length,
    clipped: box.scrollHeight > box.clientHeight + 1,
    keys: document.querySelectorAll('#checkin-keys button').length,
  };
}"""


def fits(page: Page, what: str) -> None:
    m = page.evaluate(FITS, MIN_TARGET_PX)
    assert m["scroll"] == m["viewport"], f"{what}: the page scrolls ({m})"
    width, height, inside = m["button"]
    assert inside and min(width, height) >= MIN_TARGET_PX, f"{what}: {m['button']}"


def overlay_fits(page: Page, what: str) -> None:
    m = page.evaluate(OVERLAY, MIN_TARGET_PX)
    assert m["keys"] == 32, what  # 31 letters and digits, and ⌫
    assert m["scroll"] == m["viewport"], f"{what}: the page scrolls ({m})"
    assert m["outside"] == [], f"{what}: off screen: {m['outside']}"
    assert m["small"] == 0, f"{what}: keys under {MIN_TARGET_PX} px"
    assert not m["clipped"], f"{what}: the overlay is cut off"
