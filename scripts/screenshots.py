"""Redraw docs/screenshots/ from a live demo hall in headless Chromium.

Starts the real server the way the live tests do (gunicorn, gevent worker, a fresh demo database
in a temporary directory), makes a busy moment over the JSON API — 25 tickets over six services,
two of them for elderly applicants, four counters open, some tickets called, served and finished
— and photographs each screen:

    kiosk.png     1080×1920  the kiosk at the entrance, a portrait touch screen
    kiosk-landscape.png  1366×768  the same kiosk on a landscape screen
    kiosk-full.png       1080×1920  the kiosk once the hall is full (the cap set to who is inside)
    kiosk-requirements.png, kiosk-requirements-landscape.png
                         1080×1920 and 1366×768: Paspor's documents asked for before issuing
    ticket.png               the printed ticket (print styles, the 80 mm slip alone, 2× pixels)
    counter.png   1440×900   counter 1's terminal with a called ticket
    board.png     1920×1080  the lobby board after a few calls, its call flash gone
    board-en.png  1920×1080  the same board in English (`?lang=en`)
    board-full.png, board-portrait.png, board-portrait-2.png
                  1920×1080 and 1080×1920: the board of 16 services after twenty calls, the
                  hall full, people let in and others still outside (the portrait TV shows
                  the waiting list in two turns: both are drawn)
    board-empty.png, board-closed.png
                  1920×1080: nobody called yet; a hall outside its opening hours
    phone.png     390×844    the phone status page of a waiting ticket with people ahead: the
                             hall, when it was taken, the number now served, the documents to
                             bring, the leave button
    admin-*.png   1440 wide  the admin console: services, a refused service form, counters,
                             zones and agencies (after adding a floor and Bank DKI), staff,
                             site settings, the audit trail (as the demo admin)
    overview.png  1440 wide  the supervisors' live hall overview, once the first waits have
                             passed the alert limit the admin set to one minute, with a
                             no-show to reinstate and a refused close of a busy counter
    reprint.png   1366×768   the reprint form, refusing a code of no ticket of today
    kiosk-notify.png  1080×1920  notifications on: the kiosk's step for a number to be told at
    admin-notify-settings.png  the notification settings, refusing an unknown placeholder

Run: `make screenshots`, or `.venv/bin/python scripts/screenshots.py [--out DIR] [--only PREFIX]`
(`--only kiosk`: the same busy moment, but only the kiosk's three pictures; `--only staff`:
only the admin console, the overview and the reprint form; `--only board`: the lobby board's
images alone).
Needs Debian's Chromium at /usr/bin/chromium and the dev requirements (Playwright, requests);
no browser is downloaded.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from datetime import datetime
from datetime import time as dtime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import requests
from playwright.sync_api import Browser, Locator, Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.board_hall import HallApi, board_server, busy_morning  # noqa: E402
from tests.integration.live import gunicorn_server  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
# A lobby board runs with autoplay allowed (its chime needs no touch); the others need no flag.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--autoplay-policy=no-user-gesture-required",
]
PASSWORD = "petugas-loket"
ADMIN = ("admin", "admin-loket")
SUPERVISOR = ("supervisor", "supervisor-loket")
WAIT_MS = 30_000

#: The morning so far, in the order people took their tickets: (service, priority).
ARRIVALS: list[tuple[str, str | None]] = [
    ("A", None), ("B", None), ("A", None), ("C", None), ("D", None),
    ("A", None), ("B", None), ("H", None), ("C", "elderly"), ("A", None),
    ("F", None), ("B", None), ("A", None), ("D", None), ("C", None),
    ("H", None), ("A", "elderly"), ("B", None), ("F", None), ("C", None),
    ("A", None), ("D", None), ("B", None), ("H", None), ("A", None),
]  # fmt: skip


class Hall(HallApi):
    """The demo hall over its JSON API (tests/browser/board_hall.HallApi), with priorities,
    counters opening and any ticket action."""

    def issue(self, service: str, priority: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"service": service}
        if priority:
            body["priority"] = priority
        return dict(self.post("/tickets", body))

    def open(self, counter: int) -> None:
        self.post(f"/counters/{counter}/open", counter=counter)

    def ticket(self, ticket: dict[str, Any], action: str, counter: int) -> None:
        self.post(f"/tickets/{ticket['id']}/{action}", counter=counter)


def connected(page: Page) -> None:
    page.wait_for_function("() => window.LoketSocket && window.LoketSocket.connected")


def calm_board(page: Page, announced: int = 1) -> None:
    """Wait until the board has made `announced` announcements and its call flash is gone."""
    page.wait_for_function(
        "(n) => window.LoketBoard && window.LoketBoard.announced.length >= n"
        " && document.getElementById('flash').hidden",
        arg=announced,
        timeout=WAIT_MS,
    )
    page.wait_for_timeout(300)  # the "now calling" panel's own flash animation


#: Only images whose names start with this are saved (`--only`).
ONLY = ""


def shoot(page: Page | Locator, out: Path, name: str, **options: Any) -> None:
    if not name.startswith(ONLY):
        return
    path = out / name
    page.screenshot(path=str(path), **options)
    print(f"  {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def sign_in(browser: Browser, base: str, username: str) -> Page:
    page = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(f"{base}/login?next=/counter")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/counter/*")
    connected(page)
    return page


def kiosk_pages(base: str, browser: Browser, out: Path) -> None:
    """The kiosk upright (the usual touch screen) and across."""
    for name, viewport in (
        ("kiosk.png", {"width": 1080, "height": 1920}),
        ("kiosk-landscape.png", {"width": 1366, "height": 768}),
    ):
        kiosk = browser.new_context(viewport=viewport).new_page()
        kiosk.set_default_timeout(WAIT_MS)
        kiosk.goto(f"{base}/kiosk")
        connected(kiosk)
        shoot(kiosk, out, name)
        # The requirements step of Paspor (B): its documents before a number is issued.
        kiosk.click('.service[data-code="B"]')
        kiosk.wait_for_selector("#requirements:not([hidden])")
        shoot(kiosk, out, name.replace("kiosk", "kiosk-requirements"))
        kiosk.context.close()


def kiosk_full(base: str, browser: Browser, out: Path, database: Path) -> None:
    """The kiosk once the hall is full: its cap set to the people inside now. Last, since it
    changes the hall (straight in its database, its `seq` moved on so the page reads it)."""
    inside = requests.get(f"{base}/api/v1/board", timeout=10).json()["hall"]["inside"]
    with sqlite3.connect(database) as db:
        db.execute("UPDATE sites SET hall_capacity = ?, seq = seq + 1", (inside,))
    kiosk = browser.new_context(viewport={"width": 1080, "height": 1920}).new_page()
    kiosk.set_default_timeout(WAIT_MS)
    kiosk.goto(f"{base}/kiosk")
    connected(kiosk)
    kiosk.wait_for_selector('#hall[data-full="yes"]')
    shoot(kiosk, out, "kiosk-full.png")


def screenshots(
    base: str, browser: Browser, out: Path, database: Path, only: str | None = None
) -> None:
    hall = Hall(base)
    started = time.monotonic()
    tickets = [hall.issue(service, priority) for service, priority in ARRIVALS]

    # Counters 1 and 2 serve A, 5 serves B, 9 serves C (each also helps the next service).
    for counter in (1, 2, 5, 9):
        hall.open(counter)
    first = hall.call(1)
    hall.ticket(first, "start", 1)
    for counter in (5, 9):
        hall.ticket(hall.call(counter), "start", counter)
    if only == "kiosk":
        hall.call(2)
        kiosk_pages(base, browser, out)
        kiosk_full(base, browser, out, database)
        return
    if only == "staff":
        hall.call(2)
        admin_pages(base, browser, out, started, hall)
        return

    # The lobby board is on before the last calls, so it announces them live.
    board = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
    board.set_default_timeout(WAIT_MS)
    board.goto(f"{base}/display")
    connected(board)
    hall.call(2)
    calm_board(board)
    hall.ticket(first, "finish", 1)  # served for the few seconds the board took
    called = hall.call(1)  # counter 1's clerk now has this ticket called
    calm_board(board, announced=2)
    shoot(board, out, "board.png")

    board_en = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
    board_en.set_default_timeout(WAIT_MS)
    board_en.goto(f"{base}/display?lang=en")
    connected(board_en)
    board_en.wait_for_function(
        "(code) => document.getElementById('now-code').textContent === code", arg=called["code"]
    )
    shoot(board_en, out, "board-en.png")

    kiosk_pages(base, browser, out)

    terminal = sign_in(browser, base, "petugas01")
    terminal.wait_for_function(
        "(code) => document.getElementById('current-code').textContent === code",
        arg=called["code"],
    )
    terminal.wait_for_timeout(2500)  # let the "called since" timer run a little
    shoot(terminal, out, "counter.png")

    # The phone and the printed ticket of someone still waiting, with people ahead, for Paspor
    # (B): both list the documents to bring.
    waiting = [t for t in tickets if t["code"].startswith("B-")][-1]
    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    ).new_page()
    phone.set_default_timeout(WAIT_MS)
    phone.goto(f"{base}/t/{waiting['token']}")
    connected(phone)
    phone.wait_for_function("() => Number(document.getElementById('position').textContent) > 0")
    phone.wait_for_function("() => document.getElementById('now-serving').textContent !== '—'")
    shoot(phone, out, "phone.png")

    slip = browser.new_context(
        viewport={"width": 420, "height": 900}, device_scale_factor=2
    ).new_page()
    slip.set_default_timeout(WAIT_MS)
    slip.emulate_media(media="print")
    slip.goto(f"{base}/kiosk/ticket/{waiting['token']}")
    shoot(slip.locator("#slip"), out, "ticket.png")

    admin_pages(base, browser, out, started, hall)
    kiosk_full(base, browser, out, database)


def staff_page(browser: Browser, base: str, who: tuple[str, str], target: str) -> Page:
    """A signed-in staff member's page at `target`."""
    # An Indonesian browser: dates and times in its inputs as the hall's staff see them.
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="id-ID")
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(f"{base}/login?next={target}")
    page.fill("#username", who[0])
    page.fill("#password", who[1])
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}{target}")
    return page


