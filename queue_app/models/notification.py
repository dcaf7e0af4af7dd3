"""Notifications: the numbers holders gave to be told (encrypted), the outbox of messages to the
gateway, and the leases that let one process deliver at a time."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text
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
