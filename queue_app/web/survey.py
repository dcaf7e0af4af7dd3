"""The satisfaction survey's API (issue 18): a ticket's holder answers it by the ticket's token
once the service is done; supervisors read the index (IKM). Its routes join the API's
blueprint (`api.*`, under /api/v1), as the IKM report page's join the reports blueprint."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request

from ..contract.survey import IkmReport, SurveyBody, SurveyReceipt
from ..domain.errors import InvalidInput
from ..extensions import db_session
from ..security import HOLDER_SURVEY, rate_limited
from ..services import read, reports, survey
from ..services.clock import utcnow
from .api import bp
from .commit import commit_without_expiring
from .common import site_id_arg
from .guards import overseer_required
from .survey_form import answers_of
from .validation import json_object, parse_body, parse_id


@bp.post("/tickets/by-token/<token>/survey")
@rate_limited(HOLDER_SURVEY)
def answer_survey(token: str) -> tuple[Response, int]:
    """Answer the ticket's satisfaction survey: 201, or 409 `survey_closed` (not done yet,
    answered already, or served more than 7 days ago)."""
    given = parse_body(SurveyBody, json_object())
    session = db_session()
    ticket = read.ticket_by_token(session, token)
    survey.answer(
        session,
        ticket,
        answers_of(given),
        channel="phone",
        now=utcnow(),
    )
    commit_without_expiring()
    receipt: SurveyReceipt = {"code": ticket.code, "answered": True}
    return jsonify(receipt), 201


@bp.get("/reports/ikm")
@overseer_required
def ikm_report() -> Response:
    """The satisfaction index over a period (`from`/`to`, or `date`), for the site or one
    service, counter or clerk (`service`, `counter`, `staff`: ids)."""
    period = reports.parse_period(
        request.args.get("date"), request.args.get("from"), request.args.get("to")
    )
    if request.args.get("agency") is not None:
        raise InvalidInput("this hall has no agencies yet: filter by service", field="agency")
    found = survey.index(
        db_session(),
        site_id_arg(),
        period.first,
        period.last,
        **{f"{name}_id": _id_arg(name) for name in ("service", "counter", "staff")},
    )
    body: IkmReport = {
        "from": period.first.isoformat(),
        "to": period.last.isoformat(),
        "respondents": found.respondents,
        "elements": [round(m, 2) for m in found.elements],
        "ikm": float(found.score) if found.score is not None else None,
        "category": found.category.letter if found.category else None,  # type: ignore[typeddict-item]
        "category_name": found.category.name if found.category else None,
        "served": found.served,
        "minimum_sample": found.minimum_sample,
        "below_minimum_sample": found.respondents < found.minimum_sample,
    }
    return jsonify(body)


def _id_arg(name: str) -> Any:
    raw = request.args.get(name)
    if raw is None:
        return None
    value = parse_id(raw)
    if value is None:
        raise InvalidInput(f"'{name}' must be an id", field=name)
    return value
