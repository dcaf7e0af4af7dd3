"""Notifications: the numbers holders gave to be told (encrypted), the outbox of messages to the
gateway, and the leases that let one process deliver at a time."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class TicketContact(Base):
    """The number a ticket's holder gave for notifications, Fernet-encrypted
    (notify/crypto.py). Deleted by `purge-contacts` after the service day and the retention
    period; the ticket and its statistics stay."""

    __tablename__ = "ticket_contacts"
    __table_args__ = (Index("ix_ticket_contacts_service_day", "service_day"),)

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    service_day: Mapped[date] = mapped_column(Date)
    #: The Fernet token of the normalised number (`+628…`).
    recipient: Mapped[str] = mapped_column(Text)
    #: HMAC of the number (services/holders.holder_key): groups one recipient's messages for
    #: their order without decrypting, and cannot be checked against a list without the key.
    recipient_key: Mapped[str] = mapped_column(String(64))
    lang: Mapped[str] = mapped_column(String(2))
    #: The ticket's status page, for the texts that link to it.
    link: Mapped[str] = mapped_column(String(255))
    #: `ticket.almost` went out (it is sent once).
    almost_sent: Mapped[bool] = mapped_column(default=False)


class BookingContact(Base):
    """The number an online booking's holder gave for notifications (issue 17), Fernet-
    encrypted like a ticket's; deleted by `purge-contacts` after the booking's day and the
    retention period. `reminders` is the last reminder sent (0 none, 1 the evening before,
    2 the hour before)."""

    __tablename__ = "booking_contacts"
    __table_args__ = (Index("ix_booking_contacts_day", "day"),)

    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    day: Mapped[date] = mapped_column(Date)
    recipient: Mapped[str] = mapped_column(Text)
    recipient_key: Mapped[str] = mapped_column(String(64))
    lang: Mapped[str] = mapped_column(String(2))
    #: The booking's status page, for the texts that link to it.
    link: Mapped[str] = mapped_column(String(255))
    reminders: Mapped[int] = mapped_column(default=0)


class Notification(Base):
    """One message of the outbox, written in the transaction of the change that causes it."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_state_seq", "state", "seq"),
        Index("ix_notifications_recipient_key", "recipient_key"),
    )

    #: Order of writing: one recipient's messages are delivered in this order.
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    #: The stable id (uuid4 hex) the receiver de-duplicates on (`Idempotency-Key`).
    id: Mapped[str] = mapped_column(String(32), unique=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    event: Mapped[str] = mapped_column(String(32))
    #: Fernet token of the number; NULL once purged.
    recipient: Mapped[str | None] = mapped_column(Text)
    recipient_key: Mapped[str | None] = mapped_column(String(64))
    lang: Mapped[str] = mapped_column(String(2))
    text: Mapped[str] = mapped_column(Text)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    ticket_code: Mapped[str | None] = mapped_column(String(16))
    service_code: Mapped[str | None] = mapped_column(String(8))
    counter_number: Mapped[int | None]
    #: The booking a `booking.*` message is about: its code, day and session ("08.00–09.00").
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id"), index=True)
    booking_code: Mapped[str | None] = mapped_column(String(8))
    booking_session: Mapped[str | None] = mapped_column(String(16))
    service_day: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16))
    tries: Mapped[int] = mapped_column(default=0)
    next_try_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None]


class Lease(Base):
    """A named lease: the process named `holder` may do the job until `expires_at`."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]


class NotificationSettings(Base):
    """A site's own notification settings (issue 17): which kinds are sent and in which words,
    how many ahead `ticket.almost` waits for, how long numbers are kept, and the gateway when
    the site has its own. No row: the defaults (domain/notify.py) and the environment's
    gateway. Written only by the admin console, audited."""

    __tablename__ = "notification_settings"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    #: `ticket.almost` goes out once this many or fewer are ahead.
    almost_ahead: Mapped[int] = mapped_column(default=5)
    #: Days after the service day the numbers are kept; NULL: NOTIFY_RETENTION_DAYS.
    retention_days: Mapped[int | None]
    #: Kind (`ticket.called` …) → {"on": bool, "id": text or null, "en": text or null}; a
    #: kind not named is on, with the default texts.
    kinds: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The site's own gateway; NULL: NOTIFY_WEBHOOK_URL / NOTIFY_WEBHOOK_SECRET.
    webhook_url: Mapped[str | None] = mapped_column(String(255))
    #: Its signing secret, Fernet-sealed like the numbers (notify/crypto.py), never shown.
    webhook_secret: Mapped[str | None] = mapped_column(Text)
