"""Screenshot of the reports page after a simulated busy day: docs/screenshots/reports.png.

    .venv/bin/python scripts/screenshot_reports.py [--applicants 5000]

Plays the day with `flask simulate-day --keep` into a temporary SQLite file, serves the app on
it (a local WSGI server in a thread), signs in as the supervisor in Debian's Chromium (driven by
Playwright; no browser is downloaded) and saves the page in English (reports.png) and in
Indonesian, the default (reports-id.png).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from queue_app import create_app  # noqa: E402
from queue_app.demo import SUPERVISOR  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
DAY = "2026-06-15"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--applicants", type=int, default=5000)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="loket-shot-") as tmp:
        db = Path(tmp) / "day.db"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "flask",
                "--app",
                "queue_app",
                "simulate-day",
                "--applicants",
                str(args.applicants),
                "--keep",
                str(db),
            ],
            cwd=ROOT,
            check=True,
        )
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db}",
                "SECRET_KEY": "screenshot",
                "REDIS_URL": None,
                "SOCKETIO_ASYNC_MODE": "threading",
            }
        )
        server = make_server("127.0.0.1", 0, app, threaded=True)
        base = f"http://127.0.0.1:{server.server_port}"
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            shoot(base)
        finally:
            server.shutdown()


def shoot(base: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{base}/login")
        page.fill("input[name=username]", SUPERVISOR[0])
        page.fill("input[name=password]", SUPERVISOR[1])
        page.click("button[type=submit]")
        page.wait_for_load_state()
        for lang, name in (("en", "reports.png"), ("id", "reports-id.png")):
            page.goto(f"{base}/admin/reports?date={DAY}&lang={lang}")
            page.wait_for_selector("svg.chart")
            page.screenshot(path=str(OUT / name), full_page=True)
            print(f"saved {OUT / name}")
        browser.close()


if __name__ == "__main__":
    main()
