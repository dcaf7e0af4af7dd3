"""Tickets, their append-only event log, and the per-day number counters."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class DayCounter(Base):
    """The last number issued for one (service, service day); advanced inside the issuing
    transaction, so numbering never relies on COUNT(*) or max()+1."""

    __tablename__ = "day_counters"

    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)


class Ticket(Base):
    """A numbered ticket. Timestamps here are a cache of the event log, for fast queries."""

    __tablename__ = "tickets"
    __table_args__ = (
        # The last line of defence: a number is never issued twice for a service and day.
        UniqueConstraint("issued_service_id", "service_day", "number"),
        Index("ix_tickets_site_state", "site_id", "state"),
        Index("ix_tickets_service_state_queue", "service_id", "state", "queue_at"),
        Index("ix_tickets_counter_state", "counter_id", "state"),
        # Reports and today's counts read one site's service days.
        Index("ix_tickets_site_day", "site_id", "service_day", "state"),
        # One active ticket per holder, service and day (sites that collect a phone or NIK).
        Index("ix_tickets_holder", "issued_service_id", "service_day", "holder_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    #: The service the number was drawn from (fixes the code `A-007` for life).
    issued_service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    #: The service whose queue the ticket is in now (changes on transfer).
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    service_day: Mapped[date] = mapped_column(Date)
    number: Mapped[int]
    code: Mapped[str] = mapped_column(String(16))
    priority: Mapped[str | None] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(8))
    #: Unguessable public token (192 bits) for the phone status page.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    state: Mapped[str] = mapped_column(String(16))
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counters.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Transferred tickets go to the front of their new service.
    front: Mapped[bool] = mapped_column(default=False)
    #: Place in the queue: issue time, or the time of the last requeue/reinstate/transfer.
    queue_at: Mapped[datetime]
    issued_at: Mapped[datetime]
    admitted_at: Mapped[datetime | None]
    first_called_at: Mapped[datetime | None]
    called_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    call_count: Mapped[int] = mapped_column(default=0)
    #: Keyed hash (HMAC-SHA-256) of the holder's phone number or NIK, where the site collects
    #: one; never the number itself, never shown on any screen.
    holder_hash: Mapped[str | None] = mapped_column(String(64))
    #: The holder answered the satisfaction survey (services.survey): the one link there is
    #: between a ticket and the survey, which keeps no reference to its ticket.
    surveyed: Mapped[bool] = mapped_column(default=False, server_default=false())


class TicketEvent(Base):
    """One transition of one ticket. Append-only: rows are never updated or deleted."""

    __tablename__ = "ticket_events"
    __table_args__ = (
        Index("ix_ticket_events_site_at", "site_id", "at"),
        # A site's sequence numbers are unique, and a snapshot reads the changes since one.
        Index("uq_ticket_events_site_seq", "site_id", "seq", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    seq: Mapped[int]
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime]
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counters.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Refusal(Base):
    """An applicant the kiosk or the API turned away: the service's quota was reached, or it
    closed early because the rest of its day was already promised. Written in its own
    transaction after the refused one rolled back; append-only like the event log."""

    __tablename__ = "refusals"
    __table_args__ = (Index("ix_refusals_site_day", "site_id", "service_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    service_day: Mapped[date] = mapped_column(Date)
    at: Mapped[datetime]
    #: `quota_reached`, `agency_cap_reached`, `walk_in_not_accepted`, `closed_early`,
    #: `service_closed`, or `not_ready` (the applicant lacked
    #: a required document and took no number: a visit saved).
    reason: Mapped[str] = mapped_column(String(24))
    channel: Mapped[str] = mapped_column(String(8))
    priority: Mapped[str | None] = mapped_column(String(16))


class AdminChange(Base):
    """One change made in the admin console (services, counters, staff, site settings), or a
    staff sign-in. Append-only, like the ticket event log: the audit trail of configuration."""

    __tablename__ = "admin_changes"
    __table_args__ = (Index("ix_admin_changes_site_at", "site_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    at: Mapped[datetime]
    #: Who made the change (NULL for a failed sign-in of an unknown user).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: `service`, `counter`, `user`, `site` or `session`.
    entity: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[int | None]
    #: `create`, `update`, `activate`, `deactivate`, `reset_password`, `sign_in`, ...
    action: Mapped[str] = mapped_column(String(24))
    #: Field → [before, after] for updates; the created values for creates. Never a password.
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class IssueRequest(Base):
    """A `POST /api/v1/tickets` sent with an `Idempotency-Key`: the key, what the request
    asked for (a fingerprint), the ticket it issued (written in the issue's transaction) and
    the answer it got (written right after), so that a retry with the same key gets the same
    ticket and the same answer instead of a second ticket (services.idempotency)."""

    __tablename__ = "issue_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    #: sha256 of the site, the account and the request body.
    fingerprint: Mapped[str] = mapped_column(String(64))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    at: Mapped[datetime]
    #: The 201 answer's body (None until kept, right after the issue's commit).
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON)
