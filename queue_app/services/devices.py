"""Enrolled kiosks and lobby boards (issue 13; docs/decisions.md "Devices").

An admin (console page *Perangkat*, or `flask enrol-device`) creates a device and gets a
one-time enrolment code, valid for 24 hours. Opening `/enrol/<code>` in the device's browser
uses the code up and gives the browser a long-lived device cookie (a random token; only its
SHA-256 is stored, as for API tokens). Requests carrying the cookie are the device's: an
enrolled kiosk issues under its own generous limit instead of the anonymous per-address one,
and every request or socket heartbeat marks the device as seen, which the supervisors'
overview shows as online/offline. A revoked device's cookie stops working at its next request.

Every change is in the admin audit trail (entity `device`). Flushes, never commits."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from ..domain.errors import InvalidInput, NotFound
from ..domain.vocabulary import DeviceKind
from ..models import Device, Site
from .audit import DEVICE, record_change
from .clock import utcnow
from .staff import token_digest

#: How long an enrolment code may be used.
CODE_VALID = timedelta(hours=24)
#: The last-seen time is written at most this often per device.
SEEN_RESOLUTION = timedelta(seconds=60)
#: A device not seen for this long is offline (it sends a heartbeat every minute).
OFFLINE_AFTER = timedelta(seconds=150)
NAME_MAX = 64


def create(
    session: Session, site_id: int, kind: str, name: str, user_id: int | None
) -> tuple[Device, str]:
    """A new device of a hall and its enrolment code (shown once)."""
    try:
        device_kind = DeviceKind(kind)
    except ValueError:
        raise InvalidInput(
            "a device is a kiosk, a board or a survey tablet", field="kind", reason="device_kind"
        ) from None
    name = " ".join(name.split())
    if not name or len(name) > NAME_MAX:
        raise InvalidInput(
            f"a device's name has 1 to {NAME_MAX} characters", field="name", reason="name"
        )
    if session.get(Site, site_id) is None:
        raise NotFound(f"no site {site_id}")
    device = Device(site_id=site_id, kind=device_kind.value, name=name, created_at=utcnow())
    session.add(device)
    session.flush()
    code = _new_code(device)
    record_change(
        session,
        site_id=site_id,
        user_id=user_id,
        entity=DEVICE,
        entity_id=device.id,
        action="create",
        changes={"kind": device.kind, "name": device.name},
    )
    session.flush()
    return device, code


def renew_code(session: Session, device_id: int, user_id: int | None) -> tuple[Device, str]:
    """A new enrolment code for a device (its browser lost the cookie, or the code expired).
    The device's current cookie keeps working until the new code is used."""
    device = _device(session, device_id)
    if device.revoked_at is not None:
        raise InvalidInput("this device is revoked", field="device", reason="revoked")
    code = _new_code(device)
    record_change(
        session,
        site_id=device.site_id,
        user_id=user_id,
        entity=DEVICE,
        entity_id=device.id,
        action="enrolment_link",
    )
    session.flush()
    return device, code


def enrol(session: Session, code: str, address: str | None = None) -> tuple[Device, str]:
    """Use an enrolment code up: the device and its new cookie token. Unknown, used, expired
    and revoked codes are all NotFound (the page says the link is not valid)."""
    device = session.scalars(
        select(Device).where(Device.code_hash == token_digest(code)).with_for_update()
    ).first()
    now = utcnow()
    if (
        device is None
        or device.revoked_at is not None
        or device.code_expires_at is None
        or device.code_expires_at < now
    ):
        raise NotFound("this enrolment link is not valid (used, expired or unknown)")
    token = secrets.token_urlsafe(32)
    device.token_hash = token_digest(token)
    device.code_hash = None
    device.code_expires_at = None
    device.enrolled_at = now
    device.last_seen_at = now
    record_change(
        session,
        site_id=device.site_id,
        user_id=None,
        entity=DEVICE,
        entity_id=device.id,
        action="enrol",
        changes={"address": (address or "")[:64]} if address else None,
    )
    session.flush()
    return device, token


def revoke(session: Session, device_id: int, user_id: int | None) -> Device:
    """Revoke a device: its cookie and any enrolment code stop working."""
    device = _device(session, device_id)
    if device.revoked_at is not None:
        return device
    device.revoked_at = utcnow()
    device.token_hash = None
    device.code_hash = None
    device.code_expires_at = None
    record_change(
        session,
        site_id=device.site_id,
        user_id=user_id,
        entity=DEVICE,
        entity_id=device.id,
        action="revoke",
    )
    session.flush()
    return device


#: The live device a cookie belongs to: the one statement a device's request spends on it.
BY_TOKEN = select(Device).where(
    Device.token_hash == bindparam("digest"), Device.revoked_at.is_(None)
)


def by_token(session: Session, token: str) -> Device | None:
    """The enrolled, not revoked device with this cookie token."""
    return session.scalars(BY_TOKEN, {"digest": token_digest(token)}).first()


def seen_due(device: Device, now: datetime) -> bool:
    """Whether the device's last-seen mark is old enough to be written again."""
    return device.last_seen_at is None or now - device.last_seen_at >= SEEN_RESOLUTION


def mark_seen(session: Session, device_id: int, now: datetime) -> None:
    """Write that the device was seen now (the caller commits)."""
    session.execute(
        update(Device)
        .where(Device.id == device_id)
        .values(last_seen_at=now)
        .execution_options(synchronize_session=False)
    )


def of_site(session: Session, site_id: int) -> list[Device]:
    """A hall's devices, revoked ones last."""
    return list(
        session.scalars(
            select(Device)
            .where(Device.site_id == site_id)
            .order_by(Device.revoked_at.is_not(None), Device.kind, Device.name, Device.id)
        )
    )


def is_online(device: Device, now: datetime) -> bool:
    return device.last_seen_at is not None and now - device.last_seen_at < OFFLINE_AFTER


def status_rows(session: Session, site_id: int) -> list[dict[str, Any]]:
    """A hall's devices as the *Perangkat* page and the overview show them (the overview
    polls them as JSON)."""
    now = utcnow()
    return [
        {
            "id": d.id,
            "kind": d.kind,
            "name": d.name,
            "enrolled": d.enrolled_at is not None,
            "revoked": d.revoked_at is not None,
            "online": d.revoked_at is None and is_online(d, now),
            "last_seen_at": d.last_seen_at.isoformat() if d.last_seen_at else None,
            "code_expires_at": d.code_expires_at.isoformat() if d.code_expires_at else None,
        }
        for d in of_site(session, site_id)
    ]


def offline_alerts(rows: list[dict[str, Any]], hall_open: bool) -> list[dict[str, Any]]:
    """An alert per enrolled kiosk or board that is offline while the hall is open (the
    overview page recomputes them from the polled status, static/js/overview.js)."""
    if not hall_open:
        return []
    return [
        {"kind": "device_offline", "device": row["name"], "device_kind": row["kind"]}
        for row in rows
        if row["enrolled"] and not row["revoked"] and not row["online"]
    ]


def _new_code(device: Device) -> str:
    code = secrets.token_urlsafe(18)
    device.code_hash = token_digest(code)
    device.code_expires_at = utcnow() + CODE_VALID
    return code


def _device(session: Session, device_id: int) -> Device:
    device = session.get(Device, device_id)
    if device is None:
        raise NotFound(f"no device {device_id}")
    return device
