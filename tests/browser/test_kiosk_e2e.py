"""The kiosk as applicants meet it, in a real browser (issue 13, items 2–5).

- It fills a portrait 1080×1920 screen and a landscape 1366×768 one without scrolling, for 1 to
  16 services, every touch target at least 15 mm (MIN_TARGET_PX, docs/decisions.md).
- A full hall reads as a banner across the screen; "Inside: N of M" stays on one line.
- Each applicant starts fresh: in Indonesian after a ticket and after the idle time, and an
  error message closes by itself or at the next touch. "Too short" is said as too short.
- No button says "no wait" while no open counter serves its service.

Each test starts its own server on a fresh demo database (services/halls changed directly in its
SQLite file, with the hall's `seq` moved on so the server reads them afresh) and drives Debian's
headless Chromium (/usr/bin/chromium) through Playwright.
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import requests

from queue_app.demo import SUPERVISOR

from ..integration.live import gunicorn_server
from .conftest import Watch
from .test_screens_e2e import PRINT_STUB, connected, staff_headers, text

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

PORTRAIT = {"width": 1080, "height": 1920}
LANDSCAPE = {"width": 1366, "height": 768}
#: 15 mm on the densest usual kiosk panel, a 21.5" 1080×1920 one (~102.5 px per inch):
#: 15 / 25.4 × 102.5 = 60.5 px. (At CSS's own 96 px per inch 15 mm is 57 px.)
MIN_TARGET_PX = 61

#: Services beyond the demo's ten, for a hall of sixteen.
MORE_SERVICES = [
    ("L", "Ketenagakerjaan (Disnaker)", "Manpower office"),
    ("M", "Pendidikan (Disdik)", "Education office"),
    ("N", "Pengawasan Obat & Makanan", "Food & drug control"),
    ("P", "Kantor Pos", "Post office"),
    ("Q", "Notaris & PPAT", "Notaries"),
    ("R", "Pengaduan Masyarakat", "Public complaints"),
]


def database(tmp_path: Path) -> Path:
    return tmp_path / "browser.db"


def changed(db: Path, *statements: str) -> None:
    """Change the hall in its database and move its `seq` on, so the next page reads it."""
    with sqlite3.connect(db) as connection:
        for statement in statements:
            connection.execute(statement)
        connection.execute("UPDATE sites SET seq = seq + 1")


def keep_services(db: Path, count: int) -> None:
    """Leave the demo hall with `count` services (1 to 16), in their order."""
    with sqlite3.connect(db) as connection:
        codes = [c for (c,) in connection.execute("SELECT code FROM services ORDER BY position")]
        if count < len(codes):
            gone = ",".join(f"'{c}'" for c in codes[count:])
            connection.execute(
                "DELETE FROM counter_services WHERE service_id IN"
                f" (SELECT id FROM services WHERE code IN ({gone}))"
            )
            connection.execute(f"DELETE FROM services WHERE code IN ({gone})")
        for position, (code, name_id, name_en) in enumerate(
            MORE_SERVICES[: max(0, count - len(codes))], start=len(codes)
        ):
            connection.execute(
                "INSERT INTO services (site_id, zone_id, agency_id, code, name_id, name_en,"
                " is_open, prior_service_s, position, closes_early) VALUES (1,"
                " (SELECT min(id) FROM zones), (SELECT min(id) FROM agencies), ?, ?, ?, 1, 300,"
                " ?, 0)",
                (code, name_id, name_en, position),
            )
        connection.execute("UPDATE sites SET seq = seq + 1")
        assert connection.execute("SELECT count(*) FROM services").fetchone() == (count,)


def kiosk_page(watch: Watch, browser: Browser, viewport: dict[str, int], path: str) -> Page:
    page = watch.context(browser, viewport=viewport, has_touch=True).new_page()
    page.goto(f"{watch.base}{path}")
    connected(page)
    return page


#: What a user would see go wrong with the layout, measured in the page.
MEASURE = """(min) => {
  const doc = document.scrollingElement;
  const targets = [...document.querySelectorAll(
    '.service, .prio, .lang a, .lang span, .keypad button, #message-close')]
    .filter(e => e.offsetParent !== null);
  const outside = targets.filter(e => {
    const r = e.getBoundingClientRect();
    return r.top < 0 || r.left < 0 || r.bottom > innerHeight + 0.5 || r.right > innerWidth + 0.5;
  });
  const services = [...document.querySelectorAll('.service')];
  return {
    scroll: [doc.scrollWidth, doc.scrollHeight],
    viewport: [innerWidth, innerHeight],
    outside: outside.map(e => e.textContent.trim().slice(0, 20)),
    small: targets.map(e => [e.textContent.trim().slice(0, 20), e.getBoundingClientRect()])
      .filter(([, r]) => r.width < min || r.height < min)
      .map(([name, r]) => `${name}: ${Math.round(r.width)}×${Math.round(r.height)}`),
    clipped: services.filter(e => e.scrollHeight > e.clientHeight + 1
      || e.scrollWidth > e.clientWidth + 1).map(e => e.dataset.code),
    services: services.length,
    lowest: Math.max(...services.map(e => e.getBoundingClientRect().bottom)),
    name_px: Math.min(...services.map(
      e => parseFloat(getComputedStyle(e.querySelector('.svc-name')).fontSize))),
  };
}"""


def assert_fills_the_screen(page: Page, services: int, what: str) -> dict[str, Any]:
    m: dict[str, Any] = page.evaluate(MEASURE, MIN_TARGET_PX)
    width, height = m["viewport"]
    assert m["services"] == services, what
    assert m["scroll"] == [width, height], f"{what}: the page scrolls ({m['scroll']})"
    assert m["outside"] == [], f"{what}: off screen: {m['outside']}"
    assert m["small"] == [], f"{what}: touch targets under {MIN_TARGET_PX} px: {m['small']}"
    assert m["clipped"] == [], f"{what}: text cut off in buttons {m['clipped']}"
    # The buttons take the screen down to its foot (today's kiosk left 54% of it empty).
    assert m["lowest"] > height * 0.95, f"{what}: the buttons end at y={m['lowest']}"
    return m


def test_the_kiosk_fills_portrait_and_landscape_screens_for_1_to_16_services(
    browser: Browser, live_server: str, watch: Watch, tmp_path: Path
) -> None:
    db = database(tmp_path)
    # A hall that asks for a phone number: the number keys are touch targets too, and
    # sixteen service buttons still fit beside them.
    keep_services(db, 16)
    changed(db, "UPDATE sites SET holder_id_kind = 'phone'")
    for label, viewport in (("portrait", PORTRAIT), ("landscape", LANDSCAPE)):
        page = kiosk_page(watch, browser, viewport, "/kiosk")
        assert page.is_visible("#holder .keypad")
        assert_fills_the_screen(page, 16, f"{label}, 16 services and the keypad")
        key = page.locator('.keypad button[data-key="5"]').bounding_box()
        prio = page.locator(".prio").first.bounding_box()
        assert key is not None and prio is not None
        assert key["height"] >= prio["height"], (key, prio)
        page.context.close()

    changed(db, "UPDATE sites SET holder_id_kind = NULL")
    names: dict[tuple[str, int], float] = {}
    for count in (16, 8, 5, 2, 1):
        keep_services(db, count)
        for label, viewport in (("portrait", PORTRAIT), ("landscape", LANDSCAPE)):
            page = kiosk_page(watch, browser, viewport, "/kiosk")
            m = assert_fills_the_screen(page, count, f"{label}, {count} services")
            names[(label, count)] = m["name_px"]
            page.context.close()
    # Upright, service names are readable from a step back (today: 22 px), and fewer
    # services get larger text, not just taller buttons.
    assert min(px for (label, _), px in names.items() if label == "portrait") >= 26, names
    for label in ("portrait", "landscape"):
        assert names[(label, 1)] > names[(label, 16)] * 1.5, names
    watch.assert_clean(console=True)


def line_count(page: Page, selector: str) -> float:
    """How many lines of text the element takes."""
    return float(
        page.evaluate(
            "(sel) => { const e = document.querySelector(sel); const s = getComputedStyle(e);"
            " const line = parseFloat(s.lineHeight) || parseFloat(s.fontSize) * 1.2;"
            " return e.getBoundingClientRect().height / line; }",
            selector,
        )
    )


def test_a_full_hall_is_a_banner_across_the_kiosk_and_the_count_stays_on_one_line(
    browser: Browser, live_server: str, watch: Watch, tmp_path: Path
) -> None:
    base = live_server
    changed(database(tmp_path), "UPDATE sites SET hall_capacity = 2")
    pages = [kiosk_page(watch, browser, v, "/kiosk") for v in (PORTRAIT, LANDSCAPE)]
    for page in pages:
        assert text(page, "#hall-count") == "Di dalam: 0 dari 2"
        assert line_count(page, "#hall-count") < 1.5
        assert page.get_attribute("#hall", "data-full") == "no"

    for _ in range(2):
        issued = requests.post(f"{base}/api/v1/tickets", json={"service": "A"}, timeout=10)
        assert issued.status_code == 201, issued.text
    for page in pages:
        # Live, without a reload.
        page.wait_for_function("() => document.getElementById('hall').dataset.full === 'yes'")
        assert page.viewport_size is not None
        width, height = page.viewport_size["width"], page.viewport_size["height"]
        banner = page.locator("#hall").bounding_box()
        message = page.locator("#hall-text").bounding_box()
        assert banner is not None and message is not None
        assert text(page, "#hall-text").startswith("Aula penuh: Anda menunggu di luar")
        assert banner["x"] == 0 and banner["width"] >= width - 1, banner
        # Read as a line, not a column with one word per line.
        assert message["width"] >= width * 0.5, message
        assert line_count(page, "#hall-text") <= 2.5
        assert text(page, "#hall-count") == "Di dalam: 2 dari 2"
        assert line_count(page, "#hall-count") < 1.5
        # The loudest text on screen: larger than every service name.
        sizes = page.evaluate(
            "() => [parseFloat(getComputedStyle(document.getElementById('hall-text')).fontSize),"
            " Math.max(...[...document.querySelectorAll('.svc-name')].map("
            "e => parseFloat(getComputedStyle(e).fontSize)))]"
        )
        assert sizes[0] >= sizes[1], sizes
        assert page.evaluate(MEASURE, MIN_TARGET_PX)["scroll"] == [width, height]
    watch.assert_clean(console=True)


def test_after_a_ticket_the_kiosk_is_back_in_indonesian(
    browser: Browser, live_server: str, watch: Watch
) -> None:
    base = live_server
    context = watch.context(browser, viewport=PORTRAIT, has_touch=True)
    context.add_init_script(PRINT_STUB)
    page = context.new_page()
    page.goto(f"{base}/kiosk?lang=en")
    connected(page)
    assert text(page, "h1") == "Take a queue number"
    page.click('.prio[data-priority="elderly"]')
    with page.expect_response(
        lambda r: r.url.startswith(f"{base}/api/v1/tickets") and r.request.method == "POST"
    ) as issued:
        page.click('.service[data-code="A"]')
    assert issued.value.status == 201
    # The slip is in the applicant's English ...
    page.wait_for_url(re.compile(re.escape(f"{base}/kiosk/ticket/")))
    assert page.get_attribute("html", "lang") == "en"
    assert "Your queue number" in page.inner_text("#slip")
    # ... and the kiosk comes back in Indonesian for the next person, with no priority chosen.
    page.wait_for_url(re.compile(re.escape(f"{base}/kiosk?")))
    connected(page)
    assert page.get_attribute("html", "lang") == "id"
    assert text(page, "h1") == "Ambil nomor antrean"
    assert page.locator('.prio[aria-pressed="true"]').count() == 0
    # It stays Indonesian on the next page load too (the choice is not kept for the next one).
    page.reload()
    assert text(page, "h1") == "Ambil nomor antrean"
    watch.assert_clean(console=True)


@pytest.fixture
def quick_idle_server(browser_tools: None, tmp_path: Path) -> Iterator[str]:
    """A demo hall whose kiosks start afresh after 3 s untouched (KIOSK_IDLE_S)."""
    with gunicorn_server(
        f"sqlite:///{database(tmp_path)}", extra_env={"KIOSK_IDLE_S": "3"}, killed_after=True
    ) as base:
        yield base


def test_an_idle_kiosk_goes_back_to_indonesian_and_forgets_the_last_choice(
    browser: Browser, quick_idle_server: str
) -> None:
    watch = Watch(quick_idle_server)
    try:
        page = kiosk_page(watch, browser, LANDSCAPE, "/kiosk?lang=en")
        assert page.get_attribute("#kiosk", "data-idle-s") == "3.0"
        page.click('.prio[data-priority="pregnant"]')
        touched = time.monotonic()
        assert page.get_attribute('.prio[data-priority="pregnant"]', "aria-pressed") == "true"
        assert text(page, "h1") == "Take a queue number"
        page.wait_for_function(
            "() => document.documentElement.lang === 'id'"
            " && document.querySelector('h1').textContent === 'Ambil nomor antrean'",
            timeout=20_000,
        )
        # Only once the kiosk had been left alone for its idle time (3 s from the touch; the
        # margin is the time the click took to come back to this test).
        assert time.monotonic() - touched >= 2.0
        connected(page)
        assert page.locator('.prio[aria-pressed="true"]').count() == 0
        watch.assert_clean(console=True)
    finally:
        for context in watch.contexts:
            context.close()


def test_an_error_message_closes_by_itself_or_at_the_next_touch(
    browser: Browser, live_server: str, watch: Watch, tmp_path: Path
) -> None:
    changed(database(tmp_path), "UPDATE sites SET holder_id_kind = 'phone'")
    posts: list[str] = []
    page = kiosk_page(watch, browser, PORTRAIT, "/kiosk")
    # The page's timers run on the test's clock from here: "about 10 s" is measured on it,
    # whatever the machine's load, and without waiting it out.
    page.clock.install()
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    for key in "0812":
        page.click(f'.keypad button[data-key="{key}"]')
    page.click('.service[data-code="A"]')
    assert page.is_visible("#message")
    assert text(page, "#message-text").startswith("Nomor ini terlalu pendek")
    ok = page.locator("#message-close").bounding_box()
    assert ok is not None and min(ok["width"], ok["height"]) >= MIN_TARGET_PX, ok
    # "After about 10 s": not at once, and not left up for the next person.
    page.clock.run_for(8_000)
    assert page.is_visible("#message")
    page.clock.run_for(4_000)
    page.wait_for_selector("#message", state="hidden", timeout=5_000)
    assert posts == [], "a number known to be too short was sent"

    # Shown again, a touch anywhere closes it, and that touch takes no ticket.
    page.click('.service[data-code="B"]')
    assert page.is_visible("#message")
    page.mouse.click(540, 1700)  # over where the last service buttons are
    assert page.is_hidden("#message")
    assert posts == []

    # In English it says so too.
    english = kiosk_page(watch, browser, PORTRAIT, "/kiosk?lang=en")
    for key in "08123":
        english.click(f'.keypad button[data-key="{key}"]')
    english.click('.service[data-code="A"]')
    assert text(english, "#message-text").startswith("This number is too short")
    watch.assert_clean(console=True)


def wait_text_of(page: Page, code: str) -> str:
    return text(page, f'.service[data-code="{code}"] [data-field="wait"]')


def wait_until_it_says(page: Page, code: str, words: str) -> None:
    """Wait until service `code`'s button says `words` of its wait."""
    page.wait_for_function(
        "([code, words]) => document.querySelector("
        '`.service[data-code="${code}"] [data-field=wait]`).textContent === words',
        arg=[code, words],
    )


