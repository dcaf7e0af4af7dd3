"""The satisfaction survey in a real browser (issue 18, part 3). On the phone: a clerk finishes
the ticket and its open status page asks the survey live; the applicant answers the nine
questions (tapping the large answers), sends, and is thanked; the supervisors' report counts
the response; a reload does not ask again. On a counter-side tablet enrolled with `flask
enrol-device --kind survey`: an idle screen until a ticket is finished at its counter, then
the survey for that ticket, answered and back to idle — the tablet never sees a token.

Headless Debian Chromium (/usr/bin/chromium) through Playwright, against gunicorn on a fresh
demo database. SCREENSHOTS=<dir> keeps the phone's (390×844) and the tablet's (1280×800)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pytest
import requests

from tests.integration.live import ROOT, flask_command, gunicorn_server

from .conftest import Watch
from .test_phone_e2e import call_next, issue, open_counter, phone_page
from .test_screens_e2e import connected, staff_headers, text, wait_text

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

GOOD = [4, 3, 3, 4, 3, 4, 4, 2, 3]
SUPERVISOR = {"username": "supervisor", "password": "supervisor-loket"}
TABLET = {"viewport": {"width": 1280, "height": 800}, "has_touch": True}


def shots() -> Path | None:
    folder = os.environ.get("SCREENSHOTS")
    return Path(folder) if folder else None


@pytest.fixture
def server(browser_tools: None, tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """A demo hall; its base URL and the environment the operator's `flask` commands run with."""
    database = f"sqlite:///{tmp_path / 'survey.db'}"
    with gunicorn_server(database, killed_after=True) as base:
        env = {
            **os.environ,
            "DATABASE_URL": database,
            "SECRET_KEY": "live-test-secret",
            "PYTHONPATH": str(ROOT),
        }
        yield base, env


def finish(base: str, headers: dict[str, str], ticket_id: int) -> None:
    response = requests.post(
        f"{base}/api/v1/tickets/{ticket_id}/finish", headers=headers, timeout=10
    )
    assert response.status_code == 200, response.text


