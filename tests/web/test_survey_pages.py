"""The satisfaction survey's pages (issue 18, part 3): the phone status page asks it once the
ticket is done, and knows at load when it was answered or has closed; a counter-side tablet
enrolled as a `survey` device offers it for the ticket just finished at its counter, over its
own socket room, and answers through `POST /survey/answer` (channel `tablet`) without ever
learning a ticket's token."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from queue_app.domain import ikm
from queue_app.extensions import db, socketio
from queue_app.models import Device, SurveyResponse
from queue_app.services import devices
from tests.conftest import Hall, app_with_tables, wants_hall
from tests.web.conftest import API, Api, assert_error

MORNING = datetime(2026, 6, 15, 3, 0, tzinfo=UTC)  # 10:00 in Jakarta
GOOD = [4, 3, 3, 4, 3, 4, 4, 2, 3]
CONFIG = re.compile(r'<script type="application/json" id="config">(.*?)</script>', re.S)
CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


@pytest.fixture
def app(tmp_path: object, request: pytest.FixtureRequest) -> Iterator[Flask]:
    """CSRF on, as in production: the tablet posts with its page's token."""
    with app_with_tables(
        f"sqlite:///{tmp_path}/survey.db",  # type: ignore[str-bytes-safe]
        WTF_CSRF_ENABLED=True,
        with_hall=wants_hall(request),
    ) as application:
        yield application


@pytest.fixture
def api(app: Flask, hall: Hall) -> Api:
    return Api(app, app.test_client(), hall)


def config(response: TestResponse) -> dict[str, Any]:
    found = CONFIG.search(response.get_data(as_text=True))
    assert found, "no config in the page"
    return dict(json.loads(found.group(1)))


def served(api: Api, counter: int | None = None, clerk: str = "clerk1") -> dict[str, Any]:
    """A ticket of service A, called at `counter` (counter 1) and finished there."""
    ticket = api.issue("A")
    called = api.called(counter or api.hall.counter_1, clerk)
    assert called["id"] == ticket["id"]
    api.ok(api.act(ticket["id"], "finish", clerk))
    return ticket


def enrolled(app: Flask, kind: str = "survey", name: str = "Tablet loket 1") -> FlaskClient:
    """A browser enrolled as a device of `kind` (the admin's link, opened on it)."""
    with app.app_context():
        site_id = build_site_id()
        _device, code = devices.create(db.session, site_id, kind, name, None)
        db.session.commit()
    browser = app.test_client()
    response = browser.get(f"/enrol/{code}")
    assert response.status_code == 302
    return browser


def build_site_id() -> int:
    from queue_app.models import Site

    return int(db.session.scalars(select(Site.id)).first())  # type: ignore[arg-type]


def tablet_post(tablet: FlaskClient, counter: int, ticket: int, **body: Any) -> TestResponse:
    page = tablet.get(f"/survey?counter={counter}")
    token = CSRF.search(page.get_data(as_text=True))
    assert token
    return tablet.post(
        "/survey/answer",
        json={"counter": counter, "ticket": ticket, "answers": GOOD, **body},
        headers={"X-CSRFToken": token.group(1), "Accept": "application/json"},
    )


# -- the phone page ----------------------------------------------------------------------------


def test_the_phone_page_carries_the_survey_in_the_regulations_words(api: Api) -> None:
    with time_machine.travel(MORNING, tick=False):
        waiting = api.issue("A")
        page = api.get(f"/t/{waiting['token']}")
        # Not done yet: the form is in the page, hidden, for when the clerk finishes.
        assert config(page)["survey"] == "not_done"
        html = page.get_data(as_text=True)
        assert 'id="survey" aria-labelledby="survey-title" hidden>' in html
        assert "Bagaimana pelayanan kami?" in html
        for n, element in enumerate(ikm.ELEMENTS, start=1):
            assert element.question in html
            for value, words in enumerate(element.answers, start=1):
                radio = f'<input type="radio" name="u{n}" value="{value}"><span>{words}</span>'
                assert radio in html
        assert "Tentang Anda (boleh dilewati)" in html and ">Lewati<" in html
        assert 'maxlength="500"' in html
        # In English, the English wording.
        english = api.get(f"/t/{waiting['token']}?lang=en").get_data(as_text=True)
        assert "How was our service?" in english and ikm.ELEMENTS[0].question_en in english
        assert "Very polite and friendly" in english and "About you (you may skip this)" in english


