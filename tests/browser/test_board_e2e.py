"""The lobby board in a real browser, as a hall sees it on its TVs (issue 13, items 9 and 10).

- It fits its screen — 1920×1080, 1280×720, 3840×2160 and a 1080×1920 portrait TV — before
  the first call and after twenty calls with sixteen services and a full hall: nothing
  scrolls, no text is cut off by the screen or its box, the admission line is on screen, and
  no text is smaller than 2.5% of the screen's height.
- Its clock and date are the hall's (the site's time zone), not the TV's.
- A closed hall says when it opens; an empty one says so calmly.
- The call flash is opaque: nothing of the board shows through it.
- "Silakan masuk" names only those who waited outside, the same on a board that followed the
  changes live and on one loaded afterwards.

Each server is the demo hall with six more services (tests/browser/board_hall.py), served by
gunicorn's gevent worker, driven through Debian's headless Chromium.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pytest

from .board_hall import UPPER_SERVICES, HallApi, board_server, busy_morning, mall_server
from .conftest import Watch

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

SIZES = [(1920, 1080), (1280, 720), (3840, 2160), (1080, 1920)]
SIZE_IDS = [f"{w}x{h}" for w, h in SIZES]
JAKARTA = ZoneInfo("Asia/Jakarta")
MONTHS_ID = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
]

#: Every piece of text the board shows, where it is, how large, and what cuts it: the screen's
#: edges and every box around it that hides its overflow.
LAYOUT = """
() => {
  const vw = window.innerWidth, vh = window.innerHeight;
  const texts = [], cut = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    if (!text || node.parentElement.closest("script")) continue;
    const el = node.parentElement;
    const range = document.createRange();
    range.selectNodeContents(node);
    const boxes = Array.from(range.getClientRects()).filter(r => r.width > 0 && r.height > 0);
    if (!boxes.length || getComputedStyle(el).visibility === "hidden") continue;
    const r = {
      left: Math.min(...boxes.map(b => b.left)), right: Math.max(...boxes.map(b => b.right)),
      top: Math.min(...boxes.map(b => b.top)), bottom: Math.max(...boxes.map(b => b.bottom)),
    };
    const where = (el.id ? "#" + el.id : "." + el.className) + " " + JSON.stringify(text);
    texts.push({ where, text, font: parseFloat(getComputedStyle(el).fontSize) });
    if (r.left < -1 || r.top < -1 || r.right > vw + 1 || r.bottom > vh + 1) {
      cut.push(where + " is off the screen");
    }
    for (let box = el; box && box !== document.documentElement; box = box.parentElement) {
      const style = getComputedStyle(box);
      if (style.overflowX === "visible" && style.overflowY === "visible") continue;
      const b = box.getBoundingClientRect();
      if (r.left < b.left - 1 || r.right > b.right + 1 ||
          r.top < b.top - 1 || r.bottom > b.bottom + 1) {
        const name = box.id ? "#" + box.id : box.tagName + "." + box.className;
        cut.push(where + " is cut by " + name);
      }
    }
  }
  const page = document.scrollingElement;
  const admission = document.getElementById("admission").getBoundingClientRect();
  return {
    vw, vh, texts, cut,
    scroll: [page.scrollWidth, page.scrollHeight],
    admission: [admission.top, admission.bottom, admission.left, admission.right],
    admissionText: document.getElementById("admission").innerText,
    services: Array.from(document.querySelectorAll("#waiting li"))
      .filter(li => li.getClientRects().length)
      .map(li => li.innerText.replace(/\\s+/g, " ").trim()),
  };
}
"""


@pytest.fixture(scope="module")
def quiet_hall(browser_tools: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Sixteen services, a cap of 30, nobody called yet."""
    path = tmp_path_factory.mktemp("quiet") / "board.db"
    with board_server(f"sqlite:///{path}", capacity=30) as base:
        yield base


