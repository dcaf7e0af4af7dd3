"""The request bodies the API takes, as pydantic models: web/validation.py validates a body
with them (and answers each refusal as 422 `invalid_input` with the message here), and the
OpenAPI document shows their JSON schema. Unknown fields are ignored, as they always were."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    Strict,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from ..domain.vocabulary import OUTCOME_NOTE_MAX, Channel, Outcome, Priority
from .fields import ID_SCHEMA, MAX_FIELD, MAX_ID, parse_id

#: The code of every refusal a body's fields give.
INVALID = "invalid_input"


def service_reference(value: Any, info: ValidationInfo) -> int | str:
    """A service named by its id (a positive integer, or a string of ASCII digits) or its
    letter code (1-3 letters, any case, spaces around ignored): the id, or the code in
    capitals. The document asks for less (no spaces, no leading zeros): a client that
    follows it is always accepted."""
    field = info.field_name
    if value is None:
        raise PydanticCustomError(INVALID, f"'{field}' is required (an id or a code)")
    if isinstance(value, bool):
        raise PydanticCustomError(INVALID, f"'{field}' must be an id or a code")
    if isinstance(value, int):
        if value <= 0 or value > MAX_ID:
            raise PydanticCustomError(INVALID, f"'{field}' is not a valid id")
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.isascii() and text.isdigit():
            number = parse_id(text)
            if number is None:
                raise PydanticCustomError(INVALID, f"'{field}' is not a valid id")
            return number
        if 1 <= len(text) <= 3 and text.isascii() and text.isalpha():
            return text.upper()
        raise PydanticCustomError(INVALID, f"'{field}' is not a valid service code")
    raise PydanticCustomError(INVALID, f"'{field}' must be an id or a code")


SERVICE_REF_SCHEMA: dict[str, Any] = {
    "description": "a service id, or its letter code (case-insensitive); an id may also be "
    "sent as a string of digits",
    "oneOf": [ID_SCHEMA, {"type": "string", "pattern": "^([A-Za-z]{1,3}|[1-9][0-9]{0,8})$"}],
}
#: A service id or letter code (`service_reference`).
ServiceRef = Annotated[
    int | str, PlainValidator(service_reference), WithJsonSchema(SERVICE_REF_SCHEMA)
]

#: A required non-empty string of at most MAX_FIELD characters (a username, a password).
Credential = Annotated[str, Strict(), Field(min_length=1, max_length=MAX_FIELD)]


class Body(BaseModel):
    """A request body: what each field's refusal says (`refusals`; else pydantic's words)."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    refusals: ClassVar[dict[str, str]] = {}


class IssueBody(Body):
    """`POST /api/v1/tickets`."""

    service: ServiceRef
    priority: Priority | Literal["none"] | None = None
    channel: Annotated[
        Literal[Channel.KIOSK, Channel.API] | None,
        Field(
            description="null or absent: api; a signed-in kiosk account or staff member sets "
            "it themselves"
        ),
    ] = None
    #: Checked by services.holders, only where the site collects one (elsewhere it is
    #: ignored, whatever it holds): documented here, never validated here.
    holder_id: Annotated[
        Any,
        WithJsonSchema(
            {
                "type": ["string", "null"],
                "maxLength": 32,
                "description": "where the site gives one ticket per person: the holder's "
                "Indonesian mobile number (08…, +62…) or NIK (16 digits); required then "
                "(except for staff), ignored elsewhere; stored only as a keyed hash, never "
                "returned",
            }
        ),
    ] = None
    #: Normalised (and refused when not a mobile number) by the view: services/holders.py.
    phone: Annotated[
        str | None,
        Strict(),
        Field(
            max_length=32,
            description="an Indonesian mobile number (08…, +62…) to notify about this ticket "
            "(SMS/WhatsApp, where the hall sends notifications); stored encrypted, deleted after "
            "the retention period, never returned",
        ),
    ] = None
    lang: Annotated[
        Literal["id", "en"] | None,
        Field(description="the language of the notifications (null or absent: id)"),
    ] = None

    @property
    def category(self) -> Priority | None:
        """The priority category asked for ("none" and null: none)."""
        return self.priority if isinstance(self.priority, Priority) else None

    refusals: ClassVar[dict[str, str]] = {
        "service": "'service' is required (an id or a code)",
        "priority": f"'priority' must be one of {', '.join(Priority)} or null",
        "channel": f"'channel' must be one of {Channel.KIOSK}, {Channel.API} or null",
        "phone": "'phone' must be an Indonesian mobile number (08…, +62…) or null",
        "lang": "'lang' must be id, en or null",
    }


class TokenBody(Body):
    """`POST /api/v1/auth/token`."""

    username: Credential
    password: Credential

    refusals: ClassVar[dict[str, str]] = {
        name: f"'{name}' must be a string of 1 to {MAX_FIELD} characters"
        for name in ("username", "password")
    }


class TransferBody(Body):
    """`POST /api/v1/tickets/{ticket_id}/transfer`."""

    service: ServiceRef

    refusals: ClassVar[dict[str, str]] = {"service": "'service' is required (an id or a code)"}


#: A clerk's short note: a string, spaces around dropped, at most OUTCOME_NOTE_MAX characters.
Note = Annotated[
    str, Strict(), StringConstraints(strip_whitespace=True, max_length=OUTCOME_NOTE_MAX)
]


class FinishBody(Body):
    """`POST /api/v1/tickets/{ticket_id}/finish` (optional: no body, `{}` or a null outcome
    finish as completed)."""

    outcome: Annotated[
        Outcome | None,
        Field(description="how the service ended; null or absent: completed"),
    ] = None
    note: Annotated[
        Note | None,
        Field(description=f"optional, at most {OUTCOME_NOTE_MAX} characters (stripped)"),
    ] = None

    @property
    def result(self) -> Outcome:
        return self.outcome or Outcome.COMPLETED

    @property
    def remark(self) -> str | None:
        """The note, None when empty."""
        return self.note or None

    refusals: ClassVar[dict[str, str]] = {
        "outcome": f"'outcome' must be one of {', '.join(Outcome)} or null",
        "note": f"'note' must be a string of at most {OUTCOME_NOTE_MAX} characters or null",
    }
