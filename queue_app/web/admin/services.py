"""The hall's services (what the kiosk issues tickets for): list, add, change, reorder."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from flask import abort, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ...domain.errors import LoketError
from ...extensions import db, db_session
from ...models import Service
from ...services.admin import services as verbs
from ..guards import admin_page
from . import bp
from ._chrome import chosen_site, done, me, render
from ._guards import ID
from .forms import ActionForm, ServiceForm, field_error


@bp.get("/services")
@admin_page
def services() -> tuple[str, int]:
    """The hall's services in kiosk order."""
    site_id = chosen_site()
    rows = verbs.of_site(db_session(), site_id)
    return render("admin/services.html", site_id=site_id, services=rows, action=ActionForm())


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


def _minutes(seconds: int) -> Decimal:
    value = Decimal(seconds) / 60
    return (
        Decimal(int(value))
        if value == value.to_integral_value()
        else value.quantize(Decimal("0.1"))
    )


@bp.route("/services/new", methods=["GET", "POST"])
@admin_page
def service_new() -> tuple[str, int] | Response:
    """Add a service."""
    site_id = chosen_site()
    form = ServiceForm()
    form.codes_taken = verbs.codes_taken(db_session(), site_id, None)
    if request.method == "GET":
        form.is_open.data = True
        form.prior_minutes.data = Decimal(5)
    if form.validate_on_submit():
        try:
            service, applied = verbs.create_service(
                db_session(), site_id, me(), _service_values(form)
            )
        except LoketError as exc:
            db.session.rollback()
            field_error(form, exc, "code")
        else:
            return done(
                applied,
                _("Service %(code)s added.", code=service.code),
                url_for("admin.services", site=site_id),
            )
    status = 422 if form.is_submitted() else 200
    return render("admin/service_form.html", status, site_id=site_id, form=form, service=None)


@bp.route(f"/services/{ID % 'service_id'}", methods=["GET", "POST"])
@admin_page
def service_edit(service_id: int) -> tuple[str, int] | Response:
    """Change a service."""
    service = db.session.get(Service, service_id)
    if service is None:
        abort(404)
    site_id = service.site_id
    form = ServiceForm(obj=service)
    form.codes_taken = verbs.codes_taken(db_session(), site_id, service.id)
    if request.method == "GET":
        form.prior_minutes.data = _minutes(service.prior_service_s)
    if form.validate_on_submit():
        try:
            service, applied = verbs.update_service(
                db_session(), service_id, me(), _service_values(form)
            )
        except LoketError as exc:
            db.session.rollback()
            field_error(form, exc, "code")
        else:
            return done(
                applied,
                _("Service %(code)s saved.", code=service.code),
                url_for("admin.services", site=site_id),
            )
        service = db.session.get(Service, service_id)
    status = 422 if form.is_submitted() else 200
    return render("admin/service_form.html", status, site_id=site_id, form=form, service=service)


@bp.post(f"/services/{ID % 'service_id'}/move")
@admin_page
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
        db_session(), service_id, me(), -1 if direction == "up" else 1
    )
    return done(
        applied,
        _("Service %(code)s moved.", code=moved.code),
        url_for("admin.services", site=site_id),
    )