def admin_pages(base: str, browser: Browser, out: Path, started: float, hall: Hall) -> None:
    """The admin console as the demo admin, then the overview as the demo supervisor (with a
    no-show at counter 3 to reinstate, and a close of busy counter 5 refused), then the reprint
    form."""
    admin = staff_page(browser, base, ADMIN, "/admin/services")
    shoot(admin, out, "admin-services.png", full_page=True)
    # A form refused field by field: a code already taken and a negative quota.
    admin.goto(f"{base}/admin/services/new")
    admin.fill("#code", "A")
    admin.fill("#name_id", "Layanan Pengaduan")
    admin.fill("#name_en", "Complaints")
    admin.fill("#daily_quota", "-10")
    admin.click("form.admin-form button[type=submit]")
    admin.wait_for_selector(".field-error")
    shoot(admin, out, "admin-service-form.png", full_page=True)
    admin.goto(f"{base}/admin/counters")
    shoot(admin, out, "admin-counters.png", full_page=True)
    mall_pages(admin, base, out)
    admin.goto(f"{base}/admin/staff")
    shoot(admin, out, "admin-staff.png")
    admin.goto(f"{base}/admin/site")
    shoot(admin, out, "admin-site.png", full_page=True)
    # The admin asks for an alert after one minute of waiting (the demo's waits are short).
    admin.fill("#wait_alert_min", "1")
    admin.click("form.admin-form button[type=submit]")
    admin.wait_for_selector(".notice")
    admin.goto(f"{base}/admin/audit")
    shoot(admin, out, "admin-audit.png")

    overview = staff_page(browser, base, SUPERVISOR, "/admin/overview")
    connected(overview)
    # The first tickets of the morning pass the one-minute limit: their alerts come up.
    overview.wait_for_function(
        "() => document.querySelectorAll('#ov-alerts .long_wait').length > 0",
        timeout=max(WAIT_MS, int((started + 75 - time.monotonic()) * 1000)),
    )
    hall.open(3)
    hall.ticket(hall.call(3), "no-show", 3)
    overview.wait_for_selector("#ov-missed li")
    overview.once("dialog", lambda dialog: dialog.accept())
    overview.click('#ov-counters li.ov-counter[data-id="5"] button[data-action=close]')
    overview.wait_for_selector("#ov-result.refused:not([hidden])")
    shoot(overview, out, "overview.png", full_page=True)

    clerk = staff_page(browser, base, ("petugas01", "petugas-loket"), "/counter/1")
    clerk.set_viewport_size({"width": 1366, "height": 768})
    clerk.click("a[href^='/reprint']")
    clerk.fill("#code", "B-099")
    clerk.click(".reprint-form button[type=submit]")
    clerk.wait_for_selector("#reprint-error")
    shoot(clerk, out, "reprint.png")


