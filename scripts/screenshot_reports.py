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
from pathlib import Path

from shot_harness import ROOT, chromium, served, sign_in

from queue_app import create_app
from queue_app.demo import SUPERVISOR

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
        with served(app) as base:
            shoot(base)


def shoot(base: str) -> None:
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        sign_in(page, base, SUPERVISOR)
        for lang, name in (("en", "reports.png"), ("id", "reports-id.png")):
            page.goto(f"{base}/admin/reports?date={DAY}&lang={lang}")
            page.wait_for_selector("svg.chart")
            page.screenshot(path=str(OUT / name), full_page=True)
            print(f"saved {OUT / name}")


if __name__ == "__main__":
    main()
