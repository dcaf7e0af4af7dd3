"""The counter terminal at a clerk's 1366×768 screen (issue 13, items 6 and 8): a no-show is
asked first and can be undone from the counter (reinstate); a key pressed when its action is
not allowed says why; Pause is on screen without scrolling; signing out is one button, and a
clerk of one counter is not offered "other counter" (it led back to the same one)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import requests

from .conftest import Watch

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Request, WebSocket

pytestmark = pytest.mark.browser

CLERK = {"username": "petugas01", "password": "petugas-loket"}


def terminal(
    browser: Browser, watch: Watch, base: str, frames: list[tuple[str, str]] | None = None
) -> Page:
    """petugas01 signed in at their counter terminal (counter 1 of the demo hall). `frames`:
    gets every Socket.IO frame the page sends ("sent", text) and receives ("received", text)."""
    page = watch.context(browser, viewport={"width": 1366, "height": 768}).new_page()
    if frames is not None:

        def follow(socket: WebSocket) -> None:
            socket.on("framesent", lambda text: frames.append(("sent", str(text))))
            socket.on("framereceived", lambda text: frames.append(("received", str(text))))

        page.on("websocket", follow)
    page.goto(f"{base}/login")
    page.fill("input[name=username]", CLERK["username"])
    page.fill("input[name=password]", CLERK["password"])
    page.click("button[type=submit]")
    page.goto(f"{base}/counter")
    assert page.url.endswith("/counter/1"), page.url  # one counter: straight there
    page.wait_for_function("() => window.LoketSocket && window.LoketSocket.connected")
    return page


def open_counter(page: Page) -> None:
    """Press O and wait until the terminal has taken the answer in. Neither the counter's news
    (it may show the counter open a moment before the answer) nor the answer's arrival (the
    page still reads its body) says so; a key pressed while an action is out is refused with
    "wait". Pause is enabled once the counter is open and no action is out."""
    with page.expect_response(lambda r: r.url.endswith("/open") and r.request.method == "POST"):
        page.keyboard.press("o")
    page.wait_for_selector('#counter-state[data-state="open"]')
    page.wait_for_selector('[data-action="pause"]:enabled')


def error_text(page: Page) -> str:
    page.wait_for_selector("#error:not([hidden])")
    return page.inner_text("#error")


def test_no_show_asks_first_and_can_be_undone(
    browser: Browser, watch: Watch, live_server: str
) -> None:
    issued = requests.post(f"{live_server}/api/v1/tickets", json={"service": "A"}).json()
    code, token = issued["code"], issued["token"]

    def state() -> str:
        answer = requests.get(f"{live_server}/api/v1/tickets/by-token/{token}").json()
        return str(answer["state"])

    page = terminal(browser, watch, live_server)
    open_counter(page)
    page.keyboard.press(" ")
    page.wait_for_function(
        f"() => document.getElementById('current-code').textContent === '{code}'"
    )
    page.keyboard.press("n")
    # Asked first: nothing happened yet, and Escape keeps the applicant.
    assert page.is_visible("#confirm") and code in page.inner_text("#confirm-text")
    page.keyboard.press("Escape")
    assert not page.is_visible("#confirm")
    assert page.inner_text("#current-code") == code and state() == "called"
    # Asked again and confirmed: a no-show, said so, with its undo.
    page.keyboard.press("n")
    page.click("#confirm-yes")
    page.wait_for_selector("#undo:not([hidden])")
    assert code in page.inner_text("#undo-text")
    assert state() == "no_show"
    page.click("#undo-button")
    page.wait_for_function(
        "() => !document.getElementById('undo-button') || "
        "document.getElementById('undo-button').hidden"
    )
    assert code in page.inner_text("#undo-text")  # "… is back in the queue"
    assert state() == "waiting"
    # Back in the queue: the next call brings the applicant back to this counter.
    page.keyboard.press(" ")
    page.wait_for_function(
        f"() => document.getElementById('current-code').textContent === '{code}'"
    )
    watch.assert_clean()


def test_a_key_that_cannot_act_says_why(browser: Browser, watch: Watch, live_server: str) -> None:
    page = terminal(browser, watch, live_server)
    # The demo's counters start closed: calling needs the counter open.
    page.keyboard.press(" ")
    assert "O" in error_text(page) and page.inner_text("#current-code") == "—"
    open_counter(page)
    page.keyboard.press("f")  # nothing to finish: no ticket here
    page.wait_for_function(
        "() => document.getElementById('error').textContent === Loket.config().t.why.no_ticket"
    )
    assert page.is_visible("#error")
    watch.assert_clean()


def test_pause_and_sign_out_are_on_screen_and_sign_out_works(
    browser: Browser, watch: Watch, live_server: str
) -> None:
    page = terminal(browser, watch, live_server)
    open_counter(page)
    page.wait_for_selector("#pause:not([hidden])")
    height = page.evaluate("() => window.innerHeight")
    for selector in ("#pause", "#sign-out button", '[data-action="call-next"]'):
        box = page.locator(selector).bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height, selector
    assert page.evaluate("() => document.scrollingElement.scrollHeight <= innerHeight")
    # A clerk of one counter is not offered "other counter": it led back here.
    assert page.locator("a[href='/counter']").count() == 0
    page.click("#sign-out button")
    page.wait_for_url(f"{live_server}/login")
    page.goto(f"{live_server}/counter/1")
    assert "/login" in page.url  # signed out on the server too
    watch.assert_clean()


def test_the_clerk_sees_who_waits_and_calls_the_second_in_line(
    browser: Browser, watch: Watch, live_server: str
) -> None:
    """Issue 13, item 7: a waiting list per service with code, priority group, time waited and
    inside/outside; the clerk calls the second ticket in line, the board shows it. With 30+
    waiting the list scrolls inside its card and the header's buttons stay on screen."""
    issued = [
        requests.post(
            f"{live_server}/api/v1/tickets",
            json={"service": "A", "priority": "elderly" if n == 1 else None},
        ).json()
        for n in range(32)
    ]
    second = issued[1]
    board = watch.context(browser, viewport={"width": 1920, "height": 1080}).new_page()
    board.goto(f"{live_server}/display")
    board.wait_for_function("() => window.LoketSocket && window.LoketSocket.connected")
    page = terminal(browser, watch, live_server)
    rows = page.locator("#queues [data-service] tr[data-code]")
    # Counter 1 serves A first: its list, the front of the queue first.
    first_block = page.locator("#queues [data-service]").first
    assert "A ·" in first_block.locator("h3").inner_text()
    a_rows = first_block.locator("tr[data-code]")
    assert a_rows.count() == 32
    assert [a_rows.nth(n).get_attribute("data-code") for n in range(3)] == [
        t["code"] for t in issued[:3]
    ]
    row = a_rows.nth(1)
    assert "Lansia" in row.locator(".group").inner_text()
    assert row.locator(".waited").inner_text() == "0 mnt"
    assert row.locator(".where").inner_text() == "Di dalam"
    # The counter is closed: its Call buttons wait for it to open.
    assert row.locator("button").is_disabled()
    open_counter(page)
    # 30+ waiting at 1366×768: the page itself does not scroll, the list does, inside its
    # card, and Pause and Sign out stay on screen.
    assert page.evaluate("() => document.scrollingElement.scrollHeight <= innerHeight")
    assert page.evaluate(
        "() => { const q = document.getElementById('queues');"
        " return q.scrollHeight > q.clientHeight; }"
    )
    height = page.evaluate("() => window.innerHeight")
    for selector in ("#pause", "#sign-out button", "#queues"):
        box = page.locator(selector).bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height, selector
    last = a_rows.nth(31)
    last.scroll_into_view_if_needed()
    assert last.is_visible() and page.locator("#pause").is_visible()

    row.locator("button").click()
    page.wait_for_function(
        "(code) => document.getElementById('current-code').textContent === code",
        arg=second["code"],
    )
    assert "Lansia" in page.inner_text("#current-priority")
    # Off the list (on this terminal, from the live news), and on the lobby board.
    page.wait_for_function(
        "(code) => !document.querySelector(`#queues tr[data-code='${code}']`)",
        arg=second["code"],
    )
    assert rows.first.get_attribute("data-code") == issued[0]["code"]
    board.wait_for_function(
        "(code) => document.getElementById('now-code').textContent === code", arg=second["code"]
    )
    # The first in line is still next for call-next.
    answer = requests.get(f"{live_server}/api/v1/tickets/by-token/{issued[0]['token']}").json()
    assert (answer["state"], answer["position"]) == ("waiting", 0)
    watch.assert_clean()


