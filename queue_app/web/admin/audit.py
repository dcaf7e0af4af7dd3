"""The audit trail, a day at a time: `/admin/audit` (newest first, in words) and
`/admin/audit.csv` (the whole day in order, raw; written by services/csv_export)."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

from flask import abort, request
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ...domain.numbering import service_day, site_zone
from ...extensions import db, db_session
from ...i18n import decimal
from ...labels import (
    ACTION_LABELS,
    CHANNEL_POLICY_LABELS,
    COUNTER_STATE_LABELS,
    ENTITY_LABELS,
    FIELD_LABELS,
    ROLE_NAMES,
    STATE_LABELS,
    VALUE_LABELS,
)
from ...models import Site
from ...services import audit, csv_export
from ...services.admin import services as service_admin
from ...services.admin import staff as staff_admin
from ...services.clock import utcnow
from ..common import csv_response
from ..guards import admin_page
from ..validation import parse_id
from . import bp
from ._chrome import chosen_site, render

#: Audit lines per page (newest first); the CSV has the whole day.
AUDIT_PAGE = 200


def _audit_query() -> tuple[audit.AuditDay, str | None]:
    """The day, kind and staff member the query asks for (today's whole trail by default)."""
    site_id = chosen_site()
    hall = db.session.get(Site, site_id)
    assert hall is not None
    error = None
    day = service_day(utcnow(), site_zone(hall.timezone))
    raw = request.args.get("date")
    if raw:
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            error = _("Not a valid day: use the form YYYY-MM-DD.")
    kind = request.args.get("kind") or None
    if kind not in (None, *audit.KINDS):
        kind = None
    user_raw = request.args.get("user")
    user_id = parse_id(user_raw) if user_raw else None
    return audit.audit_day(db_session(), site_id, day, kind=kind, user_id=user_id), error


@bp.get("/audit")
@admin_page
def audit_page() -> tuple[str, int]:
    """Who did what, when and at which counter, newest first; a day at a time."""
    query, error = _audit_query()
    offset = parse_id(request.args.get("page", "")) or 1
    offset = min(offset, 100_000)
    session = db_session()
    entries, more = audit.page(session, query, limit=AUDIT_PAGE, offset=(offset - 1) * AUDIT_PAGE)
    zone = site_zone(query.site.timezone)
    return render(
        "admin/audit.html",
        422 if error else 200,
        site_id=query.site.id,
        query=query,
        error=error,
        entries=entries,
        more=more,
        page=offset,
        zone=zone,
        people=staff_admin.usernames(session),
        describe=partial(describe, services=service_admin.codes_by_id(session, query.site.id)),
        action_label=lambda a: ACTION_LABELS.get(a, a),
        entity_label=lambda e: ENTITY_LABELS.get(e, e),
    )


@bp.get("/audit.csv")
@admin_page
def audit_csv() -> Response:
    """The whole day's trail as CSV, in order."""
    query, error = _audit_query()
    if error:
        abort(422, error)
    text = csv_export.audit_trail(db_session(), query)
    return csv_response(text, f"loket-audit-{query.day.isoformat()}.csv", bom=True)


def describe(entry: audit.AuditEntry, services: dict[int, str] | None = None) -> str:
    """One line of detail for the audit page, in words: the state change of a ticket event,
    or each changed field of an admin change (`name (Indonesian): before → after`).
    `services`: service codes by id, for the details that name a service by its id."""
    parts: list[str] = []
    if entry.kind == "ticket" and entry.to_state:
        before = STATE_LABELS.get(entry.from_state or "", "·")
        parts.append(f"{before} → {STATE_LABELS.get(entry.to_state, entry.to_state)}")
    detail = entry.detail or {}
    for key, value in detail.items():
        label = FIELD_LABELS.get(key, key.replace("_", " "))
        if key.endswith("service_id") and services is not None:
            value = services.get(value, value) if isinstance(value, int) else value
        if isinstance(value, list) and len(value) == 2 and entry.action != "create":
            parts.append(f"{label}: {_show(key, value[0])} → {_show(key, value[1])}")
        else:
            parts.append(f"{label}: {_show(key, value)}")
    return "; ".join(parts)


def _show(key: str, value: Any) -> str:
    if key == "channels":
        # A service's NULL follows its agency (an agency's row always carries its policy).
        return str(CHANNEL_POLICY_LABELS.get(value, value) if value else _("as its agency"))
    if key == "capacity_override" and value is None:
        return str(_("the default"))
    if value is None:
        return "–"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, list):
        return ", ".join(_show(key, v) for v in value) or "–"
    if key == "role" and isinstance(value, str):
        return str(ROLE_NAMES.get(value, value))
    if key == "ticket_state" and isinstance(value, str):
        return str(STATE_LABELS.get(value, value))
    if key == "state" and isinstance(value, str):
        return str(COUNTER_STATE_LABELS.get(value, value))
    if isinstance(value, float):
        return decimal(value, 2)
    if isinstance(value, str) and value in VALUE_LABELS:
        return str(VALUE_LABELS[value])
    return str(value)
