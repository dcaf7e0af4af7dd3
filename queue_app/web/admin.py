"""The admin console and the supervisors' overview: `/admin`.

Who sees what (checked here, server-side, on every route):
- admins: everything — services, counters, staff, the site's settings, the audit trail;
- supervisors: the live hall overview (`/admin`, `/admin/overview`) and the reports;
- anyone else signed in (clerks, and any role without admin rights): 403;
- not signed in: sent to the sign-in page.

Every change: form → services/admin.py verb (flush, AdminChange row) → one commit → broadcast
(realtime.broadcast.publish / publish_config) → redirect with a message.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import partial, wraps
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, select
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from ..domain.errors import LoketError
from ..domain.numbering import service_day, site_zone
from ..domain.vocabulary import OVERSEER_ROLES, CounterState, Role
from ..extensions import db, db_session
from ..i18n import STATE_LABELS, decimal
from ..models import Counter, Service, Site, User
from ..realtime import broadcast
from ..services import admin as verbs
from ..services import audit, devices, overview, read
from ..services.clock import utcnow
from ..services.csv_export import csv_text
from .admin_forms import (
    ActionForm,
    CounterForm,
    NewStaffForm,
    PasswordForm,
    ServiceForm,
    SiteForm,
    StaffForm,
    field_error,
    role_choices,
    time_zones,
)
from .api import csv_response
from .commit import commit_and_publish
from .validation import MAX_ID, parse_id

bp = Blueprint("admin", __name__, url_prefix="/admin")

ID = f"<int(max={MAX_ID}):%s>"
ADMINS = (Role.ADMIN.value,)
OVERSEERS = tuple(role.value for role in OVERSEER_ROLES)
#: Audit lines per page (newest first); the CSV has the whole day.
AUDIT_PAGE = 200

#: How pages name a counter's state.
COUNTER_STATE_LABELS = {
    CounterState.OPEN.value: _l("Open"),
    CounterState.PAUSED.value: _l("Paused"),
    CounterState.CLOSED.value: _l("Closed"),
}

#: How the audit trail names each action.
ACTION_LABELS = {
    "issue": _l("issued"),
    "admit": _l("let in"),
    "call": _l("called"),
    "recall": _l("recalled"),
    "start": _l("started"),
    "finish": _l("finished"),
    "no_show": _l("no-show"),
    "reinstate": _l("reinstated"),
    "requeue": _l("back to queue"),
    "transfer": _l("transferred"),
    "cancel": _l("cancelled"),
    "expire": _l("expired"),
    "create": _l("created"),
    "update": _l("changed"),
    "reorder": _l("reordered"),
    "activate": _l("activated"),
    "deactivate": _l("deactivated"),
    "reset_password": _l("password reset"),
    "sign_in": _l("signed in"),
    "sign_out": _l("signed out"),
    "sign_in_failed": _l("sign-in failed"),
    "sign_out_everywhere": _l("signed out everywhere"),
    "enrol": _l("enrolled"),
    "reprint": _l("slip reprinted"),
    "enrolment_link": _l("new enrolment link"),
    "revoke": _l("revoked"),
}


def _role_required(roles: tuple[str, ...]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Signed-in users whose role is one of `roles`; others get 403 (unknown roles too), and
    people not signed in are sent to sign in."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if getattr(current_user, "role", None) not in roles:
                abort(403)
            return view(*args, **kwargs)

        guarded: Callable[..., Any] = login_required(wrapper)
        return guarded

    return decorate


admin_only = _role_required(ADMINS)
overseers_only = _role_required(OVERSEERS)


#: How the audit trail names what an admin change was about.
ENTITY_LABELS = {
    "service": _l("Service"),
    "counter": _l("Counter"),
    "user": _l("Account"),
    "site": _l("Hall"),
    "session": _l("Session"),
    "device": _l("Device"),
    "ticket": _l("Ticket"),
}

#: How pages name a role (a role added later shows under its own name).
ROLE_NAMES = {
    Role.ADMIN.value: _l("Admin"),
    Role.SUPERVISOR.value: _l("Supervisor"),
    Role.CLERK.value: _l("Clerk"),
    "kiosk": _l("Kiosk device"),
}


@bp.app_context_processor
def _admin_globals() -> dict[str, Any]:
    return {
        "is_admin": lambda: getattr(current_user, "role", None) in ADMINS,
        "counter_states": COUNTER_STATE_LABELS,
        "role_names": ROLE_NAMES,
    }


def _site_id() -> int:
    raw = request.args.get("site")
    site_id = parse_id(raw) if raw is not None else None
    if site_id is None:
        site_id = read.default_site_id(db_session())
    if db.session.get(Site, site_id) is None:
        abort(404)
    return site_id


def _me() -> int:
    return int(current_user.id)


def _render(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    site_id = context.pop("site_id", None) or _site_id()
    sites = [
        (sid, name)
        for sid, name in db.session.execute(select(Site.id, Site.name).order_by(Site.id))
    ]
    return (
        render_template(template, site_id=site_id, sites=sites, **context),
        status,
    )


def _done(events: verbs.Applied, message: str, target: str) -> Response:
    """The one commit of the request, then the news of it, then back to the list."""
    commit_and_publish(events.events)
    broadcast.publish_config(events.config)
    flash(message, "ok")
    return redirect(target)


# -- overview -------------------------------------------------------------------------------


@bp.get("")
@bp.get("/overview")
@overseers_only
def overview_page() -> tuple[str, int]:
    """The live hall overview (supervisors and admins)."""
    from .admin_devices import device_rows, offline_alerts  # routes on this blueprint

    site_id = _site_id()
    data = overview.hall_overview(db_session(), site_id)
    now = datetime.fromisoformat(data["generated_at"])
    # The devices come with the page and every half minute from /admin/devices/status (their
    # heartbeats are no hall news); the page raises the same offline alerts from them.
    data["devices"] = device_rows(site_id)
    data["alerts"] = data["alerts"] + offline_alerts(data["devices"], data["hall"]["open"])
    return _render(
        "admin/overview.html",
        site_id=site_id,
        data=data,
        offline_after_s=int(devices.OFFLINE_AFTER.total_seconds()),
        now=now,
        parse_iso=datetime.fromisoformat,
        local_time=now.astimezone(site_zone(data["site"]["timezone"])).strftime("%H:%M"),
        alerted={alert["service"] for alert in data["alerts"] if "service" in alert},
    )


# -- services -------------------------------------------------------------------------------


@bp.get("/services")
@admin_only
def services() -> tuple[str, int]:
    """The hall's services in kiosk order."""
    site_id = _site_id()
    rows = db.session.scalars(
        select(Service).where(Service.site_id == site_id).order_by(Service.position, Service.code)
    ).all()
    return _render("admin/services.html", site_id=site_id, services=rows, action=ActionForm())