def test_the_phone_page_knows_at_load_whether_the_survey_is_open(api: Api) -> None:
    with time_machine.travel(MORNING, tick=False):
        done = served(api)
        answered = served(api)
        late = served(api)
        url = f"{API}/tickets/by-token/{answered['token']}/survey"
        assert api.post(url, json={"answers": GOOD}).status_code == 201
        page = api.get(f"/t/{done['token']}")
        assert config(page)["survey"] == "open"
        assert 'id="survey-answered" hidden' in page.get_data(as_text=True)
        page = api.get(f"/t/{answered['token']}")
        assert config(page)["survey"] == "answered"
        html = page.get_data(as_text=True)
        assert 'id="survey-form"' not in html  # nothing to answer
        assert "Anda sudah mengisi survei kepuasan. Terima kasih." in html
        assert 'id="survey-answered" hidden' not in html
        # The public JSON stays as it was: the page alone knows.
        assert "surveyed" not in api.public(answered["token"])
    with time_machine.travel(MORNING + timedelta(days=7, minutes=5), tick=False):
        page = api.get(f"/t/{late['token']}")
        assert config(page)["survey"] == "expired"
        assert 'id="survey-form"' not in page.get_data(as_text=True)


def test_a_cancelled_ticket_carries_no_survey(api: Api) -> None:
    ticket = api.issue("B")
    assert api.post(f"{API}/tickets/by-token/{ticket['token']}/cancel").status_code == 200
    page = api.get(f"/t/{ticket['token']}")
    assert 'id="survey-form"' not in page.get_data(as_text=True)


# -- the tablet ------------------------------------------------------------------------------


def test_anyone_but_an_enrolled_survey_tablet_gets_a_403_page(app: Flask, api: Api) -> None:
    for browser in (app.test_client(), enrolled(app, "kiosk", "Kiosk lobi")):
        page = browser.get("/survey?counter=1")
        assert page.status_code == 403
        html = page.get_data(as_text=True)
        assert "Halaman ini untuk tablet survei" in html
        assert 'id="survey-form"' not in html
        refused = browser.post("/survey/answer", json={"counter": 1, "ticket": 1, "answers": GOOD})
        assert refused.status_code in (400, 403)  # no CSRF token either
    # Signed-in staff are no tablet either.
    staff = app.test_client()
    assert staff.get("/survey").status_code == 403


def test_a_survey_tablet_chooses_its_counter_then_waits_idle(app: Flask, api: Api) -> None:
    tablet = enrolled(app)
    choice = tablet.get("/survey")
    assert choice.status_code == 200
    html = choice.get_data(as_text=True)
    assert 'href="/survey?counter=1"' in html and 'href="/survey?counter=2"' in html
    page = tablet.get("/survey?counter=1")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-device="survey"' in html  # it sends its heartbeat
    assert "Terima kasih atas kunjungan Anda" in html
    assert config(page)["view"] == {
        "counter": {"id": api.hall.counter_1, "number": 1},
        "ticket": None,
    }
    assert tablet.get("/survey?counter=99").status_code == 404


def test_the_tablet_offers_and_takes_the_ticket_just_finished_at_its_counter(
    app: Flask, api: Api
) -> None:
    tablet = enrolled(app)
    with time_machine.travel(MORNING, tick=False) as clock:
        first = served(api)
        clock.shift(timedelta(minutes=3))
        second = served(api)
        other = served(api, api.hall.counter_2, "clerk2")
        page = tablet.get("/survey?counter=1")
        offered = config(page)["view"]["ticket"]
        # The last ticket finished here, by id and public code: never its token.
        assert offered == {"id": second["id"], "code": second["code"]}
        assert second["token"] not in page.get_data(as_text=True)
        assert "Untuk nomor " + second["code"] in page.get_data(as_text=True)
        # A ticket of another counter is not this tablet's to take.
        refused = assert_error(tablet_post(tablet, 1, other["id"]), 409, "survey_closed")
        assert refused["detail"]["reason"] == "not_just_finished"
        # The one offered: taken once, channel tablet.
        answered = tablet_post(tablet, 1, second["id"], comment="Cepat", respondent={"sex": "L"})
        assert answered.status_code == 201, answered.get_data(as_text=True)
        again = assert_error(tablet_post(tablet, 1, second["id"]), 409, "survey_closed")
        assert again["detail"]["reason"] == "answered"
        # One survey per ticket, whichever channel comes first: the phone is refused now.
        phone = api.post(f"{API}/tickets/by-token/{second['token']}/survey", json={"answers": GOOD})
        assert assert_error(phone, 409)["detail"]["reason"] == "answered"
        # The answered last ticket does not bring the one before it back.
        assert config(tablet.get("/survey?counter=1"))["view"]["ticket"] is None
        # An earlier ticket of this counter, still within ten minutes, may still be answered
        # (its holder was answering when the next one was finished).
        assert tablet_post(tablet, 1, first["id"]).status_code == 201
    with app.app_context():
        rows = db.session.scalars(select(SurveyResponse).order_by(SurveyResponse.id)).all()
        assert [(r.channel, r.counter_id) for r in rows] == [
            ("tablet", api.hall.counter_1),
            ("tablet", api.hall.counter_1),
        ]
        assert rows[0].comment == "Cepat" and rows[0].sex == "L"


