"""Online registration (*antrean daring*, issue 16): the site's booking settings and closed
days, arrival sessions per service day, bookings and their append-only event log."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class BookingSettings(Base):
    """One site's booking rules (a row per site; a site without one has the defaults)."""

    __tablename__ = "booking_settings"
    __table_args__ = (
        CheckConstraint("days_ahead >= 1", name="days_ahead_positive"),
        CheckConstraint("week_limit >= 1", name="week_limit_positive"),
        CheckConstraint("session_min >= 5", name="session_min_min"),
        CheckConstraint("early_min >= 0 AND late_min >= 0", name="tolerance_nonneg"),
    )

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    #: Local times of day when booking is open: "06:00-10:00,16:00-22:00".
    windows: Mapped[str] = mapped_column(String(200), default="06:00-10:00,16:00-22:00")
    #: How many working days ahead one may book (1: the next working day).
    days_ahead: Mapped[int] = mapped_column(default=1)
    #: ISO weekdays the hall works, as digits: "12345" = Monday to Friday.
    working_days: Mapped[str] = mapped_column(String(7), default="12345")
    #: The holder id a booking asks for: `nik` or `phone`.
    holder_kind: Mapped[str] = mapped_column(String(8), default="nik")
    #: Bookings one holder may make per ISO week (the 2-files-a-week rule against *calo*).
    week_limit: Mapped[int] = mapped_column(default=2)
    #: Minutes before a session's start, and after its end, a booking may check in.
    early_min: Mapped[int] = mapped_column(default=30)
    late_min: Mapped[int] = mapped_column(default=15)
    #: Length of an arrival session (default: one per opening hour).
    session_min: Mapped[int] = mapped_column(default=60)


class ClosedDay(Base):
    """A day the site does not work (a public holiday, *cuti bersama*)."""

    __tablename__ = "closed_days"
    __table_args__ = (UniqueConstraint("site_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    day: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(120), default="")


class BookingSession(Base):
    """One arrival session of a service day, with its places. `taken` counts the bookings
    holding a place (booked or checked in), changed only under this row's lock."""

    __tablename__ = "booking_sessions"
    __table_args__ = (
        UniqueConstraint("service_id", "day", "starts_at"),
        CheckConstraint("capacity >= 0", name="capacity_nonneg"),
        CheckConstraint("taken >= 0", name="taken_nonneg"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    day: Mapped[date] = mapped_column(Date)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    #: The default made from the counters when the day's sessions were cut.
    capacity: Mapped[int]
    #: An admin's override of `capacity` (NULL: the default holds).
    capacity_override: Mapped[int | None]
    taken: Mapped[int] = mapped_column(default=0)

    @property
    def places(self) -> int:
        return self.capacity if self.capacity_override is None else self.capacity_override


class BookingHolder(Base):
    """One row per (site, holder, week), locked while a booking of that holder is made, so
    the per-person limits hold under concurrency. It holds the week's keyed hash only."""

    __tablename__ = "booking_holders"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    week_hash: Mapped[str] = mapped_column(String(64), primary_key=True)


class Booking(Base):
    """A holder's place in one session. The holder id is kept only as keyed hashes: the
    kiosk's (of the service day) and one of the ISO week, for the weekly limit."""

    __tablename__ = "bookings"
    __table_args__ = (
        Index("ix_bookings_holder_day", "service_id", "day", "holder_hash"),
        Index("ix_bookings_holder_week", "site_id", "week_hash"),
        Index("ix_bookings_session_state", "session_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    session_id: Mapped[int] = mapped_column(ForeignKey("booking_sessions.id"))
    day: Mapped[date] = mapped_column(Date)
    #: Read over the phone: 6 characters, no 0/O or 1/I.
    code: Mapped[str] = mapped_column(String(8), unique=True)
    #: Unguessable (192 bits): the status page `/b/<token>`.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    holder_hash: Mapped[str] = mapped_column(String(64))
    week_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(80))
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    #: The ticket its check-in issued.
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    #: Where it was made: `api` (this site's page or another agency's portal).
    channel: Mapped[str] = mapped_column(String(8), default="api", server_default=text("'api'"))


class BookingEvent(Base):
    """One change of one booking. Append-only: rows are never updated or deleted."""

    __tablename__ = "booking_events"
    __table_args__ = (Index("ix_booking_events_site_at", "site_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"), index=True)
    #: `book`, `cancel`, `check_in`, `expire`.
    action: Mapped[str] = mapped_column(String(16))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime]
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
