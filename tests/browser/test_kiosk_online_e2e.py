"""The kiosk's side of online registration (issue 16, item 1; issue 15's "register online"),
in a real browser against the real server, in the demo mall: Immigration (B) takes both
channels, here with a daily quota of 40 of which 70 % is booked online, so 12 walk-in numbers
a day. Its button says how many walk-in numbers are left, live as tickets are issued; at 0 it
says so, and a touch issues nothing but shows where to register online. The land agency (BPN)
takes online bookings only: its tile shows the booking page's address, large, with a QR code
(an SVG made on the server) that zbarimg reads as that very address, which opens /daftar with
BPN chosen. The panel closes at the next touch."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_app.models import Service, Site

from .booking_live import BookingMall, booking_mall
from .conftest import Watch
from .test_kiosk_e2e import LANDSCAPE, PORTRAIT
from .test_screens_e2e import connected, decode_qr

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

#: B's daily quota and its online share: 40 × 70 % = 28 online, 12 walk-in.
QUOTA, ONLINE_PCT, WALK_INS = 40, 70, 12
#: The hall's public address (PUBLIC_BASE_URL), which the kiosk shows and its QR code holds.
PUBLIC = "https://antrean.mpp-jakarta.go.id"


def passports_by_quota(session: Session, site: Site) -> None:
    service = session.scalars(
        select(Service).where(Service.site_id == site.id, Service.code == "B")
    ).one()
    service.daily_quota = QUOTA
    service.online_pct = ONLINE_PCT


@pytest.fixture
def mall(browser_tools: None, tmp_path: Path) -> Iterator[BookingMall]:
    with booking_mall(
        f"sqlite:///{tmp_path / 'kiosk-online.db'}",
        extra_env={"PUBLIC_BASE_URL": PUBLIC},
        prepare=passports_by_quota,
    ) as served:
        yield served


@pytest.fixture
def watch(mall: BookingMall) -> Iterator[Watch]:
    """The browser's errors and requests, against this test's own server."""
    watcher = Watch(mall.base)
    yield watcher
    for context in watcher.contexts:
        context.close()


def shots(tmp_path: Path) -> Path:
    """$LOKET_SHOTS_DIR (to redraw docs/screenshots), else the test's temporary directory."""
    where = Path(os.environ.get("LOKET_SHOTS_DIR") or tmp_path)
    where.mkdir(parents=True, exist_ok=True)
    return where


def kiosk(browser: Browser, watch: Watch, mall: BookingMall, viewport: dict[str, int]) -> Page:
    context = watch.context(browser, viewport=viewport, has_touch=True)
    page = context.new_page()
    page.goto(f"{mall.base}/kiosk")
    connected(page)
    return page


def open_agency(page: Page, code: str) -> None:
    page.click(f'.agency[data-code="{code}"]')
    page.wait_for_selector('.service[data-code="B"]')


def left_text(page: Page) -> str:
    return page.locator('.service[data-code="B"] [data-field="left"]').inner_text()


def wait_left(page: Page, text: str) -> None:
    page.wait_for_function(
        "(want) => { const b = document.querySelector('.service[data-code=\"B\"]');"
        " return b && b.querySelector('[data-field=\"left\"]').textContent === want; }",
        arg=text,
    )


def issue_b(mall: BookingMall) -> requests.Response:
    return requests.post(
        f"{mall.base}/api/v1/tickets?site={mall.site_id}",
        json={"service": "B", "channel": "kiosk"},
        timeout=10,
    )


def waiting_b(mall: BookingMall) -> int:
    services = requests.get(f"{mall.base}/api/v1/services", timeout=10).json()
    return int(next(s for s in services if s["code"] == "B")["waiting"])