def test_no_button_says_no_wait_while_no_counter_serves_its_service(
    browser: Browser, live_server: str, watch: Watch
) -> None:
    base = live_server
    page = kiosk_page(watch, browser, LANDSCAPE, "/kiosk")
    # The demo hall opens with every counter closed.
    assert {wait_text_of(page, c) for c in "ABCDK"} == {"belum ada loket yang buka"}
    staff = staff_headers(base, "petugas01")  # counter 1 serves A first, then B
    opened = requests.post(f"{base}/api/v1/counters/1/open", headers=staff, timeout=10)
    assert opened.status_code == 200, opened.text
    wait_until_it_says(page, "A", "tanpa antre")
    assert wait_text_of(page, "K") == "belum ada loket yang buka"
    # A page loaded now knows it too, before any news.
    fresh = kiosk_page(watch, browser, LANDSCAPE, "/kiosk")
    assert wait_text_of(fresh, "A") == "tanpa antre"
    assert wait_text_of(fresh, "K") == "belum ada loket yang buka"
    closed = requests.post(f"{base}/api/v1/counters/1/close", headers=staff, timeout=10)
    assert closed.status_code == 200, closed.text
    for shown in (page, fresh):
        wait_until_it_says(shown, "A", "belum ada loket yang buka")
    watch.assert_clean(console=True)


