"""The OpenAPI 3.1 document of `/api/v1`. Tests check that it lists exactly the routes the
blueprint registers and that real responses validate against its schemas."""

from __future__ import annotations

from typing import Any

from ..services.reports import FIGURE_COLUMNS, MAX_DAYS
from .validation import MAX_FIELD, MAX_ID

Json = dict[str, Any]

PRIORITIES = ["elderly", "disabled", "pregnant", "with_infant"]
STATES = ["issued", "waiting", "called", "serving", "done", "no_show", "cancelled", "expired"]


def _ref(name: str) -> Json:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: Json, description: str) -> Json:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> Json:
    return _json(_ref("Error"), description)


def _unauthorized(description: str) -> Json:
    """A 401: the error, and the challenge every 401 under /api carries (RFC 9110)."""
    challenge = {
        "description": 'the scheme to authenticate with: `Bearer realm="loket"`',
        "required": True,
        "schema": {"type": "string", "pattern": "^Bearer "},
    }
    return {**_error(description), "headers": {"WWW-Authenticate": challenge}}


NULLABLE_STR = {"type": ["string", "null"]}
#: What `validation.parse_id` and the routes' `int(max=MAX_ID)` take: a positive database id.
ID: Json = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
#: A day as `reports.parse_period` reads it: YYYY-MM-DD, ten ASCII characters.
DAY: Json = {"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}

SCHEMAS: Json = {
    "Error": {
        "type": "object",
        "required": ["error", "message"],
        "properties": {
            "error": {"type": "string", "description": "stable machine-readable code"},
            "message": {"type": "string", "description": "human-readable explanation"},
            "detail": {"type": "object"},
        },
    },
    "ServiceRef": {
        "description": "a service id, or its letter code (case-insensitive); an id may also "
        "be sent as a string of digits",
        "oneOf": [
            ID,
            {"type": "string", "pattern": "^([A-Za-z]{1,3}|[1-9][0-9]{0,8})$"},
        ],
    },
    "Service": {
        "type": "object",
        "required": ["id", "code", "name", "open", "waiting", "quota_left", "estimated_wait_s"],
        "properties": {
            "id": {"type": "integer"},
            "code": {"type": "string"},
            "name": {"type": "string", "description": "Indonesian name"},
            "name_en": {"type": "string"},
            "open": {"type": "boolean", "description": "takes tickets now"},
            "closed_early": {
                "type": "boolean",
                "description": "stopped issuing today: a new ticket would not be served in time",
            },
            "waiting": {"type": "integer", "description": "queued today, inside and outside"},
            "waiting_inside": {"type": "integer"},
            "waiting_outside": {"type": "integer"},
            "daily_quota": {"type": ["integer", "null"]},
            "quota_left": {"type": ["integer", "null"], "description": "null: no quota"},
            "counters_open": {"type": "integer"},
            "estimated_wait_s": {"type": "integer", "description": "for a ticket taken now"},
        },
    },
    "TicketService": {
        "type": "object",
        "required": ["id", "code", "name"],
        "properties": {
            "id": {"type": "integer"},
            "code": {"type": "string"},
            "name": {"type": "string"},
            "name_en": {"type": "string"},
        },
    },
    "PublicTicket": {
        "type": "object",
        "description": "what the ticket's holder sees; carries no token and no personal data",
        "required": [
            "code",
            "number",
            "service",
            "state",
            "position",
            "admitted",
            "estimated_wait_s",
        ],
        "properties": {
            "code": {"type": "string", "examples": ["A-007"]},
            "number": {"type": "integer"},
            "service": _ref("TicketService"),
            "state": {"type": "string", "enum": STATES},
            "priority": {"type": ["string", "null"], "enum": [*PRIORITIES, None]},
            "service_day": {"type": "string", "format": "date"},
            "position": {"type": "integer", "description": "people ahead in the queue"},
            "admitted": {"type": "boolean", "description": "false: wait outside (hall full)"},
            "estimated_wait_s": {"type": "integer"},
            "counter": {
                "type": ["object", "null"],
                "properties": {"number": {"type": "integer"}, "label": {"type": "string"}},
            },
            "issued_at": {"type": "string", "format": "date-time"},
            "called_at": NULLABLE_TIME,
            "seq": {"type": "integer"},
        },
    },
    "IssuedTicket": {
        "allOf": [
            _ref("PublicTicket"),
            {
                "type": "object",
                "required": ["id", "token", "status_url"],
                "properties": {
                    "id": {"type": "integer"},
                    "token": {"type": "string", "description": "the holder's secret; shown once"},
                    "status_url": {"type": "string", "format": "uri"},
                },
            },
        ]
    },
    "StaffTicket": {
        "allOf": [
            _ref("PublicTicket"),
            {
                "type": "object",
                "required": ["id"],
                "properties": {
                    "id": {"type": "integer"},
                    "channel": {"type": "string", "enum": ["kiosk", "staff", "api"]},
                    "counter_id": {"type": ["integer", "null"]},
                    "call_count": {"type": "integer"},
                    "admitted_at": NULLABLE_TIME,
                    "first_called_at": NULLABLE_TIME,
                    "started_at": NULLABLE_TIME,
                    "finished_at": NULLABLE_TIME,
                    "durations": {
                        "type": "object",
                        "properties": {
                            "wait_s": {"type": ["number", "null"]},
                            "walk_s": {"type": ["number", "null"]},
                            "service_s": {"type": ["number", "null"]},
                        },
                    },
                },
            },
        ]
    },
    "CurrentTicket": {
        "type": ["object", "null"],
        "properties": {
            "code": {"type": "string"},
            "state": {"type": "string", "enum": ["called", "serving"]},
            "service_id": {"type": "integer"},
            "called_at": NULLABLE_TIME,
            "started_at": NULLABLE_TIME,
        },
    },
    "Counter": {
        "type": "object",
        "required": ["id", "number", "label", "state", "services"],
        "properties": {
            "id": {"type": "integer"},
            "number": {"type": "integer"},
            "label": {"type": "string"},
            "state": {"type": "string", "enum": ["open", "paused", "closed"]},
            "services": {
                "type": "array",
                "description": "in the counter's preference order",
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "code": {"type": "string"},
                        "rank": {"type": "integer"},
                    },
                },
            },
            "current": _ref("CurrentTicket"),
        },
    },
    "Board": {
        "type": "object",
        "required": ["seq", "hall", "counters", "recent_calls", "services"],
        "properties": {
            "seq": {"type": "integer", "description": "the site's change sequence"},
            "site": {"type": "object"},
            "service_day": {"type": "string", "format": "date"},
            "generated_at": {"type": "string", "format": "date-time"},
            "hall": {
                "type": "object",
                "required": ["capacity", "inside", "outside"],
                "properties": {
                    "capacity": {"type": ["integer", "null"]},
                    "inside": {"type": "integer"},
                    "outside": {"type": "integer"},
                    "full": {"type": "boolean"},
                    "open": {
                        "type": "boolean",
                        "description": "within opening hours (kiosks take tickets)",
                    },
                    "opens_at": {"type": "string", "description": "local HH:MM"},
                    "closes_at": {
                        "type": "string",
                        "description": "local HH:MM; equal to opens_at: open around the clock",
                    },
                },
            },
            "counters": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "number": {"type": "integer"},
                        "label": {"type": "string"},
                        "state": {"type": "string"},
                        "current": _ref("CurrentTicket"),
                    },
                },
            },
            "recent_calls": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "code": {"type": "string"},
                        "service_code": {"type": "string"},
                        "counter_id": {"type": "integer"},
                        "counter_number": {"type": "integer"},
                        "recall": {"type": "boolean"},
                        "at": {"type": "string", "format": "date-time"},
                        "seq": {"type": "integer"},
                    },
                },
            },
            "services": {"type": "array", "items": _ref("Service")},
            "recently_admitted": {"type": "array", "items": {"type": "string"}},
        },
    },
    "Token": {
        "type": "object",
        "required": ["token", "token_type"],
        "properties": {
            "token": {"type": "string"},
            "token_type": {"type": "string", "const": "Bearer"},
            "user": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "username": {"type": "string"},
                    "role": {"type": "string", "enum": ["admin", "supervisor", "clerk"]},
                    "counters": {"type": "array", "items": {"type": "integer"}},
                },
            },
        },
    },
}

