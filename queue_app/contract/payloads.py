"""What the API answers, as typed dicts: the read models build these very dicts (mypy checks
each key and type where they are built), the broadcast sends them as they are, and the
OpenAPI components are generated from them (contract/schemas.py).

Typed dicts rather than `BaseModel`s because a payload is built once per snapshot and then
serialised by the thousand (boards, phones, socket messages): a dict costs nothing to build
or to send, and needs no validation of what the code itself computed (docs/decisions.md).
Field names follow the JSON; a class name is its component's name in the document.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, NotRequired

from pydantic import Field, WithJsonSchema
from typing_extensions import TypedDict

from ..domain.states import TicketState
from ..domain.vocabulary import Channel, CounterState, Priority, Role
from .fields import Day, LocalTime, Seconds, Timestamp, values_of

StateName = Annotated[str, values_of(TicketState)]
AtCounterState = Annotated[str, values_of(TicketState, TicketState.CALLED, TicketState.SERVING)]
PriorityName = Annotated[str | None, values_of(Priority, nullable=True)]
CounterStateName = Annotated[str, values_of(CounterState)]
ChannelName = Annotated[str, values_of(Channel)]
RoleName = Annotated[str, values_of(Role)]
Count = Annotated[int, Field(ge=0)]


class Error(TypedDict):
    """Every error under /api (web/errors.py)."""

    error: Annotated[str, Field(description="stable machine-readable code")]
    message: Annotated[str, Field(description="human-readable explanation")]
    detail: NotRequired[dict[str, Any]]


# -- services, tickets, counters ---------------------------------------------------------------


class TicketService(TypedDict):
    """A service named in a ticket or an estimate."""

    id: int
    code: str
    name: Annotated[str, Field(description="Indonesian name")]
    name_en: str


class Requirement(TypedDict):
    """A document the applicant must bring for a service (*persyaratan*), in the service's
    order."""

    name: Annotated[str, Field(description="Indonesian name", examples=["KTP asli"])]
    name_en: Annotated[str, Field(examples=["Original ID card (KTP)"])]
    note: Annotated[str, Field(description='a remark, "" for none', examples=["dan fotokopi"])]


class ZoneRef(TypedDict):
    """The zone (floor or room) where a service is served."""

    id: int
    name: Annotated[str, Field(examples=["Ruang Imigrasi"])]
    floor: Annotated[int, Field(examples=[3])]


class AgencyRef(TypedDict):
    """The agency (*instansi*) offering a service."""

    id: int
    code: Annotated[str, Field(examples=["IMI"])]
    name: Annotated[str, Field(description="Indonesian name")]


class Zone(ZoneRef):
    """A zone with its cap and who is in it (`GET /api/v1/zones`)."""

    capacity: Annotated[
        int | None,
        Field(
            description="people allowed inside at once: the room's capacity times its "
            "distancing factor, or the building's cap when smaller; null: no cap"
        ),
    ]
    inside: Annotated[int, Field(description="waiting, called or being served in the zone")]
    outside: Annotated[int, Field(description="holding a ticket, waiting outside for room")]


class Agency(TypedDict):
    """An agency of the mall (`GET /api/v1/agencies`)."""

    id: int
    code: str
    name: Annotated[str, Field(description="Indonesian name")]
    name_en: str
    colour: Annotated[str, Field(description="its tile colour, #rrggbb", examples=["#c0392b"])]
    walk_in: Annotated[bool, Field(description="false: register online, no kiosk tickets")]
    channels: Annotated[
        Literal["walk_in", "online", "both"],
        Field(description="its channel policy (a service may override it): walk_in, online, both"),
    ]
    daily_cap: Annotated[int | None, Field(description="tickets a day across its services")]
    issued_today: int


class BoardService(TicketService):
    """A service's queue figures, as a board shows them."""

    agency: AgencyRef
    zone: ZoneRef

    open: Annotated[bool, Field(description="takes tickets now")]
    closed_early: Annotated[
        bool,
        Field(description="stopped issuing today: a new ticket would not be served in time"),
    ]
    waiting: Annotated[int, Field(description="queued today, inside and outside")]
    waiting_inside: int
    waiting_outside: int
    daily_quota: int | None
    quota_left: Annotated[int | None, Field(description="null: no quota")]
    estimated_wait_s: Annotated[
        int | None,
        Field(
            description="for a ticket taken now; null while the hall is closed or no open "
            "counter serves the service"
        ),
    ]
    now_serving: Annotated[
        str | None,
        Field(
            description="the number now being served: the code of the service's latest call "
            "today (recalls aside); null before its first call",
            examples=["A-012"],
        ),
    ]
    requirements: Annotated[
        list[Requirement],
        Field(description="the documents to bring, in order; empty when the service asks none"),
    ]
    channels: Annotated[
        Literal["walk_in", "online", "both"],
        Field(
            description="its channel policy (its own, else its agency's): online means no "
            "kiosk tickets, register online (/daftar)"
        ),
    ]
    walk_in_left: Annotated[
        int | None,
        Field(
            description="under both with a daily quota: walk-in numbers left today (the "
            "walk-in share, plus no-shows' places released to walk-ins, minus walk-in numbers "
            "drawn); at 0 the kiosk issues none. null: no such limit"
        ),
    ]


