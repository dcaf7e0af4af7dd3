"""The reports page for supervisors and admins: `/admin/reports`, with CSV downloads.

Server-rendered: the charts are inline SVG (web/charts.py), so the page needs no script and no
CDN. The same figures come as JSON from `GET /api/v1/reports/daily`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ..domain.errors import InvalidInput
from ..extensions import db_session
from ..i18n import decimal
from ..labels import REFUSAL_LABELS
from ..services import reports
from ..services.csv_export import (
    report_agencies,
    report_aggregates,
    report_bookings,
    report_tickets,
    report_zones,
)
from .charts import Series, bar_chart, line_chart
from .common import csv_response, site_id_arg
from .guards import overseer_page

bp = Blueprint("reports", __name__, url_prefix="/admin/reports")

ISSUED = "#0b6e4f"
SERVED = "#3b82c4"
OUTSIDE = "#b54708"


def _report() -> reports.HallReport:
    """The report the query asks for; today's when it names no day."""
    site_id = site_id_arg()
    day, first, last = (request.args.get(k) or None for k in ("date", "from", "to"))
    if day is None and first is None and last is None:
        today = reports.site_today(db_session(), site_id)
        period = reports.Period(today, today)
    else:
        period = reports.parse_period(day, first, last)
    return reports.HallReport(db_session(), site_id, period)


@bp.get("")
@overseer_page
def page() -> str | tuple[str, int]:
    """The figures of a day (or a range), with charts and tables."""
    try:
        report = _report()
    except InvalidInput as exc:
        return render_template("admin/reports.html", report=None, error=exc.message), 422
    return render_template(
        "admin/reports.html",
        report=report,
        error=None,
        charts=_charts(report),
        minutes=minutes,
        percent=percent,
        query=_query(report),
        reason_label=reason_label,
    )


@bp.get("/aggregates.csv")
@overseer_page
def aggregates_csv() -> Response:
    """Totals and per service, counter, staff member and hour, one row each."""
    report = _report()
    return csv_response(
        report_aggregates(report), f"loket-report-{report.period_label}.csv", bom=True
    )


@bp.get("/agencies.csv")
@overseer_page
def agencies_csv() -> Response:
    """Per agency: the press-release table (issue 15), one row per agency and the total."""
    report = _report()
    return csv_response(
        report_agencies(report), f"loket-agencies-{report.period_label}.csv", bom=True
    )


@bp.get("/zones.csv")
@overseer_page
def zones_csv() -> Response:
    """Per zone (floor or room), one row each and the total."""
    report = _report()
    return csv_response(report_zones(report), f"loket-zones-{report.period_label}.csv", bom=True)


@bp.get("/bookings.csv")
@overseer_page
def bookings_csv() -> Response:
    """Online registration (issue 16): per session, service, agency and the total."""
    report = _report()
    return csv_response(
        report_bookings(report), f"loket-bookings-{report.period_label}.csv", bom=True
    )


@bp.get("/tickets.csv")
@overseer_page
def tickets_csv() -> Response:
    """One row per ticket (the raw records the figures come from)."""
    report = _report()
    return csv_response(
        report_tickets(report), f"loket-tickets-{report.period_label}.csv", bom=True
    )


def _query(report: reports.HallReport) -> dict[str, str]:
    args = {"site": str(report.site.id)}
    if report.period.days == 1:
        args["date"] = report.period.first.isoformat()
    else:
        args["from"] = report.period.first.isoformat()
        args["to"] = report.period.last.isoformat()
    return args


def reason_label(reason: str) -> str:
    """A refusal reason in the page's language (one not known: as it is recorded)."""
    label = REFUSAL_LABELS.get(reason)
    return reason if label is None else str(label)


def minutes(seconds: float | None) -> str:
    """Seconds as minutes with one decimal in the page's language (`2,5` in Indonesian), or a
    dash."""
    return "–" if seconds is None else decimal(seconds / 60, fixed=True)


def percent(share: float | None) -> str:
    """A share (0–1) as a percentage with one decimal in the page's language, or a dash."""
    return "–" if share is None else f"{decimal(share * 100, fixed=True)} %"


def _charts(report: reports.HallReport) -> dict[str, Any]:
    hours = report.hour_rows()
    labels = [_hour_label(h) for h, _figures in hours]
    by_hour = bar_chart(
        _("Tickets per hour"),
        labels,
        [
            Series(_("issued"), [f.issued for _h, f in hours], ISSUED),
            Series(_("served"), [f.served for _h, f in hours], SERVED),
            Series(_("turned away"), [f.refused for _h, f in hours], OUTSIDE),
        ],
    )
    waits = bar_chart(
        _("Wait by hour of issue (minutes)"),
        labels,
        [
            Series(_("median"), [_min(f.wait.median) for _h, f in hours], ISSUED),
            Series(_("90th percentile"), [_min(f.wait.p90) for _h, f in hours], OUTSIDE),
        ],
    )
    occupancy = []
    for day in report.report.occupancy:
        labels = [b.start.astimezone(report.zone).strftime("%H:%M") for b in day.bins]
        inside = line_chart(
            _("People inside the hall, %(day)s", day=day.day.isoformat()),
            labels,
            [Series(_("inside"), [b.inside_max for b in day.bins], SERVED)],
            limit=report.site.hall_capacity,
            limit_name=_("hall cap"),
        )
        outside = None
        if day.peak_outside:
            outside = line_chart(
                _("People waiting outside, %(day)s", day=day.day.isoformat()),
                labels,
                [Series(_("waiting outside"), [b.outside_max for b in day.bins], OUTSIDE)],
            )
        occupancy.append((day, inside, outside))
    agencies = report.agency_rows()
    by_agency = bar_chart(
        _("Applicants per agency"),
        [a.code for a, _f in agencies],
        [
            Series(_("applicants"), [f.applicants for _a, f in agencies], ISSUED),
            Series(_("served"), [f.served for _a, f in agencies], SERVED),
            Series(_("turned away"), [f.refused for _a, f in agencies], OUTSIDE),
        ],
    )
    zones = report.zone_rows()
    by_zone = bar_chart(
        _("Applicants per zone"),
        [z.name for z, _f in zones],
        [
            Series(_("applicants"), [f.applicants for _z, f in zones], ISSUED),
            Series(_("served"), [f.served for _z, f in zones], SERVED),
            Series(_("turned away"), [f.refused for _z, f in zones], OUTSIDE),
        ],
    )
    return {
        "by_hour": by_hour,
        "waits": waits,
        "occupancy": occupancy,
        "by_agency": by_agency,
        "by_zone": by_zone,
    }


def _hour_label(hour: int) -> str:
    return _("after close") if hour == 24 else f"{hour:02d}"


def _min(seconds: float | None) -> float:
    return 0.0 if seconds is None else round(seconds / 60, 1)