def api_token(base: str, username: str) -> dict[str, str]:
    """A Bearer header for a demo clerk (petugasNN works at counter NN)."""
    answer = requests.post(
        f"{base}/api/v1/auth/token",
        json={"username": username, "password": CLERK["password"]},
    ).json()
    return {"Authorization": f"Bearer {answer['token']}"}


def test_the_terminal_applies_what_changed_and_never_fetches_it_again(
    browser: Browser, watch: Watch, live_server: str
) -> None:
    """Issue 19, item 7: call → start → finish at this counter, and a call at another one,
    each shown from the action's answer or the socket's news alone: no resync, no second
    snapshot, no request but the clerk's own actions."""
    issued = [
        requests.post(f"{live_server}/api/v1/tickets", json={"service": "A"}).json()
        for _ in range(3)
    ]
    frames: list[tuple[str, str]] = []
    page = terminal(browser, watch, live_server, frames)
    page.wait_for_selector(f"#queues tr[data-code='{issued[2]['code']}']")
    requests_made: list[str] = []

    def seen(request: Request) -> None:
        requests_made.append(f"{request.method} {request.url.removeprefix(live_server)}")

    page.on("request", seen)

    def shows(selector: str, text: str) -> None:
        page.wait_for_function(
            "([s, text]) => document.querySelector(s).textContent === text", arg=[selector, text]
        )

    open_counter(page)
    page.keyboard.press(" ")
    shows("#current-code", issued[0]["code"])
    assert page.inner_text("#current-state") == "Dipanggil"
    page.keyboard.press("s")
    page.wait_for_selector('#current-state[data-state="serving"]')
    assert page.inner_text("#t-serving") != "—"
    # News from another counter: counter 2 (it serves A too) opens and calls the next one.
    other = api_token(live_server, "petugas02")
    assert requests.post(f"{live_server}/api/v1/counters/2/open", headers=other).ok
    called = requests.post(f"{live_server}/api/v1/counters/2/call-next", headers=other).json()
    assert called["code"] == issued[1]["code"]
    page.wait_for_function(
        "(code) => document.querySelector('#recent li b')?.textContent === code",
        arg=issued[1]["code"],
    )
    page.wait_for_function(
        "(code) => !document.querySelector(`#queues tr[data-code='${code}']`)",
        arg=issued[1]["code"],
    )
    assert "1 di dalam" in page.inner_text("#queues [data-service] h3 .figures").lower()
    page.keyboard.press("f")
    shows("#current-code", "—")
    shows("#served", "1")
    assert page.inner_text("#mean") != "—"
    assert page.locator('[data-action="call-next"]').is_enabled()
    page.wait_for_timeout(2000)  # a gap would ask for a resync after 1.5 s
    assert [f for f in frames if f[0] == "sent" and '"resync"' in f[1]] == []
    snapshots = [f for f in frames if f[0] == "received" and f[1].startswith('42["snapshot"')]
    # One snapshot per connection (a loaded machine may drop and remake one), none asked for.
    connects = [f for f in frames if f[0] == "received" and f[1].startswith("40")]
    assert len(snapshots) == len(connects) >= 1, (len(snapshots), len(connects))
    assert requests_made == [
        "POST /api/v1/counters/1/open",
        "POST /api/v1/counters/1/call-next",
        f"POST /api/v1/tickets/{issued[0]['id']}/start",
        f"POST /api/v1/tickets/{issued[0]['id']}/finish",
    ]
    # The screen is right: a fresh load shows the same (the estimates aside: they move with
    # the clock).
    script = """() => [
        ...['#current-code', '#served', '#counter-state'].map((s) => document.querySelector(s)
            .textContent),
        ...[...document.querySelectorAll('#queues tr')].map((row) => row.textContent),
        ...[...document.querySelectorAll('#queues h3 .figures')].map((f) => f.textContent
            .split(' · ').slice(0, 2).join(' · ')),
    ]"""
    shown = page.evaluate(script)
    page.reload()
    page.wait_for_function("() => window.LoketSocket && window.LoketSocket.connected")
    page.wait_for_selector(f"#queues tr[data-code='{issued[2]['code']}']")
    assert page.evaluate(script) == shown
    watch.assert_clean()


