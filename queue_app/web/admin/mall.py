"""The mall's zones (*Zona*: a floor or a room with its own cap) and agencies (*Instansi*):
list, add, change."""

from __future__ import annotations

from flask import abort, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ...domain.booking import ChannelPolicy, agency_policy
from ...extensions import db, db_session
from ...models import Agency, Service, Zone
from ...services.admin import mall as verbs
from ..guards import admin_page
from . import bp
from ._chrome import chosen_site, done, me, refused_on, render
from ._guards import ID
from .forms import AgencyForm, ZoneForm

# -- zones ----------------------------------------------------------------------------------


@bp.get("/zones")
@admin_page
def zones() -> tuple[str, int]:
    """The site's zones with their caps, services and counters."""
    site_id = chosen_site()
    session = db_session()
    return render(
        "admin/zones.html",
        site_id=site_id,
        zones=verbs.zones(session, site_id),
        services=verbs.services_per(session, site_id, Service.zone_id),
        counters=verbs.counters_per_zone(session, site_id),
    )


def _zone_values(form: ZoneForm) -> verbs.ZoneValues:
    return verbs.ZoneValues(
        name=form.name.data or "",
        floor=form.floor.data if form.floor.data is not None else 1,
        room_capacity=form.room_capacity.data,
        distancing_pct=form.distancing_pct.data or 0,
        position=form.position.data,
    )


@bp.route("/zones/new", methods=["GET", "POST"])
@admin_page
def zone_new() -> tuple[str, int] | Response:
    """Add a zone."""
    site_id = chosen_site()
    form = ZoneForm()
    form.names_taken = verbs.names_taken(db_session(), site_id, None)
    if request.method == "GET":
        form.floor.data = 1
        form.distancing_pct.data = 100
    if form.validate_on_submit():
        with refused_on(form, "name"):
            zone, applied = verbs.create_zone(db_session(), site_id, me(), _zone_values(form))
            return done(
                applied,
                _("Zone %(name)s added.", name=zone.name),
                url_for("admin.zones", site=site_id),
            )
    status = 422 if form.is_submitted() else 200
    return render("admin/zone_form.html", status, site_id=site_id, form=form, zone=None)


@bp.route(f"/zones/{ID % 'zone_id'}", methods=["GET", "POST"])
@admin_page
def zone_edit(zone_id: int) -> tuple[str, int] | Response:
    """Change a zone."""
    zone = db.session.get(Zone, zone_id)
    if zone is None:
        abort(404)
    site_id = zone.site_id
    form = ZoneForm(obj=zone)
    form.names_taken = verbs.names_taken(db_session(), site_id, zone.id)
    if form.validate_on_submit():
        with refused_on(form, "name"):
            zone, applied = verbs.update_zone(db_session(), zone_id, me(), _zone_values(form))
            return done(
                applied,
                _("Zone %(name)s saved.", name=zone.name),
                url_for("admin.zones", site=site_id),
            )
        zone = db.session.get(Zone, zone_id)
    status = 422 if form.is_submitted() else 200
    return render("admin/zone_form.html", status, site_id=site_id, form=form, zone=zone)


# -- agencies -------------------------------------------------------------------------------


@bp.get("/agencies")
@admin_page
def agencies() -> tuple[str, int]:
    """The site's agencies with their policies and services."""
    site_id = chosen_site()
    session = db_session()
    rows = verbs.agencies(session, site_id)
    return render(
        "admin/agencies.html",
        site_id=site_id,
        agencies=rows,
        policies={a.id: agency_policy(a.channels, a.walk_in).value for a in rows},
        services=verbs.services_per(session, site_id, Service.agency_id),
    )


def _agency_values(form: AgencyForm) -> verbs.AgencyValues:
    # A form posted without the policy (an older page, a script) keeps the stored one.
    return verbs.AgencyValues(
        code=form.code.data or "",
        name_id=form.name_id.data or "",
        name_en=form.name_en.data or "",
        colour=form.colour.data or "",
        daily_cap=form.daily_cap.data,
        position=form.position.data,
        channels=form.channels.data if form.channels.raw_data else None,
        online_pct=form.online_pct.data,
    )


@bp.route("/agencies/new", methods=["GET", "POST"])
@admin_page
def agency_new() -> tuple[str, int] | Response:
    """Add an agency."""
    site_id = chosen_site()
    form = AgencyForm()
    form.codes_taken = verbs.codes_taken(db_session(), site_id, None)
    if request.method == "GET":
        form.channels.data = ChannelPolicy.WALK_IN.value
        form.online_pct.data = 50
        form.colour.data = "#1f6f8b"
    if form.validate_on_submit():
        with refused_on(form, "code"):
            agency, applied = verbs.create_agency(db_session(), site_id, me(), _agency_values(form))
            return done(
                applied,
                _("Agency %(code)s added.", code=agency.code),
                url_for("admin.agencies", site=site_id),
            )
    status = 422 if form.is_submitted() else 200
    return render("admin/agency_form.html", status, site_id=site_id, form=form, agency=None)


@bp.route(f"/agencies/{ID % 'agency_id'}", methods=["GET", "POST"])
@admin_page
def agency_edit(agency_id: int) -> tuple[str, int] | Response:
    """Change an agency."""
    agency = db.session.get(Agency, agency_id)
    if agency is None:
        abort(404)
    site_id = agency.site_id
    form = AgencyForm(obj=agency)
    form.codes_taken = verbs.codes_taken(db_session(), site_id, agency.id)
    if request.method == "GET":
        # The policy as it applies: an agency never given one follows its `walk_in` flag.
        form.channels.data = agency_policy(agency.channels, agency.walk_in).value
    if form.validate_on_submit():
        with refused_on(form, "code"):
            agency, applied = verbs.update_agency(
                db_session(), agency_id, me(), _agency_values(form)
            )
            return done(
                applied,
                _("Agency %(code)s saved.", code=agency.code),
                url_for("admin.agencies", site=site_id),
            )
        agency = db.session.get(Agency, agency_id)
    status = 422 if form.is_submitted() else 200
    return render("admin/agency_form.html", status, site_id=site_id, form=form, agency=agency)