def test_the_walk_in_figure_drops_live_and_the_button_refuses_at_0(
    browser: Browser, watch: Watch, mall: BookingMall, tmp_path: Path
) -> None:
    where = shots(tmp_path)
    wide = kiosk(browser, watch, mall, LANDSCAPE)
    open_agency(wide, "IMIGRASI")
    assert left_text(wide) == f"Sisa {WALK_INS} nomor walk-in hari ini"
    wide.screenshot(path=str(where / "kiosk-walk-in-left-landscape.png"))
    page = kiosk(browser, watch, mall, PORTRAIT)
    open_agency(page, "IMIGRASI")
    assert left_text(page) == f"Sisa {WALK_INS} nomor walk-in hari ini"
    page.screenshot(path=str(where / "kiosk-walk-in-left.png"))
    for left in range(WALK_INS - 1, -1, -1):
        assert issue_b(mall).status_code == 201
        if left:
            wait_left(page, f"Sisa {left} nomor walk-in hari ini")
    # At 0: the button says so (and no figure), the server refuses a walk-in number too.
    wait_left(page, "")
    button = page.locator('.service[data-code="B"]')
    assert button.locator('[data-field="status"]').inner_text() == (
        "Nomor walk-in hari ini habis · daftar online"
    )
    refused = issue_b(mall)
    assert refused.status_code == 409
    assert refused.json()["detail"]["reason"] == "walk_in_share"
    waiting = waiting_b(mall)
    # A touch issues nothing: it says why, and where to register online.
    button.click()
    panel = page.locator("#register")
    panel.wait_for(state="visible")
    assert "habis" in page.locator("#register-why").inner_text()
    url = page.locator("#register-url").inner_text()
    assert url == f"{PUBLIC}/daftar?service=B"
    page.wait_for_function("() => document.getElementById('register-qr').naturalWidth > 0")
    qr = tmp_path / "walk-in-used-qr.png"
    page.locator("#register-qr").screenshot(path=str(qr))
    assert decode_qr(qr) == [url]
    assert page.url.startswith(f"{mall.base}/kiosk")  # no ticket page opened
    assert waiting_b(mall) == waiting
    page.mouse.click(10, 10)  # the next touch closes it
    panel.wait_for(state="hidden")
    # The landscape kiosk followed the same news.
    wait_left(wide, "")
    watch.assert_clean()


def test_an_online_only_agency_shows_the_booking_page_and_its_qr(
    browser: Browser, watch: Watch, mall: BookingMall, tmp_path: Path
) -> None:
    page = kiosk(browser, watch, mall, PORTRAIT)
    tile = page.locator('.agency[data-code="BPN"]')
    assert tile.locator('[data-field="status"]').inner_text() == "Daftar online"
    tile.click()
    panel = page.locator("#register")
    panel.wait_for(state="visible")
    url = page.locator("#register-url").inner_text()
    assert url == f"{PUBLIC}/daftar?agency=BPN"
    assert "hanya melayani pemohon yang sudah mendaftar online" in (
        page.locator("#register-why").inner_text()
    )
    page.wait_for_function("() => document.getElementById('register-qr').naturalWidth > 0")
    # Large: the address in text of at least 40 px, the code at least 300 px across.
    size = page.evaluate(
        "() => [parseFloat(getComputedStyle(document.getElementById('register-url')).fontSize),"
        " document.getElementById('register-qr').getBoundingClientRect().width,"
        " document.documentElement.scrollHeight, innerHeight]"
    )
    assert size[0] >= 40 and size[1] >= 300, size
    assert size[2] == size[3], f"the page scrolls: {size}"
    qr = tmp_path / "register-qr.png"
    page.locator("#register-qr").screenshot(path=str(qr))
    assert decode_qr(qr) == [url]
    page.screenshot(path=str(shots(tmp_path) / "kiosk-register-online.png"))
    page.mouse.click(10, 10)
    panel.wait_for(state="hidden")
    assert page.locator("#agencies").is_visible()  # still the tiles: nothing was opened
    # The address (here at the test's server) opens the booking page with the agency chosen.
    phone = watch.context(browser, viewport={"width": 390, "height": 844}).new_page()
    phone.goto(url.replace(PUBLIC, mall.base))
    phone.wait_for_selector('#agencies .choice[data-code="BPN"][aria-pressed="true"]')
    assert phone.locator('#services .choice[data-code="J"]').is_visible()
    phone.goto(f"{mall.base}/daftar?service=B")
    phone.wait_for_selector('#services .choice[data-code="B"][aria-pressed="true"]')
    assert phone.locator("#step-date").is_visible()
    watch.assert_clean()
