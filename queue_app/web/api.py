"""The JSON API, `/api/v1`. Every view: parse → service → commit once → broadcast → JSON."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request
from flask_login import current_user
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from ..contract import payloads
from ..contract.bodies import FinishBody, IssueBody, TokenBody, TransferBody
from ..device_cookie import current_kiosk
from ..domain.access import Actor
from ..domain.errors import InvalidHolderId, InvalidInput, NotFound
from ..domain.events import DomainEvent
from ..domain.vocabulary import Channel, CounterState, Role
from ..extensions import db, db_session
from ..models import IssueRequest, Service, Site, Ticket, User
from ..notify.crypto import Sealer
from ..realtime import snapshots
from ..realtime.snapshots import HallSnapshot
from ..security import (
    HOLDER_CANCEL,
    ISSUE_PER_ADDRESS,
    ISSUE_PER_DEVICE,
    NOT_READY_PER_ADDRESS,
    NOT_READY_PER_DEVICE,
    SIGN_IN_PER_ADDRESS,
    SIGN_IN_PER_USER_ADDRESS,
    client_address,
    rate_limited,
)
from ..services import counters as counter_verbs
from ..services import holders, idempotency, read, refusals, reports, staff, tickets
from ..services.clock import utcnow
from ..services.csv_export import report_tickets
from ..services.durations import ticket_durations
from ..services.holders import HolderId
from ..services.notifications import Contact, outbox_on
from .commit import commit_and_publish
from .common import csv_response, id_arg, site_id_arg, status_base, status_url
from .errors import ApiError
from .guards import overseer_required, staff_required
from .issuing import issue_or_refuse
from .openapi import openapi_document
from .validation import MAX_ID, json_object, parse_body

log = logging.getLogger(__name__)

Json = dict[str, Any]

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# Ids beyond what the database holds are simply not found (404), never a database error.
COUNTER_ID = f"<int(max={MAX_ID}):counter_id>"
TICKET_ID = f"<int(max={MAX_ID}):ticket_id>"


def staff_ticket(ticket: Ticket, snapshot: HallSnapshot | None) -> Response:
    """A ticket as counter staff see it, its place and counter from the change's snapshot."""
    session = db_session()
    snapshot = snapshot or snapshots.current(session, ticket.site_id)
    public = snapshot.ticket_public(ticket)
    return jsonify(
        read.ticket_for_staff(session, ticket, ticket_durations(session, ticket.id), public)
    )


# -- public ----------------------------------------------------------------------------------


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3 document of this API."""
    return jsonify(openapi_document())


@bp.get("/services")
def list_services() -> Response:
    """Every service with its queue length, quota left and estimated wait; `?zone=` and
    `?agency=` keep one zone's or one agency's."""
    zone, agency = id_arg("zone"), id_arg("agency")
    services = snapshots.current(db_session(), site_id_arg()).services
    if zone is not None or agency is not None:
        services = [
            s
            for s in services
            if zone in (None, s["zone"]["id"]) and agency in (None, s["agency"]["id"])
        ]
    return jsonify(services)


@bp.get("/zones")
def list_zones() -> Response:
    """The mall's zones (floors, rooms): each one's cap, people inside and outside."""
    return jsonify(snapshots.current(db_session(), site_id_arg()).view.zone_summaries)


@bp.get("/agencies")
def list_agencies() -> Response:
    """The mall's agencies: walk-in policy, daily cap and tickets issued today."""
    return jsonify(snapshots.current(db_session(), site_id_arg()).view.agency_summaries)


@bp.post(f"/services/<int(max={MAX_ID}):service_id>/not-ready")
@rate_limited(NOT_READY_PER_ADDRESS, NOT_READY_PER_DEVICE)
def service_not_ready(service_id: int) -> tuple[Response, int]:
    """ "Not yet" at the kiosk's requirements step: the applicant lacks a document and takes no
    number. Counted as a visit saved in the reports (a refusal with reason `not_ready`); it
    changes no queue. No body."""
    kiosk = current_kiosk() is not None or (
        current_user.is_authenticated and current_user.role == Role.KIOSK.value
    )
    refusal = refusals.record_refusal(
        db_session(),
        service_id,
        refusals.NOT_READY,
        Channel.KIOSK if kiosk else Channel.API,
    )
    service = db.session.get(Service, refusal.service_id)
    assert service is not None
    data = payloads.NotReady(service=read.ticket_service(service), reason="not_ready")
    commit_and_publish([])  # no queue changed: nothing to tell the screens
    return jsonify(data), 201


