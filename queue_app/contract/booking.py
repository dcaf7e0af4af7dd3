"""Online registration (*antrean daring*, issue 16): the request bodies and the answers of
`/api/v1/booking/availability` and `/api/v1/bookings…`, typed once here as the rest of the
contract (bodies.py, payloads.py)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, Strict, WithJsonSchema
from typing_extensions import TypedDict

from ..domain.booking import CODE_ALPHABET, CODE_LENGTH, BookingState
from .bodies import Body, ServiceRef
from .fields import DAY_SCHEMA, ID_SCHEMA, MAX_ID, Day, Timestamp, values_of
from .payloads import AgencyRef, IssuedTicket, Requirement, TicketService, ZoneRef

BookingStateName = Annotated[str, values_of(BookingState)]
CODE_SCHEMA: dict[str, Any] = {
    "type": "string",
    "description": f"{CODE_LENGTH} characters of {CODE_ALPHABET} (no 0/O, 1/I); any case, "
    "spaces and dashes ignored",
    "minLength": 1,
    "maxLength": 32,
}


class BookingBody(Body):
    """`POST /api/v1/bookings`."""

    service: ServiceRef
    #: Checked by services.bookings.parse_day (422 `invalid_date` with the reason).
    date: Annotated[Any, WithJsonSchema(DAY_SCHEMA)] = None
    session: Annotated[int, Strict(), Field(ge=1, le=MAX_ID)]
    #: Checked by services.holders and domain.booking.nik_problem (422 with the reason).
    holder_id: Annotated[
        Any,
        WithJsonSchema(
            {
                "type": "string",
                "minLength": 1,
                "maxLength": 32,
                "description": "the holder's NIK (16 digits) or Indonesian mobile number, as "
                "the site asks; stored only as a keyed hash, never returned",
            }
        ),
    ] = None
    name: Annotated[str | None, Strict(), Field(max_length=80)] = None
    #: A mobile number to be told by SMS/WhatsApp (booking.confirmed, the reminders), checked
    #: by services.holders (422 naming `phone`); kept encrypted, deleted after the retention.
    phone: Annotated[str | None, Strict(), Field(max_length=32)] = None
    #: The language of those messages (Indonesian by default).
    lang: Literal["id", "en"] | None = None

    refusals: ClassVar[dict[str, str]] = {
        "service": "'service' is required (an id or a code)",
        "session": "'session' must be the id of one of the day's sessions",
        "name": "'name' must be a text of at most 80 characters",
    }


class CheckInBody(Body):
    """`POST /api/v1/bookings/check-in`: the booking's `code` (typed) or `token` (scanned)."""

    code: Annotated[str | None, Strict(), WithJsonSchema(CODE_SCHEMA)] = None
    token: Annotated[str | None, Strict(), Field(min_length=1, max_length=64)] = None

    refusals: ClassVar[dict[str, str]] = {
        "code": "'code' must be the booking's code",
        "token": "'token' must be the booking's token",
    }


class SessionSlot(TypedDict):
    """An arrival session and its places."""

    id: Annotated[int, WithJsonSchema(ID_SCHEMA)]
    starts_at: Timestamp
    ends_at: Timestamp
    capacity: Annotated[int, Field(ge=0)]
    left: Annotated[int, Field(ge=0, description="places not booked yet")]


class Availability(TypedDict):
    """`GET /api/v1/booking/availability`: a service day's sessions."""

    service: TicketService
    date: Day
    booking_open: Annotated[bool, Field(description="inside the site's booking windows now")]
    opens_at: Annotated[
        Timestamp | None,
        Field(description="when booking opens next (now, when open); null: it does not"),
    ]
    sessions: Annotated[
        list[SessionSlot], Field(description="empty for a service taking walk-ins only")
    ]


class SessionRef(TypedDict):
    id: int
    starts_at: Timestamp
    ends_at: Timestamp


class BookingView(TypedDict):
    """A booking as its holder sees it (no holder id, no token)."""

    code: Annotated[str, Field(examples=["K7QH3M"])]
    service: TicketService
    agency: AgencyRef
    zone: ZoneRef
    date: Day
    session: SessionRef
    state: BookingStateName
    check_in_from: Annotated[Timestamp, Field(description="the kiosk checks it in from")]
    check_in_until: Timestamp
    requirements: Annotated[list[Requirement], Field(description="what to bring")]


class DeskBooking(BookingView):
    """A booking as the desk's look-up shows it to staff: the view, the name the holder gave
    (if any) and, once checked in, its ticket's code (never the holder id)."""

    name: Annotated[str | None, Field(description="the name given when booking, if any")]
    ticket: Annotated[
        str | None,
        Field(examples=["B-012"], description="the ticket issued at its check-in, if any"),
    ]


class BookedReceipt(BookingView):
    """The answer to `POST /api/v1/bookings`: the view, its token and status page."""

    token: Annotated[str, Field(description="the holder's secret; shown once")]
    status_url: Annotated[str, WithJsonSchema({"type": "string", "format": "uri"})]


class CheckedIn(IssuedTicket):
    """The answer to a check-in: the ticket issued (channel `online`; a walk-in channel when
    the booking came too late and the service takes walk-ins) and the booking's code."""

    channel: Annotated[str, Field(examples=["online"])]
    booking: str


class AvailabilityQuery(Body):
    """`GET /api/v1/booking/availability?service=…`: the service, checked as a body's is."""

    service: ServiceRef

    refusals: ClassVar[dict[str, str]] = {"service": "'service' is required (an id or a code)"}