def _service_values(form: ServiceForm) -> verbs.ServiceValues:
    minutes: Decimal = form.prior_minutes.data or Decimal(0)
    return verbs.ServiceValues(
        code=form.code.data or "",
        name_id=form.name_id.data or "",
        name_en=form.name_en.data or "",
        daily_quota=form.daily_quota.data,
        prior_service_s=int((minutes * 60).to_integral_value(ROUND_HALF_UP)),
        is_open=bool(form.is_open.data),
        closes_early=bool(form.closes_early.data),
        position=form.position.data,
    )


def _codes_taken(site_id: int, own: int | None) -> frozenset[str]:
    stmt = select(Service.code).where(Service.site_id == site_id)
    if own is not None:
        stmt = stmt.where(Service.id != own)
    return frozenset(db.session.scalars(stmt))


def _counter_form(form: CounterForm, site_id: int, own: int | None) -> CounterForm:
    numbers = select(Counter.number).where(Counter.site_id == site_id)
    if own is not None:
        numbers = numbers.where(Counter.id != own)
    form.numbers_taken = frozenset(db.session.scalars(numbers))
    form.known_codes = frozenset(_service_codes(site_id))
    return form


def _minutes(seconds: int) -> Decimal:
    value = Decimal(seconds) / 60
    return (
        Decimal(int(value))
        if value == value.to_integral_value()
        else value.quantize(Decimal("0.1"))
    )


@bp.route("/services/new", methods=["GET", "POST"])
@admin_only
def service_new() -> tuple[str, int] | Response:
    """Add a service."""
    site_id = _site_id()
    form = ServiceForm()
    form.codes_taken = _codes_taken(site_id, None)
    if request.method == "GET":
        form.is_open.data = True
        form.prior_minutes.data = Decimal(5)
    if form.validate_on_submit():
        try:
            service, applied = verbs.create_service(
                db_session(), site_id, _me(), _service_values(form)
            )
        except LoketError as exc:
            db.session.rollback()
            field_error(form, exc, "code")
        else:
            return _done(
                applied,
                _("Service %(code)s added.", code=service.code),
                url_for("admin.services", site=site_id),
            )
    status = 422 if form.is_submitted() else 200
    return _render("admin/service_form.html", status, site_id=site_id, form=form, service=None)


