"""Fixtures for the real-browser tests: Debian's headless Chromium driven by Playwright, against
the real server (gunicorn, gevent worker) on a fresh SQLite file.

No browser is ever downloaded: Playwright drives /usr/bin/chromium. When Chromium or zbarimg
(Debian package zbar-tools, used to read the printed ticket's QR code) is missing, these tests
fail in CI (CI=true) and are skipped elsewhere with a message saying what to install.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

from ..integration.live import gunicorn_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Playwright

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
#: How long any single wait in these tests may take before it fails (ms).
WAIT_MS = 20_000


def zbarimg() -> str | None:
    return shutil.which("zbarimg") or (
        "/usr/bin/zbarimg" if os.access("/usr/bin/zbarimg", os.X_OK) else None
    )


def missing_tools() -> list[str]:
    """What these tests need and this machine lacks (empty when all is there)."""
    missing = []
    if not os.access(CHROMIUM, os.X_OK):
        missing.append(f"Chromium at {CHROMIUM} (apt-get install chromium)")
    if zbarimg() is None:
        missing.append("zbarimg (apt-get install zbar-tools)")
    if importlib.util.find_spec("playwright") is None:
        missing.append("the playwright Python package (pip install -r requirements-dev.txt)")
    return missing


@pytest.fixture(scope="session")
def browser_tools() -> None:
    """Fail in CI, skip elsewhere, when Chromium, zbarimg or Playwright is missing."""
    missing = missing_tools()
    if not missing:
        return
    message = "browser tests need " + ", ".join(missing)
    if IN_CI:
        pytest.fail(message + " — they are required in CI")
    pytest.skip(message + " — install them to run these tests")


@pytest.fixture(scope="module")
def playwright(browser_tools: None) -> Iterator[Playwright]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """One headless Chromium for the module; each test opens its own contexts."""
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture
def live_server(browser_tools: None, tmp_path: Path) -> Iterator[str]:
    """A fresh demo hall served by gunicorn's gevent worker; yields its base URL."""
    with gunicorn_server(f"sqlite:///{tmp_path / 'browser.db'}") as base:
        yield base


@dataclass
class Watch:
    """What the pages of a test did that they should not: JavaScript errors, and requests to any
    host but the test server (the screens must load nothing from a CDN or elsewhere)."""

    base: str
    errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    contexts: list[BrowserContext] = field(default_factory=list)

    def context(self, browser: Browser, **options: Any) -> BrowserContext:
        """A new browser context (its own cookies and storage) whose pages are watched."""
        context = browser.new_context(**options)
        context.set_default_timeout(WAIT_MS)
        context.on("request", lambda request: self.urls.append(request.url))
        context.on("page", self._page)
        self.contexts.append(context)
        return context

    def _page(self, page: Page) -> None:
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: {error}"))
        page.on("websocket", lambda socket: self.urls.append(socket.url))
        page.on(
            "console",
            lambda message: (
                self.console_errors.append(f"{page.url}: {message.text}")
                if message.type == "error"
                else None
            ),
        )

    def foreign(self) -> list[str]:
        """Requested URLs that did not go to the test server."""
        host = urlsplit(self.base).netloc
        return [
            url
            for url in self.urls
            if urlsplit(url).scheme not in ("data", "blob") and urlsplit(url).netloc != host
        ]

    def assert_clean(self, console: bool = False) -> None:
        """No JavaScript error, nothing fetched elsewhere; with `console`, nothing logged as an
        error either (failed loads, refused connections)."""
        assert self.errors == [], f"JavaScript errors: {self.errors}"
        if console:
            assert self.console_errors == [], f"console errors: {self.console_errors}"
        assert self.urls, "no request was seen at all"
        assert self.foreign() == [], f"requests to other hosts: {self.foreign()}"


@pytest.fixture
def watch(live_server: str) -> Iterator[Watch]:
    watcher = Watch(live_server)
    yield watcher
    for context in watcher.contexts:
        context.close()
