"""The pure rules of online registration (issue 16): windows, working days, sessions and
their capacity, the quota split, NIK checks, check-in outcomes with a frozen clock."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from queue_app.domain import booking as rules
from queue_app.domain.booking import BookingState, CheckInOutcome, Window

WINDOWS = rules.DEFAULT_WINDOWS
WORK = rules.DEFAULT_WORKING_DAYS
# Monday 15 June 2020, the day the Jakarta mall reopened; 17 June closed (a holiday here).
MONDAY = date(2020, 6, 15)
HOLIDAY = frozenset({date(2020, 6, 17)})


@pytest.mark.parametrize(
    ("at", "is_open"),
    [
        (datetime(2020, 6, 15, 5, 59), False),
        (datetime(2020, 6, 15, 6, 0), True),
        (datetime(2020, 6, 15, 9, 59), True),
        (datetime(2020, 6, 15, 10, 0), False),
        (datetime(2020, 6, 15, 16, 0), True),
        (datetime(2020, 6, 15, 22, 0), False),
        (datetime(2020, 6, 13, 8, 0), False),  # a Saturday
        (datetime(2020, 6, 17, 8, 0), False),  # the holiday
    ],
)
def test_booking_is_open_inside_the_windows_of_working_days(at: datetime, is_open: bool) -> None:
    assert rules.booking_open(at, WINDOWS, WORK, HOLIDAY) is is_open


def test_next_opening_is_the_next_window_of_a_working_day() -> None:
    assert rules.next_opening(datetime(2020, 6, 15, 11, 0), WINDOWS, WORK, HOLIDAY) == datetime(
        2020, 6, 15, 16, 0
    )
    # Tuesday night: Wednesday is a holiday, so Thursday 06:00.
    assert rules.next_opening(datetime(2020, 6, 16, 22, 30), WINDOWS, WORK, HOLIDAY) == datetime(
        2020, 6, 18, 6, 0
    )
    # Friday night: Monday morning.
    assert rules.next_opening(datetime(2020, 6, 19, 23, 0), WINDOWS, WORK, HOLIDAY) == datetime(
        2020, 6, 22, 6, 0
    )
    now = datetime(2020, 6, 15, 7, 0)
    assert rules.next_opening(now, WINDOWS, WORK, HOLIDAY) == now
    assert rules.next_opening(now, WINDOWS, frozenset(), HOLIDAY) is None


def test_bookable_days_skip_weekends_and_closed_days() -> None:
    assert rules.bookable_days(MONDAY, 1, WORK, HOLIDAY) == [date(2020, 6, 16)]
    assert rules.bookable_days(date(2020, 6, 16), 2, WORK, HOLIDAY) == [
        date(2020, 6, 18),
        date(2020, 6, 19),
    ]
    assert rules.bookable_days(date(2020, 6, 19), 1, WORK, HOLIDAY) == [date(2020, 6, 22)]


def test_windows_are_parsed_and_refused_in_words() -> None:
    assert rules.parse_windows("16:00-22:00, 06:00-10:00") == WINDOWS
    assert rules.format_windows(WINDOWS) == "06:00-10:00,16:00-22:00"
    with pytest.raises(ValueError, match="ends before it starts"):
        rules.parse_windows("10:00-06:00")
    with pytest.raises(ValueError, match="HH:MM-HH:MM"):
        rules.parse_windows("06:00")
    # As people write them: no leading zero, or the Indonesian point.
    assert rules.parse_windows("6:00-10:00,16.00-22.00") == WINDOWS
    for wrong in ("24:00-10:00", "06:60-10:00", "6-10", "06:00-1000", "０6:00-10:00"):
        with pytest.raises(ValueError, match="HH:MM-HH:MM"):
            rules.parse_windows(wrong)


def test_a_day_is_cut_into_hourly_sessions_with_a_short_last_one() -> None:
    assert rules.cut_sessions(time(8), time(16), 60)[0] == (time(8), time(9))
    assert len(rules.cut_sessions(time(8), time(16), 60)) == 8
    assert rules.cut_sessions(time(8), time(10, 30), 60) == [
        (time(8), time(9)),
        (time(9), time(10)),
        (time(10), time(10, 30)),
    ]
    # always open (00:00-00:00): cut to midnight
    assert len(rules.cut_sessions(time(0), time(0), 60)) == 24


def test_default_capacity_comes_from_counters_and_the_zone_share() -> None:
    # 2 counters × 3600 s ÷ 300 s = 24 places
    assert rules.default_capacity(2, 3600, 300) == 24
    assert rules.default_capacity(2, 3600, 300, share_cap=10) == 10
    assert rules.default_capacity(0, 3600, 300) == 0
    assert rules.zone_share(40, 3) == 14
    assert rules.zone_share(None, 3) is None


def test_quota_split_and_sessions_cut_to_the_online_share() -> None:
    assert rules.split_quota(140, 50) == (70, 70)
    assert rules.split_quota(25, 50) == (12, 13)
    assert rules.split_quota(None, 50) == (None, None)
    # The online share spread over the day's sessions, not given to the first ones: every
    # session stays bookable (17.5 places each: the two left over go to the earliest).
    assert rules.cap_sessions([24, 24, 24, 24], 70) == [18, 18, 17, 17]
    assert rules.cap_sessions([5, 5], None) == [5, 5]
    assert rules.cap_sessions([5, 5], 20) == [5, 5]  # under the share: unchanged
    # In proportion to each session's own capacity, the total exactly the share.
    assert rules.cap_sessions([10, 10, 0, 20], 20) == [5, 5, 0, 10]
    assert rules.cap_sessions([3, 3, 3], 4) == [2, 1, 1]
    assert rules.cap_sessions([3, 3, 3], 0) == [0, 0, 0]


@given(
    st.lists(st.integers(min_value=0, max_value=200), min_size=1, max_size=16),
    st.integers(min_value=0, max_value=2000),
)
def test_sessions_cut_to_a_share_total_it_and_none_grows(caps: list[int], share: int) -> None:
    cut = rules.cap_sessions(caps, share)
    assert sum(cut) == min(share, sum(caps))
    assert all(0 <= c <= cap for c, cap in zip(cut, caps, strict=True))
    # Proportional: no session is more than one place from its exact share.
    if sum(caps) > share:
        assert all(abs(c - cap * share / sum(caps)) < 1 for c, cap in zip(cut, caps, strict=True))


def nik(province: str = "31", dob: str = "150690", serial: str = "0001") -> str:
    return f"{province}7101{dob}{serial}"


def test_a_well_formed_nik_passes_for_men_and_women() -> None:
    today = date(2020, 6, 15)
    assert rules.nik_problem(nik(), today) is None
    assert rules.nik_problem(nik(dob="550690"), today) is None  # a woman born on the 15th


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("317101150690001", "exactly 16 digits"),
        ("31710115069000a1", "exactly 16 digits"),
        (nik(province="99"), "not a province code"),
        ("3100011506900001", "regency code"),
        ("3171001506900001", "district code"),
        (nik(dob="151390"), "month of birth"),
        (nik(dob="320690"), "day of birth"),
        (nik(dob="720690"), "day of birth"),
        (nik(dob="310290"), "does not exist"),
        (nik(dob="710290"), "does not exist"),  # a woman born 31 February
        (nik(serial="0000"), "serial number"),
    ],
)
def test_a_malformed_nik_says_what_is_wrong(value: str, words: str) -> None:
    problem = rules.nik_problem(value, date(2020, 6, 15))
    assert problem is not None and words in problem


def test_booking_codes_are_read_over_the_phone() -> None:
    codes = {rules.new_booking_code() for _ in range(300)}
    assert len(codes) == 300
    for code in codes:
        assert len(code) == 6 and not set(code) & set("0O1I")
    assert rules.normalise_code("k7q-h3m") == "K7QH3M"  # typed in small letters, a dash
    assert rules.normalise_code(" K7Q H3M ") == "K7QH3M"
    assert rules.normalise_code("K7QH3") is None  # 5 characters
    assert rules.normalise_code("K7QH3MX") is None  # 7
    assert rules.normalise_code("K0QHM2") is None  # a zero is never in a code


START, END = datetime(2020, 6, 16, 9, 0), datetime(2020, 6, 16, 10, 0)


def outcome(at: datetime, state: BookingState = BookingState.BOOKED) -> rules.CheckIn:
    return rules.check_in_outcome(at, state, START.date(), START, END, 30, 15)


def test_check_in_outcomes_with_a_frozen_clock() -> None:
    early = outcome(datetime(2020, 6, 16, 8, 29))
    assert early.outcome is CheckInOutcome.TOO_EARLY
    assert early.opens_at == datetime(2020, 6, 16, 8, 30)
    assert outcome(datetime(2020, 6, 16, 8, 30)).outcome is CheckInOutcome.OK
    assert outcome(datetime(2020, 6, 16, 10, 15)).outcome is CheckInOutcome.OK
    assert outcome(datetime(2020, 6, 16, 10, 16)).outcome is CheckInOutcome.TOO_LATE
    assert outcome(datetime(2020, 6, 15, 9, 0)).outcome is CheckInOutcome.NOT_TODAY
    assert outcome(datetime(2020, 6, 17, 9, 0)).outcome is CheckInOutcome.NOT_TODAY
    at = datetime(2020, 6, 16, 9, 0)
    assert outcome(at, BookingState.CHECKED_IN).outcome is CheckInOutcome.ALREADY_CHECKED_IN
    assert outcome(at, BookingState.CANCELLED).outcome is CheckInOutcome.CANCELLED
    assert outcome(at, BookingState.EXPIRED).outcome is CheckInOutcome.EXPIRED


def test_a_no_show_is_a_booking_not_checked_in_after_end_plus_tolerance() -> None:
    assert not rules.is_no_show(datetime(2020, 6, 16, 10, 15), BookingState.BOOKED, END, 15)
    assert rules.is_no_show(datetime(2020, 6, 16, 10, 16), BookingState.BOOKED, END, 15)
    assert not rules.is_no_show(datetime(2020, 6, 16, 11), BookingState.CHECKED_IN, END, 15)


def test_the_week_is_the_iso_week() -> None:
    assert rules.week_of(date(2020, 6, 21)) == MONDAY  # Sunday
    assert rules.week_of(MONDAY) == MONDAY
    assert rules.week_of(date(2020, 6, 22)) == date(2020, 6, 22)


def test_window_holds_its_start_not_its_end() -> None:
    window = Window(time(6), time(10))
    assert window.holds(time(6)) and not window.holds(time(10))


def test_a_window_ending_at_00_00_lasts_until_midnight() -> None:
    (all_day,) = rules.parse_windows("00:00-00:00")
    assert all_day.holds(time(0)) and all_day.holds(time(23, 59, 59))
    (evening,) = rules.parse_windows("16:00-00:00")
    assert evening.holds(time(23, 30)) and not evening.holds(time(15, 59))
