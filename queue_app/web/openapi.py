"""The OpenAPI 3.1 document of `/api/v1`: its operations, written here, and its schemas,
generated from the API contract (queue_app/contract/). Tests check that it lists exactly the
routes the blueprint registers and that real responses validate against its schemas."""

from __future__ import annotations

from typing import Any

from ..contract import bodies, booking, payloads, reports, schemas, survey
from ..contract.fields import DAY_SCHEMA, ID_SCHEMA
from ..device_cookie import COOKIE as DEVICE_COOKIE
from ..services.reports import MAX_DAYS

Json = dict[str, Any]


def _ref(payload: Any) -> Json:
    """A reference to a payload type of the contract (its component)."""
    name: str = payload.__name__
    assert name in schemas.components(), f"{name} is not a component"
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: Json, description: str) -> Json:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> Json:
    return _json(_ref(payloads.Error), description)


def _unauthorized(description: str) -> Json:
    """A 401: the error, and the challenge every 401 under /api carries (RFC 9110)."""
    challenge = {
        "description": 'the scheme to authenticate with: `Bearer realm="loket"`',
        "required": True,
        "schema": {"type": "string", "pattern": "^Bearer "},
    }
    return {**_error(description), "headers": {"WWW-Authenticate": challenge}}


#: What `parse_id` and the routes' `int(max=MAX_ID)` take: a positive database id.
ID: Json = ID_SCHEMA
#: A day as `reports.parse_period` reads it: YYYY-MM-DD, ten ASCII characters.
DAY: Json = DAY_SCHEMA

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
ZONE_PARAM = {
    "name": "zone",
    "in": "query",
    "required": False,
    "schema": ID,
    "description": "a zone id: that zone's only",
}
AGENCY_PARAM = {
    "name": "agency",
    "in": "query",
    "required": False,
    "schema": ID,
    "description": "an agency id: that agency's only",
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
TOKEN_PARAM = {
    "name": "token",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "minLength": 1},
    "description": "the ticket's token; one that is not URL-safe base64 of at most 64 "
    "characters is never found (404)",
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
    "finish": "Service done (from the start, or from the last call when never started), "
    "with its outcome (completed unless said otherwise) and an optional note.",
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
                "200": _json(_ref(payloads.StaffTicket), "the ticket after the action"),
                **STAFF_ERRORS,
                "409": _error(refusal or "invalid_transition: not allowed from the ticket's state"),
            },
        }
    }


