"""The hall: one row per site, with its settings and its change sequence."""

from __future__ import annotations

from datetime import time

from sqlalchemy import CheckConstraint, String, Time
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class Site(Base):
    """A service hall. Every mutation of its queue locks this row first and bumps `seq`."""

    __tablename__ = "sites"
    __table_args__ = (
        CheckConstraint("hall_capacity IS NULL OR hall_capacity >= 0", name="capacity_nonneg"),
        CheckConstraint("priority_ratio >= 0", name="ratio_nonneg"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Jakarta")
    opens_at: Mapped[time] = mapped_column(Time, default=time(8, 0))
    closes_at: Mapped[time] = mapped_column(Time, default=time(16, 0))
    #: People allowed inside at once (waiting + called + serving); NULL = no cap.
    hall_capacity: Mapped[int | None]
    #: Regular calls between two priority calls at one counter; 0 = priority always first.
    priority_ratio: Mapped[int] = mapped_column(default=2)
    #: Sequence of committed changes; every broadcast and the board snapshot carry it.
    seq: Mapped[int] = mapped_column(default=0)
