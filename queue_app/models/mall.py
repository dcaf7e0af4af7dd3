"""The mall: zones (a floor or a room, with its own cap) and agencies (instansi) that offer
the services. A site with one zone and one agency is the single hall of before."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class Zone(Base):
    """A floor or a service room of a site. Its cap is the room's capacity times the
    distancing factor (e.g. 40 places at 50% → 20 people inside at once); no room capacity
    means no cap of its own (the site's building cap, if any, still holds)."""

    __tablename__ = "zones"
    __table_args__ = (
        UniqueConstraint("site_id", "name"),
        CheckConstraint("room_capacity IS NULL OR room_capacity >= 0", name="room_nonneg"),
        CheckConstraint("distancing_pct > 0 AND distancing_pct <= 100", name="distancing_pct"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    #: The floor it is on (as the building numbers them: 1 = ground floor in Indonesia).
    floor: Mapped[int] = mapped_column(default=1)
    #: Places in the room in normal times; NULL = no cap of its own.
    room_capacity: Mapped[int | None]
    #: Share of the room's places that may be used (50 under the June 2020 rules).
    distancing_pct: Mapped[int] = mapped_column(default=100, server_default=text("100"))
    #: Display order on kiosks, boards and the overview.
    position: Mapped[int] = mapped_column(default=0)

    @property
    def cap(self) -> int | None:
        """People allowed inside the zone at once (waiting + called + serving), or None."""
        if self.room_capacity is None:
            return None
        return self.room_capacity * self.distancing_pct // 100


class Agency(Base):
    """An agency (*instansi*) of the mall, e.g. Imigrasi or Bank DKI, offering services."""

    __tablename__ = "agencies"
    __table_args__ = (
        UniqueConstraint("site_id", "code"),
        CheckConstraint("daily_cap IS NULL OR daily_cap >= 0", name="daily_cap_nonneg"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    #: A short code, e.g. `IMI`, `BDKI`.
    code: Mapped[str] = mapped_column(String(12))
    name_id: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    #: The tile colour on kiosks and boards (`#rrggbb`).
    colour: Mapped[str] = mapped_column(String(7), default="#1f6f8b", server_default="#1f6f8b")
    #: Whether the kiosk issues walk-in tickets for its services (else: register online).
    walk_in: Mapped[bool] = mapped_column(default=True, server_default=text("true"))
    #: Tickets a day across all its services (Bank DKI: 50); NULL = none.
    daily_cap: Mapped[int | None]
    position: Mapped[int] = mapped_column(default=0)
    #: Channel policy (issue 16): `walk_in`, `online` or `both`; NULL = what `walk_in` says
    #: (walk-ins only, or online only), as before online registration existed.
    channels: Mapped[str | None] = mapped_column(String(8))
    #: Under `both`: the share of a service's daily quota booked online (percent).
    online_pct: Mapped[int] = mapped_column(default=50, server_default=text("50"))
