"""The delivery log of notifications (issue 17): how many messages are queued, sent, retrying
and dead, each recent message's tries and last error, and a resend for a dead one. The number a
message goes to is never shown here."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ...domain.errors import LoketError
from ...domain.numbering import site_zone
from ...extensions import db, db_session
from ...models import Site
from ...services import notifications
from ..guards import admin_page
from . import bp
from ._chrome import chosen_site, me, render
from ._guards import ID
from .forms import ActionForm


@bp.get("/notifications")
@admin_page
def notifications_page() -> tuple[str, int]:
    """The site's outbox: counts per state and the latest messages, newest first."""
    site_id = chosen_site()
    site = db.session.get(Site, site_id)
    zone = site_zone(site.timezone if site is not None else "Asia/Jakarta")
    return render(
        "admin/notifications.html",
        site_id=site_id,
        log=notifications.delivery_log(db_session(), site_id),
        limit=notifications.LOG_ROWS,
        local=lambda at: at.astimezone(zone).strftime("%d-%m-%Y %H:%M") if at else "–",
        form=ActionForm(),
    )


@bp.post(f"/notifications/{ID % 'message_seq'}/resend")
@admin_page
def notification_resend(message_seq: int) -> Response:
    """Send a dead message again (same id), audited."""
    site_id = chosen_site()
    if not ActionForm().validate_on_submit():
        flash(_("The form has expired: nothing was sent. Try again."), "error")
    else:
        try:
            notifications.resend(db_session(), site_id, message_seq, me())
        except LoketError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("The message is queued again."), "ok")
    return redirect(url_for("admin.notifications_page", site=site_id))
