"""Errors the domain and the services raise; the web layer maps each `code` to an HTTP status."""

from __future__ import annotations


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
