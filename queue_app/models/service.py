"""Services (layanan): what applicants come for; their letter code prefixes ticket numbers."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class Service(Base):
    """One service of a site, e.g. `A` — Kependudukan (KTP, KK)."""

    __tablename__ = "services"
    __table_args__ = (
        UniqueConstraint("site_id", "code"),
        CheckConstraint("daily_quota IS NULL OR daily_quota >= 0", name="quota_nonneg"),
        CheckConstraint("prior_service_s > 0", name="prior_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    #: The agency offering it and the zone (floor or room) where it is served.
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id"), index=True)
    code: Mapped[str] = mapped_column(String(3))
    name_id: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    daily_quota: Mapped[int | None]
    is_open: Mapped[bool] = mapped_column(default=True)
    #: Mean service time assumed until real measurements exist.
    prior_service_s: Mapped[int] = mapped_column(default=300)
    #: Display order on kiosks and boards.
    position: Mapped[int] = mapped_column(default=0)
    #: Stop issuing (the kiosk button closes) once the wait estimate says a new ticket cannot
    #: be served before the hall's closing time.
    closes_early: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    #: Channel policy of this service (issue 16): NULL = its agency's.
    channels: Mapped[str | None] = mapped_column(String(8))
    #: Online share of the daily quota under `both`: NULL = its agency's.
    online_pct: Mapped[int | None]
    #: Places of no-shows (bookings never checked in) go to walk-ins for the rest of the day.
    release_no_shows: Mapped[bool] = mapped_column(default=True, server_default=text("true"))


class ServiceRequirement(Base):
    """One document an applicant must bring for a service (*persyaratan*), e.g. "KTP asli dan
    fotokopi", in the order the kiosk lists them."""

    __tablename__ = "service_requirements"
    __table_args__ = (Index("ix_service_requirements_service", "service_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    #: Place in the service's list (0 first).
    position: Mapped[int] = mapped_column(default=0)
    name_id: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    #: An optional remark, e.g. "asli dan fotokopi" ("" = none).
    note: Mapped[str] = mapped_column(String(200), default="")
