"""Parsing JSON request bodies into checked values, with a clear error for each mistake.

What a body holds is declared once, in the contract's models (contract/bodies.py), which the
OpenAPI document shows too; here the transport (JSON or not, an object or not) and the
refusals' shape: 422 `invalid_input` with the field and its message.
"""

from __future__ import annotations

from typing import Any, TypeVar

from flask import request
from pydantic import ValidationError

from ..contract.bodies import INVALID, Body
from ..contract.fields import MAX_FIELD, MAX_ID, parse_id
from .errors import ApiError

__all__ = ["MAX_FIELD", "MAX_ID", "json_object", "parse_body", "parse_id"]

BodyT = TypeVar("BodyT", bound=Body)


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


def parse_body(model: type[BodyT], body: dict[str, Any]) -> BodyT:
    """`body` checked by its contract model, or 422 `invalid_input` naming the first field
    refused (its message: the validator's own, else the model's for that field)."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        field = str(error["loc"][0]) if error["loc"] else None
        if error["type"] == INVALID or field is None:
            message = error["msg"]
        else:
            message = model.refusals.get(field, f"'{field}': {error['msg']}")
        raise ApiError(422, INVALID, message, field=field) from None
