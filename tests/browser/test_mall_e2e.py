"""The demo mall `make run` serves (issue 15), in a real browser: agencies first at the kiosk,
Bank DKI full after its 50 numbers of the day (live on an open kiosk, and the refusal in words
when its last number went meanwhile), the land office sending applicants to register online, a
kiosk going back to the tiles when left alone, the slip and the phone naming the floor and
room, and a floor's board and kiosk showing that floor only.

The server is gunicorn's gevent worker on a fresh `flask seed-demo` database (the mall, not
the one-hall demo the other browser tests use), driven through Debian's headless Chromium.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
import requests

from queue_app.demo import SUPERVISOR

from ..integration.live import gunicorn_server
from .board_hall import HallApi
from .conftest import Watch
from .test_kiosk_e2e import PORTRAIT
from .test_screens_e2e import PRINT_STUB, connected, text

if TYPE_CHECKING:
    from pathlib import Path

    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

#: The kiosk goes back to its first state after this long untouched (KIOSK_IDLE_S).
IDLE_S = 3
BANK_CAP = 50  # queue_app/demo.py: Bank DKI's daily cap


@pytest.fixture
def mall(browser_tools: None, tmp_path: Path) -> Iterator[str]:
    with gunicorn_server(
        f"sqlite:///{tmp_path / 'mall.db'}",
        {"KIOSK_IDLE_S": str(IDLE_S)},
        mall=True,
        killed_after=True,
    ) as base:
        yield base


@pytest.fixture
def watch(mall: str) -> Iterator[Watch]:
    """The pages of a test, watched against the mall's server (not the one-hall one)."""
    watcher = Watch(mall)
    yield watcher
    for context in watcher.contexts:
        context.close()


def kiosk(watch: Watch, browser: Browser, url: str) -> Page:
    context = watch.context(browser, viewport=PORTRAIT, has_touch=True)
    context.add_init_script(PRINT_STUB)
    page = context.new_page()
    page.goto(url)
    connected(page)
    return page


def tile_status(page: Page, code: str) -> str:
    return text(page, f'.agency[data-code="{code}"] .tile-status')


def test_the_demo_mall_kiosk_opens_on_its_agencies_and_keeps_their_limits(
    browser: Browser, mall: str, watch: Watch
) -> None:
    base = mall
    hall = HallApi(base)
    page = kiosk(watch, browser, f"{base}/kiosk")
    codes = page.eval_on_selector_all(".agency", "t => t.map(e => e.dataset.code)")
    assert codes == [
        "DUKCAPIL",
        "IMIGRASI",
        "POLDA",
        "BPJSKES",
        "BPJSTK",
        "DJP",
        "DPMPTSP",
        "BPN",
        "BANKDKI",
    ]
    assert page.locator(".service:visible").count() == 0
    assert tile_status(page, "BPN") == "Daftar online"
    assert tile_status(page, "IMIGRASI") == ""
    page.click('.agency[data-code="BPN"]')  # where to register online (issue 16)
    page.wait_for_selector("#register", state="visible")
    assert text(page, "#register-url").endswith("/daftar?agency=BPN")
    page.click("#register")
    page.wait_for_selector("#register", state="hidden")
    assert page.locator(".service:visible").count() == 0
    assert tile_status(page, "BANKDKI") == ""

    # Left alone inside an agency, the kiosk goes back to the tiles for the next person.
    page.click('.agency[data-code="POLDA"]')
    shown = page.eval_on_selector_all(".service:visible", "b => b.map(e => e.dataset.code)")
    assert sorted(shown) == ["C", "H"]
    page.wait_for_selector("#agencies", state="visible", timeout=(IDLE_S + 5) * 1000)
    assert page.locator(".service:visible").count() == 0

    # Bank DKI gives 50 numbers a day. With 49 gone, an applicant opens its services ...
    for _ in range(BANK_CAP - 1):
        hall.issue("K")
    page.click('.agency[data-code="BANKDKI"]')
    page.wait_for_selector('.service[data-code="K"]', state="visible")
    # ... while someone at another kiosk takes the 50th: this kiosk's touch is refused in
    # words, and it is back on the tiles, which say so.
    hall.issue("K")
    with page.expect_response(
        lambda r: r.url.startswith(f"{base}/api/v1/tickets") and r.request.method == "POST"
    ) as refused:
        page.click('.service[data-code="K"]')
    assert refused.value.status == 409
    assert refused.value.json()["error"] == "agency_cap_reached"
    page.wait_for_selector("#message", state="visible")
    assert "untuk hari ini sudah habis" in text(page, "#message-text")
    assert page.is_visible("#agencies")
    page.wait_for_function(
        """() => document.querySelector('.agency[data-code="BANKDKI"] .tile-status')
                   .textContent.trim() === 'Penuh untuk hari ini'"""
    )
    # A kiosk opened afresh shows it from the start.
    fresh = kiosk(watch, browser, f"{base}/kiosk")
    assert tile_status(fresh, "BANKDKI") == "Penuh untuk hari ini"
    agencies = {a["code"]: a for a in requests.get(f"{base}/api/v1/agencies", timeout=10).json()}
    assert agencies["BANKDKI"]["issued_today"] == BANK_CAP
    assert agencies["BPN"]["issued_today"] == 0
    # Chromium logs the refused request (409) as a console error; nothing else may be there.
    assert [e for e in watch.console_errors if "status of 409" not in e] == []
    watch.assert_clean()