@bp.post("/tickets")
@rate_limited(ISSUE_PER_ADDRESS, ISSUE_PER_DEVICE)
def issue() -> tuple[Response, int]:
    """Take a ticket (kiosk, phone or integration)."""
    body = json_object()
    asks = parse_body(IssueBody, body)
    ref = asks.service
    channel: Channel = asks.channel or Channel.API
    if current_user.is_authenticated:
        # A kiosk device account issues as the kiosk; a staff member for someone at the desk.
        is_kiosk = current_user.role == Role.KIOSK.value
        channel = Channel.KIOSK if is_kiosk else Channel.STAFF
    elif current_kiosk() is not None:
        channel = Channel.KIOSK  # an enrolled kiosk (web/devices.py)
    site_id = site_id_arg()
    key = idempotency.parse_key(request.headers.get("Idempotency-Key"))
    asked = ""
    if key is not None:
        account = current_user.get_id() if current_user.is_authenticated else None
        asked = idempotency.fingerprint(site_id, account, body)
        first = idempotency.earlier(db_session(), key, asked, utcnow())
        if first is not None:
            return answer_again(first)
    try:
        # From the kept read model when it knows the service (no query); the issue checks
        # the code again under the hall lock.
        service_id = snapshots.service_id(db_session(), site_id, ref)
        ticket, events = issue_or_refuse(
            service_id,
            priority=asks.category,
            channel=channel,
            holder_for=lambda kind: holder_arg(asks.holder_id, kind, channel),
            site_id=site_id,
            code=ref if isinstance(ref, str) else None,
            contact=contact_arg(asks.phone, asks.lang, site_id),
        )
    except NotFound as exc:
        if "service" not in exc.detail:
            raise
        if db.session.get(Site, site_id) is None:
            # No such site at all: a 404, as every other route taking `?site=` answers.
            raise NotFound(f"no site {site_id}") from exc
        raise ApiError(422, "unknown_service", exc.message, service=ref) from exc
    remembered = None
    if key is not None:
        try:
            remembered = idempotency.remember(db_session(), key, asked, ticket.id, utcnow())
        except (IntegrityError, idempotency.KeyTaken):
            # The same key, sent again while this one waited for the hall: this issue rolls
            # back (its number with it) and the first one's ticket answers.
            db.session.rollback()
            first = idempotency.earlier(db_session(), key, asked, utcnow())
            if first is None:
                raise
            return answer_again(first)
    snapshot = commit_and_publish(events) or snapshots.current(db_session(), ticket.site_id)
    data = issued_answer(ticket, snapshot)
    if remembered is not None:
        keep_answer(remembered, data)
    return jsonify(data), 201


def issued_answer(
    ticket: Ticket | snapshots.PublicTicket, snapshot: HallSnapshot
) -> payloads.IssuedTicket:
    """What `POST /api/v1/tickets` answers: the ticket as its holder sees it, its private
    token and the link of its status page."""
    url = status_url(ticket.token, ticket.site_id, snapshot)
    return payloads.IssuedTicket(
        **snapshot.ticket_public(ticket), id=ticket.id, token=ticket.token, status_url=url
    )


def keep_answer(request_id: int, data: payloads.IssuedTicket) -> None:
    """Keep the answer of a keyed issue for its retries (its ticket is committed already: if
    this fails, a retry gets the ticket as it is by then)."""
    g.loket_reads_only = False  # one more write, after the broadcast
    try:
        idempotency.record_answer(db_session(), request_id, data)
        db.session.commit()
    except SQLAlchemyError:
        log.warning("could not keep the answer of an idempotent issue", exc_info=True)
        db.session.rollback()


def answer_again(first: IssueRequest) -> tuple[Response, int]:
    """A retry with a known Idempotency-Key: the first request's ticket, with its answer."""
    if first.response is not None:
        return jsonify(first.response), 201
    ticket, snapshot = snapshots.ticket_by_id(db_session(), first.ticket_id)
    return jsonify(issued_answer(ticket, snapshot)), 201


def holder_arg(raw: Any, kind: str | None, channel: Channel) -> HolderId | None:
    """The holder's phone number or NIK (`raw`: the body's `holder_id`, as sent), where the
    site collects one (`kind`, the site's `holder_id_kind`): required from kiosks and the
    public, optional for staff issuing at a desk. A site that collects none ignores the field
    and stores nothing."""
    if not kind:
        return None
    if raw is None or raw == "":
        if channel == Channel.STAFF:
            return None
        what = "mobile phone number" if kind == holders.PHONE else "NIK"
        raise InvalidHolderId(
            f"this hall gives one ticket per person: send the holder's {what} as 'holder_id'",
            field="holder_id",
            kind=kind,
        )
    return holders.parse_holder_id(kind, raw, holders.holder_key(current_app.secret_key or ""))


