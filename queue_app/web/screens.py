"""The screens: kiosk, printed ticket, counter terminal and lobby board.

Each page renders its first state on the server (useful before the socket connects, and to
people without JavaScript), then follows the hall live over Socket.IO (static/js/).
"""

from __future__ import annotations

import math
from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from ..contract.fields import parse_flag
from ..domain.errors import InvalidInput
from ..domain.numbering import site_zone
from ..domain.vocabulary import Priority
from ..extensions import db, db_session
from ..i18n import DEFAULT_LANGUAGE
from ..labels import STATE_LABELS
from ..models import Counter, NotificationSettings, Site, User
from ..realtime import snapshots
from ..services import notifications, read, staff
from ..services import reprint as reprints
from ..services.clock import utcnow
from . import daftar
from .common import daftar_url, id_arg, local_path, qr_svg, site_id_arg, status_url
from .validation import parse_id

bp = Blueprint("screens", __name__)

#: How many recent calls a board lists unless `?n=` says otherwise (and at most).
BOARD_CALLS = 6
BOARD_CALLS_MAX = 12


@bp.get("/kiosk")
def kiosk() -> str:
    """The touch screen at the entrance: one button per service, and a priority choice.

    In a mall (more than one agency among the services shown) it shows the agencies first, as
    tiles, then the chosen agency's services; `?zone=<id>` keeps one zone's services (and the
    agencies offering some there)."""
    site_id = site_id_arg()
    zone_id = id_arg("zone")
    snapshot = snapshots.current(db_session(), site_id)
    # A kiosk of one zone shows that zone's board: its services, and its room's inside N of
    # M and "full" (404 for a zone not of this hall); its socket hears that zone's news.
    board = snapshot.board if zone_id is None else snapshot.zone_board(zone_id)
    agencies = kiosk_agencies(snapshot.view, board["services"])
    site = db_session().get(Site, site_id)
    # The board's figures leave out how many open counters serve each service; the kiosk needs
    # it (no "no wait" when nobody serves): the counters' services let it count from the
    # board's counter states, and the queue news carries the count itself.
    counters_open = {s["id"]: s["counters_open"] for s in snapshot.services}
    return render_template(
        "kiosk.html",
        board=board,
        priorities=[p.value for p in Priority],
        site_id=site_id,
        # `phone` or `nik` when the hall gives one ticket per person (services/holders.py).
        holder_kind=site.holder_id_kind if site is not None else None,
        counter_services={c.id: c.service_ids for c in snapshot.view.hall_counters},
        wait_texts={
            s["id"]: wait_text(s["estimated_wait_s"], counters_open.get(s["id"], 0))
            for s in board["services"]
        },
        # Each applicant starts fresh: after this long untouched the kiosk goes back to its
        # first state, in Indonesian; an error message closes by itself after MESSAGE_S.
        idle_s=current_app.config["KIOSK_IDLE_S"],
        message_s=KIOSK_MESSAGE_S,
        home_url=kiosk_home(site_id, zone_id),
        home_lang=DEFAULT_LANGUAGE,
        zone_id=zone_id,
        # Agency tiles only in a mall: with one agency the kiosk is the single hall's.
        agencies=agencies if len(agencies) > 1 else [],
        # "Sudah daftar online?" where a service takes bookings; a too-early booking is told
        # the hall's local time to come back at.
        check_in=daftar.takes_bookings(site_id),
        timezone=site_zone(site.timezone).key if site is not None else "UTC",
        # Notifications on for this server: an applicant may give a number to be told by
        # SMS/WhatsApp (optional; kept encrypted, deleted after the hall's retention).
        notify_retention_days=notify_retention(site_id),
        # Where an applicant the kiosk gives no number registers online (an agency or service
        # taking online bookings only, or a walk-in share used up): the booking page's address,
        # to which kiosk.js adds the agency or service the page starts with.
        daftar_url=daftar_url(site_id, snapshot=snapshot),
    )


