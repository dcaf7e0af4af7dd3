"""The hall's services (what the kiosk issues tickets for): list, add, change, reorder."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from flask import abort, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ...domain.booking import agency_policy
from ...extensions import db, db_session
from ...labels import CHANNEL_POLICY_LABELS
from ...models import Service, ServiceRequirement, Site
from ...services import mall
from ...services.admin import mall as mall_admin
from ...services.admin import requirements as requirement_verbs
from ...services.admin import services as verbs
from ..guards import admin_page
from . import bp
from ._chrome import chosen_site, done, me, refused_on, render
from ._guards import ID
from .forms import ActionForm, RequirementForm, ServiceForm


@bp.get("/services")
@admin_page
def services() -> tuple[str, int]:
    """The hall's services in kiosk order."""
    site_id = chosen_site()
    session = db_session()
    rows = verbs.of_site(session, site_id)
    return render(
        "admin/services.html",
        site_id=site_id,
        services=rows,
        action=ActionForm(),
        zones={z.id: z for z in mall_admin.zones(session, site_id)},
        agencies={a.id: a for a in mall_admin.agencies(session, site_id)},
    )


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
        zone_id=form.zone_id.data,
        agency_id=form.agency_id.data,
        # A form posted without the policy (an older page, a script) keeps the stored one.
        channel_policy=verbs.ServiceChannels(
            channels=form.channels.data or None,
            online_pct=form.online_pct.data,
            release_no_shows=bool(form.release_no_shows.data),
        )
        if form.channels.raw_data
        else None,
    )


def _with_choices(form: ServiceForm, site_id: int) -> ServiceForm:
    """The site's zones and agencies to choose from."""
    session = db_session()
    form.zone_id.choices = mall_admin.zone_choices(session, site_id)
    form.agency_id.choices = mall_admin.agency_choices(session, site_id)
    return form


