"""The OpenAPI components, generated from the contract's types (pydantic's JSON schema)."""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode

from . import bodies, booking, payloads, reports, survey

REF = "#/components/schemas/{model}"

#: The payloads the document names, each a component (what they use becomes one too).
RESPONSES: list[Any] = [
    payloads.Error,
    payloads.Service,
    payloads.Zone,
    payloads.Agency,
    payloads.NotReady,
    payloads.PublicTicket,
    payloads.IssuedTicket,
    payloads.StaffTicket,
    payloads.Counter,
    payloads.Board,
    payloads.Token,
    payloads.Estimate,
    reports.DailyReport,
    survey.SurveyReceipt,
    survey.IkmReport,
    booking.Availability,
    booking.BookingView,
    booking.DeskBooking,
    booking.BookedReceipt,
    booking.CheckedIn,
]
#: The request bodies, inlined in their operations (a body's schema is read by its fields).
BODIES: list[type[bodies.Body]] = [
    bodies.IssueBody,
    bodies.TokenBody,
    bodies.TransferBody,
    bodies.FinishBody,
    survey.SurveyBody,
    booking.BookingBody,
    booking.CheckInBody,
]


class ContractSchema(GenerateJsonSchema):
    """pydantic's JSON schema without the titles it makes up for every field (`Service Day`):
    the name is there already, and a component's title is its name."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False


@cache
def generated() -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """(components, body schemas by model name), made once per process."""
    keyed: list[tuple[str, JsonSchemaMode, TypeAdapter[Any]]] = [
        (kind.__name__, "serialization", TypeAdapter(kind)) for kind in RESPONSES
    ]
    keyed += [(model.__name__, "validation", TypeAdapter(model)) for model in BODIES]
    _, top = TypeAdapter.json_schemas(keyed, ref_template=REF, schema_generator=ContractSchema)
    components: dict[str, Any] = dict(top.get("$defs", {}))
    body_schemas = {model.__name__: _body(components.pop(model.__name__)) for model in BODIES}
    return components, body_schemas


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    """A request body's schema as its operation shows it: no title, no defaults (a default
    of null says nothing a reader of the field's type does not know)."""
    schema = {k: v for k, v in schema.items() if k != "title"}
    schema["properties"] = {
        name: {k: v for k, v in field.items() if k != "default"}
        for name, field in schema["properties"].items()
    }
    return schema


def components() -> dict[str, Any]:
    """The document's `components.schemas`."""
    return generated()[0]


def body(model: type[BaseModel]) -> dict[str, Any]:
    """The JSON schema of a request body model, its types referring to `components()`."""
    return generated()[1][model.__name__]
