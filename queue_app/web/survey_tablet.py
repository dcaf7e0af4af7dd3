"""The satisfaction survey on a counter-side tablet (issue 18, part 3): `/survey?counter=<n>`
on an enrolled device of kind `survey` (device_cookie.py). It follows its counter's finishes
over Socket.IO (`?survey=<counter id>`, realtime/handlers.py) and offers the survey of the
ticket just finished there; `POST /survey/answer` records it, channel `tablet`.

The tablet never learns a ticket's token or holder: it knows the ticket's id and public code
(as every lobby board does), and the server takes an answer only for a ticket finished at that
counter in the last `services.survey.TABLET_WINDOW` (docs/decisions.md)."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from ..contract.survey import TabletSurveyBody
from ..device_cookie import current_device
from ..domain.errors import NotFound
from ..domain.vocabulary import DeviceKind
from ..extensions import db, db_session
from ..i18n import DEFAULT_LANGUAGE
from ..models import Counter, Device
from ..services import survey
from ..services.clock import utcnow
from .errors import ApiError
from .survey_form import answers_of, survey_form, survey_texts
from .validation import json_object, parse_body, parse_id

bp = Blueprint("survey_tablet", __name__)

#: Seconds untouched before an offered survey gives way to the idle screen.
TABLET_IDLE_S = 120
#: Seconds the thanks stay before the idle screen.
THANKS_S = 5


class NotATablet(Exception):
    """This browser is no enrolled survey tablet: the page says how to make it one (403)."""


def _tablet() -> Device:
    device = current_device()
    if device is None or device.kind != DeviceKind.SURVEY.value:
        raise NotATablet
    return device


def _counter(device: Device, number: int | None) -> Counter:
    counter = (
        db_session()
        .scalars(select(Counter).where(Counter.site_id == device.site_id, Counter.number == number))
        .first()
        if number is not None
        else None
    )
    if counter is None:
        raise NotFound(f"no counter {number} in this hall")
    return counter


@bp.get("/survey")
def tablet() -> tuple[str, int]:
    """The tablet's screen at `?counter=<number>`; without it, the hall's counters to choose
    from (an enrolled tablet lands here first). Anyone else: 403, in words."""
    try:
        device = _tablet()
    except NotATablet:
        return render_template("survey_forbidden.html"), 403
    raw = request.args.get("counter")
    if raw is None:
        counters = db_session().scalars(
            select(Counter).where(Counter.site_id == device.site_id).order_by(Counter.number)
        )
        return render_template("survey_choice.html", counters=list(counters), device=device), 200
    counter = _counter(device, parse_id(raw))
    view = survey.tablet_view(db_session(), counter, utcnow())
    db.session.rollback()
    return (
        render_template(
            "survey_tablet.html",
            view=view,
            form=survey_form(),
            texts=survey_texts(),
            idle_s=TABLET_IDLE_S,
            thanks_s=THANKS_S,
            home_url=url_for("survey_tablet.tablet", counter=counter.number, lang=DEFAULT_LANGUAGE),
        ),
        200,
    )


@bp.post("/survey/answer")
def answer() -> tuple[Response, int]:
    """The tablet's answers for the ticket it offered: 201, 409 `survey_closed` (answered
    already, on the phone or here; or not finished at this counter in the last minutes), 422;
    403 for anything but an enrolled survey tablet."""
    try:
        device = _tablet()
    except NotATablet:
        raise ApiError(403, "forbidden", "only an enrolled survey tablet answers here") from None
    given = parse_body(TabletSurveyBody, json_object())
    counter = _counter(device, given.counter)
    survey.answer_at_counter(
        db_session(),
        counter,
        given.ticket,
        answers_of(given),
        now=utcnow(),
    )
    db.session.commit()
    return jsonify({"answered": True}), 201
