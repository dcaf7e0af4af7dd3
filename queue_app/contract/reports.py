"""What `GET /api/v1/reports/daily` answers (services/reports.py builds it)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field
from typing_extensions import TypedDict

from .fields import Day, Seconds, Timestamp
from .payloads import Count, SiteRef


class DurationStats(TypedDict):
    """Seconds; null when there is nothing to measure."""

    count: int
    mean_s: Seconds
    median_s: Seconds
    p90_s: Annotated[Seconds, Field(description="90th percentile, linear interpolation")]


class Outcomes(TypedDict):
    """Served tickets by how the service ended (issue 18; a finish naming none: completed)."""

    completed: Count
    incomplete_documents: Count
    referred: Annotated[Count, Field(description="sent to another agency")]
    other: Count


class Figures(TypedDict):
    """Counts (see docs/reports.md for where each is counted) and wait, walk and service time
    statistics."""

    # The counts are services.csv_export.FIGURE_COLUMNS, in this order (a test checks it).
    issued: Count
    called: Count
    served: Count
    no_show: Count
    cancelled: Count
    expired: Count
    transferred: Count
    refused_quota: Count
    closed_early: Count
    visits_saved: Annotated[
        Count,
        Field(
            description="applicants who saw the service's requirements at the kiosk, lacked a "
            "document and took no number"
        ),
    ]
    wait: DurationStats
    walk: DurationStats
    service: DurationStats
    outcomes: Outcomes
    incomplete_documents_rate: Annotated[
        float | None,
        Field(ge=0, le=1, description="incomplete_documents ÷ served; null: none served"),
    ]


class ServiceFigures(Figures):
    id: int
    code: str
    name: str
    name_en: str


class MallFigures(Figures):
    """A group of the mall (issue 15): its figures, its applicants and its refusals by reason."""

    applicants: Annotated[
        Count, Field(description="tickets issued plus every refusal (visits saved included)")
    ]
    refused: Annotated[
        Count, Field(description="refusals of every reason but not_ready (visits saved)")
    ]
    refused_by_reason: Annotated[
        dict[str, Count],
        Field(
            description="every refusal by its recorded reason (quota_reached, closed_early, "
            "not_ready, agency_cap_reached, walk_in_not_accepted …); only reasons that occurred"
        ),
    ]


class AgencyFigures(MallFigures):
    id: int
    code: str
    name: str
    name_en: str
    colour: str


class ZoneFigures(MallFigures):
    id: int
    name: str
    floor: int
    capacity: Annotated[int | None, Field(description="the zone's cap; null: none of its own")]


class CounterFigures(Figures):
    id: int
    number: int
    label: str


class StaffFigures(Figures):
    id: int
    username: str


class HourFigures(Figures):
    hour: Annotated[
        int,
        Field(ge=0, le=24, description="local hour of day; 24 = after midnight (the day's close)"),
    ]


class OccupancyBin(TypedDict):
    start: Timestamp
    inside_max: int
    outside_max: int


class Occupancy(TypedDict):
    """People inside and outside the hall over one service day."""

    day: Day
    capacity: int | None
    peak_inside: int
    peak_inside_at: Timestamp | None
    peak_outside: int
    peak_outside_at: Timestamp | None
    bin_minutes: int
    bins: list[OccupancyBin]


Share = Annotated[float | None, Field(ge=0, le=1)]


class BookingFigures(TypedDict):
    """Online bookings (issue 16) of a group, each counted on the day it is for, once, by what
    became of it: booked = checked_in + cancelled + expired + still_booked, and expired =
    no_show + late_walk_in (docs/reports.md)."""

    sessions: Annotated[Count, Field(description="arrival sessions (over a range: per day)")]
    places: Annotated[Count, Field(description="their places (an override, else the default)")]
    booked: Annotated[Count, Field(description="every booking made for them")]
    checked_in: Count
    cancelled: Count
    expired: Count
    no_show: Annotated[
        Count, Field(description="not checked in by the session's end + late tolerance")
    ]
    late_walk_in: Annotated[
        Count, Field(description="came after the window and took a walk-in ticket (expired)")
    ]
    still_booked: Annotated[Count, Field(description="not checked in, cancelled or expired yet")]
    show_rate: Annotated[
        Share, Field(description="checked_in ÷ (booked − cancelled); null: none kept")
    ]
    cancel_rate: Annotated[Share, Field(description="cancelled ÷ booked; null: none booked")]


class ChannelShare(TypedDict):
    """Tickets of a group by channel: online (a booking's check-in) and walk-in (any other)."""

    tickets_issued: Count
    tickets_online: Count
    tickets_walk_in: Count
    online_share: Annotated[
        Share, Field(description="tickets_online ÷ tickets_issued; null: none issued")
    ]


class BookingTotals(BookingFigures, ChannelShare):
    pass


class SessionBookings(BookingFigures):
    service_id: int
    service: Annotated[str, Field(description="the service's code")]
    starts: Annotated[str, Field(description="local start time, HH:MM")]
    ends: Annotated[str, Field(description="local end time, HH:MM")]


class ServiceBookings(BookingFigures, ChannelShare):
    id: int
    code: str
    name: str
    name_en: str


class AgencyBookings(BookingFigures, ChannelShare):
    id: int
    code: str
    name: str
    name_en: str


class Bookings(TypedDict):
    """Online registration of the period: per session time, service, agency and in all."""

    totals: BookingTotals
    sessions: Annotated[
        list[SessionBookings],
        Field(description="per service and session time; over a range, the days added up"),
    ]
    services: Annotated[list[ServiceBookings], Field(description="every service of the site")]
    agencies: Annotated[list[AgencyBookings], Field(description="every agency of the site")]


#: `from` is a Python keyword: the functional form.
DailyReport = TypedDict(
    "DailyReport",
    {
        "site": SiteRef,
        "from": Day,
        "to": Day,
        "generated_at": Timestamp,
        "hall_capacity": int | None,
        "totals": Figures,
        "services": list[ServiceFigures],
        "counters": list[CounterFigures],
        "staff": list[StaffFigures],
        "hours": list[HourFigures],
        "occupancy": Annotated[list[Occupancy], Field(description="one entry per service day")],
        "agencies": Annotated[
            list[AgencyFigures], Field(description="every agency of the site (issue 15)")
        ],
        "zones": Annotated[list[ZoneFigures], Field(description="every zone of the site")],
        "bookings": Annotated[
            Bookings, Field(description="online registration and the tickets' channels (issue 16)")
        ],
    },
)
