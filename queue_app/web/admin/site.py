"""The hall's settings: `/admin/site`."""

from __future__ import annotations

from flask import request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ...extensions import db, db_session
from ...models import Site
from ...services.admin import site as verbs
from ..guards import admin_page
from . import bp
from ._chrome import chosen_site, done, me, refused_on, render
from .forms import SiteForm, time_zones


@bp.route("/site", methods=["GET", "POST"])
@admin_page
def site() -> tuple[str, int] | Response:
    """The hall's settings."""
    site_id = chosen_site()
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
        with refused_on(form, "name"):
            _site, applied = verbs.update_site(db_session(), site_id, me(), values)
            return done(applied, _("Settings saved."), url_for("admin.site", site=site_id))
    return render(
        "admin/site_form.html",
        422 if form.is_submitted() else 200,
        site_id=site_id,
        form=form,
        zones=time_zones(),
    )