def _agency_policies(site_id: int) -> str:
    """Each agency's channel policy, for the hint of the service's "As its agency"."""
    return "; ".join(
        f"{a.code}: {CHANNEL_POLICY_LABELS[agency_policy(a.channels, a.walk_in).value]}"
        for a in mall_admin.agencies(db_session(), site_id)
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
    form = _with_choices(ServiceForm(), site_id)
    form.codes_taken = verbs.codes_taken(db_session(), site_id, None)
    if request.method == "GET":
        form.is_open.data = True
        form.release_no_shows.data = True
        form.channels.data = ""
        form.prior_minutes.data = Decimal(5)
        site = db.session.get(Site, site_id)
        assert site is not None  # chosen_site
        zone, agency = mall.home(db_session(), site)
        form.zone_id.data, form.agency_id.data = zone.id, agency.id
    if form.validate_on_submit():
        with refused_on(form, "code"):
            service, applied = verbs.create_service(
                db_session(), site_id, me(), _service_values(form)
            )
            return done(
                applied,
                _("Service %(code)s added.", code=service.code),
                url_for("admin.services", site=site_id),
            )
    status = 422 if form.is_submitted() else 200
    return render(
        "admin/service_form.html",
        status,
        site_id=site_id,
        form=form,
        service=None,
        agency_policies=_agency_policies(site_id),
    )


@bp.route(f"/services/{ID % 'service_id'}", methods=["GET", "POST"])
@admin_page
def service_edit(service_id: int) -> tuple[str, int] | Response:
    """Change a service."""
    service = db.session.get(Service, service_id)
    if service is None:
        abort(404)
    site_id = service.site_id
    form = _with_choices(ServiceForm(obj=service), site_id)
    form.codes_taken = verbs.codes_taken(db_session(), site_id, service.id)
    if request.method == "GET":
        form.prior_minutes.data = _minutes(service.prior_service_s)
        form.channels.data = service.channels or ""
    if form.validate_on_submit():
        with refused_on(form, "code"):
            service, applied = verbs.update_service(
                db_session(), service_id, me(), _service_values(form)
            )
            return done(
                applied,
                _("Service %(code)s saved.", code=service.code),
                url_for("admin.services", site=site_id),
            )
        service = db.session.get(Service, service_id)
    status = 422 if form.is_submitted() else 200
    return _edit_page(service, form, status=status)


def _edit_page(
    service: Service | None,
    form: ServiceForm | None = None,
    *,
    status: int = 200,
    requirement_form: RequirementForm | None = None,
    failed: int | None = None,
) -> tuple[str, int]:
    """The service's page: its settings and its requirements; `requirement_form` with
    `failed`: the requirement (None: the new one) whose change was refused, with its errors."""
    if service is None:
        abort(404)
    if form is None:
        form = _with_choices(ServiceForm(obj=service, formdata=None), service.site_id)
        form.prior_minutes.data = _minutes(service.prior_service_s)
        form.channels.data = service.channels or ""
    return render(
        "admin/service_form.html",
        status,
        site_id=service.site_id,
        form=form,
        service=service,
        agency_policies=_agency_policies(service.site_id),
        requirements=requirement_verbs.of_service(db_session(), service.id),
        # The refused form where it was sent (a row's or the new one's), blank elsewhere.
        edit_form=requirement_form if failed is not None else None,
        add_form=requirement_form
        if requirement_form is not None and failed is None
        else RequirementForm(formdata=None),
        failed=failed,
        max_requirements=requirement_verbs.MAX_REQUIREMENTS,
        action=ActionForm(),
    )


def _requirement_values(form: RequirementForm) -> requirement_verbs.RequirementValues:
    return requirement_verbs.RequirementValues(
        name_id=form.req_name_id.data or "",
        name_en=form.req_name_en.data or "",
        note=form.req_note.data or "",
    )


def _requirement(service_id: int, requirement_id: int) -> tuple[Service, ServiceRequirement]:
    service = db.session.get(Service, service_id)
    row = db.session.get(ServiceRequirement, requirement_id)
    if service is None or row is None or row.service_id != service.id:
        abort(404)
    return service, row


def _back(service: Service) -> str:
    return url_for("admin.service_edit", service_id=service.id) + "#requirements"


@bp.post(f"/services/{ID % 'service_id'}/requirements")
@admin_page
def requirement_add(service_id: int) -> tuple[str, int] | Response:
    """Add a document at the end of the service's requirements."""
    service = db.session.get(Service, service_id)
    if service is None:
        abort(404)
    form = RequirementForm()
    if form.validate_on_submit():
        with refused_on(form, "req_name_id"):
            applied = requirement_verbs.add_requirement(
                db_session(), service_id, me(), _requirement_values(form)
            )[1]
            return done(applied, _("Requirement added."), _back(service))
        service = db.session.get(Service, service_id)
    return _edit_page(service, status=422, requirement_form=form)


@bp.post(f"/services/{ID % 'service_id'}/requirements/{ID % 'requirement_id'}")
@admin_page
def requirement_edit(service_id: int, requirement_id: int) -> tuple[str, int] | Response:
    """Change a document's names or note."""
    service, _row = _requirement(service_id, requirement_id)
    form = RequirementForm()
    if form.validate_on_submit():
        with refused_on(form, "req_name_id"):
            applied = requirement_verbs.update_requirement(
                db_session(), requirement_id, me(), _requirement_values(form)
            )[1]
            return done(applied, _("Requirement saved."), _back(service))
        service = db.session.get(Service, service_id)  # type: ignore[assignment]
    return _edit_page(service, status=422, requirement_form=form, failed=requirement_id)


@bp.post(f"/services/{ID % 'service_id'}/requirements/{ID % 'requirement_id'}/move")
@admin_page
def requirement_move(service_id: int, requirement_id: int) -> Response:
    """Move a document one place up or down the list."""
    service, _row = _requirement(service_id, requirement_id)
    direction = request.form.get("direction")
    if not ActionForm().validate_on_submit() or direction not in ("up", "down"):
        abort(400)
    applied = requirement_verbs.move_requirement(
        db_session(), requirement_id, me(), -1 if direction == "up" else 1
    )[1]
    return done(applied, _("Requirement moved."), _back(service))


@bp.post(f"/services/{ID % 'service_id'}/requirements/{ID % 'requirement_id'}/remove")
@admin_page
def requirement_remove(service_id: int, requirement_id: int) -> Response:
    """Take a document off the list."""
    service, _row = _requirement(service_id, requirement_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    applied = requirement_verbs.remove_requirement(db_session(), requirement_id, me())[1]
    return done(applied, _("Requirement removed."), _back(service))


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
