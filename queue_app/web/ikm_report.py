"""The satisfaction index page for supervisors and admins: `/admin/reports/ikm`, with the
tabulation CSV units submit. Its routes join the reports blueprint (web/reports.py); the same
index comes as JSON from `GET /api/v1/reports/ikm` (web/survey.py)."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ..domain import ikm
from ..domain.errors import InvalidInput
from ..extensions import db_session
from ..i18n import current_language, decimal
from ..services import reports, survey
from .charts import Series, bar_chart
from .common import csv_response, site_id_arg
from .guards import overseer_page
from .reports import bp

SCORE = "#0b6e4f"


def _period(site_id: int) -> reports.Period:
    """The period the query asks for (`date`, or `from` and `to`); today's when none."""
    day, first, last = (request.args.get(k) or None for k in ("date", "from", "to"))
    if day is None and first is None and last is None:
        today = reports.site_today(db_session(), site_id)
        return reports.Period(today, today)
    return reports.parse_period(day, first, last)


@bp.get("/ikm")
@overseer_page
def ikm_page() -> str | tuple[str, int]:
    """The index of the period, per element, service, counter and clerk, with a chart."""
    site_id = site_id_arg()
    try:
        period = _period(site_id)
    except InvalidInput as exc:
        return render_template("admin/ikm.html", found=None, error=exc.message), 422
    found = survey.breakdown(db_session(), site_id, period.first, period.last)
    english = current_language() == "en"
    elements = [e.name_en if english else e.name for e in ikm.ELEMENTS]
    chart = None
    if found.whole.respondents:
        chart = bar_chart(
            _("Mean answer per element (1–4)"),
            [f"U{i}" for i in range(1, 10)],
            [Series(_("mean"), [round(m, 2) for m in found.whole.elements], SCORE)],
            top=float(ikm.SCALE[1]),
        )
    return render_template(
        "admin/ikm.html",
        found=found,
        error=None,
        period=period,
        elements=elements,
        chart=chart,
        query=_query(site_id, period),
        decimal=decimal,
        categories=ikm.CATEGORIES,
    )


@bp.get("/ikm.csv")
@overseer_page
def ikm_csv() -> Response:
    """The period's tabulation: one row per respondent, then the element means and the index."""
    site_id = site_id_arg()
    period = _period(site_id)
    found = survey.breakdown(db_session(), site_id, period.first, period.last)
    return csv_response(survey.tabulation_csv(found), f"loket-ikm-{period.label}.csv", bom=True)


def _query(site_id: int, period: reports.Period) -> dict[str, str]:
    args = {"site": str(site_id)}
    if period.days == 1:
        args["date"] = period.first.isoformat()
    else:
        args["from"], args["to"] = period.first.isoformat(), period.last.isoformat()
    return args
