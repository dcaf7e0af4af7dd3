"""The form of the values the API takes and gives: ids, days, timestamps, the domain's
vocabularies. Each is an annotated type: what a value is at run time (a plain int or string)
and what the document says of it, in one place."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, WithJsonSchema

#: Largest id the database holds (32-bit integer columns on PostgreSQL).
MAX_ID = 2**31 - 1
#: Longest string any field accepts (a username, a service code, a category).
MAX_FIELD = 128

#: A positive database id: what `parse_id` and the routes' `int(max=MAX_ID)` take.
ID_SCHEMA: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
#: A day as `services.reports.parse_period` reads it: YYYY-MM-DD, ten ASCII characters.
DAY_SCHEMA: dict[str, Any] = {
    "type": "string",
    "format": "date",
    "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
}

#: A timestamp as the API writes it: ISO 8601 with offset (the read models write the string).
Timestamp = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]
#: A service day as the API writes it: YYYY-MM-DD.
Day = Annotated[str, WithJsonSchema({"type": "string", "format": "date"})]
#: A count of seconds (durations and statistics; null when there is nothing to measure).
Seconds = float | None
#: Local time of day, HH:MM.
LocalTime = Annotated[str, Field(description="local HH:MM")]


def parse_id(raw: str) -> int | None:
    """A positive database id written in ASCII digits, or None ("²" is a digit to Python)."""
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 10:
        return None
    value = int(raw)
    return value if 0 < value <= MAX_ID else None


#: How a query flag (`?entrance=1`) may be written: on, off; anything else is malformed.
FLAG_ON = frozenset({"1", "true", "yes", "on", ""})
FLAG_OFF = frozenset({"0", "false", "no", "off"})


def parse_flag(raw: str | None) -> bool | None:
    """A query flag: False when absent or off (`0`, `false`, `no`), True when on (`1`,
    `true`, `yes`, or named without a value: `?entrance`), None when malformed."""
    if raw is None:
        return False
    word = raw.strip().casefold()
    if word in FLAG_ON:
        return True
    return False if word in FLAG_OFF else None


def values_of(
    vocabulary: type[StrEnum], *only: StrEnum, nullable: bool = False, description: str = ""
) -> WithJsonSchema:
    """The document of a string whose values are a domain vocabulary's (`only`: some of them;
    `nullable`: or null), for `Annotated[str, values_of(...)]`: at run time the value is the
    plain string the row holds, so a read model builds it at no cost, and the document lists
    the domain's values, never a copy of them."""
    values: list[str | None] = [member.value for member in (only or tuple(vocabulary))]
    schema: dict[str, Any] = {"type": "string", "enum": values}
    if nullable:
        schema = {"type": ["string", "null"], "enum": [*values, None]}
    if description:
        schema["description"] = description
    return WithJsonSchema(schema)