@bp.get("/kiosk/register-online.svg")
def register_online_qr() -> Response:
    """The QR code of the booking page's address as the kiosk shows it (`?site=`, and
    `?agency=<code>` or `?service=<code>` for the page to start with): the SVG `qr_svg` makes
    for tickets, served as an image, of the address `daftar_url` gives the kiosk's text. 404
    for an agency or service that is not the hall's."""
    site_id = site_id_arg()
    snapshot = snapshots.current(db_session(), site_id)
    view = snapshot.view
    agency = request.args.get("agency")
    service = request.args.get("service")
    if service is not None and all(s.code != service for s in view.services):
        abort(404)
    if agency is not None and all(a.code != agency for a in view.agencies):
        abort(404)
    url = daftar_url(site_id, agency=agency, service=service, snapshot=snapshot)
    response = Response(str(qr_svg(url)), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


def notify_retention(site_id: int) -> int | None:
    """Days the hall keeps a number given for notifications, or None when this server sends
    none (the kiosk then does not offer them)."""
    session = db_session()
    if not notifications.outbox_on(session):
        return None
    own = session.get(NotificationSettings, site_id)
    if own is not None and own.retention_days is not None:
        return own.retention_days
    return int(current_app.config["NOTIFY_RETENTION_DAYS"])


def kiosk_agencies(view: read.HallView, services: list[Any]) -> list[dict[str, Any]]:
    """The agencies offering any of `services`, in display order, each with its tile's state:
    `full` (its daily cap reached) beside the policy `walk_in`."""
    offered = {s["agency"]["id"] for s in services}
    return [
        {
            **a,
            "full": a["daily_cap"] is not None and a["issued_today"] >= a["daily_cap"],
        }
        for a in view.agency_summaries
        if a["id"] in offered
    ]


#: Seconds an error message stays on the kiosk unless touched away.
KIOSK_MESSAGE_S = 10


def kiosk_home(site_id: int, zone_id: int | None = None) -> str:
    """The kiosk as the next applicant finds it: in the hall's first language (and of its
    zone, for a kiosk of one zone)."""
    if zone_id is not None:
        return url_for("screens.kiosk", site=site_id, zone=zone_id, lang=DEFAULT_LANGUAGE)
    return url_for("screens.kiosk", site=site_id, lang=DEFAULT_LANGUAGE)


def wait_text(seconds: int | None, counters_open: int) -> str:
    """What a kiosk button says of the wait: never "no wait" when no open counter serves the
    service (the estimate then only guesses when one will open)."""
    if not counters_open or seconds is None:
        return str(gettext("no counter open yet"))
    if seconds > 0:
        return str(gettext("± %(n)s min", n=math.ceil(seconds / 60)))
    return str(gettext("no wait"))


@bp.get("/kiosk/ticket/<token>")
def printed_ticket(token: str) -> str:
    """The ticket as printed on 80 mm thermal paper, with the QR code of its status page.

    The kiosk replaces its history entry with this page and replaces it again when it goes back,
    so the next person at the kiosk cannot page back to someone else's ticket. A reprint by
    staff (`?reprint=1&back=<path>`) is marked as one and goes back to where the staff member
    came from (a path of this site only) instead of the kiosk."""
    ticket, snapshot = snapshots.ticket_by_token(db_session(), token)
    back = local_path(request.args.get("back", ""))
    site = snapshot.view.site
    url = status_url(ticket.token, ticket.site_id, snapshot)
    public = snapshot.ticket_public(ticket)
    return render_template(
        "ticket_print.html",
        ticket=public,
        # The slip says no counter is open rather than "no wait" (as the kiosk's button did).
        wait=wait_text(
            public["estimated_wait_s"],
            snapshot.view.open_counters_per_service[public["service"]["id"]],
        ),
        issued_local=ticket.issued_at.astimezone(site_zone(site.timezone)).strftime(
            "%d-%m-%Y %H:%M"
        ),
        status_url=url,
        site_name=site.name,
        # The documents to bring, names only (the slip's short form).
        requirements=snapshot.view.requirements.get(public["service"]["id"], []),
        show_zone=len(snapshot.view.zones) > 1,
        qr_svg=qr_svg(url),
        kiosk_url=back or kiosk_home(ticket.site_id),
        reprinted=(
            utcnow().astimezone(site_zone(site.timezone)).strftime("%d-%m-%Y %H:%M")
            if request.args.get("reprint") == "1"
            else None
        ),
    )


class ReprintForm(FlaskForm):
    """The code printed on a lost slip."""

    code = StringField(
        _l("Ticket code"), validators=[InputRequired(message=_l("Type the code.")), Length(max=16)]
    )


@bp.route("/reprint", methods=["GET", "POST"])
@login_required
def reprint() -> tuple[str, int] | Response:
    """Staff reprint today's ticket of the hall by its code: the same token, the same QR code.
    The printed page then returns to `back` (the page the staff member came from)."""
    user: User = current_user._get_current_object()
    if not staff.actor_for(user).is_staff:
        abort(403)  # a kiosk device account prints only what it issues
    site_id = site_id_arg()
    back = local_path(request.args.get("back", "")) or url_for("screens.reprint", site=site_id)
    form = ReprintForm()
    error = None
    if form.validate_on_submit():
        found = reprints.find_for_reprint(db_session(), site_id, form.code.data or "")
        if isinstance(found, reprints.Refusal):
            error = refusal_text(found)
        else:
            reprints.record_reprint(db_session(), found, user.id)
            db.session.commit()
            return redirect(
                url_for("screens.printed_ticket", token=found.token, print=1, reprint=1, back=back),
                303,
            )
    elif form.is_submitted():
        error = next(iter(form.code.errors), None) or gettext("Please try again.")
    return render_template(
        "reprint.html", form=form, error=error, back=back, site_id=site_id
    ), 422 if error else 200


def refusal_text(refusal: reprints.Refusal) -> str:
    """Why nothing was reprinted, in words."""
    if refusal.reason == "malformed":
        return str(gettext("Type the code as it is printed on the slip, e.g. A-007."))
    if refusal.reason == "other_day" and refusal.day is not None:
        return str(
            gettext(
                "%(code)s is not a ticket of today (it was taken on %(day)s): a ticket is valid "
                "on its own day only. The applicant needs a new number.",
                code=refusal.code,
                day=refusal.day.strftime("%d-%m-%Y"),
            )
        )
    if refusal.reason == "finished":
        return str(
            gettext(
                "%(code)s is %(state)s: its slip is no longer needed.",
                code=refusal.code,
                state=str(STATE_LABELS.get(refusal.state or "", refusal.state)).lower(),
            )
        )
    return str(gettext("No ticket %(code)s was taken today in this hall.", code=refusal.code))


@bp.get("/counter")
@login_required
def counter_choice() -> str | Response:
    """A clerk chooses one of the counters they may use (straight there when only one)."""
    session = db_session()
    user: User = current_user._get_current_object()
    actor = staff.actor_for(user)
    if not actor.is_staff:
        abort(403)  # a kiosk device account works no counter
    site_id = site_id_arg()
    counters = [
        c for c in read.counters_overview(session, site_id) if actor.may_use_counter(c["id"])
    ]
    if len(counters) == 1 and not actor.oversees_hall:
        return redirect(url_for("screens.counter_terminal", counter_id=counters[0]["id"]))
    return render_template("counter_choice.html", counters=counters)


@bp.get("/counter/<int(max=2147483647):counter_id>")
@login_required
def counter_terminal(counter_id: int) -> str:
    """The clerk's terminal at one counter."""
    session = db_session()
    counter = session.get(Counter, counter_id)
    if counter is None:
        abort(404)
    user: User = current_user._get_current_object()
    actor = staff.actor_for(user)
    if not actor.may_use_counter(counter.id):
        abort(403)
    detail = read.counter_detail(session, counter.id)
    hall = snapshots.current(session, counter.site_id)
    detail["waiting"] = hall.waiting([s["id"] for s in detail["services"]])
    return render_template(
        "counter.html",
        counter=detail,
        board=hall.board,
        user=user,
        # "Other counter" only for someone who may work at another one (a clerk of one
        # counter would land back here).
        other_counters=actor.oversees_hall or len(actor.counter_ids) > 1,
    )


@bp.get("/display")
def display() -> str:
    """The lobby board. `?zone=<id>`: one zone's board (its calls, queues and admission line);
    `?entrance=1`: the board at the building's door (every zone's admission line and figures).
    `?counters=1-10,12` and `?services=A,B` choose what it shows,
    `?n=` how many recent calls, `?lang=en` its language (and its announcements')."""
    site_id = site_id_arg()
    snapshot = snapshots.current(db_session(), site_id)
    # The hall's clock: the board shows the time in the site's zone, from the server's clock
    # (a TV's own clock is often wrong), as milliseconds since the epoch.
    server_now = int(utcnow().timestamp() * 1000)
    zone_id = zone_arg()
    entrance = parse_flag(request.args.get("entrance"))
    if entrance is None:
        raise InvalidInput("'entrance' must be 1 or 0", field="entrance")
    if entrance:
        if zone_id is not None:
            raise InvalidInput("a board shows one zone or the entrance, not both", field="zone")
        return render_template(
            "entrance.html",
            entrance=snapshot.entrance,
            config={"site": site_id},
            server_now=server_now,
        )
    # `?zone=`: one zone's board (404 for a zone not of this hall).
    board = snapshot.zone_board(zone_id) if zone_id is not None else snapshot.board
    counters = parse_numbers(request.args.get("counters", ""))
    services = [s.strip().upper() for s in request.args.get("services", "").split(",") if s.strip()]
    shown = parse_id(request.args.get("n", "")) or BOARD_CALLS
    config: dict[str, Any] = {
        "site": site_id,
        "counters": sorted(counters) if counters else None,
        "services": services or None,
        "calls": max(1, min(shown, BOARD_CALLS_MAX)),
        "zone": zone_id,
    }
    return render_template("display.html", board=board, config=config, server_now=server_now)


def zone_arg() -> int | None:
    """The zone `?zone=<id>` names, None without it; a malformed id is 422 (`invalid_input`),
    an unknown one 404 where the hall's snapshot is asked for it."""
    raw = request.args.get("zone")
    if raw is None:
        return None
    zone_id = parse_id(raw)
    if zone_id is None:
        raise InvalidInput("'zone' must be a zone id", field="zone")
    return zone_id


def parse_numbers(text: str) -> set[int]:
    """`1-10,12` → {1, …, 10, 12}; anything unreadable is ignored (a board still shows all)."""
    numbers: set[int] = set()
    for part in text.split(","):
        low, _, high = part.strip().partition("-")
        first, last = parse_id(low), parse_id(high or low)
        if first is not None and last is not None and 0 <= last - first < 1000:
            numbers.update(range(first, last + 1))
    return numbers