@bp.route(f"/services/{ID % 'service_id'}", methods=["GET", "POST"])
@admin_only
def service_edit(service_id: int) -> tuple[str, int] | Response:
    """Change a service."""
    service = db.session.get(Service, service_id)
    if service is None:
        abort(404)
    site_id = service.site_id
    form = ServiceForm(obj=service)
    form.codes_taken = _codes_taken(site_id, service.id)
    if request.method == "GET":
        form.prior_minutes.data = _minutes(service.prior_service_s)
    if form.validate_on_submit():
        try:
            service, applied = verbs.update_service(
                db_session(), service_id, _me(), _service_values(form)
            )
        except LoketError as exc:
            db.session.rollback()
            field_error(form, exc, "code")
        else:
            return _done(
                applied,
                _("Service %(code)s saved.", code=service.code),
                url_for("admin.services", site=site_id),
            )
        service = db.session.get(Service, service_id)
    status = 422 if form.is_submitted() else 200
    return _render("admin/service_form.html", status, site_id=site_id, form=form, service=service)


@bp.post(f"/services/{ID % 'service_id'}/move")
@admin_only
def service_move(service_id: int) -> Response:
    """Move a service one place up or down on kiosks and boards."""
    service = db.session.get(Service, service_id)
    if service is None:
        abort(404)
    site_id = service.site_id
    form = ActionForm()
    direction = request.form.get("direction")
    if not form.validate_on_submit() or direction not in ("up", "down"):
        abort(400)
    moved, applied = verbs.move_service(
        db_session(), service_id, _me(), -1 if direction == "up" else 1
    )
    return _done(
        applied,
        _("Service %(code)s moved.", code=moved.code),
        url_for("admin.services", site=site_id),
    )


# -- counters -------------------------------------------------------------------------------


@bp.get("/counters")
@admin_only
def counters() -> tuple[str, int]:
    """The hall's counters with their services and state."""
    site_id = _site_id()
    rows = db.session.scalars(
        select(Counter).where(Counter.site_id == site_id).order_by(Counter.number)
    ).all()
    codes = {
        sid: code
        for sid, code in db.session.execute(
            select(Service.id, Service.code).where(Service.site_id == site_id)
        )
    }
    staff = {uid: name for uid, name in db.session.execute(select(User.id, User.username))}
    return _render("admin/counters.html", site_id=site_id, counters=rows, codes=codes, staff=staff)


def _counter_values(form: CounterForm) -> verbs.CounterValues:
    return verbs.CounterValues(
        number=form.number.data or 0,
        label=form.label.data or "",
        service_codes=form.service_codes(),
        state=CounterState(form.state.data),
    )


def _service_codes(site_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(Service.code)
            .where(Service.site_id == site_id)
            .order_by(Service.position, Service.code)
        )
    )


def _service_codes_by_id(site_id: int) -> dict[int, str]:
    return dict(
        db.session.execute(select(Service.id, Service.code).where(Service.site_id == site_id)).all()
    )


@bp.route("/counters/new", methods=["GET", "POST"])
@admin_only
def counter_new() -> tuple[str, int] | Response:
    """Add a counter."""
    site_id = _site_id()
    form = _counter_form(CounterForm(), site_id, None)
    if request.method == "GET":
        last = db.session.scalar(select(func.max(Counter.number)).where(Counter.site_id == site_id))
        form.number.data = (last or 0) + 1
        form.state.data = CounterState.CLOSED.value
    if form.validate_on_submit():
        try:
            counter, applied = verbs.create_counter(
                db_session(), site_id, _me(), _counter_values(form)
            )
        except LoketError as exc:
            db.session.rollback()
            field_error(form, exc, "services")
        else:
            return _done(
                applied,
                _("Counter %(n)s added.", n=counter.number),
                url_for("admin.counters", site=site_id),
            )
    return _render(
        "admin/counter_form.html",
        422 if form.is_submitted() else 200,
        site_id=site_id,
        form=form,
        counter=None,
        codes=_service_codes(site_id),
    )