def mall_pages(admin: Page, base: str, out: Path) -> None:
    """The Zona and Instansi pages, once the admin has added a floor at 50% and Bank DKI with
    its cap of 50 a day through their forms."""
    admin.goto(f"{base}/admin/zones/new")
    admin.fill("#name", "Lantai 3")
    admin.fill("#floor", "3")
    admin.fill("#room_capacity", "60")
    admin.fill("#distancing_pct", "50")
    admin.click("form.admin-form button[type=submit]")
    admin.wait_for_selector(".notice")
    shoot(admin, out, "admin-zones.png", full_page=True)
    admin.goto(f"{base}/admin/agencies/new")
    admin.fill("#code", "BDKI")
    admin.fill("#name_id", "Bank DKI")
    admin.fill("#name_en", "Bank DKI")
    admin.fill("#colour", "#c8102e")
    admin.fill("#daily_cap", "50")
    admin.click("form.admin-form button[type=submit]")
    admin.wait_for_selector(".notice")
    shoot(admin, out, "admin-agencies.png", full_page=True)


def board_page(browser: Browser, base: str, size: tuple[int, int]) -> Page:
    page = browser.new_context(viewport={"width": size[0], "height": size[1]}).new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(f"{base}/display")
    connected(page)
    page.wait_for_timeout(500)
    return page


