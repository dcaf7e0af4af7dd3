"""The citizens' satisfaction survey (IKM): one anonymous response per served ticket, and the
index of a unit over a period (domain.ikm does the arithmetic)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..domain import ikm
from ..domain.errors import InvalidInput, NotFound, SurveyClosed
from ..domain.states import TicketState
from ..models import Counter, Service, Site, SurveyResponse, Ticket, User
from . import csv_export

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
    return _closed(ticket.surveyed, ticket.state, ticket.finished_at, now)


def _closed(surveyed: bool, state: str, finished_at: datetime | None, now: datetime) -> str | None:
    if surveyed:
        return "answered"
    if state != TicketState.DONE.value or finished_at is None:
        return "not_done"
    if now - finished_at > timedelta(days=ikm.ANSWER_DAYS):
        return "expired"
    return None


def state_by_token(session: Session, token: str, now: datetime) -> str:
    """Where the survey of the ticket holding `token` stands, for its phone page at load:
    `open`, or why it takes no answer (`survey_open`'s reasons; `not_done` for no ticket)."""
    found = session.execute(
        select(Ticket.surveyed, Ticket.state, Ticket.finished_at).where(Ticket.token == token)
    ).first()
    if found is None:
        return "not_done"
    return _closed(found.surveyed, found.state, found.finished_at, now) or "open"


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


#: How long after its finish a ticket's survey is offered on its counter's tablet, and taken
#: from there (docs/decisions.md, "The survey's pages"); the phone keeps ANSWER_DAYS.
TABLET_WINDOW = timedelta(minutes=10)

#: What a counter's tablet is told of a ticket: never its token, its holder or anything else.
JUST_FINISHED = (
    select(Ticket)
    .where(Ticket.state == TicketState.DONE.value, Ticket.finished_at.is_not(None))
    .order_by(Ticket.finished_at.desc(), Ticket.id.desc())
    .limit(1)
)


def just_finished(session: Session, counter_id: int, now: datetime) -> Ticket | None:
    """The ticket a counter's survey tablet offers: the last one finished at that counter, when
    that was less than TABLET_WINDOW ago and its survey is not answered yet (None otherwise:
    an answered last ticket does not bring an older one back)."""
    ticket = session.scalars(
        JUST_FINISHED.where(
            Ticket.counter_id == counter_id, Ticket.finished_at >= now - TABLET_WINDOW
        )
    ).first()
    return ticket if ticket is not None and not ticket.surveyed else None


def answer_at_counter(
    session: Session, counter: Counter, ticket_id: int, given: Answers, *, now: datetime
) -> SurveyResponse:
    """A response given on `counter`'s tablet for the ticket it offered (`ticket_id`, from the
    finish news): that ticket must have been finished at this counter less than TABLET_WINDOW
    ago (else SurveyClosed, reason `not_just_finished`), and it takes one response, whichever
    channel gives it first (`answer`)."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None or ticket.counter_id != counter.id or ticket.site_id != counter.site_id:
        raise SurveyClosed(TABLET_REASON, reason="not_just_finished")
    if ticket.state == TicketState.DONE.value and (
        ticket.finished_at is None or now - ticket.finished_at > TABLET_WINDOW
    ):
        raise SurveyClosed(TABLET_REASON, reason="not_just_finished")
    return answer(session, ticket, given, channel="tablet", now=now)


def tablet_view(session: Session, counter: Counter, now: datetime) -> dict[str, Any]:
    """What a counter's tablet starts from (its page, and the socket's snapshot on every
    (re)connect): the counter, and the ticket whose survey it offers now, by id and public
    code only (None: its idle screen)."""
    ticket = just_finished(session, counter.id, now)
    return {
        "counter": {"id": counter.id, "number": counter.number},
        "ticket": {"id": ticket.id, "code": ticket.code} if ticket is not None else None,
    }


TABLET_REASON = (
    "a counter's tablet takes the survey of a ticket finished at that counter in the last "
    f"{int(TABLET_WINDOW.total_seconds() // 60)} minutes"
)


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
    return _index_of(responses, int(session.scalar(served) or 0))


@dataclass(frozen=True)
class UnitIndex:
    """The index of one service, counter or clerk."""

    id: int
    name: str
    index: Index


@dataclass(frozen=True)
class Breakdown:
    """The index of a site over a period, and of each service, counter and clerk in it."""

    whole: Index
    services: list[UnitIndex]
    counters: list[UnitIndex]
    staff: list[UnitIndex]
    #: Every response: (service day, service code, the nine answers), oldest day first.
    rows: list[tuple[date, str, list[int]]]


def _index_of(answers: list[list[int]], population: int) -> Index:
    means = ikm.element_means(answers)
    score = ikm.index(means) if means else None
    return Index(
        respondents=len(answers),
        elements=means,
        score=score,
        category=ikm.category(score) if score is not None else None,
        served=population,
        minimum_sample=ikm.minimum_sample(population),
    )


def breakdown(session: Session, site_id: int, first: date, last: date) -> Breakdown:
    """The site's index over first..last, per service, counter and clerk (two queries)."""
    if session.get(Site, site_id) is None:
        raise NotFound(f"no site {site_id}")
    found = session.execute(
        select(
            SurveyResponse.service_day,
            SurveyResponse.service_id,
            SurveyResponse.counter_id,
            SurveyResponse.staff_id,
            *ANSWER_COLUMNS,
        )
        .where(
            SurveyResponse.site_id == site_id,
            SurveyResponse.service_day.between(first, last),
        )
        .order_by(SurveyResponse.service_day, SurveyResponse.id)
    ).all()
    served = session.execute(
        select(Ticket.service_id, Ticket.counter_id, Ticket.staff_id, func.count(Ticket.id))
        .where(
            Ticket.site_id == site_id,
            Ticket.service_day.between(first, last),
            Ticket.state == TicketState.DONE.value,
        )
        .group_by(Ticket.service_id, Ticket.counter_id, Ticket.staff_id)
    ).all()
    names = _unit_names(session, site_id)
    units: list[list[UnitIndex]] = []
    for position, kind in enumerate(("service", "counter", "staff")):
        answers: dict[int, list[list[int]]] = {}
        for row in found:
            unit = row[1 + position]
            if unit is not None:
                answers.setdefault(unit, []).append(list(row[4:]))
        population: dict[int, int] = {}
        for row in served:
            unit = row[position]
            if unit is not None:
                population[unit] = population.get(unit, 0) + row[3]
        units.append(
            [
                UnitIndex(
                    key,
                    names[kind].get(key, str(key)),
                    _index_of(answers[key], population.get(key, 0)),
                )
                for key in sorted(answers, key=lambda k: names[kind].get(k, str(k)))
            ]
        )
    codes = names["service_code"]
    return Breakdown(
        whole=_index_of([list(r[4:]) for r in found], sum(r[3] for r in served)),
        services=units[0],
        counters=units[1],
        staff=units[2],
        rows=[(r[0], codes.get(r[1], str(r[1])), list(r[4:])) for r in found],
    )