NULLABLE_SECONDS = {"type": ["number", "null"]}
# The counts of every report group, in the order the API and the CSV give them.
REPORT_COUNTS = FIGURE_COLUMNS

SCHEMAS["DurationStats"] = {
    "type": "object",
    "description": "seconds; null when there is nothing to measure",
    "required": ["count", "mean_s", "median_s", "p90_s"],
    "properties": {
        "count": {"type": "integer"},
        "mean_s": NULLABLE_SECONDS,
        "median_s": NULLABLE_SECONDS,
        "p90_s": {**NULLABLE_SECONDS, "description": "90th percentile, linear interpolation"},
    },
}
SCHEMAS["Figures"] = {
    "type": "object",
    "description": (
        "counts (see docs/reports.md for where each is counted) and wait, walk and service "
        "time statistics"
    ),
    "required": [*REPORT_COUNTS, "wait", "walk", "service"],
    "properties": {
        **{name: {"type": "integer", "minimum": 0} for name in REPORT_COUNTS},
        "wait": _ref("DurationStats"),
        "walk": _ref("DurationStats"),
        "service": _ref("DurationStats"),
    },
}


def _with_figures(required: list[str], properties: Json) -> Json:
    return {
        "allOf": [
            {"type": "object", "required": required, "properties": properties},
            _ref("Figures"),
        ]
    }


