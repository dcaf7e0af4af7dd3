"""Redraw the demo mall's pictures in docs/screenshots/ (headless Chromium), from the seed
`make run` serves (`flask seed-demo`: three floors, nine agencies):

    mall-kiosk.png     1080×1920  the entrance kiosk: the agencies first, BPN "Daftar online"
    mall-kiosk-floor1.png  1080×1920  the first floor's kiosk (`/kiosk?zone=1`): its room's figures
    mall-phone.png     390×844    a Bank DKI ticket's phone page, naming floor and room
    mall-slip.png      600 wide   the same ticket's printed slip
    mall-overview.png  1440 wide  the supervisors' overview with its zones table
    mall-entrance.png  1920×1080  the board at the building's door

Run: `.venv/bin/python scripts/screenshots_mall.py [--out DIR]`.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from queue_app.demo import SUPERVISOR  # noqa: E402
from tests.browser.board_hall import HallApi  # noqa: E402
from tests.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.integration.live import gunicorn_server  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    out: Path = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory() as tmp,
        gunicorn_server(f"sqlite:///{tmp}/mall.db", mall=True) as base,
    ):
        hall = HallApi(base)
        ticket = {}
        for code in "AAACCHDDEK":
            ticket = hall.issue(code)
        for counter in (1, 9, 13):  # one counter on each floor
            hall.post(f"/counters/{counter}/open", counter=counter)
            hall.call(counter)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)

            def shot(url: str, name: str, width: int, height: int, full: bool = False) -> None:
                page = browser.new_page(viewport={"width": width, "height": height})
                page.goto(f"{base}{url}")
                time.sleep(1.5)  # connected, fonts in, first news applied
                page.screenshot(path=str(out / name), full_page=full)
                page.close()

            shot("/kiosk", "mall-kiosk.png", 1080, 1920)
            shot("/kiosk?zone=1", "mall-kiosk-floor1.png", 1080, 1920)
            shot(f"/t/{ticket['token']}", "mall-phone.png", 390, 844, full=True)
            shot(f"/kiosk/ticket/{ticket['token']}", "mall-slip.png", 600, 900, full=True)
            shot("/display?entrance=1", "mall-entrance.png", 1920, 1080)
            context = browser.new_context(viewport={"width": 1440, "height": 1000})
            page = context.new_page()
            page.goto(f"{base}/login")
            page.fill("input[name=username]", SUPERVISOR[0])
            page.fill("input[name=password]", SUPERVISOR[1])
            page.click("button[type=submit]")
            page.goto(f"{base}/admin/overview")
            time.sleep(2)
            page.screenshot(path=str(out / "mall-overview.png"), full_page=True)
            browser.close()


if __name__ == "__main__":
    main()
