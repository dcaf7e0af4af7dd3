"""Screenshot of the reports page's online registration: docs/screenshots/reports-bookings.png.

    .venv/bin/python scripts/screenshot_booking_reports.py [--out DIR]

Builds the demo mall (`seed_demo`) in a temporary SQLite file, open 08:00–16:00, with
Imigrasi and Polda taking both channels (the land office takes bookings only, as seeded), then
plays Tuesday 16 June 2026 through the real verbs on a frozen clock: on Monday morning
holders book sessions of passports (B), vehicle tax (C) and land (J); some cancel that
evening; on Tuesday most check in during their session, a few come too late (a walk-in ticket
where the service takes walk-ins), walk-ins take tickets all day, and the evening's sweep
expires the no-shows. Then it serves the app (a local WSGI server in a thread) and photographs
the page's "Online registration" part in English (reports-bookings.png) and in Indonesian
(reports-bookings-id.png) in Debian's Chromium (Playwright; no browser is downloaded).
"""

from __future__ import annotations

import argparse
import random
import tempfile
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import time_machine
from shot_harness import ROOT, chromium, served, sign_in
from sqlalchemy import select

from queue_app import create_app
from queue_app.demo import SUPERVISOR, seed_demo
from queue_app.domain.errors import LoketError
from queue_app.domain.vocabulary import Channel
from queue_app.extensions import db
from queue_app.models import Agency, Service, Site
from queue_app.services import bookings, tickets
from queue_app.services.holders import HolderId

MONDAY = date(2026, 6, 15)
TUESDAY = date(2026, 6, 16)
WIB = timedelta(hours=7)
BOOKED = ("B", "C", "J")
WALK_INS = {"A": 40, "B": 25, "C": 45, "D": 20, "H": 30}


def local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=UTC) - WIB


def holder(n: int) -> HolderId:
    return HolderId(
        kind="nik", value=f"317101150690{n:04d}", key=b"screenshot-key-of-32-bytes-long!"
    )


def play() -> None:
    """The booking day, inside an app context; one commit per step."""
    session = db.session
    seed_demo(session)
    site = session.scalars(select(Site)).one()
    site.opens_at, site.closes_at = time(8), time(16)
    for code in ("IMIGRASI", "POLDA"):
        session.scalars(select(Agency).where(Agency.code == code)).one().channels = "both"
    session.commit()
    services = {s.code: s for s in session.scalars(select(Service))}
    rng = random.Random(16)
    made: list[tuple[str, datetime, datetime, str]] = []  # code, session start/end, policy
    n = 0
    with time_machine.travel(local(MONDAY, time(7)), tick=False):
        now = local(MONDAY, time(7))
        for code in BOOKED:
            open_sessions = bookings.availability(
                session, site.id, code, TUESDAY.isoformat(), now
            ).sessions
            policy = bookings.policy_of(
                services[code], session.get(Agency, services[code].agency_id)
            )  # type: ignore[arg-type]
            for place in open_sessions:
                wanted = min(place.places, rng.randint(4, 14))
                for _ in range(wanted):
                    booking, _, _ = bookings.book(
                        session, site.id, code, TUESDAY.isoformat(), place.id, holder(n), None, now
                    )
                    n += 1
                    made.append((booking.token, place.starts_at, place.ends_at, policy.value))
        session.commit()
    steps: list[tuple[datetime, Callable[[datetime], object]]] = []
    for token, starts, ends, policy in made:
        r = rng.random()
        if r < 0.09:
            steps.append(
                (local(MONDAY, time(20)), lambda at, t=token: bookings.cancel(session, t, at))
            )
        elif r < 0.8:
            at = starts + timedelta(minutes=rng.randint(-25, 65))
            steps.append((at, lambda at, t=token: _check_in(site.id, t, at)))
        elif r < 0.86 and policy == "both":
            at = ends + timedelta(minutes=rng.randint(20, 50))
            steps.append((at, lambda at, t=token: _check_in(site.id, t, at)))
    for code, count in WALK_INS.items():
        for _ in range(count):
            at = local(TUESDAY, time(8)) + timedelta(minutes=rng.randint(0, 7 * 60))
            sid = services[code].id
            steps.append((at, lambda at, s=sid: tickets.issue_ticket(session, s)))
    steps.append(
        (local(TUESDAY, time(16, 30)), lambda at: bookings.expire_no_shows(session, site.id, at))
    )
    for at, step in sorted(steps, key=lambda s: s[0]):
        with time_machine.travel(at, tick=False):
            try:
                step(at)
                session.commit()
            except LoketError:
                session.rollback()


def _check_in(site_id: int, token: str, at: datetime) -> object:
    return bookings.check_in(
        db.session, site_id, code=None, token=token, channel=Channel.KIOSK, staff_id=None, now=at
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="loket-shot-") as tmp:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(tmp) / 'day.db'}",
                "SECRET_KEY": "screenshot",
                "REDIS_URL": None,
                "SOCKETIO_ASYNC_MODE": "threading",
            }
        )
        with app.app_context():
            db.create_all()
            play()
        with served(app) as base:
            shoot(base, args.out)


def shoot(base: str, out: Path) -> None:
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        sign_in(page, base, SUPERVISOR)
        for lang, name in (("en", "reports-bookings.png"), ("id", "reports-bookings-id.png")):
            page.goto(f"{base}/admin/reports?date={TUESDAY.isoformat()}&lang={lang}")
            page.locator("#bookings").screenshot(path=str(out / name))
            print(f"saved {out / name}")


if __name__ == "__main__":
    main()