SCHEMAS["DailyReport"] = {
    "type": "object",
    "required": [
        "site",
        "from",
        "to",
        "totals",
        "services",
        "counters",
        "staff",
        "hours",
        "occupancy",
    ],
    "properties": {
        "site": {"type": "object"},
        "from": {"type": "string", "format": "date"},
        "to": {"type": "string", "format": "date"},
        "generated_at": {"type": "string", "format": "date-time"},
        "hall_capacity": {"type": ["integer", "null"]},
        "totals": _ref("Figures"),
        "services": {
            "type": "array",
            "items": _with_figures(
                ["id", "code"],
                {
                    "id": {"type": "integer"},
                    "code": {"type": "string"},
                    "name": {"type": "string"},
                    "name_en": {"type": "string"},
                },
            ),
        },
        "counters": {
            "type": "array",
            "items": _with_figures(
                ["id", "number"],
                {
                    "id": {"type": "integer"},
                    "number": {"type": "integer"},
                    "label": {"type": "string"},
                },
            ),
        },
        "staff": {
            "type": "array",
            "items": _with_figures(
                ["id", "username"],
                {"id": {"type": "integer"}, "username": {"type": "string"}},
            ),
        },
        "hours": {
            "type": "array",
            "description": "local hour of day; 24 = after midnight (the day's close)",
            "items": _with_figures(
                ["hour"], {"hour": {"type": "integer", "minimum": 0, "maximum": 24}}
            ),
        },
        "occupancy": {
            "type": "array",
            "description": "one entry per service day",
            "items": {
                "type": "object",
                "required": ["day", "peak_inside", "peak_outside", "bins"],
                "properties": {
                    "day": {"type": "string", "format": "date"},
                    "capacity": {"type": ["integer", "null"]},
                    "peak_inside": {"type": "integer"},
                    "peak_inside_at": NULLABLE_TIME,
                    "peak_outside": {"type": "integer"},
                    "peak_outside_at": NULLABLE_TIME,
                    "bin_minutes": {"type": "integer"},
                    "bins": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["start", "inside_max", "outside_max"],
                            "properties": {
                                "start": {"type": "string", "format": "date-time"},
                                "inside_max": {"type": "integer"},
                                "outside_max": {"type": "integer"},
                            },
                        },
                    },
                },
            },
        },
    },
}
SCHEMAS["Estimate"] = {
    "type": "object",
    "required": [
        "service",
        "open",
        "estimated_wait_s",
        "estimated_wait_priority_s",
        "counters",
    ],
    "properties": {
        "service": _ref("TicketService"),
        "open": {"type": "boolean", "description": "takes tickets now"},
        "closed_early": {
            "type": "boolean",
            "description": "stopped issuing: a ticket taken now would not be served today",
        },
        "people_ahead": {"type": "integer"},
        "estimated_wait_s": {"type": "integer", "description": "a regular ticket taken now"},
        "people_ahead_priority": {"type": "integer"},
        "estimated_wait_priority_s": {
            "type": "integer",
            "description": "a priority ticket taken now",
        },
        "counters": {
            "type": "array",
            "description": "open counters serving it; rank 0 = serves it first",
            "items": {
                "type": "object",
                "properties": {"number": {"type": "integer"}, "rank": {"type": "integer"}},
            },
        },
        "round_s": {"type": "integer", "description": "expected counter time per call"},
        "prior_s": {"type": "integer"},
        "rounds_recorded": {"type": "integer"},
        "from_prior": {"type": "boolean"},
    },
}

