"""The booking page /daftar on a phone (issue 16, item 9), in a real browser against the real
server: an applicant picks the agency, the service (seeing what to bring), tomorrow and a
session, types a NIK that is wrong (told what is wrong, in Indonesian), then a right one, and
gets the booking's code, a QR that reads as the booking's token, and a link to its page; the
same NIK again is refused in words, as is a session filled meanwhile; on a holiday the page
says when booking opens."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest

from .booking_live import NIKS, BookingMall, booking_mall
from .conftest import Watch, zbarimg

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
JAKARTA = ZoneInfo("Asia/Jakarta")


def shots(tmp_path: Path) -> Path:
    """Where the tests' screenshots go: $LOKET_SHOTS_DIR (to look at them), else the test's
    temporary directory (docs/screenshots/ is scripts/screenshots.py's)."""
    where = Path(os.environ.get("LOKET_SHOTS_DIR") or tmp_path)
    where.mkdir(parents=True, exist_ok=True)
    return where


@pytest.fixture
def mall(browser_tools: None, tmp_path: Path) -> Iterator[BookingMall]:
    with booking_mall(f"sqlite:///{tmp_path / 'daftar.db'}") as served:
        yield served


def choose_up_to_the_session(page: Page) -> None:
    """Agency Immigration → service B (its documents shown) → tomorrow → the first session."""
    page.get_by_role("button", name=re.compile("Kantor Imigrasi")).click()
    page.get_by_role("button", name=re.compile("^B · Paspor")).click()
    bring = page.locator("#step-requirements")
    assert bring.is_visible()
    assert "KTP elektronik asli" in bring.inner_text()
    page.locator("#days .choice").first.click()
    first = page.locator("#sessions .choice").first
    first.wait_for()
    assert re.search(r"\d\d\.\d\d–\d\d\.\d\d", first.inner_text()), first.inner_text()
    assert "tempat tersisa" in first.inner_text()
    first.click()


def test_an_applicant_books_on_a_phone_and_gets_code_qr_and_page(
    browser: Browser, mall: BookingMall, tmp_path: Path
) -> None:
    watch = Watch(mall.base)
    page = watch.context(browser, **PHONE).new_page()
    page.goto(f"{mall.base}/daftar")
    assert page.locator("html").get_attribute("lang") == "id"
    tomorrow = datetime.now(UTC).astimezone(JAKARTA).date() + timedelta(days=1)
    choose_up_to_the_session(page)
    assert str(tomorrow.day) in page.locator("#days .choice").first.inner_text()
    # A NIK whose first two digits are no province: said so, in Indonesian; nothing booked.
    page.fill("#holder-id", "9971011506900001")
    page.click("#book")
    problem = page.locator("#problem")
    assert problem.is_visible()
    assert "bukan kode provinsi" in problem.inner_text() and "99" in problem.inner_text()
    assert page.locator("#booked").is_hidden()
    page.fill("#holder-id", NIKS[0])
    page.click("#book")
    page.locator("#booked").wait_for()
    code = page.locator("#booked-code").inner_text()
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{6}", code), code
    assert NIKS[0] not in page.content()  # the NIK is never shown back
    assert page.locator("#holder-id").input_value() == ""
    # The QR reads as the booking's token, which its link opens.
    link = page.locator("#booked-link").get_attribute("href") or ""
    token = link.removeprefix("/b/")
    assert token and "/" not in token
    page.wait_for_function("() => document.getElementById('booked-qr').naturalWidth > 0")
    shot = tmp_path / "qr.png"
    page.locator("#booked-qr").screenshot(path=str(shot))
    read = subprocess.run(
        [zbarimg() or "zbarimg", "--raw", "-q", str(shot)], capture_output=True, text=True
    )
    assert read.stdout.strip() == token
    page.screenshot(path=str(shots(tmp_path) / "daftar-booked-phone.png"), full_page=True)
    page.click("#booked-link")
    page.wait_for_url(f"**/b/{token}")
    assert page.locator("#code").inner_text() == code
    # On the narrowest phone each label of the session's facts stays on one line.
    page.set_viewport_size({"width": 360, "height": 740})
    lines = page.evaluate(
        """() => [...document.querySelectorAll('#session dt')].map(dt => {
            const text = document.createRange();
            text.selectNodeContents(dt);
            return new Set([...text.getClientRects()].map(r => Math.round(r.top))).size;
        })"""
    )
    assert lines and all(n == 1 for n in lines), lines
    # The same NIK again, for the same service and day: refused in words.
    again = watch.context(browser, **PHONE).new_page()
    again.goto(f"{mall.base}/daftar")
    choose_up_to_the_session(again)
    again.fill("#holder-id", NIKS[0])
    again.click("#book")
    again.locator("#problem").wait_for()
    assert "sudah punya pendaftaran" in again.locator("#problem").inner_text()
    assert again.locator("#booked").is_hidden()
    # Another NIK, but the session fills up meanwhile: said so, and the session shows full.
    mall.fill_first_session("B")
    again.fill("#holder-id", NIKS[1])
    again.click("#book")
    again.wait_for_function(
        "() => /baru saja penuh/.test(document.getElementById('problem').textContent)"
    )
    first = again.locator("#sessions .choice").first
    again.wait_for_function("() => document.querySelector('#sessions .choice').disabled")
    assert "Penuh" in first.inner_text()
    assert again.locator("#booked").is_hidden()
    watch.assert_clean()


def test_the_page_in_english_and_on_a_holiday_says_when_booking_opens(
    browser: Browser, mall: BookingMall, tmp_path: Path
) -> None:
    mall.close_today()
    watch = Watch(mall.base)
    page = watch.context(browser, **PHONE).new_page()
    page.goto(f"{mall.base}/daftar?lang=en")
    closed = page.locator("#closed")
    assert closed.is_visible()
    tomorrow = datetime.now(UTC).astimezone(JAKARTA).date() + timedelta(days=1)
    text = closed.inner_text()
    assert "opens on" in text and tomorrow.strftime("%A") in text and "00:00" in text, text
    # The documents to bring are still there to read; booking itself waits.
    page.get_by_role("button", name=re.compile("Immigration office")).click()
    page.get_by_role("button", name=re.compile("^B · Passports")).click()
    assert "Original electronic ID card" in page.locator("#step-requirements").inner_text()
    page.screenshot(path=str(shots(tmp_path) / "daftar-closed-phone-en.png"), full_page=True)
    page.locator("#days .choice").first.click()
    page.locator("#sessions .choice").first.click()
    assert page.locator("#book").is_disabled()
    watch.assert_clean()


#: A NIK wrong in each way the server checks, and what the page says of it (Indonesian).
BAD_NIKS = [
    ("317101150690001", "tepat 16 digit"),
    ("9971011506900001", "bukan kode provinsi"),
    ("3100011506900001", "kabupaten/kota"),
    ("3171001506900001", "kecamatan"),
    ("3171011513900001", "Bulan lahir"),
    ("3171013206900001", "Tanggal lahir pada NIK (digit 7–8: 32)"),
    ("3171013102900001", "(31-02-90) tidak ada"),
    ("3171011506990001", None),  # born 1999: well formed
    ("3171011506900000", "Nomor urut"),
]


def test_the_page_says_what_is_wrong_with_a_nik_as_the_server_would(
    browser: Browser, mall: BookingMall
) -> None:
    from queue_app.domain.booking import nik_problem

    today = datetime.now(UTC).astimezone(JAKARTA).date()
    watch = Watch(mall.base)
    page = watch.context(browser, **PHONE).new_page()
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "POST" else None)
    page.goto(f"{mall.base}/daftar")
    choose_up_to_the_session(page)
    tomorrow = today + timedelta(days=1)
    born_tomorrow = [(f"317101{tomorrow:%d%m%y}0001", "masa depan")]
    for nik, words in BAD_NIKS + (born_tomorrow if tomorrow.year == today.year else []):
        # The server refuses exactly these (the page mirrors its rules).
        assert (nik_problem(nik, today) is None) == (words is None), nik
        if words is None:
            continue
        page.fill("#holder-id", nik)
        page.click("#book")
        text = page.locator("#problem").inner_text()
        assert words in text, (nik, text)
    assert sent == []  # each was caught before anything was sent
    watch.assert_clean()
