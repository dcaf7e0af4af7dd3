"""Online registration (*antrean daring*, issue 16): pure rules of booking windows, working days,
arrival sessions and their capacity, the quota split between channels, the NIK's structure and
the outcome of a check-in at the kiosk. Times here are local to the site (naive `datetime` and
`time`); the services convert."""

from __future__ import annotations

import math
import re
import secrets
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum


class ChannelPolicy(StrEnum):
    """Which channels an agency (or one of its services) takes."""

    WALK_IN = "walk_in"
    ONLINE = "online"
    BOTH = "both"


def agency_policy(channels: str | None, walk_in: bool) -> ChannelPolicy:
    """An agency's channel policy: its own, else what its older `walk_in` flag says."""
    if channels:
        return ChannelPolicy(channels)
    return ChannelPolicy.WALK_IN if walk_in else ChannelPolicy.ONLINE


def service_policy(channels: str | None, agency: ChannelPolicy) -> ChannelPolicy:
    """A service's channel policy: its own override, else its agency's."""
    return ChannelPolicy(channels) if channels else agency


def takes_walk_ins(policy: ChannelPolicy) -> bool:
    """What an agency's older `walk_in` flag says under `policy`: the kiosk issues walk-in
    tickets (walk-ins only, or both channels). The admin form keeps the flag to this, so
    whoever still reads the flag reads what the policy means."""
    return policy is not ChannelPolicy.ONLINE


class BookingState(StrEnum):
    """booked ──check_in──▶ checked_in; booked ──cancel──▶ cancelled; booked ──expire──▶ expired."""

    BOOKED = "booked"
    CHECKED_IN = "checked_in"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


#: States that hold a place (count against a session, a person's limits).
HOLDING = frozenset({BookingState.BOOKED, BookingState.CHECKED_IN})

#: A booking code's alphabet: no 0/O, no 1/I (and no L, easily heard as I), read over the phone.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6


