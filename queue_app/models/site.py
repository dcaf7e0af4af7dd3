"""The hall: one row per site, with its settings and its change sequence."""

from __future__ import annotations

from datetime import time

from sqlalchemy import CheckConstraint, String, Time, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class Site(Base):
    """A service hall. Every mutation of its queue locks this row first and bumps `seq`."""

    __tablename__ = "sites"
    __table_args__ = (
        CheckConstraint("hall_capacity IS NULL OR hall_capacity >= 0", name="capacity_nonneg"),
        CheckConstraint("priority_ratio >= 0", name="ratio_nonneg"),
        CheckConstraint("recall_limit IS NULL OR recall_limit >= 0", name="recall_limit_nonneg"),
        CheckConstraint("no_show_after_s >= 0", name="no_show_after_nonneg"),
        CheckConstraint("wait_alert_min > 0", name="wait_alert_positive"),
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
    #: Address printed in ticket QR codes (`<url>/t/<token>`); NULL = the PUBLIC_BASE_URL
    #: setting, then the address the request came to.
    public_base_url: Mapped[str | None] = mapped_column(String(255))
    #: Recall policy: recalls allowed per call of a ticket; NULL = no limit.
    recall_limit: Mapped[int | None]
    #: No-show policy: seconds after the latest call before a clerk may mark a no-show.
    no_show_after_s: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    #: Supervisor alert when a waiting ticket has waited longer than this (minutes).
    wait_alert_min: Mapped[int] = mapped_column(default=45, server_default=text("45"))
    #: What the kiosk asks for to allow one active ticket per person per service and day:
    #: NULL (nothing), `phone` or `nik`. Stored only as a keyed hash on the ticket.
    holder_id_kind: Mapped[str | None] = mapped_column(String(8))