@pytest.fixture(scope="module")
def busy_hall(browser_tools: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Sixteen services after twenty calls: the hall full, people let in from outside and
    others still waiting there."""
    path = tmp_path_factory.mktemp("busy") / "board.db"
    with board_server(f"sqlite:///{path}", capacity=30) as base:
        busy_morning(HallApi(base), calls=20)
        yield base


class Boards:
    """Opens lobby boards in their own browser contexts, watched for JavaScript errors and
    requests to other hosts, and closes them afterwards."""

    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self.watches: list[Watch] = []

    def open(
        self,
        base: str,
        size: tuple[int, int],
        path: str = "/display",
        init_script: str | None = None,
        **options: Any,
    ) -> Page:
        watch = Watch(base)
        self.watches.append(watch)
        context = watch.context(
            self.browser, viewport={"width": size[0], "height": size[1]}, **options
        )
        if init_script is not None:
            context.add_init_script(init_script)
        page = context.new_page()
        page.goto(base + path)
        page.wait_for_function("() => window.LoketSocket && window.LoketSocket.connected")
        page.wait_for_timeout(300)  # its snapshot drawn
        return page

    def assert_clean(self) -> None:
        for watch in self.watches:
            watch.assert_clean()

    def close(self) -> None:
        for watch in self.watches:
            for context in watch.contexts:
                context.close()


@pytest.fixture
def boards(browser: Browser) -> Iterator[Boards]:
    opened = Boards(browser)
    yield opened
    opened.close()


def check_layout(page: Page) -> dict[str, Any]:
    """What a hall would notice at once: scrolling, text cut off, text too small to read."""
    layout: dict[str, Any] = page.evaluate(LAYOUT)
    vw, vh = layout["vw"], layout["vh"]
    assert layout["scroll"][0] <= vw and layout["scroll"][1] <= vh, (
        f"the board scrolls: {layout['scroll']} on a {vw}×{vh} screen"
    )
    assert layout["cut"] == [], f"text cut off: {layout['cut']}"
    top, bottom, left, right = layout["admission"]
    assert 0 <= top < bottom <= vh and 0 <= left < right <= vw, "the admission line is off screen"
    floor = 0.025 * vh - 0.5
    small = [f"{t['where']} at {t['font']}px" for t in layout["texts"] if t["font"] < floor]
    assert small == [], f"text under 2.5% of the screen's height ({floor + 0.5:.0f}px): {small}"
    return layout


def every_page(page: Page) -> list[dict[str, Any]]:
    """The layout of each page of the waiting list (a portrait TV shows 16 services in turns)."""
    pages = int(page.evaluate("() => window.LoketBoard.pages()"))
    layouts = [check_layout(page)]
    for _ in range(pages - 1):
        page.evaluate("() => window.LoketBoard.turnPage()")
        layouts.append(check_layout(page))
    return layouts


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_quiet_board_fits_its_screen_and_says_nobody_was_called(
    boards: Boards, quiet_hall: str, size: tuple[int, int]
) -> None:
    page = boards.open(quiet_hall, size)
    layouts = every_page(page)
    assert page.inner_text("#now-empty").split("\n")[0] == "Belum ada nomor yang dipanggil"
    assert page.is_hidden("#now-call"), "an empty board shows a placeholder number"
    assert "Di dalam: 0 dari 30" in layouts[0]["admissionText"]
    codes = [line.split(" ")[0] for layout in layouts for line in layout["services"]]
    assert sorted(codes) == sorted("ABCDEFGHJKLMNPQR"), "a service is missing from the board"
    boards.assert_clean()


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_busy_board_fits_its_screen_with_the_admission_line_on_it(
    boards: Boards, busy_hall: str, size: tuple[int, int]
) -> None:
    board = HallApi(busy_hall).board()
    assert len(board["recent_calls"]) >= 6 and board["hall"]["full"]
    page = boards.open(busy_hall, size)
    layouts = every_page(page)
    admission = layouts[0]["admissionText"]
    assert "Aula penuh" in admission
    first_admitted = board["recently_admitted"][0]
    assert re.search(rf"Silakan masuk:\s+{first_admitted}\b", admission), admission
    # Every service is on the board (in turns on a portrait TV), with who waits outside.
    shown = {line.split(" ")[0]: line for layout in layouts for line in layout["services"]}
    assert sorted(shown) == sorted("ABCDEFGHJKLMNPQR")
    outside = {s["code"]: s["waiting_outside"] for s in board["services"] if s["waiting_outside"]}
    assert outside, "the busy morning left nobody outside"
    unserved = {
        s["code"] for s in board["services"] if s["waiting"] and s["estimated_wait_s"] is None
    }
    for code, n in outside.items():
        said = f"{n} di luar" + (" belum ada loket yang buka" if code in unserved else "")
        assert shown[code].endswith(said), shown[code]
    # People waiting where no counter is open read so; nobody else does.
    for code, line in shown.items():
        assert line.endswith("belum ada loket yang buka") == (code in unserved), line
    assert page.inner_text("#now-code") == board["recent_calls"][0]["code"]
    boards.assert_clean()


@pytest.fixture(scope="module")
def closed_hall(browser_tools: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A hall whose hours (in Jakarta) begin two hours from now: closed at the moment."""
    opens = (datetime.now(JAKARTA) + timedelta(hours=2)).time().replace(minute=0, second=0)
    closes = time((opens.hour + 1) % 24)
    path = tmp_path_factory.mktemp("closed") / "board.db"
    with board_server(f"sqlite:///{path}", hours=(opens, closes)) as base:
        yield base


def test_closed_board_says_when_it_opens_with_the_halls_own_clock(
    boards: Boards, closed_hall: str
) -> None:
    opens = HallApi(closed_hall).board()["hall"]["opens_at"]
    # The TV is set to São Paulo (UTC−3); the hall is in Jakarta (UTC+7).
    page = boards.open(closed_hall, (1920, 1080), timezone_id="America/Sao_Paulo")
    check_layout(page)
    assert page.inner_text("#empty-title") == "Aula sedang tutup."
    assert page.inner_text("#empty-note") == f"Buka pukul {opens}"
    assert f"Tutup · buka pukul {opens}" in page.inner_text("#admission")
    before = datetime.now(JAKARTA)
    clock = page.inner_text("#clock")
    after = datetime.now(JAKARTA)
    # The board's clock ticks once a second: just past a minute it may still show the last one.
    shown_since = before - timedelta(seconds=2)
    assert clock in {f"{shown_since:%H:%M}", f"{after:%H:%M}"}, f"{clock} is not Jakarta's time"
    day = f"{after.day} {MONTHS_ID[after.month - 1]} {after.year}"
    assert day in page.inner_text("#date")
    boards.assert_clean()


OBSERVE_FLASH = """
() => {
  window.__flashSeen = [];
  const box = document.getElementById("flash");
  new MutationObserver(() => {
    if (box.hidden) return;
    const style = getComputedStyle(box);
    const r = box.getBoundingClientRect();
    const old = document.getElementById("now-code").getBoundingClientRect();
    const top = document.elementFromPoint(old.left + old.width / 2, old.top + old.height / 2);
    window.__flashSeen.push({
      opacity: style.opacity, background: style.backgroundColor,
      covers: r.left <= 0 && r.top <= 0 && r.right >= innerWidth && r.bottom >= innerHeight,
      onTop: box.contains(top), text: box.innerText,
    });
  }).observe(box, { attributes: true, childList: true });
}
"""


def test_call_flash_is_opaque_and_shows_only_the_new_number(boards: Boards, busy_hall: str) -> None:
    hall = HallApi(busy_hall)
    page = boards.open(busy_hall, (1920, 1080))
    before = page.inner_text("#now-code")
    page.evaluate(OBSERVE_FLASH)
    hall.post("/counters/9/open", counter=9)  # a counter of service C, idle so far
    called = hall.call(9)["code"]
    assert called != before
    page.wait_for_function("() => window.__flashSeen.length > 0")
    seen = page.evaluate("() => window.__flashSeen")[0]
    assert seen["opacity"] == "1", f"the flash fades in: the old number {before} shows through"
    assert re.fullmatch(r"rgb\(\d+, \d+, \d+\)", seen["background"]), seen["background"]
    assert seen["covers"] and seen["onTop"], "the board shows around or through the flash"
    assert seen["text"].split("\n")[0] == called and before not in seen["text"]
    boards.assert_clean()


def test_live_and_fresh_boards_name_the_same_people_to_come_in(
    boards: Boards, tmp_path: Path
) -> None:
    with board_server(f"sqlite:///{tmp_path / 'board.db'}", capacity=2) as base:
        hall = HallApi(base)
        live = boards.open(base, (1920, 1080))

        def admitted(page: Page) -> str:
            return page.inner_text("#admitted").strip() if page.is_visible("#adm-in") else ""

        def agree(expected: str) -> None:
            live.wait_for_function(
                "(want) => document.getElementById('admitted').textContent.trim() === want",
                arg=expected,
            )
            fresh = boards.open(base, (1920, 1080))
            assert admitted(live) == admitted(fresh) == expected

        issued = [hall.issue("A") for _ in range(4)]  # straight in; two outside
        assert [t["admitted"] for t in issued] == [True, True, False, False]
        hall.post("/counters/1/open", counter=1)
        first = hall.call(1)
        hall.finish(first, 1)  # room for A-003
        agree("A-003")
        second = hall.call(1)
        hall.finish(second, 1)  # room for A-004
        agree("A-004 A-003")
        third = hall.call(1)
        assert third["code"] == "A-003"
        hall.post(f"/tickets/{third['id']}/transfer", {"service": "B"}, counter=1)
        agree("A-004")
        boards.assert_clean()


def test_board_clock_follows_the_hall_not_the_tv_in_english(
    boards: Boards, quiet_hall: str
) -> None:
    page = boards.open(quiet_hall, (1280, 720), "/display?lang=en", timezone_id="Pacific/Honolulu")
    now = datetime.now(UTC).astimezone(JAKARTA)
    assert _clock_of(page) in _minutes_around(now)
    assert f"{now.day} {now:%B} {now.year}" in page.inner_text("#date")
    assert page.inner_text("#empty-title") == "Nobody has been called yet"
    boards.assert_clean()


def _clock_of(page: Any) -> str:
    return str(page.inner_text("#clock"))


def _minutes_around(moment: datetime) -> set[str]:
    """The minutes a board's clock may show when read around ``moment``.

    The clock ticks on its own and is read a moment before ``moment`` is taken, so at a
    minute's turn it may still show the minute before; a minute after allows a slow read."""
    return {f"{moment + timedelta(minutes=d):%H:%M}" for d in (-1, 0, 1)}


#: A TV whose own clock is three hours and seven minutes fast.
FAST_TV_CLOCK = """
(() => {
  const realNow = Date.now.bind(Date);
  Date.now = () => realNow() + (3 * 60 + 7) * 60 * 1000;
})();
"""


def test_board_clock_keeps_the_halls_time_on_a_tv_whose_clock_is_wrong(
    boards: Boards, quiet_hall: str
) -> None:
    page = boards.open(quiet_hall, (1920, 1080), init_script=FAST_TV_CLOCK)
    assert page.evaluate("() => Date.now() - new Date().getTime()") > 3 * 3600 * 1000
    assert _clock_of(page) in _minutes_around(datetime.now(JAKARTA))
    boards.assert_clean()


# -- the mall: a zone's board and the entrance's (issue 15) ------------------------------------


def shot(page: Page, name: str) -> None:
    """A screenshot into $LOKET_SHOTS, when set (to look at the boards as a hall would)."""
    folder = os.environ.get("LOKET_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"))


