"""`/admin/reports`: the page supervisors read, its charts and its CSV downloads."""

from __future__ import annotations

import csv
import io
import re

from flask.testing import FlaskClient

from .conftest import FixedDay

PAGE = "/admin/reports"
DAY = {"date": "2026-06-15"}


def sign_in(client: FlaskClient, username: str) -> None:
    response = client.post("/login", data={"username": username, "password": "password123"})
    assert response.status_code == 302, response.get_data(as_text=True)


def main_part(html: str) -> str:
    match = re.search(r"<main>(.*)</main>", html, re.S)
    assert match, html[:500]
    return match.group(1)


def test_signed_out_visitors_are_sent_to_sign_in(fixed_day: FixedDay, client: FlaskClient) -> None:
    for path in (PAGE, f"{PAGE}/tickets.csv", f"{PAGE}/aggregates.csv"):
        response = client.get(path, query_string=DAY)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")


def test_clerks_may_not_read_reports(fixed_day: FixedDay, client: FlaskClient) -> None:
    sign_in(client, "clerk1")
    for path in (PAGE, f"{PAGE}/tickets.csv", f"{PAGE}/aggregates.csv"):
        response = client.get(path, query_string=DAY)
        assert response.status_code == 403
        assert response.mimetype == "text/html"


def test_the_page_shows_the_day_with_charts_drawn_on_the_server(
    fixed_day: FixedDay, client: FlaskClient
) -> None:
    sign_in(client, "super")
    response = client.get(PAGE, query_string={**DAY, "lang": "en"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    main = main_part(html)
    assert "Reports" in main and "2026-06-15" in main
    assert re.search(r'id="total-issued">7<', main)
    assert re.search(r'id="total-served">4<', main)
    assert re.search(r'id="total-refused">1<', main)
    assert "3 / 3" in main  # most inside at once, against the cap
    # Four charts (per hour, inside vs the cap, outside, waits), inline SVG with titles; no
    # script and nothing fetched from elsewhere.
    # (the agency's colour square beside its name is an SVG too, but no chart)
    assert main.count('<svg xmlns="http://www.w3.org/2000/svg" viewBox') == 4
    assert main.count('role="img"') == 4
    assert "<title>People inside the hall, 2026-06-15</title>" in main
    assert "<title>Tickets per hour</title>" in main
    assert "<script" not in main
    assert not re.search(r'(src|href)="(https?:)?//', html)
    # Every table is there: services with their codes, counters, staff, hours.
    for text in ("A · Service A", "B · Service B", "Loket 1", "Loket 2", "clerk1", "clerk2"):
        assert text in main, text
    assert "08:00" in main and "after close" in main


def test_a_range_of_days_is_shown_and_kept_in_the_form(
    fixed_day: FixedDay, client: FlaskClient
) -> None:
    sign_in(client, "super")
    period = {"from": "2026-06-14", "to": "2026-06-16", "lang": "en"}
    main = main_part(client.get(PAGE, query_string=period).get_data(as_text=True))
    assert re.search(r'id="total-issued">7<', main)  # the played day lies inside the range
    # The form shows the range asked for, ready to change; the single-day field stays empty.
    assert '<input type="date" name="from" value="2026-06-14">' in main
    assert '<input type="date" name="to" value="2026-06-16">' in main
    assert '<input type="date" name="date" value="">' in main


def test_the_page_speaks_indonesian_by_default(fixed_day: FixedDay, client: FlaskClient) -> None:
    sign_in(client, "super")
    main = main_part(client.get(PAGE, query_string=DAY).get_data(as_text=True))
    assert "Laporan" in main
    assert "Ditolak karena kuota" in main


def test_a_bad_date_says_so(fixed_day: FixedDay, client: FlaskClient) -> None:
    sign_in(client, "super")
    response = client.get(PAGE, query_string={"date": "2026-02-30", "lang": "en"})
    assert response.status_code == 422
    assert "YYYY-MM-DD" in response.get_data(as_text=True)


def test_without_a_date_the_page_shows_today(fixed_day: FixedDay, client: FlaskClient) -> None:
    sign_in(client, "super")
    response = client.get(PAGE, query_string={"lang": "en"})
    assert response.status_code == 200
    assert "No tickets in this period." in response.get_data(as_text=True)


def test_csv_downloads(fixed_day: FixedDay, client: FlaskClient) -> None:
    sign_in(client, "super")
    tickets = client.get(f"{PAGE}/tickets.csv", query_string=DAY)
    assert tickets.status_code == 200 and tickets.mimetype == "text/csv"
    text = tickets.get_data(as_text=True)
    assert text.startswith("\ufeff")  # spreadsheets then read it as UTF-8
    assert len(list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))) == 7

    aggregates = client.get(f"{PAGE}/aggregates.csv", query_string=DAY)
    assert "loket-report-2026-06-15.csv" in aggregates.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(aggregates.get_data(as_text=True).lstrip("\ufeff"))))
    total = next(r for r in rows if r["group"] == "total")
    assert (total["issued"], total["served"], total["refused_quota"]) == ("7", "4", "1")
    assert (total["wait_mean_s"], total["wait_median_s"], total["wait_p90_s"]) == (
        "726",
        "600",
        "996",
    )
    assert {r["key"] for r in rows if r["group"] == "service"} == {"A", "B"}
    assert {r["key"] for r in rows if r["group"] == "counter"} == {"1", "2"}
    assert {r["key"] for r in rows if r["group"] == "staff"} == {"clerk1", "clerk2"}
    assert [r["key"] for r in rows if r["group"] == "hour"] == ["08", "09", "24"]


def test_minutes_are_written_as_the_page_language_writes_decimals(
    fixed_day: FixedDay, client: FlaskClient
) -> None:
    """The day's mean wait is 726 s and its 90th percentile 996 s: 12.1 and 16.6 minutes."""
    sign_in(client, "super")
    indonesian = main_part(client.get(PAGE, query_string={**DAY, "lang": "id"}).get_data(True))
    assert ">12,1<" in indonesian and ">16,6<" in indonesian and ">10,0<" in indonesian
    assert ">12.1<" not in indonesian and ">16.6<" not in indonesian
    english = main_part(client.get(PAGE, query_string={**DAY, "lang": "en"}).get_data(True))
    assert ">12.1<" in english and ">16.6<" in english
    assert ">12,1<" not in english