@bp.route(f"/counters/{ID % 'counter_id'}", methods=["GET", "POST"])
@admin_only
def counter_edit(counter_id: int) -> tuple[str, int] | Response:
    """Change a counter."""
    counter = db.session.get(Counter, counter_id)
    if counter is None:
        abort(404)
    site_id = counter.site_id
    form = _counter_form(CounterForm(obj=counter), site_id, counter.id)
    if request.method == "GET":
        form.services.data = ", ".join(link.service.code for link in counter.links)
    if form.validate_on_submit():
        try:
            counter, applied = verbs.update_counter(
                db_session(), counter_id, _me(), _counter_values(form)
            )
        except LoketError as exc:
            db.session.rollback()
            field_error(form, exc, "state" if exc.code == "counter_busy" else "services")
        else:
            return _done(
                applied,
                _("Counter %(n)s saved.", n=counter.number),
                url_for("admin.counters", site=site_id),
            )
        counter = db.session.get(Counter, counter_id)
    return _render(
        "admin/counter_form.html",
        422 if form.is_submitted() else 200,
        site_id=site_id,
        form=form,
        counter=counter,
        codes=_service_codes(site_id),
    )


# -- staff ----------------------------------------------------------------------------------


def _counter_choices() -> list[SelectChoice]:
    rows = db.session.execute(
        select(Counter.id, Counter.number, Counter.label, Site.name)
        .join(Site, Site.id == Counter.site_id)
        .order_by(Site.id, Counter.number)
    ).all()
    several = len({name for _i, _n, _l, name in rows}) > 1
    return [
        SelectChoice(cid, f"{site} · {number}" if several else str(number))
        for cid, number, _lb, site in rows
    ]


def _staff_form(form: StaffForm) -> StaffForm:
    form.role.choices = role_choices()
    form.counters.choices = _counter_choices()
    return form


@bp.get("/staff")
@admin_only
def staff() -> tuple[str, int]:
    """Every staff account: role, counters, active."""
    ranks = {name: rank for rank, name in enumerate(ROLE_NAMES)}
    users = sorted(
        db.session.scalars(select(User)), key=lambda u: (ranks.get(u.role, 99), u.username)
    )
    return _render("admin/staff.html", users=users, action=ActionForm())


@bp.route("/staff/new", methods=["GET", "POST"])
@admin_only
def staff_new() -> tuple[str, int] | Response:
    """Add a staff account."""
    form = _staff_form(NewStaffForm())
    assert isinstance(form, NewStaffForm)
    form.usernames_taken = frozenset(db.session.scalars(select(User.username)))
    if request.method == "GET":
        form.role.data = Role.CLERK.value
    if form.validate_on_submit():
        try:
            user = verbs.create_staff(
                db_session(),
                _me(),
                form.username.data or "",
                form.password.data or "",
                form.role.data or "",
                form.counters.data or [],
            )
        except LoketError as exc:
            db.session.rollback()
            field_error(form, exc, "username")
        else:
            db.session.commit()
            flash(_("Account %(name)s added.", name=user.username), "ok")
            return redirect(url_for("admin.staff"))
    return _render(
        "admin/staff_form.html", 422 if form.is_submitted() else 200, form=form, user=None
    )


@bp.route(f"/staff/{ID % 'user_id'}", methods=["GET", "POST"])
@admin_only
def staff_edit(user_id: int) -> tuple[str, int] | Response:
    """Change a staff member's role and counters."""
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    form = _staff_form(StaffForm())
    if request.method == "GET":
        form.role.data = user.role
        form.counters.data = [c.id for c in user.counters]
    if form.validate_on_submit():
        try:
            verbs.update_staff(
                db_session(), _me(), user_id, form.role.data or "", form.counters.data or []
            )
        except LoketError as exc:
            db.session.rollback()
            field_error(form, exc, "role")
        else:
            db.session.commit()
            flash(_("Account %(name)s saved.", name=user.username), "ok")
            return redirect(url_for("admin.staff"))
        user = db.session.get(User, user_id)
    return _render(
        "admin/staff_form.html",
        422 if form.is_submitted() else 200,
        form=form,
        user=user,
        action=ActionForm(),
    )


@bp.post(f"/staff/{ID % 'user_id'}/active")
@admin_only
def staff_active(user_id: int) -> Response:
    """Activate or deactivate an account (`active` = 1 or 0)."""
    form = ActionForm()
    wanted = request.form.get("active")
    if not form.validate_on_submit() or wanted not in ("0", "1"):
        abort(400)
    try:
        user = verbs.set_staff_active(db_session(), _me(), user_id, wanted == "1")
    except LoketError as exc:
        db.session.rollback()
        if exc.code == "not_found":
            abort(404)
        flash(_("You cannot deactivate your own account."), "error")
        return redirect(url_for("admin.staff"))
    db.session.commit()
    if user.active:
        flash(_("Account %(name)s activated.", name=user.username), "ok")
    else:
        flash(
            _("Account %(name)s deactivated: it can no longer sign in.", name=user.username), "ok"
        )
    return redirect(url_for("admin.staff"))


