"""Server-rendered pages: staff sign-in, and the applicant's ticket status page."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import login_required, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..extensions import db_session
from ..services import read, staff

bp = Blueprint("pages", __name__)


class LoginForm(FlaskForm):
    """Staff sign-in."""

    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=128)])


@bp.get("/")
def index() -> str:
    """A landing page pointing at each screen."""
    return render_template("index.html")


@bp.route("/login", methods=["GET", "POST"])
def login() -> tuple[str, int] | Response:
    """Staff sign in with username and password (browser session)."""
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = staff.authenticate(db_session(), form.username.data or "", form.password.data or "")
        if user is not None:
            login_user(user)
            target = request.args.get("next", "")
            return redirect(
                target
                if target.startswith("/") and not target.startswith("//")
                else url_for("pages.index")
            )
        error = gettext("Wrong username or password.")
    return render_template("login.html", form=form, error=error), 401 if error else 200


@bp.post("/logout")
@login_required
def logout() -> Response:
    """Sign out."""
    logout_user()
    return redirect(url_for("pages.login"))


@bp.get("/t/<token>")
def ticket_status(token: str) -> str:
    """The phone status page a ticket's QR code opens."""
    ticket = read.ticket_by_token(db_session(), token)
    return render_template("status.html", ticket=read.ticket_public(db_session(), ticket))
