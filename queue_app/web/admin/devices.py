"""The admin console's *Perangkat* (devices) page: enrol kiosks and boards, give a new
enrolment link, revoke; and the devices' status the overview polls (services/devices.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import abort, jsonify, render_template
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ...domain.errors import LoketError
from ...domain.numbering import site_zone
from ...extensions import db, db_session
from ...models import Device, Site
from ...services import devices, notifications, reports
from ...services.clock import utcnow
from ..common import enrol_url, qr_svg
from ..guards import admin_page, overseer_page
from . import bp
from ._chrome import chosen_site, me, render
from ._guards import ID
from .forms import ActionForm, DeviceForm, field_error


def _clock(site_id: int) -> Callable[[str | None], str]:
    """ISO time → the hall's local day and time, for the pages ("–" for none)."""
    site = db.session.get(Site, site_id)
    zone = site_zone(site.timezone if site is not None else "Asia/Jakarta")

    def local_time(iso: str | None) -> str:
        if not iso:
            return "–"
        return datetime.fromisoformat(iso).astimezone(zone).strftime("%d-%m-%Y %H:%M")

    return local_time


def _page(
    site_id: int, status: int = 200, form: DeviceForm | None = None, **context: Any
) -> tuple[str, int]:
    return render(
        "admin/devices.html",
        status,
        site_id=site_id,
        devices=devices.status_rows(db_session(), site_id),
        form=form or DeviceForm(formdata=None),
        local_time=_clock(site_id),
        **context,
    )


@bp.get("/devices")
@admin_page
def devices_page() -> tuple[str, int]:
    """The hall's kiosks and boards, with a form to add one."""
    return _page(chosen_site())


@bp.post("/devices")
@admin_page
def device_new() -> tuple[str, int]:
    """Add a device: the page shows its one-time enrolment link (once) as text and QR."""
    site_id = chosen_site()
    form = DeviceForm()
    if not form.validate_on_submit():
        return _page(site_id, 422, form)
    try:
        device, code = devices.create(
            db_session(), site_id, form.kind.data or "", form.name.data or "", me()
        )
    except LoketError as exc:
        db.session.rollback()
        field_error(form, exc, "name")
        return _page(site_id, 422, form)
    db.session.commit()
    return _link_page(device, code)


@bp.post(f"/devices/{ID % 'device_id'}/link")
@admin_page
def device_link(device_id: int) -> tuple[str, int]:
    """A new enrolment link for a device (its browser lost the cookie, or the link expired)."""
    found, refused = _posted(device_id)
    if refused is not None:
        return refused
    try:
        device, code = devices.renew_code(db_session(), device_id, me())
    except LoketError:
        db.session.rollback()
        return _page(
            found.site_id, 422, error=_("This device is revoked: add it again to enrol a screen.")
        )
    db.session.commit()
    return _link_page(device, code)


@bp.post(f"/devices/{ID % 'device_id'}/revoke")
@admin_page
def device_revoke(device_id: int) -> tuple[str, int]:
    """Revoke a device: its next request is anonymous."""
    _found, refused = _posted(device_id)
    if refused is not None:
        return refused
    device = devices.revoke(db_session(), device_id, me())
    db.session.commit()
    return _page(device.site_id, notice=_("Device %(name)s revoked.", name=device.name))


@bp.get("/devices/status")
@overseer_page
def devices_status() -> Response:
    """What the overview asks every half minute because it is no hall news: the hall's
    devices, online or not, and today's notifications that gave up."""
    site_id = chosen_site()
    session = db_session()
    return jsonify(
        {
            "generated_at": utcnow().isoformat(),
            "devices": devices.status_rows(session, site_id),
            "notifications_dead": notifications.dead_on(
                session, site_id, reports.site_today(session, site_id)
            ),
        }
    )


def _posted(device_id: int) -> tuple[Device, tuple[str, int] | None]:
    """The device a button posts about (404 when there is none), and the page refusing the
    post when its form expired."""
    found = db.session.get(Device, device_id)
    if found is None:
        abort(404)
    if not ActionForm().validate_on_submit():
        return found, _page(found.site_id, 400, error=_("The form expired. Please try again."))
    return found, None


def _link_page(device: Device, code: str) -> tuple[str, int]:
    url = enrol_url(code, db.session.get(Site, device.site_id))
    return (
        render_template(
            "admin/device_link.html",
            site_id=device.site_id,
            sites=[],
            device=device,
            url=url,
            qr=qr_svg(url),
            expires=device.code_expires_at,
            local_time=_clock(device.site_id),
        ),
        200,
    )