def new_booking_code() -> str:
    """A random code such as `K7QH3M` (31^6 ≈ 887 million codes)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(raw: str) -> str | None:
    """A code as typed (any case, spaces or dashes): the code, or None when it cannot be one.
    O and I typed for 0 and 1 are never valid, so they are refused rather than guessed."""
    text = "".join(ch for ch in raw.upper() if ch not in " -")
    if len(text) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in text):
        return None
    return text


# -- windows and days -------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """A time of day when booking is open, [start, end); an end of 00:00 is midnight."""

    start: time
    end: time

    def holds(self, at: time) -> bool:
        return self.start <= at and (at < self.end or self.end == time(0))


DEFAULT_WINDOWS = (Window(time(6), time(10)), Window(time(16), time(22)))
#: ISO weekdays (1 = Monday) the hall works by default: Monday to Friday.
DEFAULT_WORKING_DAYS = frozenset({1, 2, 3, 4, 5})


_CLOCK = re.compile(r"([01]?[0-9]|2[0-3])[:.]([0-5][0-9])")


def _clock(text: str, part: str) -> time:
    """`06:00`, `6:00` or `06.00` (as Indonesian writes it) → 06:00."""
    found = _CLOCK.fullmatch(text.strip())
    if found is None:
        raise ValueError(f"a window is HH:MM-HH:MM, not {part!r}")
    return time(int(found.group(1)), int(found.group(2)))


def parse_windows(text: str) -> tuple[Window, ...]:
    """`"06:00-10:00,16:00-22:00"` → windows (`6:00` and `06.00` are read too); ValueError
    for anything else (a window must end after it starts, within one day; `-00:00` ends at
    midnight)."""
    windows = []
    for part in text.split(","):
        start_s, sep, end_s = part.strip().partition("-")
        if not sep:
            raise ValueError(f"a window is HH:MM-HH:MM, not {part.strip()!r}")
        start, end = _clock(start_s, part.strip()), _clock(end_s, part.strip())
        if end <= start and end != time(0):
            raise ValueError(f"the window {part.strip()} ends before it starts")
        windows.append(Window(start, end))
    return tuple(sorted(windows, key=lambda w: w.start))


def format_windows(windows: Sequence[Window]) -> str:
    return ",".join(f"{w.start:%H:%M}-{w.end:%H:%M}" for w in windows)


def is_working_day(day: date, working_days: Collection[int], closed: Collection[date]) -> bool:
    """A working weekday that is not a closed day (holiday)."""
    return day.isoweekday() in working_days and day not in closed


def booking_open(
    now: datetime,
    windows: Sequence[Window],
    working_days: Collection[int],
    closed: Collection[date],
) -> bool:
    """Whether booking is open at local time `now`: inside a window, on a working day."""
    if not is_working_day(now.date(), working_days, closed):
        return False
    return any(w.holds(now.time()) for w in windows)


#: How far ahead `next_opening` looks for a working day (a year of holidays is absurd).
_LOOKAHEAD_DAYS = 366


def next_opening(
    now: datetime,
    windows: Sequence[Window],
    working_days: Collection[int],
    closed: Collection[date],
) -> datetime | None:
    """When booking opens next after local time `now` (now itself when open); None when no
    working day comes within a year (no window, or no working weekday)."""
    if booking_open(now, windows, working_days, closed):
        return now
    for offset in range(_LOOKAHEAD_DAYS):
        day = now.date() + timedelta(days=offset)
        if not is_working_day(day, working_days, closed):
            continue
        for window in sorted(windows, key=lambda w: w.start):
            start = datetime.combine(day, window.start)
            if start > now:
                return start
    return None


def bookable_days(
    today: date, days_ahead: int, working_days: Collection[int], closed: Collection[date]
) -> list[date]:
    """The service days one may book from `today`: the next `days_ahead` working days after
    today (today itself never: the sessions are being served)."""
    days: list[date] = []
    day = today
    for _ in range(_LOOKAHEAD_DAYS):
        if len(days) >= days_ahead:
            break
        day += timedelta(days=1)
        if is_working_day(day, working_days, closed):
            days.append(day)
    return days


# -- sessions and their capacity --------------------------------------------------------------


def cut_sessions(opens: time, closes: time, length_min: int) -> list[tuple[time, time]]:
    """The service day's arrival sessions: from opening, one every `length_min` minutes; a
    last piece shorter than a session is a session too. Opening hours that wrap past
    midnight (or 00:00–00:00, "always open") are cut from opening to midnight."""
    if length_min <= 0:
        raise ValueError("a session lasts at least a minute")
    day = date(2000, 1, 3)
    start = datetime.combine(day, opens)
    end = datetime.combine(day, closes)
    if end <= start:
        end = datetime.combine(day + timedelta(days=1), time(0))
    sessions = []
    step = timedelta(minutes=length_min)
    while start < end:
        stop = min(start + step, end)
        sessions.append((start.time(), stop.time()))
        start = stop
    return sessions


def default_capacity(
    counters: int, session_s: int, prior_service_s: int, share_cap: int | None = None
) -> int:
    """Places of one session: what the counters serving the service can serve in it
    (counters × session length ÷ prior service time, rounded down), capped by the service's
    share of its zone's cap (`share_cap`; None: no cap)."""
    if counters <= 0 or session_s <= 0:
        return 0
    served = counters * session_s // max(1, prior_service_s)
    return served if share_cap is None else max(0, min(served, share_cap))


def zone_share(zone_cap: int | None, services_in_zone: int) -> int | None:
    """One service's share of its zone's cap: the cap split evenly between the zone's
    services (rounded up, so a small zone still books someone); None without a cap."""
    if zone_cap is None:
        return None
    return math.ceil(zone_cap / max(1, services_in_zone))


def split_quota(daily_quota: int | None, online_pct: int) -> tuple[int | None, int | None]:
    """(online share, walk-in share) of a daily quota under *both* (online rounded down, the
    walk-in share the rest); (None, None) without a quota."""
    if daily_quota is None:
        return None, None
    online = daily_quota * max(0, min(100, online_pct)) // 100
    return online, daily_quota - online


