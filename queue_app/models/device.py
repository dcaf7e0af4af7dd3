"""Screens enrolled as a hall's kiosks and lobby boards (services/devices.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class Device(Base):
    """A kiosk or a board of one hall. It is created with a one-time enrolment code (valid 24 h;
    only its SHA-256 is stored); opening `/enrol/<code>` in the device's browser gives it a
    long-lived cookie whose token's SHA-256 is `token_hash`. Revoked devices stay, as the
    audit trail refers to them."""

    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    #: `kiosk`, `board` or `survey` (domain.vocabulary.DeviceKind; no CHECK constraint).
    kind: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    code_expires_at: Mapped[datetime | None]
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    enrolled_at: Mapped[datetime | None]
    #: Last request or socket heartbeat of the enrolled device (written at most once a minute).
    last_seen_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
