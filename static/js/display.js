/* Lobby board: the hall's name, date and clock (in the hall's time zone), the newest call large,
 * the recent calls, waiting per service and the admission line. Each call (and recall) is
 * announced: an opaque flash, a chime, then the spoken sentence in the board's language, one at
 * a time. Without a matching voice the chime and the flash still happen.
 *
 * The board fits its screen whatever it shows: sizes are in vh (static/css/loket.css), and
 * `fit()` shrinks the waiting list's type (never under 2.5vh) and drops the recent calls and
 * admitted codes that do not fit, so that nothing scrolls and nothing is cut. */
(function () {
  "use strict";
  var cfg = Loket.config();
  var opt = cfg.options;
  var t = cfg.t;
  var lang = cfg.lang;
  var calls = [];
  var services = {};
  var order = [];
  var admitted = [];
  var hall = null;
  // A zone's board (`?zone=`): its zone's calls, queues and admission line only.
  var zoneName = cfg.board.zone ? Loket.zonePlace(t.floor, cfg.board.zone) : null;
  var fresh = Loket.Freshness();
  var MIN_FONT_VH = 2.5; // no text under 2.5% of the screen's height: readable across a hall

  function $(id) { return document.getElementById(id); }

  function counterShown(number) { return !opt.counters || opt.counters.indexOf(number) >= 0; }
  function serviceShown(code) { return !opt.services || opt.services.indexOf(code) >= 0; }
  function callShown(call) { return counterShown(call.counter_number) && serviceShown(call.service_code); }

  function addCall(call) {
    calls = calls.filter(function (c) { return c.code !== call.code; });
    calls.push(call);
    calls.sort(function (a, b) { return b.seq - a.seq; });
    calls = calls.slice(0, 50);
  }

  function renderCalls() {
    var shown = calls.filter(callShown);
    var now = shown[0];
    $("now-code").textContent = now ? now.code : "—";
    $("now-counter").textContent = now ? Loket.fmt(t.to_counter, { n: now.counter_number }) : "";
    $("now-call").hidden = !now;
    $("now-empty").hidden = !!now;
    var list = $("calls");
    list.textContent = "";
    var earlier = shown.slice(1, opt.calls + 1);
    earlier.forEach(function (call) {
      var item = Loket.el("li");
      item.appendChild(Loket.el("span", "call-code", call.code));
      item.appendChild(Loket.el("span", "call-counter", Loket.fmt(t.counter_n, { n: call.counter_number })));
      list.appendChild(item);
    });
    $("board").classList.toggle("no-history", earlier.length === 0);
    renderState();
  }

  function renderWaiting() {
    var list = $("waiting");
    list.textContent = "";
    order.forEach(function (id) {
      var s = services[id];
      if (!s || !serviceShown(s.code)) return;
      var item = Loket.el("li", s.open ? null : "closed");
      item.appendChild(Loket.el("span", "w-code", s.code));
      item.appendChild(Loket.el("span", "w-name", lang === "en" ? s.name_en : s.name));
      item.appendChild(Loket.el("span", "w-count", s.waiting));
      item.appendChild(Loket.el("span", "w-outside",
        s.waiting_outside ? Loket.fmt(t.outside, { n: s.waiting_outside }) : ""));
      // Never a silent queue that nobody serves: people waiting where no counter is open read
      // so on a line of its own (the closed state says the rest while the hall is closed; an
      // empty queue needs no note, the kiosk tells whoever is about to join).
      if (s.waiting > 0 && s.estimated_wait_s === null && isOpen()) {
        item.appendChild(Loket.el("span", "w-note", t.no_counter));
      }
      list.appendChild(item);
    });
    $("waiting-box").hidden = list.children.length === 0;
  }

  function renderAdmission() {
    var shown = admitted.filter(function (code) { return serviceShown(code.split("-")[0]); });
    $("admitted").textContent = shown.slice(0, 8).join(" ");
    $("adm-in").hidden = shown.length === 0;
    var closed = !isOpen();
    var text = "";
    if (closed) text = Loket.fmt(t.closed_line, { time: hall.opens_at });
    else if (hall && hall.full) text = zoneName ? Loket.fmt(t.zone_full, { zone: zoneName }) : t.full;
    else if (hall && hall.capacity) text = Loket.fmt(t.inside, { inside: hall.inside, capacity: hall.capacity });
    $("hall-count").textContent = text;
    $("admission").classList.toggle("full", !closed && !!(hall && hall.full));
    $("admission").classList.toggle("closed", closed);
    $("admission").classList.toggle("has-admitted", shown.length > 0);
    $("admission").hidden = !text && shown.length === 0;
  }

  /** The now-calling panel when nobody was called today: closed, or calmly empty. */
  function renderState() {
    var closed = !isOpen();
    $("empty-title").textContent = closed ? t.closed_title : t.empty_title;
    $("empty-note").textContent = closed ? Loket.fmt(t.opens_at, { time: hall.opens_at }) : t.empty_note;
    $("now-empty").classList.toggle("closed", closed);
  }

  function render() {
    renderCalls();
    renderWaiting();
    renderAdmission();
    fit();
  }

  // -- fitting the screen ------------------------------------------------------------------
  function overflows(box) { return box.scrollHeight > box.clientHeight + 1; }

  /** Shrink the waiting list's type until it fits its box (down to MIN_FONT_VH), drop the
   * recent calls that do not fit, and the admitted codes that do not fit on their line. A
   * list that does not fit even then (16 services on a portrait screen) is shown in pages
   * that take turns (`WAIT_PAGE_MS`), each whole: nothing is cut, nothing scrolls. */
  function fit() {
    var list = $("waiting");
    var box = $("waiting-box");
    var items = Array.prototype.slice.call(list.children);
    items.forEach(function (item) { item.hidden = false; });
    box.style.height = "";
    var portrait = window.innerHeight > window.innerWidth;
    var high = portrait ? 3.2 : 3.6;
    var low = MIN_FONT_VH;
    list.style.fontSize = high + "vh";
    if (overflows(list)) {
      for (var i = 0; i < 7; i++) {
        var mid = (low + high) / 2;
        list.style.fontSize = mid + "vh";
        if (overflows(list)) high = mid; else low = mid;
      }
      list.style.fontSize = low + "vh";
    }
    waitPages = 1;
    if (overflows(list) && items.length > 1) {
      // Every page in a box of the same height (the room the whole list had): nothing above
      // or below it moves when the page turns.
      box.style.height = box.getBoundingClientRect().height + "px";
      var pages = paginate(items, list.clientHeight, parseFloat(getComputedStyle(list).rowGap) || 0);
      waitPages = pages.length;
      // The largest type at which every page fits (pages were made at the smallest).
      var best = MIN_FONT_VH;
      pages.forEach(function (page, index) {
        items.forEach(function (item) { item.hidden = page.indexOf(item) < 0; });
        var lo = MIN_FONT_VH, hi = high;
        for (var j = 0; j < 6; j++) {
          var size = (lo + hi) / 2;
          list.style.fontSize = size + "vh";
          if (overflows(list)) hi = size; else lo = size;
        }
        best = index === 0 ? lo : Math.min(best, lo);
      });
      list.style.fontSize = best + "vh";
      var page = pages[waitPage % waitPages];
      items.forEach(function (item) { item.hidden = page.indexOf(item) < 0; });
    }
    $("wait-page").textContent = waitPages > 1 ? ((waitPage % waitPages) + 1) + "/" + waitPages : "";
    var callList = $("calls");
    while (callList.lastChild && overflows(callList)) callList.removeChild(callList.lastChild);
    var codes = $("admitted");
    var line = $("adm-in");
    var kept = codes.textContent.split(" ").filter(Boolean);
    while (kept.length > 1 && line.scrollWidth > line.clientWidth + 1) {
      kept.pop();
      codes.textContent = kept.join(" ");
    }
  }

  /** The items in pages that each fit `room` (px): as even as the items' heights allow. */
  function paginate(items, room, gap) {
    var heights = items.map(function (item) { return item.getBoundingClientRect().height; });
    function split(limit) { // greedy, at most `limit` items a page
      var pages = [[]], used = 0;
      items.forEach(function (item, i) {
        var page = pages[pages.length - 1];
        var need = (page.length ? gap : 0) + heights[i];
        if (page.length && (used + need > room + 1 || page.length >= limit)) {
          pages.push([]);
          page = pages[pages.length - 1];
          need = heights[i];
          used = 0;
        }
        used += need;
        page.push(item);
      });
      return pages;
    }
    var greedy = split(items.length);
    var even = split(Math.ceil(items.length / greedy.length));
    return even.length === greedy.length ? even : greedy;
  }

  var WAIT_PAGE_MS = 8000;
  var waitPage = 0;
  var waitPages = 1;
  function turnPage() {
    if (waitPages > 1) { waitPage = (waitPage + 1) % waitPages; fit(); }
  }
  setInterval(turnPage, WAIT_PAGE_MS);

  function applyBoard(board) {
    fresh.reset(board.seq);
    calls = [];
    board.recent_calls.forEach(function (c) { addCall(c); });
    services = {};
    order = [];
    board.services.forEach(function (s) { services[s.id] = s; order.push(s.id); });
    admitted = board.recently_admitted.slice();
    hall = board.hall;
    adjustClock(board.generated_at);
    render();
  }

  // -- the hall's clock ----------------------------------------------------------------------
  // The hall's time, in the hall's zone: from the server's clock (a TV's own is often wrong or
  // set to another zone), formatted with Intl in the site's time zone.
  var zone = cfg.board.site.timezone;
  var skew = typeof cfg.server_now === "number" ? cfg.server_now - Date.now() : 0;
  var locale = lang === "en" ? "en-GB" : "id-ID";
  function formatter(options) {
    try {
      return new Intl.DateTimeFormat(locale, Object.assign({ timeZone: zone }, options));
    } catch (err) { // an unknown zone name: the TV's own zone rather than no clock
      return new Intl.DateTimeFormat(locale, options);
    }
  }
  var timeFormat = formatter({ hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  var dateFormat = formatter({ weekday: "long", day: "numeric", month: "long", year: "numeric" });

  function hallNow() { return new Date(Date.now() + skew); }

  /** "HH:MM" in the hall's zone. */
  function hallTime(date) {
    var parts = {};
    timeFormat.formatToParts(date).forEach(function (p) { parts[p.type] = p.value; });
    return parts.hour + ":" + parts.minute;
  }

  /** A snapshot says when it was made (server time, up to some seconds old): a TV whose clock
   * jumped since the page loaded is put right again. */
  function adjustClock(generatedAt) {
    var made = Date.parse(generatedAt);
    if (isNaN(made)) return;
    var floor = made - Date.now(); // the true skew is at least this (the snapshot is older)
    if (skew < floor - 2000 || skew > floor + 20000) skew = floor + 1000;
  }

  /** Whether the hall is open now by its hours (as the server's is_open_at decides). */
  function isOpen() {
    if (!hall || !hall.opens_at || !hall.closes_at) return true;
    var now = hallTime(hallNow());
    var opens = hall.opens_at, closes = hall.closes_at;
    if (opens === closes) return true;
    if (opens < closes) return opens <= now && now < closes;
    return now >= opens || now < closes;
  }

  var shownClock = "";
  var wasOpen = null;
  function tick() {
    var now = hallNow();
    var text = hallTime(now);
    if (text === shownClock) return;
    shownClock = text;
    $("clock").textContent = text;
    $("date").textContent = dateFormat.format(now);
    var open = isOpen();
    if (open !== wasOpen) { wasOpen = open; render(); }
  }

  // -- announcements ---------------------------------------------------------------------------
  var queue = [];
  var playing = false;
  var chime = $("chime");
  var soundButton = $("sound-on");
  var announced = []; // what was announced, for the browser tests and for checking on site
  window.LoketBoard = {
    announced: announced,
    // The waiting list's pages (for the browser tests and for checking on site): how many,
    // and turning to the next one as the timer does.
    pages: function () { return waitPages; },
    turnPage: turnPage,
  };

  function voice() {
    if (!("speechSynthesis" in window)) return null;
    var prefix = lang === "en" ? "en" : "id";
    var voices = window.speechSynthesis.getVoices();
    for (var i = 0; i < voices.length; i++) {
      if (voices[i].lang.replace("_", "-").toLowerCase().indexOf(prefix) === 0) return voices[i];
    }
    return null;
  }
  if ("speechSynthesis" in window) window.speechSynthesis.onvoiceschanged = function () {};

  function playChime() {
    return new Promise(function (resolve) {
      var done = false;
      function finish(ok) { if (!done) { done = true; resolve(ok); } }
      try {
        chime.currentTime = 0;
        var played = chime.play();
        chime.onended = function () { finish(true); };
        if (played && played.catch) {
          played.catch(function () { soundButton.hidden = false; finish(false); });
        }
      } catch (err) {
        finish(false);
      }
      setTimeout(function () { finish(true); }, 2500);
    });
  }

  function speak(text) {
    return new Promise(function (resolve) {
      var chosen = voice();
      if (!chosen) { setTimeout(function () { resolve(false); }, 1500); return; }
      var done = false;
      function finish(ok) { if (!done) { done = true; resolve(ok); } }
      var utterance = new SpeechSynthesisUtterance(text);
      utterance.voice = chosen;
      utterance.lang = chosen.lang;
      utterance.rate = 0.9;
      utterance.onend = function () { finish(true); };
      utterance.onerror = function () { finish(false); };
      window.speechSynthesis.speak(utterance);
      setTimeout(function () { window.speechSynthesis.cancel(); finish(false); }, 15000);
    });
  }

  function flash(item) {
    var box = $("flash");
    box.textContent = "";
    box.appendChild(Loket.el("span", "flash-code", item.code));
    box.appendChild(Loket.el("span", "flash-counter", Loket.fmt(t.to_counter, { n: item.counter })));
    box.hidden = false;
    $("now").classList.remove("flashing");
    void $("now").offsetWidth; // restart the CSS animation
    $("now").classList.add("flashing");
  }

  function next() {
    var item = queue.shift();
    if (!item) { playing = false; $("flash").hidden = true; return; }
    playing = true;
    flash(item);
    var record = { text: item.text, code: item.code, counter: item.counter, at: Date.now() };
    announced.push(record);
    playChime()
      .then(function (chimed) { record.chimed = chimed; return speak(item.text); })
      .then(function (spoken) { record.spoken = spoken; setTimeout(next, 700); });
  }

  function announce(msg) {
    var ticket = msg.ticket;
    var text = (msg.announce && (msg.announce[lang] || msg.announce.id)) || ticket.code;
    queue.push({ text: text, code: ticket.code, counter: ticket.counter_number });
    if (!playing) next();
  }

  soundButton.addEventListener("click", function () {
    soundButton.hidden = true;
    chime.play().catch(function () {});
    if ("speechSynthesis" in window) window.speechSynthesis.speak(new SpeechSynthesisUtterance(""));
  });

  // -- live ----------------------------------------------------------------------------------
  function onTicket(msg) {
    var ticket = msg.ticket;
    if (msg.action === "call" || msg.action === "recall") {
      var call = { code: ticket.code, service_code: ticket.service_code, counter_id: ticket.counter_id,
        counter_number: ticket.counter_number, recall: msg.action === "recall", at: msg.at, seq: msg.seq };
      addCall(call);
      // Called: no longer someone to ask in (the "silakan masuk" list itself comes with the
      // queue figures, from the same read model as a fresh board's).
      admitted = admitted.filter(function (c) { return c !== ticket.code; });
      render();
      if (callShown(call)) announce(msg);
    }
  }

  function onQueue(msg) {
    if (fresh.fresh("hall", msg.seq)) hall = msg.hall;
    if (msg.recently_admitted && fresh.fresh("admitted", msg.seq)) admitted = msg.recently_admitted.slice();
    msg.services.forEach(function (s) {
      if (fresh.fresh(s.id, msg.seq)) {
        if (!services[s.id]) order.push(s.id);
        services[s.id] = s;
      }
    });
    render();
  }

  /** The admin console changed the set-up: services (new, renamed, reordered, closed) and the
   * hall's figures from the board it sends; the calls are left as they are. */
  function onConfig(msg) {
    var board = msg.board;
    order = [];
    board.services.forEach(function (s) {
      if (fresh.fresh(s.id, board.seq)) services[s.id] = s;
      order.push(s.id);
    });
    if (fresh.fresh("hall", board.seq)) hall = board.hall;
    if (fresh.fresh("admitted", board.seq)) admitted = board.recently_admitted.slice();
    render();
  }

  applyBoard(cfg.board);
  tick();
  setInterval(tick, 1000);
  window.addEventListener("resize", render);
  // A zone's board hears its zone's news only, so the site's `seq` has gaps there by design:
  // it does not look for gaps (it would ask for a snapshot after every other zone's change),
  // and heals from the snapshot of every reconnect and of the periodic resync.
  var query = opt.zone ? { board: opt.site, zone: opt.zone } : { board: opt.site };
  Loket.connect(query, {
    snapshot: function (kind, data) { if (kind === "board") applyBoard(data); },
    ticket: onTicket,
    config: onConfig,
    queue: onQueue,
  }, opt.zone ? "periodic" : true);
})();