#: Eight documents with notes, the most the step is laid out for (beyond the demo's five).
EIGHT_DOCUMENTS = [
    ("KTP elektronik asli", "Original electronic ID card", "dan fotokopi 2 lembar"),
    ("Kartu Keluarga asli", "Original family card", "dan fotokopi"),
    ("Akta kelahiran atau ijazah terakhir", "Birth certificate or last diploma", "asli"),
    ("Pas foto 4×6 latar merah", "Photos 4×6, red background", "6 lembar"),
    ("Surat pengantar kelurahan", "Cover letter from the village office", ""),
    ("Buku nikah", "Marriage book", "bagi yang sudah menikah"),
    ("Kartu sidik jari", "Fingerprint card", "dari Polres"),
    ("Bukti pendaftaran online", "Online registration receipt", ""),
]


def set_documents(db: Path, code: str, documents: list[tuple[str, str, str]]) -> None:
    """Give service `code` these documents (in order) instead of its own."""
    with sqlite3.connect(db) as connection:
        (service_id,) = connection.execute(
            "SELECT id FROM services WHERE code = ?", (code,)
        ).fetchone()
        connection.execute("DELETE FROM service_requirements WHERE service_id = ?", (service_id,))
        connection.executemany(
            "INSERT INTO service_requirements (service_id, position, name_id, name_en, note)"
            " VALUES (?, ?, ?, ?, ?)",
            [(service_id, i, *doc) for i, doc in enumerate(documents)],
        )
    changed(db)