class Service(BoardService):
    """A service's queue figures (`GET /api/v1/services`)."""

    counters_open: int


class NotReady(TypedDict):
    """The answer to `POST /api/v1/services/<id>/not-ready`: the visit saved was counted."""

    service: TicketService
    reason: Annotated[Literal["not_ready"], Field(description="as the reports count it")]


class TicketCounter(TypedDict):
    """The counter a ticket is called to."""

    number: int
    label: str


class PublicTicket(TypedDict):
    """What the ticket's holder sees; carries no token and no personal data."""

    code: Annotated[str, Field(examples=["A-007"])]
    number: int
    service: TicketService
    zone: Annotated[ZoneRef, Field(description="where to go: the floor and room")]
    state: StateName
    priority: PriorityName
    service_day: Day
    position: Annotated[int, Field(description="people ahead in the queue")]
    admitted: Annotated[bool, Field(description="false: wait outside (hall full)")]
    estimated_wait_s: Annotated[
        int | None,
        Field(description="0 once called or ended; null: no open counter serves its service"),
    ]
    counter: TicketCounter | None
    issued_at: Timestamp
    called_at: Timestamp | None
    now_serving: Annotated[
        str | None,
        Field(description="the number now being served in the ticket's service (see Service)"),
    ]
    seq: int


class IssuedTicket(PublicTicket):
    """The answer to `POST /api/v1/tickets`: the public view, its id, token and status page."""

    id: int
    token: Annotated[str, Field(description="the holder's secret; shown once")]
    status_url: Annotated[str, WithJsonSchema({"type": "string", "format": "uri"})]


class TicketDurations(TypedDict):
    """Seconds; null when not (yet) measurable."""

    wait_s: Seconds
    walk_s: Seconds
    service_s: Seconds


class StaffFields(TypedDict):
    """What counter staff see of a ticket beyond its public view."""

    id: int
    channel: ChannelName
    counter_id: int | None
    call_count: int
    admitted_at: Timestamp | None
    first_called_at: Timestamp | None
    started_at: Timestamp | None
    finished_at: Timestamp | None
    durations: NotRequired[TicketDurations]


class StaffTicket(PublicTicket, StaffFields):
    """A ticket as counter staff see it: the public view plus its id and timings."""


class CurrentTicket(TypedDict):
    """The ticket called to a counter or served there now."""

    code: str
    state: AtCounterState
    service_id: int
    called_at: Timestamp | None
    started_at: Timestamp | None


class CounterService(TypedDict):
    id: int
    code: str
    rank: Annotated[int, Field(description="0 = served first")]