def contact_arg(raw: str | None, lang: str | None, site_id: int) -> Contact | None:
    """The number to notify (`raw`: the body's `phone`), sealed; None when none was given or
    the hall sends no notifications (then nothing is stored). 422 when it is not a mobile
    number (the message never repeats it)."""
    if raw is None or not raw.strip():
        return None
    number = holders.normalise_phone(raw)
    if number is None:
        raise InvalidInput("'phone' must be an Indonesian mobile number (08…, +62…)", field="phone")
    if not outbox_on(db_session()):
        return None
    sealer = Sealer(current_app.config)
    return Contact(
        sealed=sealer.seal(number),
        recipient_key=sealer.recipient_key(number),
        lang=lang or "id",
        link_base=status_base(site_id),
    )


@bp.get("/tickets/by-token/<token>")
def ticket_by_token(token: str) -> Response:
    """The public view of one ticket: its holder's phone status page reads this."""
    ticket, snapshot = snapshots.ticket_by_token(db_session(), token)
    return jsonify(snapshot.ticket_public(ticket))


@bp.post("/tickets/by-token/<token>/cancel")
@rate_limited(HOLDER_CANCEL)
def cancel_by_token(token: str) -> Response:
    """The holder leaves the queue (phone status page): 200 with the public view, cancelled;
    409 once the ticket was called. No sign-in: the token is the credential (rate-limited per
    address, security.py)."""
    ticket, events = tickets.cancel_by_holder(db_session(), token)
    snapshot = commit_and_publish(events) or snapshots.current(db_session(), ticket.site_id)
    return jsonify(snapshot.ticket_public(ticket))


@bp.get("/counters")
def list_counters() -> Response:
    """Every counter with its state, services (in preference order) and current ticket."""
    return jsonify(read.counters_overview(db_session(), site_id_arg()))


@bp.get("/board")
def board() -> Response:
    """What a lobby screen shows; the same as the Socket.IO snapshot. `?zone=`: one zone's
    board (its services, counters, calls and admission line)."""
    zone = id_arg("zone")
    snapshot = snapshots.current(db_session(), site_id_arg())
    if zone is None:
        return jsonify(snapshot.board)
    return jsonify(snapshot.zone_board(zone))


@bp.post("/auth/token")
@rate_limited(SIGN_IN_PER_ADDRESS, SIGN_IN_PER_USER_ADDRESS)
def create_token() -> tuple[Response, int]:
    """Exchange a username and password for a Bearer token."""
    credentials = parse_body(TokenBody, json_object())
    username = credentials.username
    user = staff.authenticate(db_session(), username, credentials.password)
    if user is None:
        staff.record_failed_sign_in(db_session(), username, via="api", address=client_address())
        db.session.commit()
        raise ApiError(401, "invalid_credentials", "unknown user or wrong password")
    token = staff.issue_token(db_session(), user)
    db.session.commit()
    answer = payloads.Token(token=token, token_type="Bearer", user=_user_json(user))
    return jsonify(answer), 201


# -- staff -----------------------------------------------------------------------------------


@bp.post(f"/counters/{COUNTER_ID}/call-next")
@staff_required
def call_next(actor: Actor, counter_id: int) -> Response | tuple[str, int]:
    """Call the next ticket to this counter: 200 with it, 204 when nobody waits."""
    ticket, events = tickets.call_next(db_session(), counter_id, actor)
    snapshot = commit_and_publish(events)
    if ticket is None:
        return "", 204
    return staff_ticket(ticket, snapshot)


@bp.post(f"/counters/{COUNTER_ID}/call/{TICKET_ID}")
@staff_required
def call_ticket(actor: Actor, counter_id: int, ticket_id: int) -> Response:
    """Call one ticket waiting inside, picked from the counter's waiting list: 200 with it."""
    ticket, events = tickets.call_ticket(db_session(), counter_id, ticket_id, actor)
    return staff_ticket(ticket, commit_and_publish(events))


def _ticket_action(verb: Callable[..., tuple[Ticket, list[DomainEvent]]]) -> Callable[..., Any]:
    @staff_required
    def view(actor: Actor, ticket_id: int) -> Response:
        ticket, events = verb(db_session(), ticket_id, actor)
        return staff_ticket(ticket, commit_and_publish(events))

    view.__doc__ = verb.__doc__
    return view


