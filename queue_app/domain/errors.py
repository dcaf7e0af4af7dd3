"""Errors the domain and the services raise; the web layer maps each `code` to an HTTP status."""

from __future__ import annotations

from datetime import date


class LoketError(Exception):
    """A rule of the queue refused an action. `code` is stable and machine-readable."""

    code = "error"

    def __init__(self, message: str, **detail: object) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class InvalidTransition(LoketError):
    """A ticket cannot take this action from its current state."""

    code = "invalid_transition"


class QuotaReached(LoketError):
    """The service has issued its daily quota."""

    code = "quota_reached"


class AgencyCapReached(LoketError):
    """The agency has issued its daily cap across all its services (Bank DKI: 50 a day)."""

    code = "agency_cap_reached"


class WalkInNotAccepted(LoketError):
    """The agency takes no walk-ins: applicants register online first."""

    code = "walk_in_not_accepted"


class ServiceClosed(LoketError):
    """The service takes no new tickets now."""

    code = "service_closed"


class ClosedEarly(ServiceClosed):
    """The service closed early today: a ticket taken now would not be served before closing.
    Same code as `ServiceClosed` for clients; `detail.reason` says why."""


class HallClosed(LoketError):
    """The hall is outside its opening hours: no new tickets."""

    code = "hall_closed"


class CounterNotOpen(LoketError):
    """The counter is paused or closed, so it cannot call."""

    code = "counter_not_open"


class CounterBusy(LoketError):
    """The counter still has a called or serving ticket."""

    code = "counter_busy"


class NotFound(LoketError):
    """No such ticket, service, counter or user."""

    code = "not_found"


class Forbidden(LoketError):
    """The signed-in user may not act here."""

    code = "forbidden"


class InvalidInput(LoketError):
    """The request is malformed or a value is out of range."""

    code = "invalid_input"


class IdempotencyMismatch(InvalidInput):
    """An `Idempotency-Key` used before for a request with another body (422)."""

    code = "idempotency_mismatch"


class RecallLimitReached(InvalidTransition):
    """The site's recall policy: this ticket was recalled as often as allowed since its last
    call (a 409 like every refused ticket action, with its own code)."""

    code = "recall_limit"


class NoShowTooEarly(InvalidTransition):
    """The site's no-show policy: a called ticket may be marked a no-show only some seconds
    after its latest call (the applicant may still be walking to the counter)."""

    code = "too_early"


class AlreadyHolding(LoketError):
    """The site allows one active ticket per holder (phone number or NIK) per service and day,
    and this holder already has one."""

    code = "already_holding"


class InvalidHolderId(InvalidInput):
    """The phone number or NIK the site asks for is missing or not well formed."""

    code = "invalid_holder_id"


class SurveyClosed(LoketError):
    """The ticket's satisfaction survey takes no answer: the ticket is not done, was already
    answered, or was served more than `domain.ikm.ANSWER_DAYS` days ago (`detail.reason`)."""

    code = "survey_closed"


# -- online registration (issue 16) -----------------------------------------------------------


class BookingRefused(LoketError):
    """A booking, its cancellation or its check-in was refused (409); `code` says why."""

    code = "booking_refused"


class SessionFull(BookingRefused):
    """Every place of the session is booked."""

    code = "session_full"
    #: The full session's (service id, day), for this process's availability read model,
    #: which may not know yet (another process's booking, an admin's places); not in the answer.
    service_day: tuple[int, date] | None = None


class AlreadyBooked(BookingRefused):
    """The holder already has an active booking of this service on this day."""

    code = "already_booked"


class BookingLimit(BookingRefused):
    """The holder has made the site's weekly number of bookings."""

    code = "booking_limit"


class WalkInOnly(BookingRefused):
    """The service takes walk-ins only: nothing to book."""

    code = "walk_in_only"


class TooEarly(BookingRefused):
    """Check-in before the session's window opens (`detail.opens_at`)."""

    code = "too_early"


class TooLate(BookingRefused):
    """Check-in after the session's window closed, where walk-ins are not taken."""

    code = "too_late"


class NotToday(BookingRefused):
    """Check-in of a booking for another day."""

    code = "not_today"


class AlreadyCheckedIn(BookingRefused):
    """The booking was checked in already (its ticket exists)."""

    code = "already_checked_in"


class BookingCancelled(BookingRefused):
    """The booking was cancelled."""

    code = "booking_cancelled"


class BookingExpired(BookingRefused):
    """The booking expired: its session ended without a check-in."""

    code = "booking_expired"


class BookingClosed(Forbidden):
    """Booking is outside the site's windows now (`detail.opens_at`: when it opens next)."""

    code = "booking_closed"


class InvalidDate(InvalidInput):
    """The day asked for is malformed or not bookable (`detail.reason`)."""

    code = "invalid_date"


class InvalidSession(InvalidInput):
    """No such session of the service on that day."""

    code = "invalid_session"
