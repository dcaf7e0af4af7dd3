/* Lobby board: the newest call large, the recent calls, waiting per service and the admission
 * line. Each call (and recall) is announced: a chime, then the spoken sentence in the board's
 * language, one at a time. Without a matching voice the chime and the flash still happen. */
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
  var fresh = Loket.Freshness();

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
    var list = $("calls");
    list.textContent = "";
    shown.slice(1, opt.calls + 1).forEach(function (call) {
      var item = Loket.el("li");
      item.appendChild(Loket.el("span", "call-code", call.code));
      item.appendChild(Loket.el("span", "call-counter", Loket.fmt(t.counter_n, { n: call.counter_number })));
      list.appendChild(item);
    });
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
      var count = Loket.el("span", "w-count", s.waiting);
      item.appendChild(count);
      if (s.waiting_outside) {
        item.appendChild(Loket.el("span", "w-outside", Loket.fmt(t.outside, { n: s.waiting_outside })));
      }
      list.appendChild(item);
    });
  }

  function renderAdmission() {
    var shown = admitted.filter(function (code) { return serviceShown(code.split("-")[0]); });
    $("admitted").textContent = shown.length ? shown.slice(0, 8).join("  ") : "";
    $("adm-title").hidden = shown.length === 0;
    $("admission").classList.toggle("has-admitted", shown.length > 0);
    var text = "";
    if (hall && hall.full) text = t.full;
    else if (hall && hall.capacity) text = Loket.fmt(t.inside, { inside: hall.inside, capacity: hall.capacity });
    $("hall-count").textContent = text;
    $("admission").classList.toggle("full", !!(hall && hall.full));
    $("admission").hidden = !(hall && hall.capacity) && shown.length === 0;
  }

  function applyBoard(board) {
    fresh.reset(board.seq);
    calls = [];
    board.recent_calls.forEach(function (c) { addCall(c); });
    services = {};
    order = [];
    board.services.forEach(function (s) { services[s.id] = s; order.push(s.id); });
    admitted = board.recently_admitted.slice();
    hall = board.hall;
    renderCalls();
    renderWaiting();
    renderAdmission();
  }

  // -- announcements ---------------------------------------------------------------------------
  var queue = [];
  var playing = false;
  var chime = $("chime");
  var soundButton = $("sound-on");
  var announced = []; // what was announced, for the browser tests and for checking on site
  window.LoketBoard = { announced: announced };

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
      renderCalls();
      if (callShown(call)) announce(msg);
    }
    if (msg.action === "admit") {
      admitted = [ticket.code].concat(admitted.filter(function (c) { return c !== ticket.code; }));
    } else if (ticket.state !== "waiting") {
      admitted = admitted.filter(function (c) { return c !== ticket.code; });
    }
    renderAdmission();
  }

  function onQueue(msg) {
    if (fresh.fresh("hall", msg.seq)) hall = msg.hall;
    msg.services.forEach(function (s) {
      if (fresh.fresh(s.id, msg.seq)) {
        if (!services[s.id]) order.push(s.id);
        services[s.id] = s;
      }
    });
    renderWaiting();
    renderAdmission();
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
    renderWaiting();
    renderAdmission();
  }

  function tick() {
    var now = new Date();
    $("clock").textContent = String(now.getHours()).padStart(2, "0") + ":" +
      String(now.getMinutes()).padStart(2, "0");
  }

  applyBoard(cfg.board);
  tick();
  setInterval(tick, 10000);
  Loket.connect({ board: opt.site }, {
    snapshot: function (kind, data) { if (kind === "board") applyBoard(data); },
    ticket: onTicket,
    config: onConfig,
    queue: onQueue,
  }, true);
})();