def _counter_action(summary: str, refusal: str | None = None) -> Json:
    responses: Json = {
        "200": _json(_ref(payloads.Counter), "the counter after the change"),
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


def _body(model: type[bodies.Body]) -> Json:
    """A request body, its schema generated from the contract's model."""
    return {"required": True, "content": {"application/json": {"schema": schemas.body(model)}}}


def openapi_document() -> Json:
    """The whole document."""
    paths: Json = {
        "/api/v1/services": {
            "get": {
                "summary": "Services with queue length, quota left and estimated wait",
                "tags": ["public"],
                "parameters": [SITE_PARAM, ZONE_PARAM, AGENCY_PARAM],
                "responses": {
                    "200": _json({"type": "array", "items": _ref(payloads.Service)}, "services"),
                    "404": _error("no such site"),
                    "422": _error("'site', 'zone' or 'agency' is not an id"),
                },
            }
        },
        "/api/v1/zones": {
            "get": {
                "summary": "The mall's zones (floors, rooms) with their caps, inside and outside",
                "tags": ["public"],
                "parameters": [SITE_PARAM],
                "responses": {
                    "200": _json({"type": "array", "items": _ref(payloads.Zone)}, "zones"),
                    **SITE_ERRORS,
                },
            }
        },
        "/api/v1/agencies": {
            "get": {
                "summary": "The mall's agencies with their walk-in policy and daily cap",
                "tags": ["public"],
                "parameters": [SITE_PARAM],
                "responses": {
                    "200": _json({"type": "array", "items": _ref(payloads.Agency)}, "agencies"),
                    **SITE_ERRORS,
                },
            }
        },
        "/api/v1/services/{service_id}/not-ready": {
            "post": {
                "summary": "Not yet: the applicant lacks a required document and takes no "
                "number (the kiosk's requirements step); counted as a visit saved",
                "tags": ["public"],
                "parameters": [
                    {"name": "service_id", "in": "path", "required": True, "schema": ID}
                ],
                "responses": {
                    "201": _json(_ref(payloads.NotReady), "the visit saved was counted"),
                    "404": _error("no such service"),
                    "429": {
                        **RATE_LIMITED,
                        "description": "rate_limited: too many from this address or kiosk; "
                        "detail.retry_after_s says when to retry",
                    },
                },
            }
        },
        "/api/v1/tickets": {
            "post": {
                "summary": "Take a ticket",
                "tags": ["public"],
                "parameters": [SITE_PARAM, IDEMPOTENCY_KEY],
                "requestBody": _body(bodies.IssueBody),
                "responses": {
                    "201": _json(
                        _ref(payloads.IssuedTicket),
                        "the new ticket; for a repeat of a request with the same "
                        "Idempotency-Key within 24 hours, the first request's ticket and answer",
                    ),
                    "404": _error("no such site"),
                    "409": _error(
                        "quota_reached, agency_cap_reached (the agency issued its daily cap "
                        "across its services), walk_in_not_accepted (the agency takes no "
                        "walk-ins: register online), service_closed, hall_closed (outside "
                        "opening hours), or already_holding (this phone number or NIK holds "
                        "an active ticket of the service today)"
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
                "parameters": [TOKEN_PARAM],
                "responses": {
                    "200": _json(_ref(payloads.PublicTicket), "the ticket"),
                    "404": _error("no such ticket"),
                },
            }
        },
        "/api/v1/tickets/by-token/{token}/cancel": {
            "post": {
                "summary": "The holder leaves the queue (no sign-in: the token is the credential)",
                "tags": ["public"],
                "parameters": [TOKEN_PARAM],
                "responses": {
                    "200": _json(
                        _ref(payloads.PublicTicket),
                        "the ticket, cancelled; the place it held lets the next person in",
                    ),
                    "404": _error("no such ticket"),
                    "409": _error(
                        "invalid_transition: the ticket is no longer queued (called, served, "
                        "cancelled already, or expired with its day); nothing changes"
                    ),
                    "429": {
                        **RATE_LIMITED,
                        "description": "rate_limited: too many cancels from this address; "
                        "detail.retry_after_s says when to retry",
                    },
                },
            }
        },
        "/api/v1/counters": {
            "get": {
                "summary": "Counters with state, services and current ticket",
                "tags": ["public"],
                "parameters": [SITE_PARAM],
                "responses": {
                    "200": _json({"type": "array", "items": _ref(payloads.Counter)}, "counters"),
                    **SITE_ERRORS,
                },
            }
        },
        "/api/v1/board": {
            "get": {
                "summary": "What a lobby screen shows (equals the Socket.IO snapshot)",
                "tags": ["public"],
                "parameters": [SITE_PARAM, ZONE_PARAM],
                "responses": {
                    "200": _json(_ref(payloads.Board), "the board (one zone's with ?zone=)"),
                    "404": _error("no such site, or no such zone in it"),
                    "422": _error("'site' or 'zone' is not an id"),
                },
            }
        },
        "/api/v1/auth/token": {
            "post": {
                "summary": "Exchange username and password for a Bearer token",
                "tags": ["auth"],
                "requestBody": _body(bodies.TokenBody),
                "responses": {
                    "201": _json(_ref(payloads.Token), "a new token"),
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
                    "200": _json(_ref(payloads.StaffTicket), "the called ticket"),
                    "204": {"description": "nobody waits for this counter's services"},
                    **STAFF_ERRORS,
                    "409": _error(
                        "counter_not_open, or counter_busy: finish the current ticket first"
                    ),
                },
            }
        },
        "/api/v1/counters/{counter_id}/call/{ticket_id}": {
            "post": {
                "summary": "Call one ticket waiting inside, chosen from the waiting list",
                "description": "Instead of the one `call-next` would choose; its `call` event "
                "is marked `detail.chosen = true`.",
                "tags": ["staff"],
                "security": BEARER,
                "parameters": [COUNTER_ID, TICKET_ID],
                "responses": {
                    "200": _json(_ref(payloads.StaffTicket), "the called ticket"),
                    "401": _unauthorized("missing or bad credentials"),
                    "403": _error(
                        "not allowed at this counter (a kiosk account: not allowed at all), "
                        "or the counter does not serve the ticket's service"
                    ),
                    "404": _error("unknown counter, or no such ticket in its hall today"),
                    "409": _error(
                        "invalid_transition: the ticket is not waiting inside (outside, "
                        "called already, …); counter_not_open; or counter_busy: finish the "
                        "current ticket first"
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
                "requestBody": _body(bodies.TransferBody),
                "responses": {
                    "200": _json(_ref(payloads.StaffTicket), "the ticket in its new service"),
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
                    "200": _json({"type": "array", "items": _ref(payloads.Estimate)}, "estimates"),
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
                    "200": _json(_ref(reports.DailyReport), "the report"),
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
    # Finish takes the service's outcome (issue 18); without a body it is `completed`.
    finish = paths["/api/v1/tickets/{ticket_id}/finish"]["post"]
    finish["requestBody"] = {**_body(bodies.FinishBody), "required": False}
    finish["responses"].update(
        {
            "413": _error("body too large"),
            "415": _error("body not sent as JSON"),
            "422": _error("malformed input: an unknown outcome, or a note too long"),
        }
    )
    base = "/api/v1/counters/{counter_id}"
    paths[f"{base}/open"] = _counter_action("Open the counter and sign in at it")
    paths[f"{base}/pause"] = _counter_action("Pause the counter (keeps its clerk)")
    paths[f"{base}/close"] = _counter_action(
        "Close the counter", "counter_busy: it still has a called or serving ticket"
    )
    paths.update(_survey_paths())
    paths.update(_booking_paths())
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
            "schemas": schemas.components(),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
                "device": {"type": "apiKey", "in": "cookie", "name": DEVICE_COOKIE},
            },
        },
    }


def _survey_paths() -> Json:
    """The satisfaction survey (web/survey.py)."""
    token = {
        "name": "token",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "minLength": 1},
        "description": "the ticket's token (its phone page's address)",
    }
    unit = [
        {
            "name": name,
            "in": "query",
            "required": False,
            "schema": ID,
            "description": f"only the {what}",
        }
        for name, what in (
            ("service", "service with this id"),
            ("counter", "counter with this id"),
            ("staff", "clerk with this user id"),
        )
    ]
    return {
        "/api/v1/tickets/by-token/{token}/survey": {
            "post": {
                "summary": "Answer the ticket's satisfaction survey (IKM, PermenPANRB 14/2017): "
                "once, anonymously, within 7 days of the service",
                "tags": ["public"],
                "parameters": [token],
                "requestBody": _body(survey.SurveyBody),
                "responses": {
                    "201": _json(_ref(survey.SurveyReceipt), "answered"),
                    "404": _error("no such ticket"),
                    "409": _error(
                        "survey_closed: the service is not done, the survey was answered "
                        "already, or the service was more than 7 days ago"
                    ),
                    "413": _error("body too large"),
                    "415": _error("body not sent as JSON"),
                    "422": _error("answers that are not nine whole numbers 1–4, or bad fields"),
                    "429": RATE_LIMITED,
                },
            }
        },
        "/api/v1/reports/ikm": {
            "get": {
                "summary": "The satisfaction index (IKM) of the site, or of one service, "
                "counter or clerk, over a period",
                "tags": ["reports"],
                "security": BEARER,
                "parameters": [*REPORT_PARAMS, *unit, SITE_PARAM],
                "responses": {
                    "200": _json(_ref(survey.IkmReport), "the index"),
                    **REPORT_ERRORS,
                },
            }
        },
    }


def _booking_paths() -> Json:
    """Online registration, *antrean daring* (web/booking_api.py, issue 16)."""
    token = {
        "name": "token",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "minLength": 1},
        "description": "the booking's token (its status page's address)",
    }
    code_schema = booking.CODE_SCHEMA
    body_errors = {
        "413": _error("body too large"),
        "415": _error("body not sent as JSON"),
    }
    return {
        "/api/v1/booking/availability": {
            "get": {
                "summary": "A service day's arrival sessions and their places left; whether "
                "booking is open now and when it opens next",
                "tags": ["booking"],
                "parameters": [
                    {
                        "name": "service",
                        "in": "query",
                        "required": True,
                        "schema": bodies.SERVICE_REF_SCHEMA,
                    },
                    {"name": "date", "in": "query", "required": True, "schema": DAY},
                    SITE_PARAM,
                ],
                "responses": {
                    "200": _json(_ref(booking.Availability), "the sessions"),
                    "404": _error("no such site or service"),
                    "422": _error(
                        "invalid_date: a malformed day, or one that cannot be booked "
                        "(detail.reason: past, today, closed, too_far; detail.bookable); "
                        "invalid_input: a missing or malformed service or site"
                    ),
                    "429": RATE_LIMITED,
                },
            }
        },
        "/api/v1/bookings": {
            "post": {
                "summary": "Book a place in an arrival session (a portal of another agency "
                "may book for its users with an API token)",
                "tags": ["booking"],
                "parameters": [SITE_PARAM],
                "requestBody": _body(booking.BookingBody),
                "responses": {
                    "201": _json(_ref(booking.BookedReceipt), "booked"),
                    "403": _error(
                        "booking_closed: outside the site's booking windows "
                        "(detail.opens_at: when booking opens next)"
                    ),
                    "404": _error("no such site or service"),
                    "409": _error(
                        "session_full; already_booked (this holder, service and day); "
                        "booking_limit (the holder's bookings this week, detail.limit); "
                        "walk_in_only (the service takes no bookings)"
                    ),
                    **body_errors,
                    "422": _error(
                        "invalid_date (detail.reason), invalid_session, invalid_holder_id "
                        "(what is wrong with the NIK or number, in words), invalid_input"
                    ),
                    "429": RATE_LIMITED,
                },
            }
        },
        "/api/v1/bookings/by-token/{token}": {
            "get": {
                "summary": "A booking as its holder sees it",
                "tags": ["booking"],
                "parameters": [token],
                "responses": {
                    "200": _json(_ref(booking.BookingView), "the booking"),
                    "404": _error("no such booking"),
                    "429": RATE_LIMITED,
                },
            }
        },
        "/api/v1/bookings/lookup": {
            "get": {
                "summary": "The desk looks bookings up: by code, or by the holder's id and day",
                "tags": ["booking", "staff"],
                "security": BEARER,
                "parameters": [
                    {"name": "code", "in": "query", "required": False, "schema": code_schema},
                    {
                        "name": "holder_id",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "minLength": 1, "maxLength": 32},
                        "description": "the holder's NIK or number (with `date`), never stored",
                    },
                    {"name": "date", "in": "query", "required": False, "schema": DAY},
                    SITE_PARAM,
                ],
                "responses": {
                    "200": _json(
                        {"type": "array", "items": _ref(booking.DeskBooking)}, "bookings found"
                    ),
                    "401": _unauthorized("missing or bad credentials"),
                    "403": _error("a kiosk account"),
                    "404": _error("no such site"),
                    "422": _error(
                        "neither or both of code and holder_id; holder_id without a good "
                        "date (invalid_date); a malformed holder id (invalid_holder_id)"
                    ),
                },
            }
        },
        "/api/v1/bookings/by-token/{token}/cancel": {
            "post": {
                "summary": "The holder cancels the booking: its place is freed",
                "tags": ["booking"],
                "parameters": [token],
                "responses": {
                    "200": _json(_ref(booking.BookingView), "cancelled"),
                    "404": _error("no such booking"),
                    "409": _error(
                        "already_checked_in, booking_expired (its session is over) or "
                        "booking_cancelled"
                    ),
                    "429": RATE_LIMITED,
                },
            }
        },
        "/api/v1/bookings/check-in": {
            "post": {
                "summary": "Check a booking in at the kiosk or the desk (its code typed, or "
                "its token scanned): the ticket, channel online, queued from its session's "
                "start; too late where the service takes walk-ins: a walk-in ticket",
                "tags": ["booking"],
                "security": [*BEARER, {"device": []}],
                "parameters": [SITE_PARAM],
                "requestBody": _body(booking.CheckInBody),
                "responses": {
                    "201": _json(_ref(booking.CheckedIn), "the ticket issued"),
                    "401": _unauthorized("not an enrolled kiosk nor signed-in staff"),
                    "404": _error("not_found: no booking with this code or token"),
                    "409": _error(
                        "too_early (detail.opens_at), too_late, not_today, "
                        "already_checked_in, booking_cancelled, booking_expired; or a "
                        "refusal of the ticket (service_closed, quota_reached)"
                    ),
                    **body_errors,
                    "422": _error("neither or both of code and token, or a malformed one"),
                    "429": RATE_LIMITED,
                },
            }
        },
    }
