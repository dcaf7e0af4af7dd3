"""The citizens' satisfaction survey (IKM, PermenPANRB No. 14/2017; issue 18, part 3): the
index and its categories, one anonymous answer per served ticket, and the report."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter as Tally
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import inspect, select

from queue_app.domain import ikm
from queue_app.extensions import db
from queue_app.models import SurveyResponse, Ticket
from tests.conftest import build_hall
from tests.helpers import signed_in
from tests.services.test_concurrency import BACKENDS, run_threads
from tests.web.conftest import API, Api, assert_error

#: 10:00 in Jakarta.
MORNING = datetime(2026, 6, 15, 3, 0, tzinfo=UTC)
GOOD = [4, 3, 3, 4, 3, 4, 4, 2, 3]


@pytest.fixture
def api(app: Flask, client: FlaskClient) -> Api:
    with app.app_context():
        built = build_hall()
    return Api(app, client, built)


def survey(token: str) -> str:
    return f"{API}/tickets/by-token/{token}/survey"


def served(api: Api, counter: int | None = None, clerk: str = "clerk1") -> dict[str, Any]:
    """A ticket of service A, called at `counter` (counter 1) and finished there."""
    ticket = api.issue("A")
    called = api.called(counter or api.hall.counter_1, clerk)
    assert called["id"] == ticket["id"]
    api.ok(api.act(ticket["id"], "finish", clerk))
    return ticket


# -- the index ---------------------------------------------------------------------------------


def test_the_index_of_hand_computed_responses() -> None:
    assert ikm.index(ikm.element_means([[4] * 9])) == Decimal("100.00")
    assert ikm.index(ikm.element_means([[1] * 9])) == Decimal("25.00")
    # Two respondents: element means 3.5 3 3 3.5 3 3.5 3.5 2.5 3, summing to 28.5;
    # 28.5 / 9 × 25 = 79.1666… → 79.17, category B (Baik).
    means = ikm.element_means([GOOD, [3] * 9])
    assert means == [3.5, 3, 3, 3.5, 3, 3.5, 3.5, 2.5, 3]
    score = ikm.index(means)
    assert score == Decimal("79.17")
    assert (ikm.category(score).letter, ikm.category(score).name) == ("B", "Baik")
    # All 3 ("sesuai") is exactly 75.00: C, just under B's 76.61.
    assert ikm.index([3.0] * 9) == Decimal("75.00")
    assert ikm.category(Decimal("75.00")).letter == "C"


@pytest.mark.parametrize(
    ("score", "letter"),
    [
        ("100.00", "A"),
        ("88.31", "A"),
        ("88.30", "B"),
        ("76.61", "B"),
        ("76.60", "C"),
        ("65.00", "C"),
        ("64.99", "D"),
        ("25.00", "D"),
    ],
)
def test_the_conversion_table_boundaries(score: str, letter: str) -> None:
    assert ikm.category(Decimal(score)).letter == letter


def test_an_index_outside_the_scale_has_no_category() -> None:
    with pytest.raises(ValueError):
        ikm.category(Decimal("24.99"))


def test_the_minimum_sample_follows_krejcie_and_morgan() -> None:
    table = {10: 10, 50: 44, 100: 80, 200: 132, 500: 217, 1000: 278, 5000: 357, 10000: 370}
    assert {n: ikm.minimum_sample(n) for n in table} == table
    assert ikm.minimum_sample(0) == 0


def test_answers_are_nine_whole_numbers_from_one_to_four() -> None:
    assert ikm.check_answers(GOOD) is None
    assert ikm.check_answers(GOOD[:8]) == "give 9 answers, one per element; got 8"
    assert ikm.check_answers([*GOOD[:8], 5]) == "answer 9 is 5; answers go from 1 to 4"
    assert ikm.check_answers([True, *GOOD[1:]]) == "answer 1 is not a whole number"


# -- answering ---------------------------------------------------------------------------------


def test_a_served_ticket_answers_once_anonymously(app: Flask, api: Api) -> None:
    with time_machine.travel(MORNING, tick=False):
        ticket = served(api)
        body = {
            "answers": GOOD,
            "comment": "  Petugas ramah  ",
            "respondent": {"age_group": "30-39", "sex": "P", "education": "SMA"},
        }
        response = api.post(survey(ticket["token"]), json=body)
        assert response.status_code == 201, response.get_data(as_text=True)
        assert response.get_json() == {"code": ticket["code"], "answered": True}
        again = assert_error(api.post(survey(ticket["token"]), json=body), 409, "survey_closed")
        assert again["detail"]["reason"] == "answered"
    with app.app_context():
        rows = db.session.scalars(select(SurveyResponse)).all()
        assert len(rows) == 1
        row = rows[0]
        assert row.answers == GOOD and row.comment == "Petugas ramah"
        assert (row.age_group, row.sex, row.education, row.occupation) == (
            "30-39",
            "P",
            "SMA",
            None,
        )
        assert row.counter_id == api.hall.counter_1 and row.service_id == api.hall.service_a
        # Anonymous: nothing in the response names its ticket, token, holder or time of day.
        columns = {c.key for c in inspect(SurveyResponse).columns}
        assert not columns & {"ticket_id", "token", "holder_hash", "at", "answered_at"}
        assert ticket["token"] not in repr([getattr(row, c) for c in columns])
        assert db.session.get(Ticket, ticket["id"]).surveyed is True


def test_the_survey_opens_when_done_and_closes_after_seven_days(api: Api) -> None:
    with time_machine.travel(MORNING, tick=False):
        waiting = api.issue("B")  # counter 1 serves A first: B waits
        closed = assert_error(api.post(survey(waiting["token"]), json={"answers": GOOD}), 409)
        assert closed["error"] == "survey_closed" and closed["detail"]["reason"] == "not_done"
        done = served(api)
        late = served(api)
    with time_machine.travel(MORNING + timedelta(days=7, minutes=-5), tick=False):
        assert api.post(survey(done["token"]), json={"answers": GOOD}).status_code == 201
    with time_machine.travel(MORNING + timedelta(days=7, minutes=5), tick=False):
        body = assert_error(api.post(survey(late["token"]), json={"answers": GOOD}), 409)
        assert body["error"] == "survey_closed" and body["detail"]["reason"] == "expired"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"answers": GOOD[:8]},
        {"answers": [*GOOD[:8], 0]},
        {"answers": [*GOOD[:8], "4"]},
        {"answers": [*GOOD[:8], 3.5]},
        {"answers": GOOD, "comment": "x" * 501},
        {"answers": GOOD, "respondent": {"sex": "X"}},
    ],
)
def test_bad_answers_are_422_and_leave_the_survey_open(app: Flask, api: Api, body: Any) -> None:
    with time_machine.travel(MORNING, tick=False):
        ticket = served(api)
        refused = assert_error(api.post(survey(ticket["token"]), json=body), 422, "invalid_input")
        assert refused["message"].startswith("'"), refused
        assert api.post(survey(ticket["token"]), json={"answers": GOOD}).status_code == 201
    with app.app_context():
        assert len(db.session.scalars(select(SurveyResponse)).all()) == 1


@BACKENDS
def test_one_response_per_ticket_under_concurrency(app: Flask) -> None:
    with app.app_context():
        hall = build_hall()
    client = app.test_client()
    ticket = client.post(f"{API}/tickets", json={"service": "A"}).get_json()
    api = Api(app, client, hall)
    api.called(hall.counter_1, "clerk1")
    api.ok(api.act(ticket["id"], "finish", "clerk1"))

    def answer(c: Any) -> tuple[int, str | None]:
        response = c.post(survey(ticket["token"]), json={"answers": GOOD})
        return response.status_code, response.get_json().get("error")

    results = Tally(run_threads(12, 24, answer, app))
    assert results == {(201, None): 1, (409, "survey_closed"): 23}
    with app.app_context():
        assert len(db.session.scalars(select(SurveyResponse)).all()) == 1


# -- the report --------------------------------------------------------------------------------


def test_the_report_gives_the_index_per_unit(api: Api) -> None:
    with time_machine.travel(MORNING, tick=False):
        first = served(api)
        second = served(api, api.hall.counter_2, "clerk2")
        served(api)  # served, never answered: counts in the population only
        for ticket, answers in ((first, GOOD), (second, [3] * 9)):
            assert api.post(survey(ticket["token"]), json={"answers": answers}).status_code == 201
        day = {"date": "2026-06-15"}
        whole = api.get(f"{API}/reports/ikm", query_string=day, user="super").get_json()
        assert whole == {
            "from": "2026-06-15",
            "to": "2026-06-15",
            "respondents": 2,
            "elements": [3.5, 3.0, 3.0, 3.5, 3.0, 3.5, 3.5, 2.5, 3.0],
            "ikm": 79.17,
            "category": "B",
            "category_name": "Baik",
            "served": 3,
            "minimum_sample": 3,
            "below_minimum_sample": True,
        }
        at_2 = api.get(
            f"{API}/reports/ikm",
            query_string={**day, "counter": api.hall.counter_2},
            user="super",
        ).get_json()
        assert (at_2["respondents"], at_2["ikm"], at_2["category"]) == (1, 75.0, "C")
        assert at_2["served"] == 1 and at_2["below_minimum_sample"] is False
        other_day = {"from": "2026-06-16", "to": "2026-06-20"}
        empty = api.get(f"{API}/reports/ikm", query_string=other_day, user="admin").get_json()
        assert (empty["respondents"], empty["ikm"], empty["category"]) == (0, None, None)
        assert_error(api.get(f"{API}/reports/ikm", query_string=day, user="clerk1"), 403)
        bad = {**day, "service": "A"}
        assert_error(api.get(f"{API}/reports/ikm", query_string=bad, user="super"), 422)


def test_the_report_page_and_the_tabulation_csv(app: Flask, api: Api) -> None:
    with time_machine.travel(MORNING, tick=False):
        first, second = served(api), served(api, api.hall.counter_2, "clerk2")
        for ticket, answers in ((first, GOOD), (second, [3] * 9)):
            assert api.post(survey(ticket["token"]), json={"answers": answers}).status_code == 201
        supervisor = signed_in(app, "super")
        page = supervisor.get("/admin/reports/ikm?date=2026-06-15")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert re.search(r'id="ikm-score">\s*79,17\s*<', html), html
        assert re.search(r'id="ikm-quality">\s*B · Baik\s*<', html)
        assert re.search(r'id="ikm-respondents">\s*2\s*<', html)
        assert "Persyaratan" in html and "Sarana dan prasarana" in html
        # Two answers for two people served: enough (the minimum sample of 2 is 2).
        assert 'id="ikm-sample-note"' not in html
        csv_text = supervisor.get("/admin/reports/ikm.csv?date=2026-06-15").get_data(as_text=True)
        rows = list(csv.reader(io.StringIO(csv_text.lstrip("\ufeff"))))
        assert rows[0] == ["No", "Tanggal", "Layanan", *[f"U{i}" for i in range(1, 10)]]
        assert rows[1] == ["1", "2026-06-15", "A", *map(str, GOOD)]
        assert rows[2] == ["2", "2026-06-15", "A", *["3"] * 9]
        summary = {row[2]: row[3:] for row in rows[3:]}
        assert summary["NRR per unsur"][0] == "3.50" and summary["NRR per unsur"][7] == "2.50"
        assert summary["IKM unit pelayanan"] == ["79.17"]
        assert summary["Mutu pelayanan"] == ["B (Baik)"]
        assert signed_in(app, "clerk1").get("/admin/reports/ikm").status_code == 403
