"""Parsing JSON request bodies into checked values, with a clear error for each mistake.

Written by hand rather than with a schema library: the API takes three small bodies, and the
checks here map one-to-one onto the error codes the OpenAPI document promises.
"""

from __future__ import annotations

from typing import Any

from flask import request

from .errors import ApiError

#: Longest string any field accepts (a username, a service code, a category).
MAX_FIELD = 128
#: Largest id the database holds (32-bit integer columns on PostgreSQL).
MAX_ID = 2**31 - 1


def parse_id(raw: str) -> int | None:
    """A positive database id written in ASCII digits, or None ("²" is a digit to Python)."""
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 10:
        return None
    value = int(raw)
    return value if 0 < value <= MAX_ID else None


def json_object(*, required: bool = True) -> dict[str, Any]:
    """The request body as a JSON object: 422 when missing or malformed, 415 when not JSON."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        if not required:
            return {}
        raise ApiError(422, "missing_body", "send a JSON object as the request body")
    if not request.is_json:
        raise ApiError(
            415, "unsupported_media_type", "send the body as JSON (Content-Type: application/json)"
        )
    body = request.get_json(silent=True)
    if body is None:
        raise ApiError(422, "malformed_json", "the body is not valid JSON")
    if not isinstance(body, dict):
        raise ApiError(422, "invalid_input", "the body must be a JSON object")
    return body


def reference(body: dict[str, Any], field: str) -> int | str:
    """A required id (positive integer) or letter code (1-3 letters) naming a service."""
    if field not in body or body[field] is None:
        raise ApiError(
            422, "invalid_input", f"'{field}' is required (an id or a code)", field=field
        )
    value = body[field]
    if isinstance(value, bool):
        raise ApiError(422, "invalid_input", f"'{field}' must be an id or a code", field=field)
    if isinstance(value, int):
        if value <= 0 or value > MAX_ID:
            raise ApiError(422, "invalid_input", f"'{field}' is not a valid id", field=field)
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.isascii() and text.isdigit():
            number = parse_id(text)
            if number is None:
                raise ApiError(422, "invalid_input", f"'{field}' is not a valid id", field=field)
            return number
        if 1 <= len(text) <= 3 and text.isascii() and text.isalpha():
            return text.upper()
        raise ApiError(422, "invalid_input", f"'{field}' is not a valid service code", field=field)
    raise ApiError(422, "invalid_input", f"'{field}' must be an id or a code", field=field)


def optional_choice(body: dict[str, Any], field: str, choices: list[str]) -> str | None:
    """An optional string that must be one of `choices`; null or absent gives None."""
    value = body.get(field)
    if value is None or value == "none":
        return None
    if not isinstance(value, str) or value not in choices:
        raise ApiError(
            422,
            "invalid_input",
            f"'{field}' must be one of {', '.join(choices)} or null",
            field=field,
        )
    return value


def string(body: dict[str, Any], field: str) -> str:
    """A required non-empty string of at most MAX_FIELD characters."""
    value = body.get(field)
    if not isinstance(value, str) or not value or len(value) > MAX_FIELD:
        raise ApiError(
            422, "invalid_input", f"'{field}' must be a string of 1 to {MAX_FIELD} characters"
        )
    return value
