"""SQLAlchemy 2.0 typed models. Import from here so every table is registered."""

from .base import Base
from .booking import (
    Booking,
    BookingEvent,
    BookingHolder,
    BookingSession,
    BookingSettings,
    ClosedDay,
)
from .counter import Counter, CounterService
from .device import Device
from .mall import Agency, Zone
from .notification import (
    BookingContact,
    Lease,
    Notification,
    NotificationSettings,
    TicketContact,
)
from .service import Service, ServiceRequirement
from .site import Site
from .survey import SurveyResponse
from .ticket import AdminChange, DayCounter, IssueRequest, Refusal, Ticket, TicketEvent
from .user import ApiToken, StaffSession, User, user_counters

__all__ = [
    "AdminChange",
    "Agency",
    "ApiToken",
    "Base",
    "Booking",
    "BookingContact",
    "BookingEvent",
    "BookingHolder",
    "BookingSession",
    "BookingSettings",
    "ClosedDay",
    "Counter",
    "CounterService",
    "DayCounter",
    "Device",
    "IssueRequest",
    "Lease",
    "Notification",
    "NotificationSettings",
    "Refusal",
    "Service",
    "ServiceRequirement",
    "Site",
    "StaffSession",
    "SurveyResponse",
    "Ticket",
    "TicketContact",
    "TicketEvent",
    "User",
    "Zone",
    "user_counters",
]