def test_a_ticket_of_the_mall_names_its_floor_and_a_floor_shows_its_own_calls(
    browser: Browser, mall: str, watch: Watch
) -> None:
    base = mall
    hall = HallApi(base)
    zones = hall.zones()
    first, third = zones["Ruang Samsat & Perbankan"], zones["Ruang Layanan Instansi"]
    floor1 = watch.context(browser, viewport={"width": 1920, "height": 1080}).new_page()
    floor1.goto(f"{base}/display?zone={first}")
    floor3 = watch.context(browser, viewport={"width": 1920, "height": 1080}).new_page()
    floor3.goto(f"{base}/display?zone={third}")
    door = watch.context(browser, viewport={"width": 1920, "height": 1080}).new_page()
    door.goto(f"{base}/display?entrance=1")
    for board in (floor1, floor3, door):
        connected(board)
    # Each board names its floor and room; the door's lines too, floor by floor.
    assert text(floor1, "#adm-title") == "Lantai 1, Ruang Samsat & Perbankan — silakan masuk:"
    lines = door.locator("#zones .ez-name").all_inner_texts()
    assert lines == [
        "Lantai 1, Ruang Samsat & Perbankan",
        "Lantai 2, Ruang Konsultasi",
        "Lantai 3, Ruang Layanan Instansi",
    ]

    # The first floor's own kiosk offers its services only, and counts its room: 40 places.
    page = kiosk(watch, browser, f"{base}/kiosk?zone={first}")
    assert page.eval_on_selector_all(".agency", "t => t.map(e => e.dataset.code)") == [
        "POLDA",
        "BANKDKI",
    ]
    assert re.search(r"\b0\b.*\b40\b", text(page, "#hall-count")), text(page, "#hall-count")
    assert text(page, "#kiosk-zone") == "Lantai 1, Ruang Samsat & Perbankan"
    page.click('.agency[data-code="POLDA"]')
    page.click('.service[data-code="C"]')
    page.click("#req-yes")  # vehicle tax lists the documents to bring first
    page.wait_for_url(re.compile(re.escape(f"{base}/kiosk/ticket/")))
    assert text(page, "#zone") == "Lantai 1, Ruang Samsat & Perbankan"
    token = page.url.split("/kiosk/ticket/")[1].split("?")[0]
    phone = watch.context(browser, viewport={"width": 390, "height": 844}).new_page()
    phone.goto(f"{base}/t/{token}")
    assert text(phone, "#zone") == "Lantai 1, Ruang Samsat & Perbankan"
    # Back at that floor's kiosk, one is inside its room now.
    page.wait_for_url(re.compile(re.escape(f"{base}/kiosk?")))
    connected(page)
    assert re.search(r"\b1\b.*\b40\b", text(page, "#hall-count")), text(page, "#hall-count")
    # ... and it follows its room live: another applicant of the floor, and one of floor 3
    # (not counted here).
    hall.issue("A")
    hall.issue("H")
    page.wait_for_function(
        "() => /\\b2\\b.*\\b40\\b/.test(document.getElementById('hall-count').textContent)"
    )

    # Counter 9 stands on the first floor (counters 9-12 serve vehicle tax first).
    hall.post("/counters/9/open", counter=9)
    called = hall.call(9)
    code = called["code"]
    assert code.startswith("C")
    floor1.wait_for_function(
        "code => window.LoketBoard.announced.some(r => r.code === code)", arg=code
    )
    assert floor1.inner_text("#now-code") == code
    time.sleep(1)  # the third floor's board would have heard it by now
    assert floor3.evaluate("() => window.LoketBoard.announced") == []
    assert code not in floor3.inner_text("body")
    watch.assert_clean(console=True)


def test_the_overview_of_the_mall_groups_services_and_counters_by_floor(
    browser: Browser, mall: str, watch: Watch
) -> None:
    base = mall
    HallApi(base).issue("C")
    page = watch.context(browser, viewport={"width": 1440, "height": 1000}).new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=username]", SUPERVISOR[0])
    page.fill("input[name=password]", SUPERVISOR[1])
    page.click("button[type=submit]")
    page.goto(f"{base}/admin/overview")
    page.wait_for_selector("#ov-counters .ov-zone-head")
    groups: dict[str, list[str]] = page.evaluate(
        """() => {
          const out = {}; let head = null;
          for (const li of document.querySelectorAll('#ov-counters > li')) {
            if (li.classList.contains('ov-zone-head')) { head = li.textContent; out[head] = []; }
            else out[head].push(li.querySelector('.ov-num').textContent);
          }
          return out;
        }"""
    )
    assert list(groups) == [
        "Lantai 1, Ruang Samsat & Perbankan · 1 / 40",
        "Lantai 2, Ruang Konsultasi · 0 / 30",
        "Lantai 3, Ruang Layanan Instansi · 0 / 80",
    ]
    first = groups["Lantai 1, Ruang Samsat & Perbankan · 1 / 40"]
    assert first == ["9", "10", "11", "12", "25", "26", "27", "30", "31"]
    assert sum(len(numbers) for numbers in groups.values()) == 31
    services = page.evaluate(
        """() => [...document.querySelectorAll('#ov-services tr')].map(r =>
              r.classList.contains('ov-zone') ? '#' + r.textContent
                                              : r.querySelector('b').textContent)"""
    )
    assert services[:4] == ["#Lantai 1, Ruang Samsat & Perbankan · 1 / 40", "C", "H", "K"]
    watch.assert_clean(console=True)