@pytest.fixture
def mall_hall(browser_tools: None, tmp_path: Path) -> Iterator[str]:
    with mall_server(f"sqlite:///{tmp_path / 'mall.db'}") as base:
        yield base


def test_a_zone_board_hears_only_its_floor_and_the_door_shows_every_floor(
    boards: Boards, mall_hall: str
) -> None:
    hall = HallApi(mall_hall)
    zones = hall.zones()
    size = (1920, 1080)
    upper = boards.open(mall_hall, size, f"/display?zone={zones['Lantai 3']}")
    lower = boards.open(mall_hall, size, f"/display?zone={zones['Lantai 2']}")
    door = boards.open(mall_hall, size, "/display?entrance=1")
    assert "Lantai 3" in upper.inner_text("#hall-name")
    assert upper.inner_text("#adm-title") == "Lantai 3 — silakan masuk:"

    # Lantai 2 holds 4, Lantai 3 holds 5: the fifth A and the sixth C wait outside.
    a = [hall.issue("A") for _ in range(5)]
    c = [hall.issue("C") for _ in range(6)]
    assert not a[4]["admitted"] and not c[5]["admitted"]
    for counter in (1, 9):  # counter 1 serves A (Lantai 2), 9 serves C (Lantai 3)
        hall.post(f"/counters/{counter}/open", counter=counter)
    hall.finish(hall.call(1), 1)  # room on Lantai 2: A-005 comes in
    called = hall.call(9)
    hall.finish(called, 9)  # room on Lantai 3: C-006 comes in
    hall.call(9)

    def admitted(page: Page) -> str:
        return page.inner_text("#admitted")

    upper.wait_for_function(
        f"() => document.getElementById('admitted').textContent.includes({c[5]['code']!r})"
    )
    lower.wait_for_function(
        f"() => document.getElementById('admitted').textContent.includes({a[4]['code']!r})"
    )
    # Each floor's board heard (and announced) its own floor's calls only.
    upper.wait_for_function("() => window.LoketBoard.announced.length >= 2")
    lower.wait_for_function("() => window.LoketBoard.announced.length >= 1")
    upper.wait_for_timeout(500)
    heard_upper = [r["code"] for r in upper.evaluate("() => window.LoketBoard.announced")]
    heard_lower = [r["code"] for r in lower.evaluate("() => window.LoketBoard.announced")]
    assert heard_upper == [called["code"], c[1]["code"]]
    assert heard_lower == [a[0]["code"]]
    assert a[4]["code"] not in admitted(upper) and c[5]["code"] not in admitted(lower)
    # Its waiting list: its own floor's services only.
    codes = [line.split("\n")[0] for line in upper.locator("#waiting li").all_inner_texts()]
    assert codes and set(codes) <= set(UPPER_SERVICES)
    assert "Di dalam:" in upper.inner_text("#hall-count") or "penuh" in upper.inner_text(
        "#hall-count"
    )
    # What the live board shows is what a freshly loaded one shows.
    fresh = hall.board(zone=zones["Lantai 3"])
    assert admitted(upper).split() == fresh["recently_admitted"][: len(admitted(upper).split())]
    assert upper.inner_text("#now-code") == fresh["recent_calls"][0]["code"]
    upper.wait_for_function("() => document.getElementById('flash').hidden")  # announced
    check_layout(upper)
    shot(upper, "board-zone-1920x1080")

    # The door: one line per floor, its "silakan masuk" codes and who is in it.
    door.wait_for_function(
        f"() => document.getElementById('zones').textContent.includes({c[5]['code']!r})"
    )
    lines = door.locator("#zones li").all_inner_texts()
    assert len(lines) == 2
    floor2, floor3 = (" ".join(line.split()) for line in lines)
    assert floor2.startswith("Lantai 2") and a[4]["code"] in floor2
    assert "4 dari 4" in floor2
    assert floor3.startswith("Lantai 3") and c[5]["code"] in floor3
    assert "dari 5" in floor3
    layout = door.evaluate(LAYOUT.replace('document.getElementById("admission")', "document.body"))
    assert layout["cut"] == [] and layout["scroll"][1] <= layout["vh"]
    shot(door, "board-entrance-1920x1080")
    portrait = boards.open(mall_hall, (1080, 1920), "/display?entrance=1")
    layout = portrait.evaluate(
        LAYOUT.replace('document.getElementById("admission")', "document.body")
    )
    assert layout["cut"] == [] and layout["scroll"][1] <= layout["vh"], layout["cut"]
    assert min(t["font"] for t in layout["texts"]) >= 0.025 * layout["vh"] - 0.5
    shot(portrait, "board-entrance-1080x1920")

    # A door board that lost its connection heals from its snapshot on reconnect.
    door.evaluate("() => window.LoketSocket.disconnect()")
    hall.issue("C")  # waits outside: Lantai 3 is full
    hall.finish(hall.call(1), 1)  # and Lantai 2 lets nobody in (nobody outside)
    door.evaluate("() => window.LoketSocket.connect()")
    door.wait_for_function("() => window.LoketSocket.connected")
    door.wait_for_timeout(500)
    state = door.evaluate("() => window.LoketEntrance.state()")
    assert [z["hall"]["outside"] for z in state["zones"]] == [0, 1]
    boards.assert_clean()
