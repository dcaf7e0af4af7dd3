"""The booking desk (issue 16, item 8) in a real browser against the real server: a clerk
signs in, looks a booking up by its code (typed in lower case) and by the holder's NIK and
day, checks it in for someone and sees the ticket's number, with its slip to print; another
desk that still shows it as booked is told it was checked in already, with its ticket; a
booking of a later session is told when to come back (the hall's time); a malformed NIK or
code is refused in the page's words, changes nothing and takes the last search's bookings off
the page. The page fits a 1366×768 desk PC."""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest

from .booking_live import NIKS, BookingMall, booking_mall
from .conftest import Watch
from .test_admin_e2e import sign_in
from .test_screens_e2e import PRINT_STUB

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page, Route

pytestmark = pytest.mark.browser

JAKARTA = ZoneInfo("Asia/Jakarta")
DESK_PC = {"width": 1366, "height": 768}
CLERKS = [("petugas01", "petugas-loket"), ("petugas02", "petugas-loket")]


@pytest.fixture
def mall(browser_tools: None, tmp_path: Path) -> Iterator[BookingMall]:
    with booking_mall(f"sqlite:///{tmp_path / 'desk.db'}", checkins=2) as served:
        yield served


def shots(tmp_path: Path) -> Path:
    """$LOKET_SHOTS_DIR (to look at the screenshots), else the test's temporary directory."""
    where = Path(os.environ.get("LOKET_SHOTS_DIR") or tmp_path)
    where.mkdir(parents=True, exist_ok=True)
    return where


def desk(browser: Browser, watch: Watch, mall: BookingMall, clerk: tuple[str, str]) -> Page:
    """A clerk's desk PC, signed in through the form and sent on to the desk."""
    context = watch.context(browser, viewport=DESK_PC)
    context.add_init_script(PRINT_STUB)
    page = context.new_page()
    sign_in(page, mall.base, clerk, "/desk/bookings")
    return page


def find_code(page: Page, code: str) -> Locator:
    """Look `code` up; its row once listed."""
    page.fill("#code", code)
    page.click("#by-code button[type=submit]")
    row = page.locator(f"#desk-list li[data-code='{code.upper()}']")
    row.wait_for()
    return row


def fits(page: Page) -> None:
    """Nothing wider or taller than the desk PC's screen."""
    width, height = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
    )
    assert width <= DESK_PC["width"] and height <= DESK_PC["height"], (width, height)


def test_a_clerk_finds_a_booking_by_code_and_by_nik_and_checks_it_in(
    browser: Browser, mall: BookingMall, tmp_path: Path
) -> None:
    watch = Watch(mall.base)
    page = desk(browser, watch, mall, CLERKS[0])
    other = desk(browser, watch, mall, CLERKS[1])
    first, second = mall.now
    assert page.inner_text("h1") == "Meja pendaftaran online"
    # By its code, typed in lower case as read over the phone.
    row = find_code(page, first.code.lower())
    assert "Imigrasi" in row.inner_text() and "Dipesan" in row.inner_text()
    starts = first.starts_at.astimezone(JAKARTA).strftime("%H.%M")
    assert f"Sesi {starts}–" in row.inner_text()
    # By the holder's NIK and today (the day the page starts on): the second booking.
    page.fill("#holder", NIKS[1])
    page.click("#by-holder button[type=submit]")
    page.locator(f"#desk-list li[data-code='{second.code}']").wait_for()
    assert page.locator("#desk-list li").count() == 1
    # Another desk has the first booking on screen, still booked.
    stale = find_code(other, first.code)
    # Checked in here: the ticket's number, large, and its slip to print.
    row = find_code(page, first.code)
    row.locator("button.desk-check-in").click()
    number = page.locator("#issued-code")
    number.wait_for()
    issued = number.inner_text()
    assert re.fullmatch(r"B-\d{3}", issued), issued
    assert mall.state_of(first.token) == "checked_in"
    link = page.get_attribute("#issued-print", "href") or ""
    assert link.startswith("/kiosk/ticket/") and "print=1" in link, link
    # The row says so now, with its ticket, and offers no second check-in.
    page.wait_for_function(
        "code => { const li = document.querySelector(`#desk-list li[data-code='${code}']`);"
        " return li && li.dataset.state === 'checked_in'; }",
        arg=first.code,
    )
    row = page.locator(f"#desk-list li[data-code='{first.code}']")
    assert f"Nomor {issued}" in row.inner_text()
    assert "Sudah lapor hadir" in row.inner_text()
    assert row.locator("button.desk-check-in").count() == 0
    fits(page)
    page.screenshot(path=str(shots(tmp_path) / "desk-bookings.png"))
    # The other desk tries too: checked in already, with the ticket it has; nothing issued.
    stale.locator("button.desk-check-in").click()
    refusal = other.locator(f"#desk-list li[data-code='{first.code}'] .desk-refusal")
    refusal.wait_for()
    assert refusal.inner_text() == (
        f"Pendaftaran ini sudah lapor hadir: nomor antreannya {issued}."
    )
    assert other.locator("#desk-issued").is_hidden()
    # The slip: the ticket's printed page, printed, then back at the desk.
    page.click("#issued-print")
    page.wait_for_url("**/kiosk/ticket/**")
    assert page.locator("h1.code").inner_text() == issued
    page.wait_for_url("**/desk/bookings**")
    printed = page.evaluate("() => sessionStorage.getItem('loket-test-printed')") or ""
    assert "/kiosk/ticket/" in printed
    # The next person: the last ticket's panel goes with a new search.
    page.fill("#holder", NIKS[1])
    page.click("#by-holder button[type=submit]")
    page.locator(f"#desk-list li[data-code='{second.code}'] button.desk-check-in").wait_for()
    assert page.locator("#desk-issued").is_hidden()
    watch.assert_clean()


