"""Service days and ticket numbers.

The service day is the calendar date in the site's time zone: it changes at local midnight,
never at UTC midnight. Numbers run from 1 per (service, service day).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import InvalidInput

SERVICE_CODE = re.compile(r"[A-Z]{1,3}")


def site_zone(name: str) -> ZoneInfo:
    """The `ZoneInfo` for an IANA zone name, or `InvalidInput` for an unknown one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"unknown time zone {name!r}") from exc


def service_day(at: datetime, zone: ZoneInfo) -> date:
    """The local calendar day an instant belongs to. `at` must be timezone-aware."""
    if at.tzinfo is None:
        raise ValueError("service_day needs a timezone-aware datetime")
    return at.astimezone(zone).date()


def is_open_at(local: time, opens_at: time, closes_at: time) -> bool:
    """Whether a hall with these opening hours takes tickets at local time `local`.

    Equal opening and closing times mean open around the clock; a closing time before the
    opening time means the hall is open across midnight (e.g. 20:00–02:00)."""
    if opens_at == closes_at:
        return True
    if opens_at < closes_at:
        return opens_at <= local < closes_at
    return local >= opens_at or local < closes_at


def local_midnight_utc(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant at which `day` starts in `zone`."""
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def display_code(prefix: str, number: int) -> str:
    """The code shown and announced: prefix, dash, number padded to three digits (`A-007`)."""
    return f"{prefix}-{number:03d}"


def is_valid_service_code(code: str) -> bool:
    """Service codes are one to three capital letters; they prefix ticket codes."""
    return SERVICE_CODE.fullmatch(code) is not None
