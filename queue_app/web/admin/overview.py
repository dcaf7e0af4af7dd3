"""The live hall overview for supervisors and admins: `/admin`, `/admin/overview`."""

from __future__ import annotations

from datetime import datetime

from ...domain.numbering import site_zone
from ...extensions import db_session
from ...services import devices, notifications, overview, reports
from ..guards import overseer_page
from . import bp
from ._chrome import chosen_site, render


@bp.get("")
@bp.get("/overview")
@overseer_page
def overview_page() -> tuple[str, int]:
    """The live hall overview (supervisors and admins)."""
    site_id = chosen_site()
    data = overview.hall_overview(db_session(), site_id)
    now = datetime.fromisoformat(data["generated_at"])
    # The devices come with the page and every half minute from /admin/devices/status (their
    # heartbeats are no hall news); the page raises the same offline alerts from them.
    data["devices"] = devices.status_rows(db_session(), site_id)
    data["alerts"] = data["alerts"] + devices.offline_alerts(data["devices"], data["hall"]["open"])
    # Notifications that gave up today: polled with the devices (no hall news either).
    data["notifications_dead"] = notifications.dead_on(
        db_session(), site_id, reports.site_today(db_session(), site_id)
    )
    if data["notifications_dead"]:
        data["alerts"].append({"kind": "notify_dead", "count": data["notifications_dead"]})
    return render(
        "admin/overview.html",
        site_id=site_id,
        data=data,
        offline_after_s=int(devices.OFFLINE_AFTER.total_seconds()),
        now=now,
        parse_iso=datetime.fromisoformat,
        local_time=now.astimezone(site_zone(data["site"]["timezone"])).strftime("%H:%M"),
        alerted={alert["service"] for alert in data["alerts"] if "service" in alert},
    )
