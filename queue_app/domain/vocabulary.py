"""Closed vocabularies of the domain: counter states, priority categories, channels, roles."""

from __future__ import annotations

from enum import StrEnum


class CounterState(StrEnum):
    """A counter calls only when open; paused keeps its clerk signed in."""

    OPEN = "open"
    PAUSED = "paused"
    CLOSED = "closed"


class Priority(StrEnum):
    """Categories that go ahead at the site's priority ratio."""

    ELDERLY = "elderly"
    DISABLED = "disabled"
    PREGNANT = "pregnant"
    WITH_INFANT = "with_infant"


class Channel(StrEnum):
    """Where a ticket was issued."""

    KIOSK = "kiosk"
    STAFF = "staff"
    API = "api"
    #: Checked in at the kiosk (or the desk) with an online booking (issue 16).
    ONLINE = "online"


class Outcome(StrEnum):
    """How a finished service ended (issue 18): recorded in the finish event's detail."""

    COMPLETED = "completed"
    INCOMPLETE_DOCUMENTS = "incomplete_documents"
    REFERRED = "referred"  # sent to another agency
    OTHER = "other"


#: The longest note a clerk may add to an outcome (stripped).
OUTCOME_NOTE_MAX = 200


class Role(StrEnum):
    """Account roles: clerks work at their assigned counters; supervisors and admins anywhere.
    A kiosk is a device account: it may issue tickets (channel kiosk, rate-limited per device)
    and nothing else staff can do."""

    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    CLERK = "clerk"
    KIOSK = "kiosk"


#: Roles of people who work the hall (everything but device accounts).
STAFF_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.CLERK})
#: Roles that oversee the whole hall: every counter, the overview, the reports.
OVERSEER_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR})


class DeviceKind(StrEnum):
    """What an enrolled screen is (services/devices.py)."""

    KIOSK = "kiosk"
    BOARD = "board"
    #: A counter-side tablet showing the satisfaction survey (web/survey_tablet.py).
    SURVEY = "survey"
