"""Service days change at local midnight; ticket codes look like `A-007`."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from queue_app.domain.errors import InvalidInput
from queue_app.domain.numbering import (
    display_code,
    is_valid_service_code,
    local_midnight_utc,
    service_day,
    site_zone,
)

JAKARTA = site_zone("Asia/Jakarta")


def test_jakarta_day_changes_at_local_midnight_not_utc_midnight() -> None:
    late_evening = datetime(2026, 6, 15, 16, 30, tzinfo=UTC)  # 23:30 WIB on the 15th
    after_midnight = datetime(2026, 6, 15, 17, 30, tzinfo=UTC)  # 00:30 WIB on the 16th
    assert late_evening.date() == after_midnight.date()  # same UTC date
    assert service_day(late_evening, JAKARTA) == date(2026, 6, 15)
    assert service_day(after_midnight, JAKARTA) == date(2026, 6, 16)


def test_utc_midnight_is_not_a_day_boundary_in_jakarta() -> None:
    before = datetime(2026, 6, 15, 23, 59, 59, tzinfo=UTC)  # 06:59:59 WIB on the 16th
    after = datetime(2026, 6, 16, 0, 0, 1, tzinfo=UTC)  # 07:00:01 WIB on the 16th
    assert service_day(before, JAKARTA) == service_day(after, JAKARTA) == date(2026, 6, 16)


def test_service_day_accepts_any_aware_offset() -> None:
    # The same instant expressed in another offset belongs to the same service day.
    instant = datetime(2026, 6, 16, 1, 30, tzinfo=timezone(timedelta(hours=9)))  # 23:30 WIB 15th
    assert service_day(instant, JAKARTA) == date(2026, 6, 15)


def test_service_day_refuses_naive_datetime() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        service_day(datetime(2026, 6, 15, 23, 30), JAKARTA)


def test_local_midnight_utc_in_jakarta() -> None:
    assert local_midnight_utc(date(2026, 6, 16), JAKARTA) == datetime(
        2026, 6, 15, 17, 0, tzinfo=UTC
    )


def test_local_midnight_utc_is_utc() -> None:
    assert local_midnight_utc(date(2026, 6, 16), JAKARTA).utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("zone_name", "day"),
    [
        ("Asia/Jakarta", date(2026, 6, 16)),
        ("Asia/Jakarta", date(2026, 1, 1)),
        ("Asia/Makassar", date(2026, 6, 16)),
        ("Asia/Jayapura", date(2026, 6, 16)),
        ("UTC", date(2026, 6, 16)),
        # Days on which clocks moved at midnight (DST started / ended at 00:00).
        ("America/Sao_Paulo", date(2018, 11, 4)),
        ("America/Sao_Paulo", date(2019, 2, 17)),
    ],
)
def test_local_midnight_starts_its_service_day(zone_name: str, day: date) -> None:
    zone = site_zone(zone_name)
    start = local_midnight_utc(day, zone)
    assert service_day(start, zone) == day
    assert service_day(start - timedelta(microseconds=1), zone) == day - timedelta(days=1)


@pytest.mark.parametrize(
    ("prefix", "number", "code"),
    [
        ("A", 7, "A-007"),
        ("A", 1, "A-001"),
        ("B", 42, "B-042"),
        ("C", 999, "C-999"),
        ("A", 1234, "A-1234"),
        ("ABC", 7, "ABC-007"),
    ],
)
def test_display_code(prefix: str, number: int, code: str) -> None:
    assert display_code(prefix, number) == code


@pytest.mark.parametrize("code", ["A", "B", "AB", "ABC", "Z", "KTP"])
def test_valid_service_codes(code: str) -> None:
    assert is_valid_service_code(code)


@pytest.mark.parametrize(
    "code",
    [
        "",
        "a",
        "Ab",
        "ABCD",
        "A1",
        "1",
        "A-",
        " A",
        "A ",
        "A B",
        "Ä",
        "A\n",  # a trailing newline would end up inside every ticket code
    ],
)
def test_invalid_service_codes(code: str) -> None:
    assert not is_valid_service_code(code)


def test_site_zone_known() -> None:
    zone = site_zone("Asia/Jakarta")
    assert datetime(2026, 6, 15, tzinfo=zone).utcoffset() == timedelta(hours=7)


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "Asia/Djakarta_", "", "../etc/passwd"])
def test_site_zone_unknown_raises_invalid_input(name: str) -> None:
    with pytest.raises(InvalidInput) as info:
        site_zone(name)
    assert info.value.code == "invalid_input"
    assert "unknown time zone" in str(info.value)
