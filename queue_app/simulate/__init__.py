"""The busy day: a day of the June 2020 flood, replayed through the real services layer.

5,000 applicants arrive between 08:00 and 16:00, peaking mid-morning, for the ten services of the
demo mall (`demo.seed_demo`: three floors whose rooms are capped at 50 %, 40 + 30 + 80 = the
building's cap of 150; nine agencies, the land office taking no walk-ins and Bank DKI 50 a day;
31 counters, each helping the next service of its room when its own queue is empty; daily
quotas). Applicants for the land office are refused at the kiosk (`walk_in_not_accepted`), the
bank's past its cap (`agency_cap_reached`); both are recorded as refusals, as quotas are.
Service times follow a log-normal distribution per service around a true mean that differs from
the configured prior by up to ±15 % (as a real prior would); a share of applicants are priority,
do not show up when called (some come back later), give up and are cancelled, or are sent on to
another service (some to another floor).

The driver is a discrete-event simulation: it moves a simulated clock (`services.clock.driven_by`)
from one event to the next and calls the same service functions a request would — issue_ticket,
call_next, start, finish, no_show, reinstate, transfer, cancel — each in its own transaction,
committed as a view commits, each commit followed by the hall's read model of its `seq`
(`realtime.snapshots.of_change`, as on the server), which the kiosk and the next verb's lock
read. Nothing is broadcast. At the issue of every ticket it notes the
wait estimate the ticket was given (`HallView.estimate`, what the printed ticket and the phone
page show) beside the naive estimate (people ahead × prior ÷ open counters) and the first
version's (today's mean after five services), so their accuracy can be compared once the day's
real waits are known. After the day the clock moves past midnight and `close_day` expires what
is left.

`simulate.live` replays the same scenario against a running server over HTTP and Socket.IO.

Modules: scenario (who comes), hall (the demo mall, scaled), day (the driver), results
(accuracy, invariants per zone and for the building, the printed summary), live (against a
running server).
"""

from .day import BusyDay, DayRun, IssueEstimate, SimClock, simulate_day
from .hall import SimHall, build_hall
from .results import (
    Accuracy,
    Replay,
    ZonePeak,
    accuracy,
    invariant_problems,
    real_waits,
    replay_zones,
    summary_lines,
)
from .scenario import FULL_DAY, PROFILES, Applicant, Scenario, ServiceProfile, applicants, lognormal

__all__ = [
    "FULL_DAY",
    "PROFILES",
    "Accuracy",
    "Applicant",
    "BusyDay",
    "DayRun",
    "IssueEstimate",
    "Replay",
    "Scenario",
    "ServiceProfile",
    "SimClock",
    "SimHall",
    "ZonePeak",
    "accuracy",
    "applicants",
    "build_hall",
    "invariant_problems",
    "lognormal",
    "real_waits",
    "replay_zones",
    "simulate_day",
    "summary_lines",
]
