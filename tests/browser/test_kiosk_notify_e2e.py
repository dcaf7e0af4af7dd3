"""The kiosk's optional number for SMS/WhatsApp messages (issue 17, item 1), in a real browser
against a server with notifications on and a real local gateway: typed on the kiosk's own keys,
checked, shown masked, sent with the ticket, and forgotten when the kiosk starts over; in a hall
that asks for the phone number already, one touch offers that same number."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from ..integration.live import gunicorn_server
from ..notify.receiver import Receiver, running_receiver
from .conftest import Watch
from .test_kiosk_e2e import LANDSCAPE, MEASURE, MIN_TARGET_PX, PORTRAIT
from .test_screens_e2e import PRINT_STUB, connected, text

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

SECRET = "kiosk-notify-secret"


@pytest.fixture
def gateway() -> Iterator[Receiver]:
    with running_receiver() as receiver:
        yield receiver


@pytest.fixture
def notify_server(browser_tools: None, tmp_path: Path, gateway: Receiver) -> Iterator[str]:
    """The one-hall demo with notifications on, sending to `gateway`; kiosks start afresh
    after 4 s untouched."""
    env = {
        "NOTIFY_ENABLED": "true",
        "NOTIFY_WEBHOOK_URL": gateway.url,
        "NOTIFY_WEBHOOK_SECRET": SECRET,
        "KIOSK_IDLE_S": "4",
    }
    with gunicorn_server(
        f"sqlite:///{tmp_path / 'browser.db'}", extra_env=env, killed_after=True
    ) as base:
        yield base


def kiosk(watch: Watch, browser: Browser, viewport: dict[str, int]) -> Page:
    context = watch.context(browser, viewport=viewport, has_touch=True)
    context.add_init_script(PRINT_STUB)
    page = context.new_page()
    page.goto(f"{watch.base}/kiosk")
    connected(page)
    return page


def type_keys(page: Page, digits: str) -> None:
    for digit in digits:
        page.click(f'#notify-step .keypad button[data-key="{digit}"]')


def wait_for_messages(gateway: Receiver, page: Page, count: int) -> None:
    """Wait (10 s at most) until the gateway got `count` messages."""
    for _ in range(100):
        if len(gateway.received) >= count:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"the gateway got {len(gateway.received)} messages, not {count}")


def test_a_number_typed_at_the_kiosk_gets_the_tickets_messages(
    browser: Browser, notify_server: str, gateway: Receiver
) -> None:
    watch = Watch(notify_server)
    try:
        page = kiosk(watch, browser, PORTRAIT)
        toggle = "#notify-toggle"
        assert text(page, "#notify-label") == (
            "Kabari saya lewat SMS/WhatsApp saat giliran saya tiba (opsional)"
        )
        assert page.get_attribute(toggle, "aria-pressed") == "false"
        # The step opens on its own keys; a number too short is said so, and nothing is kept.
        page.click(toggle)
        assert page.is_visible("#notify-step")
        type_keys(page, "0812")
        page.click("#notify-save")
        assert text(page, "#notify-problem").startswith("Nomor ini terlalu pendek")
        assert page.is_visible("#notify-step")
        # The step's buttons are touch targets and the step fits the screen.
        measured = page.evaluate(MEASURE, MIN_TARGET_PX)
        assert measured["outside"] == [] and measured["small"] == [], measured
        type_keys(page, "34567890")
        page.click("#notify-save")
        assert page.is_hidden("#notify-step")
        # Saved: shown masked on the button, never whole on a screen in a public hall.
        assert text(page, "#notify-label") == "Pesan SMS/WhatsApp ke 0812•••••890 · ubah"
        assert page.get_attribute(toggle, "aria-pressed") == "true"
        assert "081234567890" not in page.inner_text("body")

        # Left alone, the kiosk forgets it: the next person does not inherit the number.
        page.wait_for_function(
            "() => document.querySelector('#notify-toggle').getAttribute('aria-pressed')"
            " === 'false'",
            timeout=15_000,
        )
        assert text(page, "#notify-label").startswith("Kabari saya lewat SMS/WhatsApp")
        page.click(toggle)
        assert page.input_value("#notify-phone") == ""
        type_keys(page, "081234567890")
        page.click("#notify-save")

        # The ticket carries it: the gateway hears of this ticket, in Indonesian, to the number.
        with page.expect_response(
            lambda r: (
                r.url.startswith(f"{notify_server}/api/v1/tickets") and r.request.method == "POST"
            )
        ) as issued:
            page.click('.service[data-code="A"]')
        assert issued.value.status == 201
        page.wait_for_url(re.compile(re.escape(f"{notify_server}/kiosk/ticket/")))
        wait_for_messages(gateway, page, 1)
        (message,) = [r.body for r in gateway.received]
        assert message["event"] == "ticket.issued" and message["to"] == "+6281234567890"
        code = message["ticket"]["code"]
        assert message["lang"] == "id" and code in message["text"]
        assert code in page.inner_text("#slip")  # the ticket just printed
        # The slip page and the kiosk after it never show the number either.
        assert "081234567890" not in page.inner_text("body")
        watch.assert_clean(console=True)
    finally:
        for context in watch.contexts:
            context.close()


def test_a_hall_asking_for_the_phone_number_offers_that_number_in_one_touch(
    browser: Browser, notify_server: str, gateway: Receiver, tmp_path: Path
) -> None:
    with sqlite3.connect(tmp_path / "browser.db") as db:
        db.execute("UPDATE sites SET holder_id_kind = 'phone', seq = seq + 1")
    watch = Watch(notify_server)
    try:
        page = kiosk(watch, browser, LANDSCAPE)
        assert page.is_visible("#holder")
        assert page.query_selector("#notify-step") is None  # no second number box
        # Without the touch, the holder's number is only the one-per-person check: no message.
        page.fill("#holder-id", "081311112222")
        with page.expect_response(lambda r: r.request.method == "POST") as first:
            page.click('.service[data-code="A"]')
        assert first.value.status == 201
        page.wait_for_url(re.compile(re.escape(f"{notify_server}/kiosk/ticket/")))
        page.goto(f"{notify_server}/kiosk")
        connected(page)
        # With it, the same number also gets the messages.
        page.fill("#holder-id", "081399998888")
        page.click("#notify-toggle")
        assert page.get_attribute("#notify-toggle", "aria-pressed") == "true"
        assert text(page, "#notify-label") == "Pesan SMS/WhatsApp ke nomor ini: ya"
        with page.expect_response(lambda r: r.request.method == "POST") as second:
            page.click('.service[data-code="A"]')
        assert second.value.status == 201
        wait_for_messages(gateway, page, 1)
        page.wait_for_timeout(500)  # nothing more comes
        assert [r.body["to"] for r in gateway.received] == ["+6281399998888"]
        watch.assert_clean(console=True)
    finally:
        for context in watch.contexts:
            context.close()