def ikm_report(base: str) -> dict[str, Any]:
    token = requests.post(f"{base}/api/v1/auth/token", json=SUPERVISOR, timeout=10).json()["token"]
    today = datetime.now(ZoneInfo("Asia/Jakarta")).date().isoformat()
    response = requests.get(
        f"{base}/api/v1/reports/ikm?date={today}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def answer_all(page: Page, answers: list[int]) -> None:
    """Tap each question's answer (the large label; the radio inside it is what is checked)."""
    for n, value in enumerate(answers, start=1):
        page.click(f"#q-{n} .answer:nth-child({value})")
        assert page.is_checked(f"#q-{n} input[value='{value}']")


def test_the_phone_asks_the_survey_live_once_served_and_the_report_counts_it(
    browser: Browser, live_server: str, watch: Watch
) -> None:
    base = live_server
    mine = issue(base)
    phone = phone_page(watch, browser, f"{base}/t/{mine['token']}")
    assert not phone.is_visible("#survey")  # not before the service is done
    staff = staff_headers(base, "petugas01")
    open_counter(base, staff)
    assert call_next(base, staff)["id"] == mine["id"]
    finish(base, staff, mine["id"])

    # Live, without a reload: the ticket is done and the survey asks, in Indonesian.
    wait_text(phone, "#state-text", "Selesai. Terima kasih.")
    phone.wait_for_selector("#survey", state="visible")
    assert text(phone, "#survey-title") == "Bagaimana pelayanan kami?"
    assert phone.locator("#survey fieldset.q").count() == 9
    # Radio semantics with the regulation's words as each answer's name, in its question.
    first = phone.get_by_role("group", name=re.compile("Persyaratan"))
    assert first.get_by_role("radio", name="Sangat sesuai").count() == 1
    box = phone.locator("#q-1 .answer").first.bounding_box()
    assert box is not None and box["height"] >= 48  # a large target

    # Sending with questions left: it says which, and sends nothing.
    phone.click("#q-1 .answer:nth-child(4)")
    phone.click("#survey-send")
    wait_text(phone, "#survey-error", "Mohon jawab pertanyaan 2.")
    answer_all(phone, GOOD)
    phone.fill("#survey-comment", "Petugas ramah dan cepat")
    phone.click("#survey-respondent summary")
    phone.select_option("#survey-age_group", "30-39")
    phone.select_option("#survey-sex", "P")
    if shots():
        phone.locator("#survey-title").scroll_into_view_if_needed()
        phone.screenshot(path=str(shots() / "phone-survey.png"))  # type: ignore[operator]
    with phone.expect_response(lambda r: r.url.endswith("/survey")) as sent:
        phone.click("#survey-send")
    assert sent.value.status == 201
    phone.wait_for_selector("#survey-done", state="visible")
    assert text(phone, "#survey-done-title") == "Terima kasih"
    assert "membantu kami" in text(phone, "#survey-done-text")
    assert not phone.is_visible("#survey-form")

    # The supervisors' report counts it, with its answers.
    report = ikm_report(base)
    assert report["respondents"] == 1
    assert report["elements"] == GOOD

    # A reload does not ask again: the page says it was answered.
    phone.reload()
    connected(phone)
    assert not phone.is_visible("#survey")
    assert phone.is_visible("#survey-answered")
    watch.assert_clean(console=True)


def test_a_skipped_survey_stays_skipped_after_a_reload(
    browser: Browser, live_server: str, watch: Watch
) -> None:
    base = live_server
    mine = issue(base)
    staff = staff_headers(base, "petugas01")
    open_counter(base, staff)
    call_next(base, staff)
    finish(base, staff, mine["id"])
    # Done before the page opened: the survey is there at load, in English on the switch.
    phone = phone_page(watch, browser, f"{base}/t/{mine['token']}?lang=en")
    phone.wait_for_selector("#survey", state="visible")
    assert text(phone, "#survey-title") == "How was our service?"
    assert phone.get_by_role("radio", name="Very polite and friendly").count() == 1
    phone.click("#survey-skip")
    assert not phone.is_visible("#survey")
    phone.reload()
    connected(phone)
    assert not phone.is_visible("#survey")
    assert ikm_report(base)["respondents"] == 0
    watch.assert_clean(console=True)


def test_a_survey_tablet_offers_the_ticket_just_finished_at_its_counter(
    browser: Browser, server: tuple[str, dict[str, str]]
) -> None:
    base, env = server
    printed = flask_command(env, "enrol-device", "--kind", "survey", "--name", "Tablet loket 1")
    code = re.search(r"/enrol/([A-Za-z0-9_-]+)", printed)
    assert code, printed
    watch = Watch(base)
    try:
        context = watch.context(browser, **TABLET)
        tablet = context.new_page()
        tablet.goto(f"{base}/enrol/{code.group(1)}")
        assert "/survey" in tablet.url
        tablet.get_by_role("link", name="Loket 1", exact=True).click()
        tablet.wait_for_url(re.compile(r"/survey\?counter=1$"))
        connected(tablet)
        assert tablet.evaluate("() => document.body.dataset.device") == "survey"
        assert text(tablet, "#idle h1") == "Terima kasih atas kunjungan Anda"
        assert not tablet.is_visible("#survey")
        # Not for anyone else: an anonymous browser gets the 403 page.
        stranger = watch.context(browser).new_page()
        refused = stranger.goto(f"{base}/survey?counter=1")
        assert refused is not None and refused.status == 403
        assert "tablet survei" in text(stranger, "h1")

        staff = staff_headers(base, "petugas01")
        other = staff_headers(base, "petugas02")
        open_counter(base, staff)
        open_counter(base, other, 2)
        mine = issue(base)
        elsewhere = issue(base)
        assert call_next(base, staff)["id"] == mine["id"]
        assert call_next(base, other, 2)["id"] == elsewhere["id"]
        finish(base, other, elsewhere["id"])  # counter 2's: not this tablet's
        finish(base, staff, mine["id"])
        tablet.wait_for_selector("#survey", state="visible")
        wait_text(tablet, "#survey-for", f"Untuk nomor {mine['code']}")
        assert tablet.evaluate("() => window.LoketTablet.offered") == [mine["code"]]
        answer_all(tablet, GOOD)
        if shots():
            tablet.evaluate("() => window.scrollTo(0, 0)")
            tablet.screenshot(path=str(shots() / "survey-tablet.png"))  # type: ignore[operator]
        with tablet.expect_response(lambda r: r.url.endswith("/survey/answer")) as sent:
            tablet.click("#survey-send")
        assert sent.value.status == 201
        tablet.wait_for_selector("#survey-done", state="visible")
        # Back to the idle screen by itself after the thanks.
        tablet.wait_for_selector("#idle", state="visible", timeout=15_000)
        assert not tablet.is_visible("#survey")
        assert ikm_report(base)["respondents"] == 1
        # The holder's phone cannot answer it a second time.
        again = requests.post(
            f"{base}/api/v1/tickets/by-token/{mine['token']}/survey",
            json={"answers": GOOD},
            timeout=10,
        )
        assert again.status_code == 409 and again.json()["detail"]["reason"] == "answered"

        # The next one skips: straight back to idle.
        after = issue(base)
        assert call_next(base, staff)["id"] == after["id"]
        finish(base, staff, after["id"])
        wait_text(tablet, "#survey-for", f"Untuk nomor {after['code']}")
        tablet.click("#survey-skip")
        assert tablet.is_visible("#idle") and not tablet.is_visible("#survey")
        # The tablet never saw a token.
        html = tablet.content()
        for ticket in (mine, elsewhere, after):
            assert ticket["token"] not in html
            assert not any(ticket["token"] in url for url in watch.urls)
        watch.assert_clean(console=False)
    finally:
        for opened in watch.contexts:
            opened.close()
