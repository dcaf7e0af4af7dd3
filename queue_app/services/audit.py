"""The audit trail: who did what, when and at which counter.

Writing: every `AdminChange` row is made here (`record_change` and the sign-in records), in the
caller's transaction — the admin console's verbs (services/admin/), devices, reprints, staff
sign-ins and failed sign-ins. Ticket events are the event log's (services/tickets, the hall).

Reading: a day's trail — every ticket event of the event log, every admin console change and
every staff sign-in — newest first, or in order for a download (its CSV: services/csv_export).
Both sources are append-only tables.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..domain.errors import InvalidInput, NotFound
from ..domain.numbering import local_midnight_utc, site_zone
from ..models import AdminChange, Agency, Counter, Service, Site, Ticket, TicketEvent, User, Zone
from .clock import utcnow

#: What `kind` may filter on.
KINDS = ("ticket", "admin")

#: What `AdminChange.entity` names.
SERVICE, COUNTER, USER, SITE, SESSION = "service", "counter", "user", "site", "session"
DEVICE, TICKET, NOTIFICATION = "device", "ticket", "notification"
ZONE, AGENCY = "zone", "agency"
#: Online registration (issue 16): a site's booking settings and closed days; one session's places.
BOOKING, BOOKING_SESSION = "booking", "booking_session"


# -- writing --------------------------------------------------------------------------------


def record_change(
    session: Session,
    *,
    site_id: int | None,
    user_id: int | None,
    entity: str,
    entity_id: int | None,
    action: str,
    changes: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AdminChange:
    """Append one row to the admin audit trail (in the caller's transaction)."""
    row = AdminChange(
        site_id=site_id,
        at=at or utcnow(),
        user_id=user_id,
        entity=entity,
        entity_id=entity_id,
        action=action,
        changes=changes or None,
    )
    session.add(row)
    return row


def record_sign_in(session: Session, user: User) -> None:
    """A staff sign-in (failed ones: services.staff.record_failed_sign_in). Flushes."""
    record_change(
        session,
        site_id=None,
        user_id=user.id,
        entity=SESSION,
        entity_id=user.id,
        action="sign_in",
    )
    session.flush()


def record_sign_out(
    session: Session, user_id: int, *, everywhere: dict[str, int] | None = None
) -> None:
    """A staff sign-out; `everywhere`: it ended every session and API token of the user (how
    many of each). Flushes."""
    record_change(
        session,
        site_id=None,
        user_id=user_id,
        entity=SESSION,
        entity_id=user_id,
        action="sign_out" if everywhere is None else "sign_out_everywhere",
        changes=everywhere,
    )
    session.flush()


# -- reading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit trail."""

    at: datetime
    #: `ticket` (the event log) or `admin` (admin_changes: set-up, staff, sign-ins).
    kind: str
    #: Who: the staff member's username, None for the kiosk, the system or an unknown user.
    user: str | None
    action: str
    #: What it was about: a ticket code (`A-007`), `service A`, `counter 3`, `user budi`, …
    subject: str
    #: For admin changes: `service`, `counter`, `user`, `site` or `session`; None for tickets.
    entity: str | None
    #: The ticket code, service code, counter number or username the line is about.
    name: str
    counter: int | None
    service: str | None
    from_state: str | None
    to_state: str | None
    #: The event's detail, or the admin change's field → [before, after].
    detail: dict[str, Any] | None
    #: Tie-breaker within one instant (the row's id, per source).
    row: int


@dataclass(frozen=True)
class AuditDay:
    """One local day of one hall, optionally for one kind and one staff member."""

    site: Site
    day: date
    kind: str | None = None
    user_id: int | None = None

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        zone = site_zone(self.site.timezone)
        return (
            local_midnight_utc(self.day, zone),
            local_midnight_utc(self.day + timedelta(days=1), zone),
        )


def audit_day(
    session: Session,
    site_id: int,
    day: date,
    *,
    kind: str | None = None,
    user_id: int | None = None,
) -> AuditDay:
    """The query for a day's trail, checked: a known site and kind."""
    site = session.get(Site, site_id)
    if site is None:
        raise NotFound(f"no site {site_id}")
    if kind is not None and kind not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}", field="kind")
    return AuditDay(site, day, kind, user_id)


def page(
    session: Session, query: AuditDay, *, limit: int, offset: int = 0
) -> tuple[list[AuditEntry], bool]:
    """Newest first: `limit` entries after skipping `offset`, and whether older ones exist."""
    wanted = offset + limit + 1
    merged = list(
        heapq.merge(
            _ticket_entries(session, query, newest_first=True, limit=wanted),
            _admin_entries(session, query, newest_first=True, limit=wanted),
            key=lambda e: (e.at, e.kind == "admin", e.row),
            reverse=True,
        )
    )
    return merged[offset : offset + limit], len(merged) > offset + limit


