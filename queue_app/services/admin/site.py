"""The admin console's verb of the hall's settings (opening hours, cap, policies, public
address, holder id), and the list of halls the console switches between."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...domain.errors import InvalidInput
from ...domain.numbering import site_zone
from ...models import Site
from .. import admission, audit
from ..hall import Hall
from ..holders import KINDS as HOLDER_KINDS
from .changes import Applied, config_changed, diff


@dataclass(frozen=True)
class SiteValues:
    """The hall's settings."""

    name: str
    timezone: str
    opens_at: time
    closes_at: time
    hall_capacity: int | None
    priority_ratio: int
    recall_limit: int | None
    no_show_after_s: int
    wait_alert_min: int
    public_base_url: str | None
    #: What the kiosk asks for to allow one ticket per person (services.holders.KINDS), or None.
    holder_id_kind: str | None = None


def halls(session: Session) -> list[tuple[int, str]]:
    """Every hall's id and name, by id (the console's hall switcher)."""
    return [
        (sid, name) for sid, name in session.execute(select(Site.id, Site.name).order_by(Site.id))
    ]


def _site_fields(site: Site) -> dict[str, Any]:
    return {
        "name": site.name,
        "timezone": site.timezone,
        "opens_at": site.opens_at.strftime("%H:%M"),
        "closes_at": site.closes_at.strftime("%H:%M"),
        "hall_capacity": site.hall_capacity,
        "priority_ratio": site.priority_ratio,
        "recall_limit": site.recall_limit,
        "no_show_after_s": site.no_show_after_s,
        "wait_alert_min": site.wait_alert_min,
        "public_base_url": site.public_base_url,
        "holder_id_kind": site.holder_id_kind,
    }


def normalise_base_url(raw: str | None) -> str | None:
    """An absolute http(s) address without query or fragment, no trailing slash; None for
    blank. `InvalidInput` for anything else."""
    text = (raw or "").strip()
    if not text:
        return None
    parts = urlsplit(text)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.query
        or parts.fragment
        or parts.username is not None
        or any(ch.isspace() for ch in text)
        or len(text) > 255
    ):
        raise InvalidInput(
            "give an address like https://antrean.example.go.id (http or https, no query)",
            field="public_base_url",
            reason="base_url",
        )
    try:
        parts.port  # noqa: B018  # raises ValueError for a bad port
    except ValueError as exc:
        raise InvalidInput(
            "the address has an invalid port", field="public_base_url", reason="base_url"
        ) from exc
    return text.rstrip("/")


def update_site(
    session: Session, site_id: int, user_id: int, values: SiteValues
) -> tuple[Site, Applied]:
    """Change the hall's settings. A raised hall cap lets people waiting outside in at once."""
    hall = Hall.lock(session, site_id)
    site = hall.site
    try:
        site_zone(values.timezone)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field="timezone", reason="timezone") from exc
    checks = [
        (values.hall_capacity is not None and values.hall_capacity < 0, "hall_capacity"),
        (values.priority_ratio < 0, "priority_ratio"),
        (values.recall_limit is not None and values.recall_limit < 0, "recall_limit"),
        (values.no_show_after_s < 0, "no_show_after_s"),
        (values.wait_alert_min <= 0, "wait_alert_min"),
    ]
    for bad, name in checks:
        if bad:
            raise InvalidInput(f"{name} is out of range", field=name, reason="range")
    if not values.name.strip():
        raise InvalidInput("the hall needs a name", field="name", reason="required")
    if values.holder_id_kind not in (None, *HOLDER_KINDS):
        raise InvalidInput("no such holder id", field="holder_id_kind", reason="choice")
    before = _site_fields(site)
    site.name = values.name.strip()
    site.timezone = values.timezone
    site.opens_at = values.opens_at
    site.closes_at = values.closes_at
    site.hall_capacity = values.hall_capacity
    site.priority_ratio = values.priority_ratio
    site.recall_limit = values.recall_limit
    site.no_show_after_s = values.no_show_after_s
    site.wait_alert_min = values.wait_alert_min
    site.public_base_url = normalise_base_url(values.public_base_url)
    site.holder_id_kind = values.holder_id_kind
    changes = diff(before, _site_fields(site))
    if not changes:
        return site, Applied()
    session.flush()
    admission.admit(hall)
    audit.record_change(
        session,
        site_id=site.id,
        user_id=user_id,
        entity=audit.SITE,
        entity_id=site.id,
        action="update",
        changes=changes,
        at=hall.now,
    )
    session.flush()
    return site, Applied(events=config_changed(hall, audit.SITE))
