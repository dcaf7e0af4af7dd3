"""The admin console's verb of a site's notification settings (issue 17): which kinds are sent,
their Indonesian and English texts (placeholders checked on save), how many ahead
`ticket.almost` waits for, how long numbers are kept, and the site's own gateway.

The gateway's secret arrives sealed (the view seals it with the app's key, as it seals numbers):
nothing here sees it in clear, and the audit trail records only that it changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from ...domain import notify
from ...domain.errors import InvalidInput
from ...domain.notify import Kind
from ...models import NotificationSettings
from .. import audit
from ..clock import utcnow
from .changes import diff

#: What `NotifyValues.secret` means besides a new sealed secret.
KEEP_SECRET, CLEAR_SECRET = "keep", "clear"


@dataclass(frozen=True)
class NotifyValues:
    """A site's notification settings as the console's form gives them."""

    almost_ahead: int
    #: None: NOTIFY_RETENTION_DAYS.
    retention_days: int | None
    #: Kind → (on, Indonesian text or None for the default, English text or None).
    kinds: dict[Kind, tuple[bool, str | None, str | None]] = field(default_factory=dict)
    #: None: the environment's gateway (NOTIFY_WEBHOOK_URL).
    webhook_url: str | None = None
    #: A sealed new secret, or KEEP_SECRET / CLEAR_SECRET.
    secret: str = KEEP_SECRET


def settings_of(session: Session, site_id: int) -> NotificationSettings | None:
    """The site's stored settings, or None (the defaults)."""
    return session.get(NotificationSettings, site_id)


def _fields(row: NotificationSettings | None) -> dict[str, Any]:
    """What the audit trail compares: every setting but the secret, which shows as set or not."""
    if row is None:
        return {
            "almost_ahead": notify.ALMOST_AHEAD,
            "retention_days": None,
            "kinds": notify.DEFAULT_POLICY.stored(),
            "webhook_url": None,
            "webhook_secret": False,
        }
    return {
        "almost_ahead": row.almost_ahead,
        "retention_days": row.retention_days,
        "kinds": notify.Policy.from_stored(row.almost_ahead, row.kinds or {}).stored(),
        "webhook_url": row.webhook_url,
        "webhook_secret": bool(row.webhook_secret),
    }


def gateway_url(raw: str | None) -> str | None:
    """The gateway's address: absolute http(s), no credentials or fragment (a query, which
    some gateways use for an account id, may stay); None for blank."""
    text = (raw or "").strip()
    if not text:
        return None
    parts = urlsplit(text)
    try:
        parts.port  # noqa: B018  # raises ValueError for a bad port
        bad = (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or parts.fragment
            or parts.username is not None
            or any(ch.isspace() for ch in text)
            or len(text) > 255
        )
    except ValueError:
        bad = True
    if bad:
        raise InvalidInput(
            "give the gateway's address, like https://gateway.example.id/loket (http or https)",
            field="webhook_url",
            reason="url",
        )
    return text


def _checked_text(kind: Kind, lang: str, text: str | None) -> str | None:
    """A template as stored: None for blank (the default), else checked."""
    cleaned = (text or "").strip()
    if not cleaned:
        return None
    name = f"{kind.value.replace('.', '_')}_{lang}"
    if len(cleaned) > notify.TEMPLATE_MAX:
        raise InvalidInput(
            f"the text is longer than {notify.TEMPLATE_MAX} characters",
            field=name,
            reason="length",
        )
    try:
        notify.check_template(kind, cleaned)
    except notify.TemplateError as exc:
        if exc.placeholder is None:
            raise InvalidInput(str(exc), field=name, reason="braces") from None
        raise InvalidInput(
            str(exc),
            field=name,
            reason="placeholder",
            placeholder=exc.placeholder,
            allowed=exc.allowed,
        ) from None
    return cleaned


def update_settings(
    session: Session, site_id: int, user_id: int, values: NotifyValues
) -> NotificationSettings:
    """Save the site's notification settings, audited; every text is checked first, so a
    refused one changes nothing. Flushes."""
    if not 0 <= values.almost_ahead <= notify.ALMOST_AHEAD_MAX:
        raise InvalidInput("almost_ahead is out of range", field="almost_ahead", reason="range")
    if values.retention_days is not None and not (
        0 <= values.retention_days <= notify.RETENTION_DAYS_MAX
    ):
        raise InvalidInput("retention_days is out of range", field="retention_days", reason="range")
    url = gateway_url(values.webhook_url)
    kinds: dict[str, dict[str, Any]] = {}
    for kind in Kind:
        on, text_id, text_en = values.kinds.get(kind, (True, None, None))
        kinds[kind.value] = {
            "on": bool(on),
            "id": _checked_text(kind, "id", text_id),
            "en": _checked_text(kind, "en", text_en),
        }
    row = settings_of(session, site_id)
    before = _fields(row)
    if row is None:
        row = NotificationSettings(site_id=site_id, kinds={})
        session.add(row)
    row.almost_ahead = values.almost_ahead
    row.retention_days = values.retention_days
    row.kinds = kinds
    row.webhook_url = url
    if values.secret == CLEAR_SECRET or url is None:
        row.webhook_secret = None
    elif values.secret != KEEP_SECRET:
        row.webhook_secret = values.secret
    changes = diff(before, _fields(row))
    if "kinds" in changes:
        # Name the kinds whose switch or texts changed, not the whole table twice.
        old, new = changes.pop("kinds")
        for name in new:
            if old.get(name) != new[name]:
                changes[name] = [old.get(name), new[name]]
    if changes:
        audit.record_change(
            session,
            site_id=site_id,
            user_id=user_id,
            entity=audit.NOTIFICATION,
            entity_id=site_id,
            action="settings",
            changes=changes,
            at=utcnow(),
        )
    session.flush()
    return row
