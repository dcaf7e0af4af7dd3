"""What online registration answers (issue 16): a service day's availability and a booking
as its holder sees it, built from the rows (contract/booking.py types them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..contract import booking as contract
from ..contract import payloads
from ..domain import booking as rules
from ..models import (
    Agency,
    Booking,
    BookingSession,
    Service,
    ServiceRequirement,
    Site,
    Ticket,
    Zone,
)
from .bookings import Availability, Rules, rules_of
from .read import requirement_payload, ticket_service, zone_ref


def _iso(at: datetime) -> str:
    return at.isoformat()


def slot(row: BookingSession) -> contract.SessionSlot:
    return contract.SessionSlot(
        id=row.id,
        starts_at=_iso(row.starts_at),
        ends_at=_iso(row.ends_at),
        capacity=row.places,
        left=max(0, row.places - row.taken),
    )


def availability(found: Availability) -> contract.Availability:
    return contract.Availability(
        service=ticket_service(found.service),
        date=found.day.isoformat(),
        booking_open=found.booking_open,
        opens_at=found.opens_at.isoformat() if found.opens_at is not None else None,
        sessions=[slot(row) for row in found.sessions],
    )


def booking_view(
    session: Session, booking: Booking, book: Rules | None = None
) -> contract.BookingView:
    """The booking as its holder (status page, portal) sees it: never the holder id. `book`:
    the site's booking rules, when the caller has them already."""
    service = session.get(Service, booking.service_id)
    place = session.get(BookingSession, booking.session_id)
    site = session.get(Site, booking.site_id)
    assert service is not None and place is not None and site is not None
    agency = session.get(Agency, service.agency_id)
    zone = session.get(Zone, service.zone_id)
    assert agency is not None and zone is not None
    if book is None:
        book = rules_of(session, site)
    opens, closes = rules.check_in_window(
        place.starts_at, place.ends_at, book.early_min, book.late_min
    )
    needed = session.scalars(
        select(ServiceRequirement)
        .where(ServiceRequirement.service_id == service.id)
        .order_by(ServiceRequirement.position)
    )
    return contract.BookingView(
        code=booking.code,
        service=ticket_service(service),
        agency=payloads.AgencyRef(id=agency.id, code=agency.code, name=agency.name_id),
        zone=zone_ref(zone),
        date=booking.day.isoformat(),
        session=contract.SessionRef(
            id=place.id, starts_at=_iso(place.starts_at), ends_at=_iso(place.ends_at)
        ),
        state=booking.state,
        check_in_from=opens.isoformat(),
        check_in_until=closes.isoformat(),
        requirements=[requirement_payload(row) for row in needed],
    )


def desk_view(session: Session, booking: Booking) -> contract.DeskBooking:
    """The booking as the desk's look-up shows it to staff: its view, the name the holder
    gave, and the code of the ticket its check-in issued (None before)."""
    ticket = session.get(Ticket, booking.ticket_id) if booking.ticket_id is not None else None
    return contract.DeskBooking(
        **booking_view(session, booking),
        name=booking.name,
        ticket=ticket.code if ticket is not None else None,
    )
