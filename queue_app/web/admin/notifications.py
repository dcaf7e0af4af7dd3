"""The delivery log of notifications (issue 17): how many messages are queued, sent, retrying
and dead, each recent message's tries and last error, and a resend for a dead one. The number a
message goes to is never shown here."""

from __future__ import annotations

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ...domain import notify
from ...domain.errors import LoketError
from ...domain.numbering import site_zone
from ...extensions import db, db_session
from ...i18n import current_language
from ...labels import NOTIFY_KIND_LABELS
from ...models import Site
from ...notify import webhook
from ...notify.crypto import Sealer
from ...notify.worker import site_gateway
from ...services import audit, holders, notifications
from ...services.admin import notify_settings as verbs
from ...services.admin.changes import Applied
from ...services.clock import utcnow
from ..guards import admin_page
from . import bp
from ._chrome import chosen_site, done, me, refused_on, render
from ._guards import ID
from .forms import ActionForm, NotifySettingsForm, kind_field


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
    url, secret = site_gateway(
        db_session(),
        Sealer(config),
        site_id,
        str(config.get("NOTIFY_WEBHOOK_URL") or ""),
        str(config.get("NOTIFY_WEBHOOK_SECRET") or ""),
    )
    number = holders.normalise_phone(request.form.get("to", ""))
    if not ActionForm().validate_on_submit():
        flash(_("The form has expired: nothing was sent. Try again."), "error")
    elif not url or not secret:
        flash(
            _(
                "No gateway is set: NOTIFY_WEBHOOK_URL and NOTIFY_WEBHOOK_SECRET, or this "
                "hall's own in the settings below."
            ),
            "error",
        )
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


@bp.route("/notifications/settings", methods=["GET", "POST"])
@admin_page
def notification_settings() -> tuple[str, int] | Response:
    """The site's notification settings: each kind on or off with its texts, N ahead,
    retention and the site's own gateway. A text naming an unknown placeholder is refused with
    the placeholders it may use, and nothing is saved."""
    site_id = chosen_site()
    row = verbs.settings_of(db_session(), site_id)
    policy = notifications.policy(db_session(), site_id)
    form = NotifySettingsForm()
    if request.method == "GET":
        form.almost_ahead.data = policy.almost_ahead
        form.retention_days.data = row.retention_days if row is not None else None
        form.webhook_url.data = row.webhook_url if row is not None else ""
        for kind in notify.Kind:
            form[kind_field(kind, "on")].data = policy.sends(kind)
            own = policy.kinds.get(kind, notify.KindPolicy()).texts
            for lang in notify.LANGS:
                form[kind_field(kind, lang)].data = own.get(lang) or ""
    if form.validate_on_submit():
        secret = verbs.KEEP_SECRET
        if form.clear_secret.data:
            secret = verbs.CLEAR_SECRET
        elif form.webhook_secret.data:
            # Sealed here with the app's key, as the numbers are: the verb never sees it.
            secret = Sealer(current_app.config).seal(form.webhook_secret.data)
        values = verbs.NotifyValues(
            almost_ahead=form.almost_ahead.data or 0,
            retention_days=form.retention_days.data,
            kinds={
                kind: (
                    bool(form[kind_field(kind, "on")].data),
                    form[kind_field(kind, "id")].data or None,
                    form[kind_field(kind, "en")].data or None,
                )
                for kind in notify.Kind
            },
            webhook_url=form.webhook_url.data or None,
            secret=secret,
        )
        with refused_on(form, "almost_ahead"):
            verbs.update_settings(db_session(), site_id, me(), values)
            return done(
                Applied(),
                _("Notification settings saved."),
                url_for("admin.notification_settings", site=site_id),
            )
    kinds = [
        {
            "kind": kind,
            "label": NOTIFY_KIND_LABELS[kind.value],
            "on": form[kind_field(kind, "on")],
            "texts": [
                (form[kind_field(kind, lang)], notify.TEMPLATES[kind][lang])
                for lang in notify.LANGS
            ],
            "placeholders": ", ".join("{" + p + "}" for p in sorted(notify.PLACEHOLDERS[kind])),
        }
        for kind in notify.Kind
    ]
    return render(
        "admin/notify_settings.html",
        422 if form.is_submitted() else 200,
        site_id=site_id,
        form=form,
        kinds=kinds,
        secret_saved=bool(row is not None and row.webhook_secret),
        server_gateway=bool(current_app.config.get("NOTIFY_WEBHOOK_URL")),
        retention_default=current_app.config.get("NOTIFY_RETENTION_DAYS"),
    )