for _path, _verb in {
    "recall": tickets.recall,
    "start": tickets.start,
    "no-show": tickets.no_show,
    "reinstate": tickets.reinstate,
    "requeue": tickets.requeue,
    "cancel": tickets.cancel,
}.items():
    bp.add_url_rule(
        f"/tickets/{TICKET_ID}/{_path}",
        endpoint=f"ticket_{_path.replace('-', '_')}",
        view_func=_ticket_action(_verb),
        methods=["POST"],
    )


@bp.post(f"/tickets/{TICKET_ID}/finish")
@staff_required
def ticket_finish(actor: Actor, ticket_id: int) -> Response:
    """Service done (from the start, or from the last call when never started), with its
    outcome: `{"outcome": …, "note": …}`, or no body for completed."""
    body = parse_body(FinishBody, json_object(required=False))
    ticket, events = tickets.finish(db_session(), ticket_id, actor, body.result, body.remark)
    return staff_ticket(ticket, commit_and_publish(events))


@bp.post(f"/tickets/{TICKET_ID}/transfer")
@staff_required
def transfer(actor: Actor, ticket_id: int) -> Response:
    """Send a called or serving ticket to another service, at the front of its queue."""
    ref = parse_body(TransferBody, json_object()).service
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(f"no ticket {ticket_id}")
    try:
        target = tickets.resolve_service(db_session(), ref, ticket.site_id)
    except NotFound as exc:
        raise ApiError(422, "unknown_service", exc.message, service=ref) from exc
    ticket, events = tickets.transfer(db_session(), ticket_id, target.id, actor)
    return staff_ticket(ticket, commit_and_publish(events))


def _counter_action(state: CounterState) -> Callable[..., Any]:
    @staff_required
    def view(actor: Actor, counter_id: int) -> Response:
        counter, events = counter_verbs.set_counter_state(db_session(), counter_id, state, actor)
        commit_and_publish(events)
        current = read.counters_overview(db_session(), counter.site_id)
        return jsonify(next(c for c in current if c["id"] == counter.id))

    return view


for _state in CounterState:
    _name = {"open": "open", "paused": "pause", "closed": "close"}[_state.value]
    bp.add_url_rule(
        f"/counters/{COUNTER_ID}/{_name}",
        endpoint=f"counter_{_name}",
        view_func=_counter_action(_state),
        methods=["POST"],
    )


# -- estimates and reports -------------------------------------------------------------------


@bp.get("/estimates")
def estimates() -> Response:
    """Per service: the wait of a ticket taken now (regular and priority), what it rests on,
    and the counters serving the service now in their preference order."""
    view = read.HallView(db_session(), site_id_arg())
    result: list[payloads.Estimate] = []
    made = view.estimates
    for service in view.services:
        result.append(
            payloads.Estimate(
                service=read.ticket_service(service),
                open=service.is_open and not view.closed_early(service),
                closed_early=view.closed_early(service),
                people_ahead=made.new_ticket_ahead(service.id),
                estimated_wait_s=made.new_ticket_s(service),
                people_ahead_priority=made.new_ticket_ahead(service.id, priority=True),
                estimated_wait_priority_s=made.new_ticket_s(service, priority=True),
                counters=[
                    payloads.ServingCounter(number=c.number, rank=c.rank)
                    for c in made.serving_counters(service.id)
                ],
                **made.basis(service),
            )
        )
    return jsonify(result)


def report_arg() -> reports.HallReport:
    """The report `?date=YYYY-MM-DD` (or `?from=…&to=…`) and `?site=` ask for."""
    period = reports.parse_period(
        request.args.get("date"), request.args.get("from"), request.args.get("to")
    )
    return reports.HallReport(db_session(), site_id_arg(), period)


@bp.get("/reports/daily")
@overseer_required
def report_daily() -> Response:
    """A day's (or a range's) figures: totals, and per service, counter, staff member, hour."""
    return jsonify(report_arg().as_json())


@bp.get("/reports/tickets.csv")
@overseer_required
def report_tickets_csv() -> Response:
    """One row per ticket of the day: codes, outcome, every timestamp and duration."""
    report = report_arg()
    return csv_response(report_tickets(report), f"loket-tickets-{report.period_label}.csv")


def _user_json(user: User) -> payloads.TokenUser:
    return payloads.TokenUser(
        id=user.id,
        username=user.username,
        role=user.role,
        counters=sorted(c.number for c in user.counters),
    )