def cap_sessions(capacities: Sequence[int], online_share: int | None) -> list[int]:
    """Session capacities cut down to total at most the online share of the daily quota
    (None: unchanged), in proportion to each session's own: the share is spread over the
    day, as sessions are meant to spread arrivals, rather than given to the first sessions
    and the afternoon shown full before anyone booked. The places a proportional cut leaves
    over go to the sessions with the largest remainders, earlier ones first on a tie."""
    caps = list(capacities)
    total = sum(caps)
    if online_share is None or total <= online_share:
        return caps
    share = max(0, online_share)
    cut = [cap * share // total for cap in caps]
    # Largest remainder first: each gets at most one more place, never above its own
    # capacity (a remainder > 0 means its proportional place is below it).
    order = sorted(range(len(caps)), key=lambda i: (-(caps[i] * share % total), i))
    for i in order[: share - sum(cut)]:
        cut[i] += 1
    return cut


# -- the NIK ----------------------------------------------------------------------------------

#: Province codes (the NIK's first two digits; Kemendagri), including the Papua provinces of
#: 2022 (91–97).
PROVINCES = frozenset(
    {11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 31, 32, 33, 34, 35, 36, 51, 52, 53, 61, 62, 63, 64}
    | {65, 71, 72, 73, 74, 75, 76, 81, 82, 91, 92, 93, 94, 95, 96, 97}
)


def nik_problem(nik: str, today: date) -> str | None:
    """What is wrong with a NIK's structure, in words (None: well formed). Layout: province
    (2), regency (2), district (2), date of birth DDMMYY (day + 40 for women), serial (4)."""
    if len(nik) != 16 or not (nik.isascii() and nik.isdigit()):
        return f"a NIK has exactly 16 digits (this has {len(nik)} characters)"
    province = int(nik[0:2])
    if province not in PROVINCES:
        return f"the NIK's first two digits ({nik[0:2]}) are not a province code"
    if nik[2:4] == "00":
        return "the NIK's regency code (digits 3–4) cannot be 00"
    if nik[4:6] == "00":
        return "the NIK's district code (digits 5–6) cannot be 00"
    day, month, year = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    if day > 40:
        day -= 40  # women: the day of birth plus 40
    if not 1 <= month <= 12:
        return f"the NIK's month of birth (digits 9–10: {nik[8:10]}) is not 01–12"
    if day == 0 or day > 31:
        return f"the NIK's day of birth (digits 7–8: {nik[6:8]}) is not 01–31, or 41–71 for a woman"
    century = 2000 if 2000 + year <= today.year else 1900
    try:
        born = date(century + year, month, day)
    except ValueError:
        return f"the NIK's date of birth ({day:02d}-{month:02d}-{year:02d}) does not exist"
    if born > today:
        return "the NIK's date of birth is in the future"
    if nik[12:16] == "0000":
        return "the NIK's serial number (digits 13–16) cannot be 0000"
    return None


# -- check-in ---------------------------------------------------------------------------------


class CheckInOutcome(StrEnum):
    """What a check-in at the kiosk comes to."""

    OK = "ok"
    TOO_EARLY = "too_early"
    TOO_LATE = "too_late"
    NOT_TODAY = "not_today"
    ALREADY_CHECKED_IN = "already_checked_in"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


@dataclass(frozen=True)
class CheckIn:
    outcome: CheckInOutcome
    #: When the booking may check in (too early): the session's start minus the tolerance.
    opens_at: datetime | None = None


def check_in_window(
    starts: datetime, ends: datetime, early_min: int, late_min: int
) -> tuple[datetime, datetime]:
    """[from, until] a booking of the session [starts, ends) may check in."""
    return starts - timedelta(minutes=early_min), ends + timedelta(minutes=late_min)


def check_in_outcome(
    now: datetime,
    state: BookingState,
    day: date,
    starts: datetime,
    ends: datetime,
    early_min: int,
    late_min: int,
) -> CheckIn:
    """Whether a booking may check in at local time `now`, and if not, why."""
    if state is BookingState.CHECKED_IN:
        return CheckIn(CheckInOutcome.ALREADY_CHECKED_IN)
    if state is BookingState.CANCELLED:
        return CheckIn(CheckInOutcome.CANCELLED)
    if state is BookingState.EXPIRED:
        return CheckIn(CheckInOutcome.EXPIRED)
    opens, closes = check_in_window(starts, ends, early_min, late_min)
    if now.date() != day:
        if now.date() < day:
            return CheckIn(CheckInOutcome.NOT_TODAY, opens)
        return CheckIn(CheckInOutcome.NOT_TODAY)
    if now < opens:
        return CheckIn(CheckInOutcome.TOO_EARLY, opens)
    if now > closes:
        return CheckIn(CheckInOutcome.TOO_LATE)
    return CheckIn(CheckInOutcome.OK)


def is_no_show(now: datetime, state: BookingState, ends: datetime, late_min: int) -> bool:
    """A booking never checked in whose session ended more than the late tolerance ago."""
    return state is BookingState.BOOKED and now > ends + timedelta(minutes=late_min)


def week_of(day: date) -> date:
    """The Monday of `day`'s ISO week: the per-week limit counts bookings per such week."""
    return day - timedelta(days=day.isoweekday() - 1)