SITE_PARAM = {
    "name": "site",
    "in": "query",
    "required": False,
    "schema": ID,
    "description": "site id; the first site when absent",
}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[!-~]{1,64}$"},
    "description": "a fresh random key per ticket wanted (1–64 visible ASCII characters): a "
    "retry with the same key and body within 24 hours answers the first request's ticket "
    "again instead of issuing a second one",
}
SITE_ERRORS = {
    "404": _error("no such site"),
    "422": _error("'site' is not a site id"),
}
RATE_LIMITED: Json = {
    **_error(
        "rate_limited: too many requests from this address or kiosk account (issuing), or too "
        "many failed sign-ins (address or username); detail.retry_after_s says when to retry"
    ),
    "headers": {
        "Retry-After": {
            "description": "seconds to wait",
            "required": True,
            "schema": {"type": "integer", "minimum": 1},
        }
    },
}
TICKET_ID = {"name": "ticket_id", "in": "path", "required": True, "schema": ID}
COUNTER_ID = {"name": "counter_id", "in": "path", "required": True, "schema": ID}
BEARER: list[Json] = [{"bearer": []}, {"session": []}]
STAFF_ERRORS = {
    "401": _unauthorized("missing or bad credentials"),
    "403": _error("not allowed at this counter (a kiosk account: not allowed at all)"),
    "404": _error("unknown id"),
}

REPORT_PARAMS: list[Json] = [
    {
        "name": "date",
        "in": "query",
        "required": False,
        "schema": DAY,
        "description": "the service day, YYYY-MM-DD; give either `date`, or both `from` and `to`",
    },
    {
        "name": "from",
        "in": "query",
        "required": False,
        "schema": DAY,
        "description": f"first day of a range (with `to`, not `date`; at most {MAX_DAYS} days)",
    },
    {
        "name": "to",
        "in": "query",
        "required": False,
        "schema": DAY,
        "description": "last day of a range, included (with `from`, not before it)",
    },
]
REPORT_ERRORS = {
    "401": _unauthorized("missing or bad credentials"),
    "403": _error("not a supervisor or admin"),
    "404": _error("no such site"),
    "422": _error(
        "missing or malformed date; both `date` and a range; only one end of a range; a range "
        f"that ends before it starts or spans more than {MAX_DAYS} days; or a bad site"
    ),
}

TICKET_ACTIONS = {
    "recall": "Call the same ticket again (the board announces it again).",
    "start": "The applicant reached the counter: service starts.",
    "finish": "Service done (from the start, or from the last call when never started).",
    "no-show": "The called applicant did not come.",
    "reinstate": "A no-show came back: to the end of the queue (outside if the hall is full).",
    "requeue": "Send a called ticket back to the end of its queue.",
    "cancel": "Cancel a ticket still in the queue (issued or waiting).",
}


#: Refusals of a ticket action beyond its state (the site's recall and no-show policies).
TICKET_REFUSALS = {
    "recall": "invalid_transition: not allowed from the ticket's state; or recall_limit: "
    "recalled as often as the site allows since its latest call (detail.recall_limit)",
    "no-show": "invalid_transition: not allowed from the ticket's state; or too_early: the "
    "site's wait after the latest call has not passed (detail.wait_s, detail.available_at)",
}


def _ticket_action(summary: str, refusal: str | None = None) -> Json:
    return {
        "post": {
            "summary": summary,
            "tags": ["staff"],
            "security": BEARER,
            "parameters": [TICKET_ID],
            "responses": {
                "200": _json(_ref("StaffTicket"), "the ticket after the action"),
                **STAFF_ERRORS,
                "409": _error(refusal or "invalid_transition: not allowed from the ticket's state"),
            },
        }
    }


