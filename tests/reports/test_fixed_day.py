"""The report of the small fixed day (conftest.py) against figures worked out by hand.

Per ticket (seconds):      wait               walk  service  outside  outcome
  A-001 (A, c1, clerk1)    08:10−08:00=600     60    300      0        done in A
  A-002 (A, elderly, c1)   08:20−08:01=1140    30*   300      0        done in A  *start − recall
  A-003 (A → B, c2)        08:13−08:03=600     20    180      570      done in B  (first call)
  A-004 (A, c1)            08:17−08:04=780     –     120**    720      done in A  **finish − call
  B-001 (B, c2)            08:10:30−08:02=510  –     –        0        no-show
  B-002 (B)                –                   –     –        0        cancelled
  B-003 (B)                –                   –     –        0        expired after midnight
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from tests.web.conftest import API, assert_error

from .conftest import FixedDay

DATE = {"date": "2026-06-15"}


def daily(day: FixedDay, **query: str) -> dict[str, Any]:
    response = day.api.get(f"{API}/reports/daily", query_string=query or DATE, user="super")
    assert response.status_code == 200, response.get_data(as_text=True)
    return dict(response.get_json())


def counts(figures: dict[str, Any]) -> dict[str, int]:
    keys = ["issued", "called", "served", "no_show", "cancelled", "expired", "transferred"]
    return {k: figures[k] for k in [*keys, "refused_quota", "closed_early"]}


def stat(figures: dict[str, Any], kind: str) -> tuple[Any, ...]:
    s = figures[kind]
    return (s["count"], s["mean_s"], s["median_s"], s["p90_s"])


@pytest.mark.parametrize("db_backend", ["sqlite", "postgres"], indirect=True)
def test_totals_and_services_are_the_hand_computed_figures(fixed_day: FixedDay) -> None:
    report = daily(fixed_day)
    totals = report["totals"]
    assert counts(totals) == {
        "issued": 7,
        "called": 6,  # calls, not recalls: A-001, B-001, A-003 twice, A-004, A-002
        "served": 4,
        "no_show": 1,
        "cancelled": 1,
        "expired": 1,
        "transferred": 1,
        "refused_quota": 1,
        "closed_early": 0,
    }
    # waits 510, 600, 600, 780, 1140: p90 at rank 3.6 = 780 + 0.6 × 360
    assert stat(totals, "wait") == (5, 726.0, 600.0, 996.0)
    # walks 20, 30, 60: mean 36.67, p90 at rank 1.8 = 30 + 0.8 × 30
    assert stat(totals, "walk") == (3, 36.7, 30.0, 54.0)
    # services 120, 180, 300, 300
    assert stat(totals, "service") == (4, 225.0, 240.0, 300.0)

    services = {s["code"]: s for s in report["services"]}
    a, b = services["A"], services["B"]
    assert counts(a) == {
        "issued": 4,
        "called": 4,
        "served": 3,
        "no_show": 0,
        "cancelled": 0,
        "expired": 0,
        "transferred": 1,
        "refused_quota": 1,
        "closed_early": 0,
    }
    assert counts(b) == {
        "issued": 3,
        "called": 2,
        "served": 1,  # A-003, served in B after its transfer
        "no_show": 1,
        "cancelled": 1,
        "expired": 1,
        "transferred": 0,
        "refused_quota": 0,
        "closed_early": 0,
    }
    # A's waits (by issued service) 600, 600, 780, 1140: p90 at rank 2.7 = 780 + 0.7 × 360
    assert stat(a, "wait") == (4, 780.0, 690.0, 1032.0)
    assert stat(a, "walk") == (2, 45.0, 45.0, 57.0)
    assert stat(a, "service") == (3, 240.0, 300.0, 300.0)
    assert stat(b, "wait") == (1, 510.0, 510.0, 510.0)
    assert stat(b, "walk") == (1, 20.0, 20.0, 20.0)
    assert stat(b, "service") == (1, 180.0, 180.0, 180.0)


def test_counters_staff_and_hours(fixed_day: FixedDay) -> None:
    report = daily(fixed_day)
    counters = {c["number"]: c for c in report["counters"]}
    assert set(counters) == {1, 2}
    one, two = counters[1], counters[2]
    assert (one["called"], one["served"], one["no_show"], one["transferred"]) == (3, 3, 0, 0)
    assert (two["called"], two["served"], two["no_show"], two["transferred"]) == (3, 1, 1, 1)
    assert stat(one, "walk") == (2, 45.0, 45.0, 57.0)
    assert stat(one, "service") == (3, 240.0, 300.0, 300.0)
    assert stat(two, "walk") == (1, 20.0, 20.0, 20.0)
    assert stat(two, "service") == (1, 180.0, 180.0, 180.0)

    staff = {s["username"]: s for s in report["staff"]}
    assert set(staff) == {"clerk1", "clerk2"}  # the supervisor only cancelled
    assert counts(staff["clerk1"]) == {**counts(one)}
    assert counts(staff["clerk2"]) == {**counts(two)}

    hours = {h["hour"]: h for h in report["hours"]}
    assert list(hours) == [8, 9, 24]  # 24: what happened after the day (the expiry)
    assert counts(hours[8]) == {
        "issued": 6,
        "called": 6,
        "served": 4,
        "no_show": 1,
        "cancelled": 1,
        "expired": 0,
        "transferred": 1,
        "refused_quota": 1,
        "closed_early": 0,
    }
    assert stat(hours[8], "wait") == (5, 726.0, 600.0, 996.0)
    assert (hours[9]["issued"], hours[9]["served"]) == (1, 0)
    assert (hours[24]["expired"], hours[24]["issued"]) == (1, 0)


def test_occupancy_against_the_cap(fixed_day: FixedDay) -> None:
    (day,) = daily(fixed_day)["occupancy"]
    assert day["capacity"] == 3
    # Full from 08:02 (A-001, A-002, B-001 inside); two outside at 08:04.
    assert (day["peak_inside"], day["peak_inside_at"]) == (3, "2026-06-15T08:02:00+07:00")
    assert (day["peak_outside"], day["peak_outside_at"]) == (2, "2026-06-15T08:04:00+07:00")
    bins = {b["start"][11:16]: (b["inside_max"], b["outside_max"]) for b in day["bins"]}
    assert min(bins) == "08:00" and max(bins) == "09:05"
    assert len(bins) == 14
    assert bins["08:00"] == (3, 2)
    assert bins["08:05"] == (3, 2)  # the refusal changed nobody's place
    assert bins["08:10"] == (3, 2)  # B-001's no-show let A-003 in: still 3 inside
    assert bins["08:15"] == (3, 1)  # A-004 in at 08:16, the last one outside
    assert bins["08:20"] == (1, 0)  # only A-002 inside
    assert bins["08:25"] == (1, 0)
    assert bins["08:30"] == (1, 0)  # B-002 in and cancelled
    assert bins["08:35"] == (0, 0)
    assert bins["09:05"] == (1, 0)  # B-003


def test_tickets_csv_has_every_timestamp_and_duration(fixed_day: FixedDay) -> None:
    response = fixed_day.api.get(f"{API}/reports/tickets.csv", query_string=DATE, user="super")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "loket-tickets-2026-06-15.csv" in response.headers["Content-Disposition"]
    rows = {r["code"]: r for r in csv.DictReader(io.StringIO(response.get_data(as_text=True)))}
    assert sorted(rows) == ["A-001", "A-002", "A-003", "A-004", "B-001", "B-002", "B-003"]

    def seconds(code: str) -> tuple[str, ...]:
        r = rows[code]
        return (r["wait_s"], r["walk_s"], r["service_s"], r["outside_s"])

    assert seconds("A-001") == ("600", "60", "300", "0")
    assert seconds("A-002") == ("1140", "30", "300", "0")
    assert seconds("A-003") == ("600", "20", "180", "570")
    assert seconds("A-004") == ("780", "", "120", "720")
    assert seconds("B-001") == ("510", "", "", "0")
    assert seconds("B-002") == ("", "", "", "0")
    a3 = rows["A-003"]
    assert (a3["service"], a3["final_service"], a3["state"]) == ("A", "B", "done")
    assert (a3["counter"], a3["staff"], a3["transfers"], a3["calls"]) == ("2", "clerk2", "1", "2")
    assert a3["issued_at"] == "2026-06-15T08:03:00+07:00"
    assert a3["admitted_at"] == "2026-06-15T08:12:30+07:00"
    assert a3["first_called_at"] == "2026-06-15T08:13:00+07:00"
    assert a3["last_called_at"] == "2026-06-15T08:15:00+07:00"
    assert a3["started_at"] == "2026-06-15T08:15:20+07:00"
    assert a3["finished_at"] == a3["closed_at"] == "2026-06-15T08:18:20+07:00"
    a2 = rows["A-002"]
    assert (a2["priority"], a2["recalls"], a2["last_called_at"][11:19]) == (
        "elderly",
        "1",
        "08:20:30",
    )
    b1 = rows["B-001"]
    assert (b1["state"], b1["counter"], b1["staff"], b1["closed_at"][11:19]) == (
        "no_show",
        "2",
        "clerk2",
        "08:12:30",
    )
    b3 = rows["B-003"]
    assert (b3["state"], b3["closed_at"]) == ("expired", "2026-06-16T00:05:00+07:00")


def test_a_range_adds_the_days_up(fixed_day: FixedDay) -> None:
    report = daily(fixed_day, **{"from": "2026-06-14", "to": "2026-06-16"})
    assert (report["from"], report["to"]) == ("2026-06-14", "2026-06-16")
    assert counts(report["totals"]) == counts(daily(fixed_day)["totals"])
    assert [o["day"] for o in report["occupancy"]] == ["2026-06-15"]
    empty = daily(fixed_day, date="2026-06-14")
    assert empty["totals"]["issued"] == 0 and empty["totals"]["wait"]["mean_s"] is None


@pytest.mark.parametrize("path", ["/reports/daily", "/reports/tickets.csv"])
def test_reports_are_for_supervisors_and_admins(fixed_day: FixedDay, path: str) -> None:
    api = fixed_day.api
    assert_error(api.get(f"{API}{path}", query_string=DATE), 401)
    assert_error(api.get(f"{API}{path}", query_string=DATE, user="clerk1"), 403, "forbidden")
    assert api.get(f"{API}{path}", query_string=DATE, user="admin").status_code == 200
    assert api.get(f"{API}{path}", query_string=DATE, user="super").status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"date": ""},
        {"date": "15-06-2026"},
        {"date": "2026-13-01"},
        {"date": "2026-6-1"},
        {"date": "yesterday"},
        {"date": "２０２６-06-15"},
        {"from": "2026-06-01"},
        {"from": "2026-06-10", "to": "2026-06-01"},
        {"from": "2026-01-01", "to": "2026-06-30"},
        {"date": "2026-06-15", "from": "2026-06-15", "to": "2026-06-15"},
    ],
)
def test_a_missing_or_bad_date_is_422(fixed_day: FixedDay, query: dict[str, str]) -> None:
    for path in ("/reports/daily", "/reports/tickets.csv"):
        response = fixed_day.api.get(f"{API}{path}", query_string=query, user="super")
        assert_error(response, 422, "invalid_input")
