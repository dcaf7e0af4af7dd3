"""The delivery log of notifications (issue 17): how many messages are queued, sent, retrying
and dead, each recent message's tries and last error, and a resend for a dead one. The number a
message goes to is never shown here."""

from __future__ import annotations

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ...domain.errors import LoketError
from ...domain.numbering import site_zone
from ...extensions import db, db_session
from ...i18n import current_language
from ...models import Site
from ...notify import webhook
from ...services import audit, holders, notifications
from ...services.clock import utcnow
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


@bp.post("/notifications/test")
@admin_page
def notification_test() -> Response:
    """Send one test message (event "test") to a number the admin types, straight to the
    gateway, and say what it answered. Nothing is kept: not the number, not the message; the
    audit trail records that a test was sent and the gateway's answer."""
    site_id = chosen_site()
    config = current_app.config
    url, secret = config.get("NOTIFY_WEBHOOK_URL"), config.get("NOTIFY_WEBHOOK_SECRET")
    number = holders.normalise_phone(request.form.get("to", ""))
    if not ActionForm().validate_on_submit():
        flash(_("The form has expired: nothing was sent. Try again."), "error")
    elif not url or not secret:
        flash(_("No gateway is set: NOTIFY_WEBHOOK_URL and NOTIFY_WEBHOOK_SECRET."), "error")
    elif number is None:
        flash(_("Type an Indonesian mobile number (08…, +62…) to send the test to."), "error")
    else:
        now = utcnow()
        answer = webhook.post(
            url,
            secret,
            webhook.test_payload(number, site_id, now, current_language()),
            now,
            float(config.get("NOTIFY_TIMEOUT_S") or 10),
        )
        audit.record_change(
            db_session(),
            site_id=site_id,
            user_id=me(),
            entity=audit.NOTIFICATION,
            entity_id=None,
            action="test_send",
            changes={"answer": answer.status, "error": answer.error},
            at=now,
        )
        db.session.commit()
        if answer.delivered:
            flash(
                _("The gateway took the test message (HTTP %(status)s).", status=answer.status),
                "ok",
            )
        else:
            flash(_("The gateway did not take it: %(error)s", error=answer.error or "–"), "error")
    return redirect(url_for("admin.notifications_page", site=site_id))