@bp.route(f"/staff/{ID % 'user_id'}/password", methods=["GET", "POST"])
@admin_only
def staff_password(user_id: int) -> tuple[str, int] | Response:
    """Give an account a new password."""
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    form = PasswordForm()
    if form.validate_on_submit():
        verbs.reset_password(db_session(), _me(), user_id, form.password.data or "")
        db.session.commit()
        flash(_("New password set for %(name)s.", name=user.username), "ok")
        return redirect(url_for("admin.staff"))
    return _render(
        "admin/password_form.html", 422 if form.is_submitted() else 200, form=form, user=user
    )


# -- the site -------------------------------------------------------------------------------


@bp.route("/site", methods=["GET", "POST"])
@admin_only
def site() -> tuple[str, int] | Response:
    """The hall's settings."""
    site_id = _site_id()
    hall = db.session.get(Site, site_id)
    assert hall is not None
    form = SiteForm(obj=hall)
    if request.method == "GET":
        form.holder_id_kind.data = hall.holder_id_kind or ""
    if form.validate_on_submit():
        values = verbs.SiteValues(
            name=form.name.data or "",
            timezone=form.timezone.data or "",
            opens_at=form.opens_at.data,
            closes_at=form.closes_at.data,
            hall_capacity=form.hall_capacity.data,
            priority_ratio=form.priority_ratio.data or 0,
            recall_limit=form.recall_limit.data,
            no_show_after_s=form.no_show_after_s.data or 0,
            wait_alert_min=form.wait_alert_min.data or 0,
            public_base_url=form.public_base_url.data or None,
            holder_id_kind=form.holder_id_kind.data or None,
        )
        try:
            _site, applied = verbs.update_site(db_session(), site_id, _me(), values)
        except LoketError as exc:
            db.session.rollback()
            field_error(form, exc, "name")
        else:
            return _done(applied, _("Settings saved."), url_for("admin.site", site=site_id))
    return _render(
        "admin/site_form.html",
        422 if form.is_submitted() else 200,
        site_id=site_id,
        form=form,
        zones=time_zones(),
    )


# -- audit ----------------------------------------------------------------------------------


def _audit_query() -> tuple[audit.AuditDay, str | None]:
    """The day, kind and staff member the query asks for (today's whole trail by default)."""
    site_id = _site_id()
    hall = db.session.get(Site, site_id)
    assert hall is not None
    error = None
    day = service_day(utcnow(), site_zone(hall.timezone))
    raw = request.args.get("date")
    if raw:
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            error = _("Not a valid day: use the form YYYY-MM-DD.")
    kind = request.args.get("kind") or None
    if kind not in (None, *audit.KINDS):
        kind = None
    user_raw = request.args.get("user")
    user_id = parse_id(user_raw) if user_raw else None
    return audit.audit_day(db_session(), site_id, day, kind=kind, user_id=user_id), error


@bp.get("/audit")
@admin_only
def audit_page() -> tuple[str, int]:
    """Who did what, when and at which counter, newest first; a day at a time."""
    query, error = _audit_query()
    offset = parse_id(request.args.get("page", "")) or 1
    offset = min(offset, 100_000)
    entries, more = audit.page(
        db_session(), query, limit=AUDIT_PAGE, offset=(offset - 1) * AUDIT_PAGE
    )
    zone = site_zone(query.site.timezone)
    people = db.session.execute(select(User.id, User.username).order_by(User.username)).all()
    return _render(
        "admin/audit.html",
        422 if error else 200,
        site_id=query.site.id,
        query=query,
        error=error,
        entries=entries,
        more=more,
        page=offset,
        zone=zone,
        people=people,
        describe=partial(describe, services=_service_codes_by_id(query.site.id)),
        action_label=lambda a: ACTION_LABELS.get(a, a),
        entity_label=lambda e: ENTITY_LABELS.get(e, e),
    )