class Counter(TypedDict):
    """A counter (`GET /api/v1/counters`)."""

    id: int
    number: int
    label: str
    state: CounterStateName
    services: Annotated[
        list[CounterService], Field(description="in the counter's preference order")
    ]
    current: CurrentTicket | None


# -- the board -----------------------------------------------------------------------------------


class SiteRef(TypedDict):
    id: int
    name: str
    timezone: str


class Hall(TypedDict):
    """The hall's figures: who is inside and outside, its cap and opening hours."""

    capacity: int | None
    inside: int
    outside: int
    full: bool
    open: Annotated[bool, Field(description="within opening hours (kiosks take tickets)")]
    opens_at: LocalTime
    closes_at: Annotated[
        str, Field(description="local HH:MM; equal to opens_at: open around the clock")
    ]


class BoardCounter(TypedDict):
    id: int
    number: int
    label: str
    state: CounterStateName
    current: CurrentTicket | None


class RecentCall(TypedDict):
    code: str
    service_code: str
    counter_id: int
    counter_number: int
    recall: bool
    at: Timestamp
    seq: int


class Board(TypedDict):
    """What a lobby screen shows (`GET /api/v1/board`, and the Socket.IO snapshot)."""

    seq: Annotated[int, Field(description="the site's change sequence")]
    site: SiteRef
    zone: Annotated[ZoneRef | None, Field(description="one zone's board (?zone=); null: all")]
    service_day: Day
    generated_at: Timestamp
    hall: Hall
    counters: list[BoardCounter]
    recent_calls: list[RecentCall]
    services: list[BoardService]
    recently_admitted: Annotated[
        list[str], Field(description="codes let in from outside most recently")
    ]


# -- tokens, estimates -------------------------------------------------------------------------


class TokenUser(TypedDict):
    id: int
    username: str
    role: RoleName
    counters: Annotated[list[int], Field(description="the numbers of the counters assigned")]


class Token(TypedDict):
    """A new Bearer token (`POST /api/v1/auth/token`)."""

    token: str
    token_type: Literal["Bearer"]
    user: TokenUser


class ServingCounter(TypedDict):
    number: int
    rank: Annotated[int, Field(description="0 = serves it first")]


class EstimateBasis(TypedDict):
    """What a service's estimate rests on (services.estimates)."""

    round_s: Annotated[int, Field(description="expected counter time per call")]
    prior_s: int
    rounds_recorded: int
    from_prior: bool


class Estimate(EstimateBasis):
    """A service's wait estimates (`GET /api/v1/estimates`)."""

    service: TicketService
    open: Annotated[bool, Field(description="takes tickets now")]
    closed_early: Annotated[
        bool,
        Field(description="stopped issuing: a ticket taken now would not be served today"),
    ]
    people_ahead: int
    estimated_wait_s: Annotated[
        int | None,
        Field(description="a regular ticket taken now; null: hall closed or no counter open"),
    ]
    people_ahead_priority: int
    estimated_wait_priority_s: Annotated[
        int | None,
        Field(description="a priority ticket taken now; null as for estimated_wait_s"),
    ]
    counters: Annotated[
        list[ServingCounter],
        Field(description="open counters serving it; rank 0 = serves it first"),
    ]


# -- the counter terminal's waiting list (staff only: counter rooms, never a public room) -----


class WaitingTicket(TypedDict):
    """A queued ticket as a counter terminal's waiting list shows it."""

    id: int
    code: str
    priority: PriorityName
    inside: Annotated[bool, Field(description="admitted (waiting); false: waits outside")]
    transferred: Annotated[bool, Field(description="sent here by another service: goes first")]
    issued_at: Timestamp


class WaitingList(TypedDict):
    """One service's queued tickets, the front of the queue first (the first ones of
    `total`: realtime.snapshots.WAITING_LIST_ROWS), as counter terminals get them (their
    `counter` snapshot and `waiting` messages)."""

    service_id: int
    code: str
    total: Count
    tickets: list[WaitingTicket]
