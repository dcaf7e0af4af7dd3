"""The hall's counters: list, add, change (number, label, services in preference order,
state)."""

from __future__ import annotations

from flask import abort, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ...domain.vocabulary import CounterState
from ...extensions import db, db_session
from ...models import Counter
from ...services.admin import counters as verbs
from ...services.admin import mall as mall_admin
from ...services.admin import services as service_admin
from ...services.admin import staff as staff_admin
from ..guards import admin_page
from . import bp
from ._chrome import chosen_site, done, me, refused_on, render
from ._guards import ID
from .forms import CounterForm


@bp.get("/counters")
@admin_page
def counters() -> tuple[str, int]:
    """The hall's counters with their services and state."""
    site_id = chosen_site()
    session = db_session()
    return render(
        "admin/counters.html",
        site_id=site_id,
        counters=verbs.of_site(session, site_id),
        codes=service_admin.codes_by_id(session, site_id),
        staff=dict(staff_admin.usernames(session)),
        # In a mall, which floor or room each counter stands in (a hall of one zone: no column).
        zones={z.id: z for z in zones}
        if len(zones := mall_admin.zones(session, site_id)) > 1
        else {},
    )


def _counter_form(form: CounterForm, site_id: int, own: int | None) -> CounterForm:
    form.numbers_taken = verbs.numbers_taken(db_session(), site_id, own)
    form.known_codes = frozenset(service_admin.codes(db_session(), site_id))
    return form


def _counter_values(form: CounterForm) -> verbs.CounterValues:
    return verbs.CounterValues(
        number=form.number.data or 0,
        label=form.label.data or "",
        service_codes=form.service_codes(),
        state=CounterState(form.state.data),
    )


@bp.route("/counters/new", methods=["GET", "POST"])
@admin_page
def counter_new() -> tuple[str, int] | Response:
    """Add a counter."""
    site_id = chosen_site()
    form = _counter_form(CounterForm(), site_id, None)
    if request.method == "GET":
        form.number.data = verbs.next_number(db_session(), site_id)
        form.state.data = CounterState.CLOSED.value
    if form.validate_on_submit():
        with refused_on(form, "services"):
            counter, applied = verbs.create_counter(
                db_session(), site_id, me(), _counter_values(form)
            )
            return done(
                applied,
                _("Counter %(n)s added.", n=counter.number),
                url_for("admin.counters", site=site_id),
            )
    return render(
        "admin/counter_form.html",
        422 if form.is_submitted() else 200,
        site_id=site_id,
        form=form,
        counter=None,
        codes=service_admin.codes(db_session(), site_id),
    )


@bp.route(f"/counters/{ID % 'counter_id'}", methods=["GET", "POST"])
@admin_page
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
        with refused_on(form, "services", counter_busy="state"):
            counter, applied = verbs.update_counter(
                db_session(), counter_id, me(), _counter_values(form)
            )
            return done(
                applied,
                _("Counter %(n)s saved.", n=counter.number),
                url_for("admin.counters", site=site_id),
            )
        counter = db.session.get(Counter, counter_id)
    return render(
        "admin/counter_form.html",
        422 if form.is_submitted() else 200,
        site_id=site_id,
        form=form,
        counter=counter,
        codes=service_admin.codes(db_session(), site_id),
    )
