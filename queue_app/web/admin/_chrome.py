"""What every admin page shares: the hall it is about (`?site=`), who is asking, the page's
frame (the hall switcher), and the end of every change (one commit, its news, back to the
list with a message)."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from flask import abort, flash, redirect, render_template
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import Form

from ...domain.errors import LoketError
from ...domain.vocabulary import Role
from ...extensions import db, db_session
from ...models import Site
from ...services.admin import site as site_admin
from ...services.admin.changes import Applied
from ..commit import commit_and_publish
from ..common import site_id_arg
from . import bp
from .forms import field_error


@bp.app_context_processor
def _admin_globals() -> dict[str, Any]:
    return {"is_admin": lambda: getattr(current_user, "role", None) == Role.ADMIN.value}


def chosen_site() -> int:
    """The hall `?site=` names (the default hall without it; 422 for a malformed id, as
    everywhere: web/common.site_id_arg); 404 for an unknown one."""
    site_id = site_id_arg()
    if db.session.get(Site, site_id) is None:
        abort(404)
    return site_id


def me() -> int:
    """The signed-in staff member's id (who the audit trail names)."""
    return int(current_user.id)


def render(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    """An admin page in its frame: the hall it is about and the halls to switch to."""
    site_id = context.pop("site_id", None) or chosen_site()
    return (
        render_template(template, site_id=site_id, sites=site_admin.halls(db_session()), **context),
        status,
    )


def done(applied: Applied, message: str, target: str) -> Response:
    """The one commit of the request, then the news of it, then back to the list."""
    commit_and_publish(applied.events)
    flash(message, "ok")
    return redirect(target)


class _ShownOnForm:
    """The context manager of `refused_on`. A class, not `contextlib.contextmanager`: its
    `__exit__` says `bool`, so type checkers know the block may end in a swallowed refusal
    and check the view's code after it (the form shown again)."""

    def __init__(self, form: Form, field: str, field_of_code: dict[str, str]) -> None:
        self.form, self.field, self.field_of_code = form, field, field_of_code

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> bool:
        if not isinstance(error, LoketError):
            return False
        db.session.rollback()
        field_error(self.form, error, self.field_of_code.get(error.code, self.field))
        return True


def refused_on(form: Form, field: str, **field_of_code: str) -> _ShownOnForm:
    """Around an admin verb and the `done` of it: a refusal (LoketError) undoes the request's
    changes and is shown on the form, at the field it names, else at the field its code maps to
    in `field_of_code`, else at `field`; the view then goes on to show the form again."""
    return _ShownOnForm(form, field, field_of_code)
