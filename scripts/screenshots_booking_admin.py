"""Redraw the admin console's online registration pictures in docs/screenshots/ (headless
Chromium), from the demo mall `make run` serves (BPN takes bookings only):
    admin-booking-settings.png  1440 wide  /admin/booking: windows, days, holder id, limits,
                                           check-in tolerance, a closed day
    admin-booking-sessions.png  1440 wide  /admin/booking/sessions: BPN's service tomorrow,
                                           one session overridden, one booked
Run: `.venv/bin/python scripts/screenshots_booking_admin.py [--out DIR]`.
"""

from __future__ import annotations

import argparse
import tempfile
from datetime import date, timedelta
from pathlib import Path

import requests
from shot_harness import ROOT, chromium, sign_in

from queue_app.demo import ADMIN
from tests.integration.live import gunicorn_server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    out: Path = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory() as tmp,
        gunicorn_server(f"sqlite:///{tmp}/mall.db", mall=True) as base,
        chromium() as browser,
    ):
        page = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
        sign_in(page, base, ADMIN, "/admin/booking")
        # The demo hall is open around the clock (its tests run at any hour); the picture
        # shows a working day's hours, 08:00-16:00, cut into sessions of an hour.
        page.goto(f"{base}/admin/site")
        page.fill("#opens_at", "08:00")
        page.fill("#closes_at", "16:00")
        page.click("form.admin-form button[type=submit]")
        page.wait_for_selector(".notice")
        page.goto(f"{base}/admin/booking")
        # Booking open all day (the picture does not depend on the hour it is drawn at).
        page.fill("#windows", "00:00-00:00")
        for box in page.query_selector_all("input[name=working_days]"):
            box.check()
        page.fill("#days_ahead", "5")
        page.click("form.admin-form button[type=submit] >> nth=0")
        page.wait_for_selector(".notice")
        page.fill("#closed_day", (date.today() + timedelta(days=14)).isoformat())
        page.fill("#closed_name", "Cuti bersama")
        page.click("#closed-days button:has-text('Simpan'), #closed-days button:has-text('Tambah')")
        page.wait_for_selector("#closed-days td:has-text('Cuti bersama')")
        page.goto(f"{base}/admin/booking")
        page.screenshot(path=str(out / "admin-booking-settings.png"), full_page=True)

        page.goto(f"{base}/admin/booking/sessions")
        page.wait_for_selector("table.sessions")
        day = page.input_value("select[name=date]")
        code = page.inner_text("select[name=service] option:checked").split(" — ")[0]
        sessions = requests.get(
            f"{base}/api/v1/booking/availability",
            params={"service": code, "date": day},
            timeout=10,
        ).json()["sessions"]
        booked = requests.post(
            f"{base}/api/v1/bookings",
            json={
                "service": code,
                "date": day,
                "session": sessions[1]["id"],
                "holder_id": "3171011506900001",
            },
            timeout=10,
        )
        assert booked.status_code == 201, booked.text
        page.reload()
        page.fill(f"input[name=places-{sessions[0]['id']}]", "4")
        page.click("button:has-text('Simpan')")
        page.wait_for_selector(".notice")
        # A refusal as the admin meets it: fewer places than booked.
        page.fill(f"input[name=places-{sessions[1]['id']}]", "0")
        page.click("button:has-text('Simpan')")
        page.wait_for_selector(".field-error")
        page.screenshot(path=str(out / "admin-booking-sessions.png"), full_page=True)


if __name__ == "__main__":
    main()
