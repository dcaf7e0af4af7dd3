"""The browser fixtures (headless Chromium against a live server) for the CSP test here."""

from __future__ import annotations

from ..browser.conftest import (  # noqa: F401  (fixtures used by test_csp_browser.py)
    live_server,
    watch,
)