def test_the_tablet_takes_no_answer_ten_minutes_after_the_finish(app: Flask, api: Api) -> None:
    tablet = enrolled(app)
    with time_machine.travel(MORNING, tick=False) as clock:
        ticket = served(api)
        clock.shift(timedelta(minutes=10, seconds=1))
        assert config(tablet.get("/survey?counter=1"))["view"]["ticket"] is None
        refused = assert_error(tablet_post(tablet, 1, ticket["id"]), 409, "survey_closed")
        assert refused["detail"]["reason"] == "not_just_finished"
        # The phone still may, for seven days.
        phone = api.post(f"{API}/tickets/by-token/{ticket['token']}/survey", json={"answers": GOOD})
        assert phone.status_code == 201


def test_the_tablets_post_needs_its_csrf_token_and_valid_answers(app: Flask, api: Api) -> None:
    tablet = enrolled(app)
    with time_machine.travel(MORNING, tick=False):
        ticket = served(api)
        bare = tablet.post(
            "/survey/answer",
            json={"counter": 1, "ticket": ticket["id"], "answers": GOOD},
            headers={"Accept": "application/json"},
        )
        assert_error(bare, 400, "csrf_failed")
        bad = tablet_post(tablet, 1, ticket["id"], answers=[5] * 9)
        assert_error(bad, 422, "invalid_input")
        assert_error(tablet_post(tablet, 7, ticket["id"]), 404)
    with app.app_context():
        assert db.session.scalars(select(SurveyResponse)).all() == []


def test_a_revoked_tablet_is_refused(app: Flask, api: Api) -> None:
    tablet = enrolled(app)
    with app.app_context():
        device = db.session.scalars(select(Device)).one()
        devices.revoke(db.session, device.id, None)
        db.session.commit()
    assert tablet.get("/survey?counter=1").status_code == 403


# -- the tablet's socket -----------------------------------------------------------------------


def test_the_tablets_socket_hears_only_its_counters_finishes(app: Flask, api: Api) -> None:
    tablet = enrolled(app)
    listener = socketio.test_client(
        app, query_string=f"survey={api.hall.counter_1}", flask_test_client=tablet
    )
    assert listener.is_connected()
    received = listener.get_received()
    assert [m["name"] for m in received] == ["snapshot"]
    assert received[0]["args"][0] == {
        "kind": "survey",
        "data": {"counter": {"id": api.hall.counter_1, "number": 1}, "ticket": None},
    }
    mine = served(api)
    served(api, api.hall.counter_2, "clerk2")
    heard = listener.get_received()
    assert [(m["name"], m["args"][0]["action"], m["args"][0]["ticket"]["code"]) for m in heard] == [
        ("ticket", "finish", mine["code"])
    ]
    assert mine["token"] not in json.dumps(heard)
    listener.disconnect()
    # Anyone else may not listen there: anonymous, a kiosk, a tablet of another hall's counter.
    for browser in (app.test_client(), enrolled(app, "kiosk", "Kiosk")):
        refused = socketio.test_client(
            app, query_string=f"survey={api.hall.counter_1}", flask_test_client=browser
        )
        assert not refused.is_connected()
    assert not socketio.test_client(
        app, query_string="survey=999999", flask_test_client=tablet
    ).is_connected()


# -- enrolment ---------------------------------------------------------------------------------


def test_enrol_device_makes_a_survey_tablet_that_lands_on_the_counter_choice(
    app: Flask, hall: Hall
) -> None:
    result = app.test_cli_runner().invoke(
        args=["enrol-device", "--kind", "survey", "--name", "Tablet loket 1"]
    )
    assert result.exit_code == 0, result.output
    assert "Added survey 'Tablet loket 1'" in result.output
    code = re.search(r"/enrol/([A-Za-z0-9_-]+)", result.output)
    assert code
    browser = app.test_client()
    response = browser.get(f"/enrol/{code.group(1)}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/survey")
    assert browser.get(response.headers["Location"]).status_code == 200


def test_the_console_page_adds_a_survey_tablet(app: Flask, hall: Hall) -> None:
    from tests.admin.conftest import Browser, csrf_token

    admin = Browser(app, "admin")
    page = admin.get("/admin/devices")
    assert 'value="survey"' in page.get_data(as_text=True)
    response = admin.client.post(
        "/admin/devices",
        data={"kind": "survey", "name": "Tablet loket 2", "csrf_token": csrf_token(page)},
    )
    assert response.status_code == 200
    code = re.search(r"/enrol/([A-Za-z0-9_-]+)", response.get_data(as_text=True))
    assert code
    listed = admin.get("/admin/devices?lang=en").get_data(as_text=True)
    assert "Tablet loket 2" in listed and "Survey tablet" in listed
    tablet = app.test_client()
    assert tablet.get(f"/enrol/{code.group(1)}").headers["Location"].startswith("/survey")
    assert tablet.get("/survey?counter=2").status_code == 200