def test_a_later_session_is_told_when_to_come_back_and_a_bad_nik_changes_nothing(
    browser: Browser, mall: BookingMall, tmp_path: Path
) -> None:
    watch = Watch(mall.base)
    page = desk(browser, watch, mall, CLERKS[0])
    later = mall.later[0]
    # A holder who gave a name when booking: the desk shows it, to ask for the right person.
    with sqlite3.connect(mall.database_url.removeprefix("sqlite:///")) as db:
        db.execute("UPDATE bookings SET name = 'Siti Aminah' WHERE code = ?", (later.code,))
    row = find_code(page, later.code)
    assert "Nama: Siti Aminah" in row.inner_text()
    row.locator("button.desk-check-in").click()
    refusal = row.locator(".desk-refusal")
    refusal.wait_for()
    opens = (later.starts_at - timedelta(minutes=30)).astimezone(JAKARTA).strftime("%H.%M")
    assert refusal.inner_text() == (
        f"Terlalu awal: lapor hadir dibuka pukul {opens}. Minta pemohon kembali pukul {opens}."
    )
    assert page.locator("#desk-issued").is_hidden()
    assert mall.state_of(later.token) == "booked"
    # A NIK whose month of birth is 32: what is wrong, in the page's language (the booking
    # page's words, checked before the server is asked), and nothing changes on the server;
    # the last search's booking goes from the page (it is not this person's).
    page.fill("#holder", "3171011532900001")
    page.click("#by-holder button[type=submit]")
    error = page.locator("#desk-error")
    error.wait_for()
    assert error.inner_text() == "Bulan lahir pada NIK (digit 9–10: 32) bukan 01–12."
    assert page.locator("#desk-list li").count() == 0
    assert mall.state_of(later.token) == "booked"
    # A code with an O in it cannot be one: said before anything is asked, and the booking
    # found just before goes from the page.
    find_code(page, later.code)
    assert page.locator("#desk-error").is_hidden()
    page.fill("#code", "K7QH0O")
    page.click("#by-code button[type=submit]")
    page.wait_for_function(
        "() => /tanpa 0, O, 1 atau I/.test(document.getElementById('desk-error').textContent)"
    )
    assert page.locator("#desk-list li").count() == 0
    # A look-up still on its way when the next person's NIK is refused: its answer, which
    # comes after, is dropped (the error stays, alone).
    held: list[Route] = []
    page.route("**/api/v1/bookings/lookup**", lambda route: held.append(route))
    page.fill("#code", later.code)
    page.click("#by-code button[type=submit]")
    for _ in range(250):
        if held:
            break
        page.wait_for_timeout(20)
    assert held, "the look-up was never asked"
    page.fill("#holder", "3171011532900001")
    page.click("#by-holder button[type=submit]")
    assert error.inner_text() == "Bulan lahir pada NIK (digit 9–10: 32) bukan 01–12."
    with page.expect_response("**/api/v1/bookings/lookup**"):
        held[0].continue_()
    page.evaluate("() => new Promise(done => setTimeout(done, 100))")  # its handler has run
    assert page.locator("#desk-list li").count() == 0
    assert error.inner_text() == "Bulan lahir pada NIK (digit 9–10: 32) bukan 01–12."
    page.unroute("**/api/v1/bookings/lookup**")
    # In English, the same refusal in the hall's time (09:45, not 09.45).
    page.goto(f"{mall.base}/desk/bookings?lang=en")
    row = find_code(page, later.code)
    row.locator("button.desk-check-in").click()
    row.locator(".desk-refusal").wait_for()
    assert f"come back at {opens.replace('.', ':')}." in row.locator(".desk-refusal").inner_text()
    fits(page)
    page.screenshot(path=str(shots(tmp_path) / "desk-bookings-too-early-en.png"))
    watch.assert_clean()