def board_screens(browser: Browser, out: Path, tmp: Path) -> None:
    """The lobby board at its hardest: 16 services, a full hall after twenty calls, a portrait
    TV; and its quiet states: nobody called yet, the hall closed."""
    with board_server(f"sqlite:///{tmp / 'board.db'}", capacity=30) as base:
        shoot(board_page(browser, base, (1920, 1080)), out, "board-empty.png")
        busy_morning(HallApi(base), calls=20)
        shoot(board_page(browser, base, (1920, 1080)), out, "board-full.png")
        portrait = board_page(browser, base, (1080, 1920))
        shoot(portrait, out, "board-portrait.png")
        portrait.evaluate("() => window.LoketBoard.turnPage()")
        shoot(portrait, out, "board-portrait-2.png")
    # Open 08:00–16:00 in Jakarta, drawn at a moment it is closed (hours that begin two
    # hours from now when the script runs during them).
    now = datetime.now(ZoneInfo("Asia/Jakarta"))
    hours = (dtime(8), dtime(16))
    if hours[0].hour <= now.hour < hours[1].hour:
        hours = (dtime((now.hour + 2) % 24), dtime((now.hour + 10) % 24))
    with board_server(f"sqlite:///{tmp / 'closed.db'}", hours=hours) as base:
        shoot(board_page(browser, base, (1920, 1080)), out, "board-closed.png")


def notify_screens(browser: Browser, out: Path, tmp: Path) -> None:
    """With notifications on: the kiosk's step for the number to be told by SMS/WhatsApp, and
    the admin console's notification settings (a gateway that is never called: nothing is
    issued)."""
    env = {
        "NOTIFY_ENABLED": "true",
        "NOTIFY_WEBHOOK_URL": "http://127.0.0.1:9/hook",
        "NOTIFY_WEBHOOK_SECRET": "screenshots-only-secret",
    }
    with gunicorn_server(f"sqlite:///{tmp / 'notify.db'}", extra_env=env) as base:
        kiosk = browser.new_context(viewport={"width": 1080, "height": 1920}).new_page()
        kiosk.set_default_timeout(WAIT_MS)
        kiosk.goto(f"{base}/kiosk")
        connected(kiosk)
        kiosk.click("#notify-toggle")
        for key in "0812345":
            kiosk.click(f'#notify-step .keypad button[data-key="{key}"]')
        shoot(kiosk, out, "kiosk-notify.png")
        kiosk.context.close()
        admin = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
        admin.set_default_timeout(WAIT_MS)
        admin.goto(f"{base}/login?next=/admin/notifications/settings")
        admin.fill("#username", ADMIN[0])
        admin.fill("#password", ADMIN[1])
        admin.click("button[type=submit]")
        admin.wait_for_url("**/admin/notifications/settings")
        admin.fill("#ticket_called_id", "Nomor {nomor} ke loket {counter}")
        admin.click("form#notify-settings button[type=submit]")
        admin.wait_for_selector(".has-error")
        shoot(admin, out, "admin-notify-settings.png", full_page=True)
        admin.context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--only", default="", help="save only the images whose names start so")
    args = parser.parse_args()
    global ONLY
    # `staff` picks a path through the demo, not a name prefix: it saves what that path shoots.
    ONLY = "" if args.only == "staff" else args.only
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="loket-screens-") as tmp,
        gunicorn_server(f"sqlite:///{Path(tmp) / 'demo.db'}") as base,
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            print(f"Demo hall at {base}; saving:")
            screenshots(base, browser, out, Path(tmp) / "demo.db", args.only)
            if args.only != "staff" and ("board".startswith(ONLY) or ONLY.startswith("board")):
                board_screens(browser, out, Path(tmp))
            if args.only != "staff":
                notify_screens(browser, out, Path(tmp))
        finally:
            browser.close()


if __name__ == "__main__":
    main()
