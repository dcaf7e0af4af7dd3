"""Counters (loket) and the ordered services each one serves."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base
from .service import Service


class Counter(Base):
    """A numbered counter. `state` is open, paused or closed (domain.vocabulary.CounterState)."""

    __tablename__ = "counters"
    __table_args__ = (UniqueConstraint("site_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    #: The zone it stands in; it serves services of that zone.
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id"), index=True)
    number: Mapped[int]
    label: Mapped[str] = mapped_column(String(120))
    state: Mapped[str] = mapped_column(String(16), default="closed")
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Regular calls since the last priority call here (for the priority ratio).
    regular_streak: Mapped[int] = mapped_column(default=0)

    links: Mapped[list[CounterService]] = relationship(
        order_by="CounterService.rank", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def service_ids(self) -> list[int]:
        """Services this counter serves, most preferred first."""
        return [link.service_id for link in self.links]


class CounterService(Base):
    """Counter × service, with the counter's preference rank (0 = most preferred)."""

    __tablename__ = "counter_services"

    counter_id: Mapped[int] = mapped_column(ForeignKey("counters.id"), primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), primary_key=True)
    rank: Mapped[int] = mapped_column(default=0)

    service: Mapped[Service] = relationship(lazy="joined")
