"""Server-rendered pages: staff sign-in, and the applicant's ticket status page."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from .. import auth
from ..domain.numbering import site_zone
from ..domain.states import TicketState
from ..domain.vocabulary import Role
from ..extensions import db, db_session
from ..i18n import current_language
from ..models import User
from ..realtime import snapshots
from ..security import (
    SIGN_IN_PER_ADDRESS,
    SIGN_IN_PER_USER_ADDRESS,
    client_address,
    rate_limited,
)
from ..services import sessions, staff, survey
from ..services.audit import record_sign_in, record_sign_out
from ..services.clock import utcnow
from .common import local_path
from .survey_form import survey_form, survey_texts

bp = Blueprint("pages", __name__)


class LoginForm(FlaskForm):
    """Staff sign-in."""

    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=128)])


def landing(user: User) -> str:
    """Where a sign-in without `next` leads: where the user's role works. A kiosk account
    to the kiosk screen; supervisors and admins to the hall overview; a clerk to their
    counter's terminal, or to the counter choice when they may use several (home when none)."""
    role = Role(user.role)
    if role is Role.KIOSK:
        return url_for("screens.kiosk")
    if role in (Role.SUPERVISOR, Role.ADMIN):
        return url_for("admin.overview_page")
    counters = sorted(staff.actor_for(user).counter_ids)
    if len(counters) == 1:
        return url_for("screens.counter_terminal", counter_id=counters[0])
    return url_for("screens.counter_choice") if counters else url_for("pages.index")


@bp.get("/")
def index() -> str:
    """A landing page pointing at each screen."""
    return render_template("index.html")


@bp.route("/login", methods=["GET", "POST"])
@rate_limited(SIGN_IN_PER_ADDRESS, SIGN_IN_PER_USER_ADDRESS)
def login() -> tuple[str, int] | Response:
    """Staff sign in with username and password (browser session)."""
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        username = form.username.data or ""
        user = staff.authenticate(db_session(), username, form.password.data or "")
        if user is not None:
            auth.sign_in(user)
            record_sign_in(db_session(), user)
            db.session.commit()
            return redirect(local_path(request.args.get("next", "")) or landing(user))
        # Failed sign-ins are audited and throttled (security.py: LOGIN_RATE_LIMIT*).
        staff.record_failed_sign_in(db_session(), username, via="form", address=client_address())
        db.session.commit()
        error = gettext("Wrong username or password.")
    return render_template("login.html", form=form, error=error), 401 if error else 200


@bp.get("/logout")
@login_required
def logout_page() -> str:
    """Sign out from any page: a link can lead here, the sign-out itself is a POST (with its
    CSRF token) so that no other site can sign a clerk out."""
    return render_template("logout.html")


@bp.post("/logout")
@login_required
def logout() -> Response:
    """Sign out: this browser's session ends on the server."""
    record_sign_out(db_session(), int(current_user.id))
    auth.sign_out()
    db.session.commit()
    return redirect(url_for("pages.login"))


@bp.post("/logout/everywhere")
@login_required
def logout_everywhere() -> Response:
    """Sign out everywhere: every session of this user ends (this one included), and every
    API token of theirs is revoked."""
    user_id = int(current_user.id)
    ended = sessions.end_everything(db_session(), user_id, sessions.SIGN_OUT_EVERYWHERE)
    record_sign_out(db_session(), user_id, everywhere=ended)
    auth.sign_out()  # this browser's session has ended with the others: forget it here
    db.session.commit()
    flash(gettext("You are signed out on every device."))
    return redirect(url_for("pages.login"))


#: States from which a ticket may still be served (and then asked the survey).
MAY_BE_DONE = {s.value for s in TicketState} - {
    TicketState.DONE.value,
    TicketState.CANCELLED.value,
    TicketState.EXPIRED.value,
}


@bp.get("/t/<token>")
def ticket_status(token: str) -> str:
    """The phone status page a ticket's QR code opens; once the ticket is done, it asks the
    satisfaction survey (`survey`: where it stands at load, known to this page only)."""
    ticket, snapshot = snapshots.ticket_by_token(db_session(), token)
    site = snapshot.view.site
    # Only a done ticket's survey can be answered or closed: the others cost no statement.
    state = (
        survey.state_by_token(db_session(), token, utcnow())
        if ticket.state == TicketState.DONE.value
        else "not_done"
    )
    return render_template(
        "status.html",
        ticket=snapshot.ticket_public(ticket),
        site_name=site.name,
        taken=taken_at(ticket.issued_at, site.timezone, ticket.service_day != snapshot.view.today),
        survey=state,
        requirements=snapshot.view.requirements.get(ticket.service_id, []),
        # A mall names the floor and room to go to (a single hall has one: nothing to say).
        show_zone=len(snapshot.view.zones) > 1,
        # The form, while the survey is or may still become open.
        form=survey_form() if state == "open" or ticket.state in MAY_BE_DONE else None,
        survey_texts=survey_texts(),
    )


def taken_at(issued_at: datetime, timezone: str, other_day: bool) -> str:
    """When a ticket was taken, in the hall's local time as people there write it (09.14 in
    Indonesian, 09:14 in English); with its date when it was not today."""
    local = issued_at.astimezone(site_zone(timezone))
    clock = local.strftime("%H.%M" if current_language() == "id" else "%H:%M")
    return f"{local:%d-%m-%Y} {clock}" if other_day else clock