def test_one_key_or_touch_per_outcome(browser: Browser, watch: Watch, live_server: str) -> None:
    """Issue 18, part 2: Selesai (F) finishes as completed; D, J and L (or their buttons)
    finish with incomplete documents, referred and other, a note going along; the daily report
    counts each."""
    for _ in range(4):
        requests.post(f"{live_server}/api/v1/tickets", json={"service": "A"})
    page = terminal(browser, watch, live_server)
    open_counter(page)

    def call() -> str:
        page.keyboard.press(" ")
        page.wait_for_selector('#current-state[data-state="called"]')
        return page.inner_text("#current-code")

    def finished(served: int) -> None:
        page.wait_for_function(
            "(n) => document.getElementById('served').textContent === String(n) &&"
            " document.getElementById('current-code').textContent === '—'",
            arg=served,
        )

    call()
    page.keyboard.press("f")
    finished(1)
    code = call()
    page.keyboard.press("d")
    finished(2)
    assert page.inner_text("#undo-text") == f"{code} selesai: Dokumen kurang."
    code = call()
    page.fill("#outcome-note", "ke kantor Dukcapil")
    page.click('[data-outcome="referred"]')  # a touch
    finished(3)
    assert page.input_value("#outcome-note") == ""
    assert page.inner_text("#undo-text") == f"{code} selesai: Dirujuk."
    call()
    page.keyboard.press("l")
    finished(4)
    page.screenshot(path="/tmp/counter-outcomes.png")

    supervisor = {
        "Authorization": "Bearer "
        + requests.post(
            f"{live_server}/api/v1/auth/token",
            json={"username": "supervisor", "password": "supervisor-loket"},
        ).json()["token"]
    }
    day = requests.get(f"{live_server}/api/v1/board").json()["service_day"]
    report = requests.get(
        f"{live_server}/api/v1/reports/daily", params={"date": day}, headers=supervisor
    ).json()
    assert report["totals"]["outcomes"] == {
        "completed": 1,
        "incomplete_documents": 1,
        "referred": 1,
        "other": 1,
    }
    assert report["totals"]["incomplete_documents_rate"] == 0.25
    watch.assert_clean()