def _unit_names(session: Session, site_id: int) -> dict[str, dict[int, str]]:
    services = session.execute(
        select(Service.id, Service.code, Service.name_id).where(Service.site_id == site_id)
    ).all()
    counters = session.execute(
        select(Counter.id, Counter.number, Counter.label).where(Counter.site_id == site_id)
    ).all()
    users = session.execute(select(User.id, User.username)).all()
    return {
        "service": {i: f"{code} — {name}" for i, code, name in services},
        "service_code": {i: code for i, code, _name in services},
        "counter": {i: label or str(number) for i, number, label in counters},
        "staff": {i: username for i, username in users},
    }


#: Weight of each element in the index (the regulation's 1/9, printed as 0.111).
WEIGHT = 0.111


def tabulation_csv(found: Breakdown) -> str:
    """The survey's tabulation as units submit it: one row per respondent (its answers to
    U1–U9), then the sum, the mean (NRR) and the weighted mean of each element, the index and
    the quality category. In Indonesian, the language of the report it goes into."""
    header = ["No", "Tanggal", "Layanan", *[f"U{i}" for i in range(1, 10)]]
    rows: list[list[object]] = [
        [n, day.isoformat(), code, *answers]
        for n, (day, code, answers) in enumerate(found.rows, start=1)
    ]
    whole = found.whole
    if whole.respondents:
        sums = [sum(a[i] for _d, _c, a in found.rows) for i in range(9)]
        rows.append(["", "", "Jumlah nilai per unsur", *sums])
        rows.append(["", "", "NRR per unsur", *[f"{m:.2f}" for m in whole.elements]])
        rows.append(
            ["", "", "NRR tertimbang per unsur", *[f"{m * WEIGHT:.3f}" for m in whole.elements]]
        )
    rows.append(["", "", "Jumlah responden", whole.respondents])
    rows.append(["", "", "IKM unit pelayanan", f"{whole.score}" if whole.score is not None else ""])
    category = whole.category
    rows.append(
        ["", "", "Mutu pelayanan", f"{category.letter} ({category.name})" if category else ""]
    )
    return csv_export.csv_text(header, rows)