def _counter_action(summary: str, refusal: str | None = None) -> Json:
    responses: Json = {
        "200": _json(_ref("Counter"), "the counter after the change"),
        **STAFF_ERRORS,
    }
    if refusal:
        responses["409"] = _error(refusal)
    return {
        "post": {
            "summary": summary,
            "tags": ["staff"],
            "security": BEARER,
            "parameters": [COUNTER_ID],
            "responses": responses,
        }
    }


#: `validation.string`: a required non-empty string of at most MAX_FIELD characters.
CREDENTIAL: Json = {"type": "string", "minLength": 1, "maxLength": MAX_FIELD}


def openapi_document() -> Json:
    """The whole document."""
    paths: Json = {
        "/api/v1/services": {
            "get": {
                "summary": "Services with queue length, quota left and estimated wait",
                "tags": ["public"],
                "parameters": [SITE_PARAM],
                "responses": {
                    "200": _json({"type": "array", "items": _ref("Service")}, "services"),
                    **SITE_ERRORS,
                },
            }
        },
        "/api/v1/tickets": {
            "post": {
                "summary": "Take a ticket",
                "tags": ["public"],
                "parameters": [SITE_PARAM, IDEMPOTENCY_KEY],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["service"],
                                "properties": {
                                    "service": _ref("ServiceRef"),
                                    "priority": {
                                        "type": ["string", "null"],
                                        "enum": [*PRIORITIES, "none", None],
                                    },
                                    "channel": {
                                        "type": ["string", "null"],
                                        "enum": ["kiosk", "api", None],
                                        "description": "null or absent: api; a signed-in "
                                        "kiosk account or staff member sets it themselves",
                                    },
                                    "holder_id": {
                                        "type": ["string", "null"],
                                        "maxLength": 32,
                                        "description": "where the site gives one ticket per "
                                        "person: the holder's Indonesian mobile number (08…, "
                                        "+62…) or NIK (16 digits); required then (except for "
                                        "staff), ignored elsewhere; stored only as a keyed "
                                        "hash, never returned",
                                    },
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "201": _json(
                        _ref("IssuedTicket"),
                        "the new ticket; for a repeat of a request with the same "
                        "Idempotency-Key within 24 hours, the first request's ticket and answer",
                    ),
                    "404": _error("no such site"),
                    "409": _error(
                        "quota_reached, service_closed, hall_closed (outside opening hours), "
                        "or already_holding (this phone number or NIK holds an active ticket "
                        "of the service today)"
                    ),
                    "413": _error("body too large"),
                    "415": _error("body not sent as JSON"),
                    "422": _error(
                        "malformed input or unknown service; invalid_holder_id: the phone "
                        "number or NIK the site asks for is missing or malformed; "
                        "idempotency_mismatch: the Idempotency-Key was used for another "
                        "request; invalid_input: a malformed Idempotency-Key"
                    ),
                    "429": RATE_LIMITED,
                },
            }
        },
        "/api/v1/tickets/by-token/{token}": {
            "get": {
                "summary": "The public view of one ticket",
                "tags": ["public"],
                "parameters": [
                    {
                        "name": "token",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "minLength": 1},
                        "description": "the ticket's token; one that is not URL-safe base64 "
                        "of at most 64 characters is never found (404)",
                    }
                ],
                "responses": {
                    "200": _json(_ref("PublicTicket"), "the ticket"),
                    "404": _error("no such ticket"),
                },
            }
        },
        "/api/v1/counters": {
            "get": {
                "summary": "Counters with state, services and current ticket",
                "tags": ["public"],
                "parameters": [SITE_PARAM],
                "responses": {
                    "200": _json({"type": "array", "items": _ref("Counter")}, "counters"),
                    **SITE_ERRORS,
                },
            }
        },
        "/api/v1/board": {
            "get": {
                "summary": "What a lobby screen shows (equals the Socket.IO snapshot)",
                "tags": ["public"],
                "parameters": [SITE_PARAM],
                "responses": {"200": _json(_ref("Board"), "the board"), **SITE_ERRORS},
            }
        },
        "/api/v1/auth/token": {
            "post": {
                "summary": "Exchange username and password for a Bearer token",
                "tags": ["auth"],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["username", "password"],
                                "properties": {
                                    "username": CREDENTIAL,
                                    "password": CREDENTIAL,
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "201": _json(_ref("Token"), "a new token"),
                    "401": _unauthorized("unknown user or wrong password"),
                    "413": _error("body too large"),
                    "415": _error("body not sent as JSON"),
                    "422": _error("malformed input"),
                    "429": RATE_LIMITED,
                },
            }
        },
        "/api/v1/counters/{counter_id}/call-next": {
            "post": {
                "summary": "Call the next ticket to this counter",
                "tags": ["staff"],
                "security": BEARER,
                "parameters": [COUNTER_ID],
                "responses": {
                    "200": _json(_ref("StaffTicket"), "the called ticket"),
                    "204": {"description": "nobody waits for this counter's services"},
                    **STAFF_ERRORS,
                    "409": _error(
                        "counter_not_open, or counter_busy: finish the current ticket first"
                    ),
                },
            }
        },
        "/api/v1/tickets/{ticket_id}/transfer": {
            "post": {
                "summary": "Send a called or serving ticket to another service, at its front",
                "tags": ["staff"],
                "security": BEARER,
                "parameters": [TICKET_ID],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["service"],
                                "properties": {"service": _ref("ServiceRef")},
                            }
                        }
                    },
                },
                "responses": {
                    "200": _json(_ref("StaffTicket"), "the ticket in its new service"),
                    **STAFF_ERRORS,
                    "409": _error("invalid_transition"),
                    "413": _error("body too large"),
                    "415": _error("body not sent as JSON"),
                    "422": _error("malformed input, unknown service, or the same service"),
                },
            }
        },
        "/api/v1/estimates": {
            "get": {
                "summary": "Wait estimates per service, and the counters serving each now",
                "tags": ["public"],
                "parameters": [SITE_PARAM],
                "responses": {
                    "200": _json({"type": "array", "items": _ref("Estimate")}, "estimates"),
                    **SITE_ERRORS,
                },
            }
        },
        "/api/v1/reports/daily": {
            "get": {
                "summary": "A day's figures: totals, per service, counter, staff and hour",
                "tags": ["reports"],
                "security": BEARER,
                "parameters": [*REPORT_PARAMS, SITE_PARAM],
                "responses": {
                    "200": _json(_ref("DailyReport"), "the report"),
                    **REPORT_ERRORS,
                },
            }
        },
        "/api/v1/reports/tickets.csv": {
            "get": {
                "summary": "One CSV row per ticket: code, service, state, counter, staff, "
                "every timestamp (local, ISO 8601) and every duration in seconds",
                "tags": ["reports"],
                "security": BEARER,
                "parameters": [*REPORT_PARAMS, SITE_PARAM],
                "responses": {
                    "200": {
                        "description": "CSV with a header row (columns in docs/reports.md); a "
                        "text cell starting with = + - @ TAB or CR is written with a leading ' "
                        "so that no spreadsheet reads it as a formula",
                        "headers": {
                            "Content-Disposition": {
                                "description": "a download, named after the period",
                                "required": True,
                                "schema": {"type": "string", "pattern": "^attachment; filename="},
                            }
                        },
                        "content": {"text/csv": {"schema": {"type": "string"}}},
                    },
                    **REPORT_ERRORS,
                },
            }
        },
        "/api/v1/openapi.json": {
            "get": {
                "summary": "This document",
                "tags": ["meta"],
                "responses": {
                    "200": {"description": "OpenAPI 3.1", "content": {"application/json": {}}}
                },
            }
        },
    }
    for action, summary in TICKET_ACTIONS.items():
        paths[f"/api/v1/tickets/{{ticket_id}}/{action}"] = _ticket_action(
            summary, TICKET_REFUSALS.get(action)
        )
    base = "/api/v1/counters/{counter_id}"
    paths[f"{base}/open"] = _counter_action("Open the counter and sign in at it")
    paths[f"{base}/pause"] = _counter_action("Pause the counter (keeps its clerk)")
    paths[f"{base}/close"] = _counter_action(
        "Close the counter", "counter_busy: it still has a called or serving ticket"
    )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Loket API",
            "version": "1.0.0",
            "description": (
                "Queue system for walk-in public service halls. Errors are JSON "
                '`{"error": code, "message": text}`. Staff routes take a Bearer token '
                "(POST /api/v1/auth/token or `flask create-token`) or a signed-in session."
            ),
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
        },
    }
