"""The citizens' satisfaction survey (IKM): one anonymous response per served ticket, and the
index of a unit over a period (domain.ikm does the arithmetic)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..domain import ikm
from ..domain.errors import InvalidInput, NotFound, SurveyClosed
from ..domain.states import TicketState
from ..models import Site, SurveyResponse, Ticket

#: Where a response was given.
CHANNELS = ("phone", "tablet")


@dataclass(frozen=True)
class Answers:
    """A respondent's answers, checked by the contract (contract.bodies.SurveyBody)."""

    answers: list[int]
    comment: str | None = None
    age_group: str | None = None
    sex: str | None = None
    education: str | None = None
    occupation: str | None = None


def survey_open(ticket: Ticket, now: datetime) -> str | None:
    """Why the ticket's survey takes no answer now (None: it does)."""
    if ticket.surveyed:
        return "answered"
    if ticket.state != TicketState.DONE.value or ticket.finished_at is None:
        return "not_done"
    if now - ticket.finished_at > timedelta(days=ikm.ANSWER_DAYS):
        return "expired"
    return None


REASONS = {
    "answered": "this ticket's survey was already answered",
    "not_done": "the survey opens once the service is done",
    "expired": f"the survey closes {ikm.ANSWER_DAYS} days after the service",
}


def answer(
    session: Session, ticket: Ticket, given: Answers, *, channel: str, now: datetime
) -> SurveyResponse:
    """Record one response to `ticket`'s survey, or SurveyClosed. Exactly one response per
    ticket, also when two arrive at once: the ticket's flag is set by a conditional update
    that only one transaction can win (the loser sees it set, after the winner's commit)."""
    problem = ikm.check_answers(given.answers)
    if problem is not None:
        raise InvalidInput(problem, field="answers")
    if channel not in CHANNELS:
        raise InvalidInput(f"unknown channel {channel!r}", field="channel")
    reason = survey_open(ticket, now)
    if reason is not None:
        raise SurveyClosed(REASONS[reason], reason=reason)
    won = session.execute(
        update(Ticket)
        .where(
            Ticket.id == ticket.id,
            Ticket.surveyed.is_(False),
            Ticket.state == TicketState.DONE.value,
        )
        .values(surveyed=True)
        .execution_options(synchronize_session=False)
    )
    if won.rowcount != 1:  # type: ignore[attr-defined]
        raise SurveyClosed(REASONS["answered"], reason="answered")
    response = SurveyResponse(
        site_id=ticket.site_id,
        service_id=ticket.service_id,
        counter_id=ticket.counter_id,
        staff_id=ticket.staff_id,
        service_day=ticket.service_day,
        channel=channel,
        comment=(given.comment or "").strip()[: ikm.MAX_COMMENT] or None,
        age_group=given.age_group,
        sex=given.sex,
        education=given.education,
        occupation=given.occupation,
        **{f"u{i}": a for i, a in enumerate(given.answers, start=1)},
    )
    session.add(response)
    session.flush()
    return response


@dataclass(frozen=True)
class Index:
    """The IKM of a unit over a period."""

    respondents: int
    #: The mean of each element (empty without respondents).
    elements: list[float]
    #: The index (IKM), None without respondents.
    score: Decimal | None
    category: ikm.Category | None
    #: Tickets served in the period (the unit's population) and the respondents the
    #: regulation's sample table asks for at that population.
    served: int
    minimum_sample: int


ANSWER_COLUMNS = [getattr(SurveyResponse, f"u{i}") for i in range(1, 10)]


def index(
    session: Session,
    site_id: int,
    first: date,
    last: date,
    *,
    service_id: int | None = None,
    counter_id: int | None = None,
    staff_id: int | None = None,
) -> Index:
    """The IKM of a site (or of one service, counter or clerk) over the days first..last;
    NotFound for an unknown site."""
    if session.get(Site, site_id) is None:
        raise NotFound(f"no site {site_id}")
    found = select(*ANSWER_COLUMNS).where(
        SurveyResponse.site_id == site_id,
        SurveyResponse.service_day.between(first, last),
    )
    served = select(func.count(Ticket.id)).where(
        Ticket.site_id == site_id,
        Ticket.service_day.between(first, last),
        Ticket.state == TicketState.DONE.value,
    )
    for column, ticket_column, wanted in (
        (SurveyResponse.service_id, Ticket.service_id, service_id),
        (SurveyResponse.counter_id, Ticket.counter_id, counter_id),
        (SurveyResponse.staff_id, Ticket.staff_id, staff_id),
    ):
        if wanted is not None:
            found = found.where(column == wanted)
            served = served.where(ticket_column == wanted)
    responses = [list(row) for row in session.execute(found)]
    population = int(session.scalar(served) or 0)
    means = ikm.element_means(responses)
    score = ikm.index(means) if means else None
    return Index(
        respondents=len(responses),
        elements=means,
        score=score,
        category=ikm.category(score) if score is not None else None,
        served=population,
        minimum_sample=ikm.minimum_sample(population),
    )
