"""An enrolled kiosk in a real browser (issue 13, item 1): the operator runs `flask
enrol-device`, the kiosk's Chromium opens the printed link once and lands on the kiosk with an
HttpOnly device cookie, and then issues more than 10 tickets in a minute from the address
where an anonymous browser is stopped at 10."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.integration.live import ROOT, flask_command, gunicorn_server

from .conftest import Watch

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.browser

LIMITS = {"RATELIMIT_ENABLED": "true", "ISSUE_RATE_LIMIT_PER_IP": "10 per minute"}


@pytest.fixture
def limited_server(browser_tools: None, tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """A demo hall with the public issue limit on; yields its base URL and the environment
    the operator's `flask` commands run with."""
    database = f"sqlite:///{tmp_path / 'devices.db'}"
    with gunicorn_server(database, LIMITS, killed_after=True) as base:
        env = {
            **os.environ,
            "DATABASE_URL": database,
            "SECRET_KEY": "live-test-secret",
            "PYTHONPATH": str(ROOT),
        }
        yield base, env


def issue_many(context: object, base: str, service: str, n: int) -> list[int]:
    request = context.request  # type: ignore[attr-defined]  # the context's own cookies
    return [
        request.post(f"{base}/api/v1/tickets", data={"service": service}).status for _ in range(n)
    ]


def test_an_enrolled_kiosk_issues_more_than_ten_tickets_a_minute(
    browser: Browser, limited_server: tuple[str, dict[str, str]]
) -> None:
    base, env = limited_server
    printed = flask_command(env, "enrol-device", "--kind", "kiosk", "--name", "Kiosk lobi 1")
    code = re.search(r"/enrol/([A-Za-z0-9_-]+)", printed)
    assert code, printed
    watch = Watch(base)
    kiosk = watch.context(browser, viewport={"width": 1080, "height": 1920})
    page = kiosk.new_page()
    page.goto(f"{base}/enrol/{code.group(1)}")
    assert re.search(r"/kiosk\?site=\d+$", page.url), page.url
    assert page.evaluate("() => document.body.dataset.device") == "kiosk"
    assert "loket_device" not in page.evaluate("() => document.cookie")  # HttpOnly
    assert any(c["name"] == "loket_device" and c["httpOnly"] for c in kiosk.cookies())
    service = page.evaluate("() => Loket.config().board.services[0].code")
    # An anonymous browser on the same machine (same address) is stopped at 10 a minute …
    anonymous = watch.context(browser)
    assert issue_many(anonymous, base, service, 11) == [201] * 10 + [429]
    # … the enrolled kiosk is not.
    assert issue_many(kiosk, base, service, 15) == [201] * 15
    watch.assert_clean()
