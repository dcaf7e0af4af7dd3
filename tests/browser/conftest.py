"""Fixtures for the real-browser tests: Debian's headless Chromium driven by Playwright, against
the real server (gunicorn, gevent worker) on a fresh SQLite file.

No browser is ever downloaded: Playwright drives /usr/bin/chromium. When Chromium or zbarimg
(Debian package zbar-tools, used to read the printed ticket's QR code) is missing, these tests
fail in CI (CI=true) and are skipped elsewhere with a message saying what to install. The
browser itself (`playwright`, `browser`, `browser_tools`) is a fixture of tests/conftest.py: one
per test process, shared with tests/security's CSP test.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

from ..conftest import zbarimg  # noqa: F401  (used by the kiosk's slip test)
from ..integration.live import gunicorn_server
from ..watchdog import twice

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

#: How long any single wait in these tests may take before it fails (ms).
WAIT_MS = 20_000


@pytest.fixture
def live_server(browser_tools: None, tmp_path: Path) -> Iterator[str]:
    """A fresh demo hall served by gunicorn's gevent worker; yields its base URL. A start that
    hangs (seeding, gunicorn's boot) gets a second try on a new file, and says where it hung."""
    with ExitStack() as stack:
        tries = iter(("browser.db", "browser-again.db"))

        def start() -> str:
            return stack.enter_context(
                gunicorn_server(f"sqlite:///{tmp_path / next(tries)}", killed_after=True)
            )

        yield twice("the live server's start", 140, start)


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