def every_entry(session: Session, query: AuditDay) -> Iterator[AuditEntry]:
    """The whole day in order (for the CSV download)."""
    return heapq.merge(
        _ticket_entries(session, query, newest_first=False),
        _admin_entries(session, query, newest_first=False),
        key=lambda e: (e.at, e.kind == "admin", e.row),
    )


def _ticket_entries(
    session: Session, query: AuditDay, *, newest_first: bool, limit: int | None = None
) -> Iterator[AuditEntry]:
    if query.kind not in (None, "ticket"):
        return iter(())
    start, end = query.bounds
    stmt = (
        select(
            TicketEvent.id,
            TicketEvent.at,
            TicketEvent.action,
            TicketEvent.from_state,
            TicketEvent.to_state,
            TicketEvent.detail,
            Ticket.code,
            Service.code.label("service"),
            Counter.number,
            User.username,
        )
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .join(Service, Service.id == TicketEvent.service_id)
        .outerjoin(Counter, Counter.id == TicketEvent.counter_id)
        .outerjoin(User, User.id == TicketEvent.staff_id)
        .where(
            TicketEvent.site_id == query.site.id,
            TicketEvent.at >= start,
            TicketEvent.at < end,
        )
    )
    if query.user_id is not None:
        stmt = stmt.where(TicketEvent.staff_id == query.user_id)
    if newest_first:
        stmt = stmt.order_by(TicketEvent.at.desc(), TicketEvent.id.desc())
    else:
        stmt = stmt.order_by(TicketEvent.at, TicketEvent.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return (
        AuditEntry(
            at=row.at,
            kind="ticket",
            user=row.username,
            action=row.action,
            subject=row.code,
            entity=None,
            name=row.code,
            counter=row.number,
            service=row.service,
            from_state=row.from_state,
            to_state=row.to_state,
            detail=row.detail,
            row=row.id,
        )
        for row in session.execute(stmt)
    )


def _admin_entries(
    session: Session, query: AuditDay, *, newest_first: bool, limit: int | None = None
) -> Iterator[AuditEntry]:
    if query.kind not in (None, "admin"):
        return iter(())
    start, end = query.bounds
    stmt = (
        select(AdminChange, User.username)
        .outerjoin(User, User.id == AdminChange.user_id)
        .where(
            or_(AdminChange.site_id == query.site.id, AdminChange.site_id.is_(None)),
            AdminChange.at >= start,
            AdminChange.at < end,
        )
    )
    if query.user_id is not None:
        stmt = stmt.where(AdminChange.user_id == query.user_id)
    if newest_first:
        stmt = stmt.order_by(AdminChange.at.desc(), AdminChange.id.desc())
    else:
        stmt = stmt.order_by(AdminChange.at, AdminChange.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = [(change, username) for change, username in session.execute(stmt)]
    names = _entity_names(session, [change for change, _name in rows])
    return (
        AuditEntry(
            at=change.at,
            kind="admin",
            user=username,
            action=change.action,
            subject=f"{change.entity} {names.get((change.entity, change.entity_id), '')}".strip(),
            entity=change.entity,
            name=names.get((change.entity, change.entity_id), ""),
            counter=None,
            service=None,
            from_state=None,
            to_state=None,
            detail=change.changes,
            row=change.id,
        )
        for change, username in rows
    )


def _entity_names(
    session: Session, changes: list[AdminChange]
) -> dict[tuple[str, int | None], str]:
    """`A`, `3`, `budi`, `A-007`, `Lantai 3`, `IMI`: the service code, counter number,
    username, ticket code, zone name or agency code of each entity these changes are about
    (the site has no name here: there is one per page)."""
    ids: dict[str, set[int]] = {}
    for change in changes:
        if change.entity_id is not None:
            ids.setdefault(change.entity, set()).add(change.entity_id)
    names: dict[tuple[str, int | None], str] = {}
    if ids.get("service"):
        for sid, code in session.execute(
            select(Service.id, Service.code).where(Service.id.in_(ids["service"]))
        ):
            names[("service", sid)] = code
    if ids.get("counter"):
        for cid, number in session.execute(
            select(Counter.id, Counter.number).where(Counter.id.in_(ids["counter"]))
        ):
            names[("counter", cid)] = str(number)
    if ids.get("zone"):
        for zid, zone_name in session.execute(
            select(Zone.id, Zone.name).where(Zone.id.in_(ids["zone"]))
        ):
            names[("zone", zid)] = zone_name
    if ids.get("agency"):
        for aid, agency_code in session.execute(
            select(Agency.id, Agency.code).where(Agency.id.in_(ids["agency"]))
        ):
            names[("agency", aid)] = agency_code
    if ids.get("ticket"):
        for tid, code in session.execute(
            select(Ticket.id, Ticket.code).where(Ticket.id.in_(ids["ticket"]))
        ):
            names[("ticket", tid)] = code
    people = ids.get("user", set()) | ids.get("session", set())
    if people:
        for uid, username in session.execute(
            select(User.id, User.username).where(User.id.in_(people))
        ):
            names[("user", uid)] = username
            names[("session", uid)] = username
    return names
