"""Staff accounts: list, add, change role and counters, activate or deactivate, set a new
password."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from ...domain.errors import LoketError
from ...domain.vocabulary import Role
from ...extensions import db, db_session
from ...labels import ROLE_NAMES
from ...models import User
from ...services.admin import counters as counter_admin
from ...services.admin import staff as verbs
from ..guards import admin_page
from . import bp
from ._chrome import me, refused_on, render
from ._guards import ID
from .forms import ActionForm, NewStaffForm, PasswordForm, StaffForm, role_choices


def _counter_choices() -> list[SelectChoice]:
    rows = counter_admin.every_counter(db_session())
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
@admin_page
def staff() -> tuple[str, int]:
    """Every staff account: role, counters, active."""
    ranks = {name: rank for rank, name in enumerate(ROLE_NAMES)}
    users = sorted(
        verbs.every_account(db_session()), key=lambda u: (ranks.get(u.role, 99), u.username)
    )
    return render("admin/staff.html", users=users, action=ActionForm())


@bp.route("/staff/new", methods=["GET", "POST"])
@admin_page
def staff_new() -> tuple[str, int] | Response:
    """Add a staff account."""
    form = _staff_form(NewStaffForm())
    assert isinstance(form, NewStaffForm)
    form.usernames_taken = frozenset(name for _id, name in verbs.usernames(db_session()))
    if request.method == "GET":
        form.role.data = Role.CLERK.value
    if form.validate_on_submit():
        with refused_on(form, "username"):
            user = verbs.create_staff(
                db_session(),
                me(),
                form.username.data or "",
                form.password.data or "",
                form.role.data or "",
                form.counters.data or [],
            )
            db.session.commit()
            flash(_("Account %(name)s added.", name=user.username), "ok")
            return redirect(url_for("admin.staff"))
    return render(
        "admin/staff_form.html", 422 if form.is_submitted() else 200, form=form, user=None
    )


@bp.route(f"/staff/{ID % 'user_id'}", methods=["GET", "POST"])
@admin_page
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
        with refused_on(form, "role"):
            verbs.update_staff(
                db_session(), me(), user_id, form.role.data or "", form.counters.data or []
            )
            db.session.commit()
            flash(_("Account %(name)s saved.", name=user.username), "ok")
            return redirect(url_for("admin.staff"))
        user = db.session.get(User, user_id)
    return render(
        "admin/staff_form.html",
        422 if form.is_submitted() else 200,
        form=form,
        user=user,
        action=ActionForm(),
    )


@bp.post(f"/staff/{ID % 'user_id'}/active")
@admin_page
def staff_active(user_id: int) -> Response:
    """Activate or deactivate an account (`active` = 1 or 0)."""
    form = ActionForm()
    wanted = request.form.get("active")
    if not form.validate_on_submit() or wanted not in ("0", "1"):
        abort(400)
    try:
        user = verbs.set_staff_active(db_session(), me(), user_id, wanted == "1")
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
@admin_page
def staff_password(user_id: int) -> tuple[str, int] | Response:
    """Give an account a new password."""
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    form = PasswordForm()
    if form.validate_on_submit():
        verbs.reset_password(db_session(), me(), user_id, form.password.data or "")
        db.session.commit()
        flash(_("New password set for %(name)s.", name=user.username), "ok")
        return redirect(url_for("admin.staff"))
    return render(
        "admin/password_form.html", 422 if form.is_submitted() else 200, form=form, user=user
    )