def supervisor_headers(base: str) -> dict[str, str]:
    username, password = SUPERVISOR
    response = requests.post(
        f"{base}/api/v1/auth/token", json={"username": username, "password": password}, timeout=10
    )
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def report_of_today(base: str) -> dict[str, Any]:
    today = requests.get(f"{base}/api/v1/board", timeout=10).json()["service_day"]
    answer = requests.get(
        f"{base}/api/v1/reports/daily",
        params={"date": today},
        headers=supervisor_headers(base),
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def test_a_service_with_requirements_asks_for_the_documents_before_issuing(
    browser: Browser, live_server: str, watch: Watch
) -> None:
    base = live_server
    context = watch.context(browser, viewport=PORTRAIT, has_touch=True)
    context.add_init_script(PRINT_STUB)
    page = context.new_page()
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.goto(f"{base}/kiosk")
    connected(page)

    # A service that asks for nothing issues at the touch (demo: A); Paspor (B) asks first.
    page.click('.service[data-code="B"]')
    assert page.is_visible("#requirements")
    assert text(page, "#req-title") == "Sudah membawa semua dokumen ini?"
    items = page.locator("#req-list li")
    assert items.count() == 5
    assert items.nth(0).inner_text().startswith("KTP elektronik asli")
    assert "asli, salah satu" in items.nth(2).inner_text()
    assert text(page, "#req-yes") == "Ya, ambil nomor" and text(page, "#req-no") == "Belum"
    assert posts == [], "a number was asked for before the answer"

    # "Belum": nothing is issued, it is counted, and the kiosk starts over.
    with page.expect_response(lambda r: "/not-ready" in r.url) as saved:
        page.click("#req-no")
    assert saved.value.status == 201
    assert page.is_hidden("#requirements")
    assert text(page, "#message-text").startswith("Tidak ada nomor yang diambil")
    page.mouse.click(540, 960)  # a touch closes the message
    assert page.is_hidden("#message")
    assert not [url for url in posts if url.startswith(f"{base}/api/v1/tickets")]
    b = next(
        s for s in requests.get(f"{base}/api/v1/services", timeout=10).json() if s["code"] == "B"
    )
    assert b["waiting"] == 0
    report = report_of_today(base)
    assert next(s for s in report["services"] if s["code"] == "B")["visits_saved"] == 1
    assert report["totals"]["issued"] == 0

    # "Ya, ambil nomor": the ticket is issued and printed as before.
    page.click('.service[data-code="B"]')
    with page.expect_response(
        lambda r: r.url.startswith(f"{base}/api/v1/tickets") and r.request.method == "POST"
    ) as issued:
        page.click("#req-yes")
    assert issued.value.status == 201
    page.wait_for_url(re.compile(re.escape(f"{base}/kiosk/ticket/")))
    slip = page.inner_text("#slip")
    assert "Bawa:" in slip and "Paspor lama" in slip
    watch.assert_clean(console=True)


def test_not_yet_in_english_returns_to_indonesian_for_the_next_person(
    browser: Browser, live_server: str, watch: Watch
) -> None:
    page = kiosk_page(watch, browser, LANDSCAPE, "/kiosk?lang=en")
    page.click('.prio[data-priority="pregnant"]')
    page.click('.service[data-code="H"]')
    assert text(page, "#req-title") == "Do you have all these documents with you?"
    # The documents in the applicant's language.
    assert (
        page.locator("#req-list li")
        .nth(3)
        .inner_text()
        .startswith("Passport photos 4×6, red background")
    )
    page.click("#req-no")
    assert text(page, "#message-text").startswith("No number was taken")
    page.click("#message-close")
    page.wait_for_url(re.compile(r"/kiosk\?.*lang=id"))
    connected(page)
    assert text(page, "h1") == "Ambil nomor antrean"
    assert page.locator('.prio[aria-pressed="true"]').count() == 0
    watch.assert_clean(console=True)


#: The requirements step as a user would see it go wrong: scrolling, or something off screen
#: or cut off, or buttons too small.
MEASURE_STEP = """(min) => {
  const doc = document.scrollingElement;
  const box = document.querySelector('.req-box');
  const parts = [...document.querySelectorAll('#req-list li, #req-yes, #req-no, #req-title')];
  const outside = parts.filter(e => {
    const r = e.getBoundingClientRect();
    return r.top < 0 || r.left < 0 || r.bottom > innerHeight + 0.5 || r.right > innerWidth + 0.5;
  });
  const buttons = [...document.querySelectorAll('#req-yes, #req-no')]
    .map(e => e.getBoundingClientRect());
  return {
    scroll: [doc.scrollWidth, doc.scrollHeight],
    viewport: [innerWidth, innerHeight],
    outside: outside.map(e => e.textContent.trim().slice(0, 20)),
    clipped: box.scrollHeight > box.clientHeight + 1,
    small: buttons.filter(r => r.width < min || r.height < min).length,
    item_px: parseFloat(getComputedStyle(document.querySelector('#req-list li')).fontSize),
  };
}"""


def test_the_requirements_step_fits_portrait_and_landscape_in_large_text(
    browser: Browser, live_server: str, watch: Watch, tmp_path: Path
) -> None:
    db = database(tmp_path)
    set_documents(db, "B", EIGHT_DOCUMENTS)
    sizes: dict[tuple[str, int], float] = {}
    for count in (8, 2):
        set_documents(db, "B", EIGHT_DOCUMENTS[:count])
        for label, viewport in (("portrait", PORTRAIT), ("landscape", LANDSCAPE)):
            page = kiosk_page(watch, browser, viewport, "/kiosk")
            page.click('.service[data-code="B"]')
            assert page.locator("#req-list li").count() == count
            m = page.evaluate(MEASURE_STEP, MIN_TARGET_PX)
            what = f"{label}, {count} documents"
            assert m["scroll"] == m["viewport"], f"{what}: the page scrolls ({m})"
            assert m["outside"] == [], f"{what}: off screen: {m['outside']}"
            assert not m["clipped"], f"{what}: the list is cut off"
            assert m["small"] == 0, f"{what}: buttons under {MIN_TARGET_PX} px"
            sizes[(label, count)] = m["item_px"]
            page.context.close()
    # Large text: readable from a step back even with eight documents, larger with fewer.
    assert min(sizes.values()) >= 24, sizes
    for label in ("portrait", "landscape"):
        assert sizes[(label, 2)] >= sizes[(label, 8)], sizes
    watch.assert_clean(console=True)


@pytest.fixture
def quick_idle_requirements(browser_tools: None, tmp_path: Path) -> Iterator[str]:
    with gunicorn_server(
        f"sqlite:///{database(tmp_path)}", extra_env={"KIOSK_IDLE_S": "3"}, killed_after=True
    ) as base:
        yield base


def test_a_requirements_step_left_alone_goes_back_to_the_start(
    browser: Browser, quick_idle_requirements: str
) -> None:
    watch = Watch(quick_idle_requirements)
    try:
        page = kiosk_page(watch, browser, PORTRAIT, "/kiosk?lang=en")
        posts: list[str] = []
        page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
        page.click('.service[data-code="B"]')
        assert page.is_visible("#requirements")
        page.wait_for_function(
            "() => document.documentElement.lang === 'id'"
            " && document.getElementById('requirements').hidden",
            timeout=20_000,
        )
        assert posts == []  # walking away is neither a ticket nor a visit saved
        watch.assert_clean(console=True)
    finally:
        for context in watch.contexts:
            context.close()


# -- the mall: agencies first (issue 15) ---------------------------------------------------------

AGENCY_NAMES = [
    ("POLDA", "Polda Metro Jaya (SIM & STNK)", "Jakarta Regional Police (licences)", "#1f3a93"),
    ("IMI", "Kantor Imigrasi", "Immigration Office", "#c0392b"),
    ("ONL", "BPJS Kesehatan", "BPJS Health Insurance", "#16a085"),
    ("BPRD", "Badan Pendapatan Daerah", "Regional Revenue Agency", "#8e44ad"),
    ("BDKI", "Bank DKI", "Bank DKI", "#d35400"),
    ("PLN", "PLN (Listrik)", "PLN (electricity)", "#2c3e50"),
    ("TK", "BPJS Ketenagakerjaan", "BPJS Employment", "#27ae60"),
    ("DJP", "Direktorat Jenderal Pajak", "Directorate General of Taxes", "#7f8c8d"),
    ("DKK", "Dinas Kependudukan dan Catatan Sipil", "Population and Civil Registry", "#b7950b"),
    ("KUA", "Kantor Urusan Agama", "Religious Affairs Office", "#6c3483"),
    ("PTSP", "Pelayanan Terpadu Satu Pintu", "One-Stop Integrated Services", "#1a5276"),
    ("BPN", "Badan Pertanahan Nasional", "National Land Agency", "#784212"),
]


def make_mall(db: Path, count: int) -> None:
    """Give the hall's services (in order, round robin) to `count` agencies of AGENCY_NAMES;
    the third (ONL) takes no walk-ins. Services A and B go to the first agency, the others
    to the rest in turn."""
    with sqlite3.connect(db) as connection:
        ids = []
        for position, (code, name_id, name_en, colour) in enumerate(AGENCY_NAMES[:count]):
            cursor = connection.execute(
                "INSERT INTO agencies (site_id, code, name_id, name_en, colour, walk_in,"
                " daily_cap, position) VALUES (1, ?, ?, ?, ?, ?, NULL, ?)",
                (code, name_id, name_en, colour, 0 if code == "ONL" else 1, position + 1),
            )
            ids.append(cursor.lastrowid)
        services = [i for (i,) in connection.execute("SELECT id FROM services ORDER BY position")]
        for n, service in enumerate(services):
            agency = ids[0] if n < 2 else ids[(n - 2) % (count - 1) + 1]
            connection.execute("UPDATE services SET agency_id = ? WHERE id = ?", (agency, service))
        connection.execute("UPDATE sites SET seq = seq + 1")


TILES = """(min) => {
  const doc = document.scrollingElement;
  const tiles = [...document.querySelectorAll('.agency')].filter(e => e.offsetParent !== null);
  return {
    scroll: [doc.scrollWidth, doc.scrollHeight],
    viewport: [innerWidth, innerHeight],
    tiles: tiles.length,
    small: tiles.filter(e => { const r = e.getBoundingClientRect();
      return r.width < min || r.height < min; }).map(e => e.dataset.code),
    clipped: tiles.filter(e => e.scrollHeight > e.clientHeight + 1
      || e.scrollWidth > e.clientWidth + 1).map(e => e.dataset.code),
    lowest: Math.max(...tiles.map(e => e.getBoundingClientRect().bottom)),
  };
}"""


def test_agency_tiles_fill_portrait_and_landscape_screens_for_2_to_12_agencies(
    browser: Browser, live_server: str, watch: Watch, tmp_path: Path
) -> None:
    db = database(tmp_path)
    keep_services(db, 16)
    # Screenshots to look at (not kept): KIOSK_SHOTS=<dir>, else the test's own directory.
    shots = Path(os.environ.get("KIOSK_SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    for count in (2, 5, 12):
        # Each round starts from the migrated hall's one agency again.
        with sqlite3.connect(db) as connection:
            home = connection.execute("SELECT min(id) FROM agencies").fetchone()[0]
            connection.execute("UPDATE services SET agency_id = ?", (home,))
            connection.execute("DELETE FROM agencies WHERE id != ?", (home,))
        make_mall(db, count)
        for label, viewport in (("portrait", PORTRAIT), ("landscape", LANDSCAPE)):
            page = kiosk_page(watch, browser, viewport, "/kiosk")
            m: dict[str, Any] = page.evaluate(TILES, MIN_TARGET_PX)
            width, height = m["viewport"]
            what = f"{label}, {count} agencies"
            assert m["tiles"] == count, what
            assert m["scroll"] == [width, height], f"{what}: the page scrolls"
            assert m["small"] == [], f"{what}: tiles under {MIN_TARGET_PX} px: {m['small']}"
            assert m["clipped"] == [], f"{what}: text cut off in tiles {m['clipped']}"
            assert m["lowest"] > height * 0.95, f"{what}: the tiles end at y={m['lowest']}"
            if count == 12:
                page.screenshot(path=str(shots / f"kiosk-agencies-{label}.png"))
                page.click(f'.agency[data-code="{AGENCY_NAMES[0][0]}"]')
                assert page.is_visible("#back")
                assert_fills_the_screen(page, 2, f"{what}: one agency's services")
                page.screenshot(path=str(shots / f"kiosk-agency-services-{label}.png"))
            page.context.close()
    watch.assert_clean(console=True)


def test_an_agency_tile_opens_its_services_and_a_no_walk_in_tile_issues_nothing(
    browser: Browser, live_server: str, watch: Watch, tmp_path: Path
) -> None:
    base = live_server
    make_mall(database(tmp_path), 3)
    context = watch.context(browser, viewport=PORTRAIT, has_touch=True)
    context.add_init_script(PRINT_STUB)
    page = context.new_page()
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.goto(f"{base}/kiosk")
    connected(page)
    assert page.locator(".agency").count() == 3
    assert page.locator(".service").count() == 0

    # The agency that takes no walk-ins says so on its tile, and a touch issues nothing: it
    # shows where to register online (tests/browser/test_kiosk_online_e2e.py).
    assert text(page, '.agency[data-code="ONL"] .tile-status') == "Daftar online"
    page.click('.agency[data-code="ONL"]')
    page.wait_for_selector("#register", state="visible")
    assert text(page, "#register-url").endswith("/daftar?agency=ONL")
    assert page.locator(".service").count() == 0
    page.click("#register")
    page.wait_for_selector("#register", state="hidden")
    assert posts == []

    # An agency opens into its own services, with a way back.
    page.click('.agency[data-code="POLDA"]')
    assert sorted(page.eval_on_selector_all(".service", "b => b.map(e => e.dataset.code)")) == [
        "A",
        "B",
    ]
    assert text(page, "#agency-chosen") == "Polda Metro Jaya (SIM & STNK)"
    page.click("#back")
    assert page.is_visible("#agencies") and page.locator(".service").count() == 0

    page.click('.agency[data-code="POLDA"]')
    with page.expect_response(
        lambda r: r.url.startswith(f"{base}/api/v1/tickets") and r.request.method == "POST"
    ) as issued:
        page.click('.service[data-code="A"]')
    assert issued.value.status == 201
    page.wait_for_url(re.compile(re.escape(f"{base}/kiosk/ticket/")))
    # Back at the kiosk, the next person meets the tiles.
    page.wait_for_url(re.compile(re.escape(f"{base}/kiosk?")))
    connected(page)
    assert page.is_visible("#agencies") and page.locator(".service").count() == 0
    agencies = requests.get(f"{base}/api/v1/agencies", timeout=10).json()
    assert {a["code"]: a["issued_today"] for a in agencies}["ONL"] == 0
    watch.assert_clean(console=True)
