"""The demo mall for the browser tests of online registration (issue 16), whatever the hour:
booking is open all day, every day (so tomorrow is always the next working day), Immigration
(B, documents to bring) takes both channels and the land office (J) online only. For the
kiosk's check-in, today gets two sessions of B made around the real clock: one running now
(its bookings check in), one starting in three hours (too early), each with bookings made
through the service layer as if booked yesterday."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import requests
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from queue_app.models import Agency, BookingSession, BookingSettings, ClosedDay, Service, Site
from queue_app.services import bookings, holders

from ..integration.live import ROOT, gunicorn_server, seed

SECRET = "live-test-secret"
#: Well-formed NIKs (Jakarta, born 15-06-1990), one per holder.
NIKS = [f"317101150690{n:04d}" for n in range(1, 100)]


@dataclass
class Booked:
    code: str
    token: str
    #: The session's start (aware, UTC).
    starts_at: datetime


@dataclass
class BookingMall:
    base: str
    database_url: str
    site_id: int
    env: dict[str, str]
    now: list[Booked] = field(default_factory=list)
    later: list[Booked] = field(default_factory=list)

    def state_of(self, token: str) -> str:
        """A booking's state, as its public view gives it."""
        answer = requests.get(f"{self.base}/api/v1/bookings/by-token/{token}", timeout=10)
        state: str = answer.json()["state"]
        return state

    def fill_first_session(self, code: str) -> None:
        """Someone else takes the last places of service `code`'s first session tomorrow."""
        engine = create_engine(self.database_url)
        with Session(engine) as session:
            site = session.get(Site, self.site_id)
            assert site is not None
            tomorrow = bookings.rules_of(session, site).today(datetime.now(UTC)) + timedelta(days=1)
            first = session.scalars(
                select(BookingSession)
                .join(Service, Service.id == BookingSession.service_id)
                .where(Service.code == code, BookingSession.day == tomorrow)
                .order_by(BookingSession.starts_at)
            ).first()
            assert first is not None
            first.capacity_override = first.taken
            session.commit()
        engine.dispose()

    def close_today(self) -> None:
        """Today becomes a holiday: booking closes until tomorrow's window opens."""
        engine = create_engine(self.database_url)
        with Session(engine) as session:
            site = session.get(Site, self.site_id)
            assert site is not None
            today = bookings.rules_of(session, site).today(datetime.now(UTC))
            session.add(ClosedDay(site_id=self.site_id, day=today, name="test holiday"))
            session.commit()
        engine.dispose()


def _session_of_today(
    session: Session, site: Site, service: Service, starts: datetime, places: int
) -> BookingSession:
    book = bookings.rules_of(session, site)
    row = BookingSession(
        site_id=site.id,
        service_id=service.id,
        day=book.today(datetime.now(UTC)),
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        capacity=places,
        taken=0,
    )
    session.add(row)
    session.flush()
    return row


@contextmanager
def booking_mall(
    database_url: str,
    checkins: int = 0,
    extra_env: dict[str, str] | None = None,
    prepare: Callable[[Session, Site], None] | None = None,
) -> Iterator[BookingMall]:
    """The demo mall prepared for booking (see the module), served by gunicorn (with
    `extra_env`); `checkins` bookings of today in the running session and as many in the
    later one; `prepare(session, site)`: what a test changes more before the server starts."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET,
        "PYTHONPATH": str(ROOT),
        "RATELIMIT_ENABLED": "false",
    }
    seed(database_url, env, mall=True)
    engine = create_engine(database_url)
    now_list: list[Booked] = []
    later_list: list[Booked] = []
    with Session(engine) as session:
        site = session.scalars(select(Site)).one()
        session.add(
            BookingSettings(
                site_id=site.id,
                windows="00:00-00:00",
                days_ahead=1,
                working_days="1234567",
                holder_kind="nik",
                week_limit=2,
                early_min=30,
                late_min=15,
                session_min=60,
            )
        )
        imigrasi = session.scalars(select(Agency).where(Agency.code == "IMIGRASI")).one()
        imigrasi.channels = "both"
        session.flush()
        if checkins:
            service = session.scalars(
                select(Service).where(Service.site_id == site.id, Service.code == "B")
            ).one()
            now = datetime.now(UTC).replace(microsecond=0)
            running = _session_of_today(session, site, service, now - timedelta(minutes=5), 20)
            later = _session_of_today(session, site, service, now + timedelta(hours=3), 20)
            key = holders.holder_key(SECRET)
            yesterday = now - timedelta(days=1)
            niks = iter(NIKS)
            for place, into in ((running, now_list), (later, later_list)):
                for _ in range(checkins):
                    holder = holders.parse_holder_id(holders.NIK, next(niks), key)
                    booking, _, _ = bookings.book(
                        session,
                        site.id,
                        "B",
                        place.day.isoformat(),
                        place.id,
                        holder,
                        None,
                        yesterday,
                    )
                    into.append(Booked(booking.code, booking.token, place.starts_at))
        if prepare is not None:
            prepare(session, site)
        session.commit()
        site_id = site.id
    engine.dispose()
    with gunicorn_server(database_url, extra_env, prepared=True, killed_after=True) as base:
        yield BookingMall(base, database_url, site_id, env, now_list, later_list)