@bp.get("/audit.csv")
@admin_only
def audit_csv() -> Response:
    """The whole day's trail as CSV, in order."""
    query, error = _audit_query()
    if error:
        abort(422, error)
    zone = site_zone(query.site.timezone)
    text = csv_text(
        ["at", "kind", "user", "action", "subject", "counter", "service", "from", "to", "detail"],
        (
            [
                entry.at.astimezone(zone).isoformat(timespec="seconds"),
                entry.kind,
                entry.user or "",
                entry.action,
                entry.subject,
                "" if entry.counter is None else entry.counter,
                entry.service or "",
                entry.from_state or "",
                entry.to_state or "",
                json.dumps(entry.detail, ensure_ascii=False, sort_keys=True)
                if entry.detail
                else "",
            ]
            for entry in audit.every_entry(db_session(), query)
        ),
    )
    return csv_response(text, f"loket-audit-{query.day.isoformat()}.csv", bom=True)


#: How the audit trail names the fields of a change and the details of an event.
FIELD_LABELS = {
    "active": _l("active"),
    "api_tokens_revoked": _l("API tokens revoked"),
    "address": _l("address"),
    "channel": _l("channel"),
    "closes_at": _l("closes at"),
    "closes_early": _l("may close early"),
    "code": _l("code"),
    "counters": _l("counters"),
    "counters_unknown": _l("unknown counters"),
    "daily_quota": _l("daily quota"),
    "from_service_id": _l("from service"),
    "hall_capacity": _l("hall capacity"),
    "holder_id_kind": _l("one ticket per person, by"),
    "is_open": _l("open"),
    "kind": _l("kind"),
    "known_user": _l("known account"),
    "label": _l("label"),
    "name": _l("name"),
    "name_en": _l("name (English)"),
    "name_id": _l("name (Indonesian)"),
    "no_show_after_s": _l("no-show allowed after (s)"),
    "number": _l("number"),
    "opens_at": _l("opens at"),
    "order": _l("order"),
    "position": _l("position"),
    "prior_service_s": _l("prior service time (s)"),
    "priority_ratio": _l("priority ratio"),
    "public_base_url": _l("public address"),
    "reason": _l("reason"),
    "recall_limit": _l("recall limit"),
    "role": _l("role"),
    "services": _l("services"),
    "services_missing": _l("unknown services"),
    "sessions_ended": _l("sessions ended"),
    "state": _l("state"),
    "ticket_state": _l("state of the ticket"),
    "timezone": _l("time zone"),
    "username": _l("username"),
    "via": _l("via"),
    "wait_alert_min": _l("wait alert (min)"),
}

#: Words for the coded values the trail records (a value not listed shows as it is).
VALUE_LABELS = {
    "kiosk": _l("kiosk"),
    "staff": _l("staff"),
    "api": _l("API"),
    "form": _l("sign-in form"),
    "day_closed": _l("the day was closed"),
    "phone": _l("phone number"),
    "nik": _l("NIK"),
    "board": _l("lobby board"),
}


def describe(entry: audit.AuditEntry, services: dict[int, str] | None = None) -> str:
    """One line of detail for the audit page, in words: the state change of a ticket event,
    or each changed field of an admin change (`name (Indonesian): before → after`).
    `services`: service codes by id, for the details that name a service by its id."""
    parts: list[str] = []
    if entry.kind == "ticket" and entry.to_state:
        before = STATE_LABELS.get(entry.from_state or "", "·")
        parts.append(f"{before} → {STATE_LABELS.get(entry.to_state, entry.to_state)}")
    detail = entry.detail or {}
    for key, value in detail.items():
        label = FIELD_LABELS.get(key, key.replace("_", " "))
        if key.endswith("service_id") and services is not None:
            value = services.get(value, value) if isinstance(value, int) else value
        if isinstance(value, list) and len(value) == 2 and entry.action != "create":
            parts.append(f"{label}: {_show(key, value[0])} → {_show(key, value[1])}")
        else:
            parts.append(f"{label}: {_show(key, value)}")
    return "; ".join(parts)


def _show(key: str, value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, list):
        return ", ".join(_show(key, v) for v in value) or "–"
    if key == "role" and isinstance(value, str):
        return str(ROLE_NAMES.get(value, value))
    if key == "ticket_state" and isinstance(value, str):
        return str(STATE_LABELS.get(value, value))
    if key == "state" and isinstance(value, str):
        return str(COUNTER_STATE_LABELS.get(value, value))
    if isinstance(value, float):
        return decimal(value, 2)
    if isinstance(value, str) and value in VALUE_LABELS:
        return str(VALUE_LABELS[value])
    return str(value)
