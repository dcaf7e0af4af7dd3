/* Kiosk: one button per service, live waiting counts and estimates; a touch takes a ticket
 * and opens its printable page (which prints itself and comes back here). */
(function () {
  "use strict";
  var cfg = Loket.config();
  var t = cfg.t;
  var priority = null;
  var busy = false;
  var fresh = Loket.Freshness();
  var priorityTimer = null;
  var hall = cfg.board.hall;
  var services = {};

  var message = document.getElementById("message");
  var messageText = document.getElementById("message-text");

  function show(text, closable) {
    messageText.textContent = text;
    document.getElementById("message-close").hidden = !closable;
    message.hidden = false;
  }

  function hide() { message.hidden = true; }

  function applyService(s) {
    var button = document.querySelector('.service[data-id="' + s.id + '"]');
    if (!button) return;
    services[s.id] = s;
    button.querySelector('[data-field="waiting"]').textContent = s.waiting;
    button.querySelector('[data-field="wait"]').textContent = Loket.minutes(t, s.estimated_wait_s);
    var status = "";
    if (hall && hall.open === false) {
      status = Loket.fmt(t.hall_closed_button, { hours: hall.opens_at + "–" + hall.closes_at });
    } else if (!s.open) status = t.closed;
    else if (s.quota_left === 0) status = t.quota;
    button.querySelector('[data-field="status"]').textContent = status;
    button.disabled = status !== "";
    button.classList.toggle("unavailable", status !== "");
  }

  function applyHall(news) {
    var wasOpen = hall && hall.open;
    hall = news;
    if (wasOpen !== hall.open) {
      Object.keys(services).forEach(function (id) { applyService(services[id]); });
    }
    var line = document.getElementById("hall");
    var text = "";
    if (!hall.open) text = t.hall_closed;
    else if (hall.full) text = t.full;
    else if (hall.capacity) text = Loket.fmt(t.inside, { inside: hall.inside, capacity: hall.capacity });
    document.getElementById("hall-text").textContent = text;
    line.dataset.full = hall.full ? "yes" : "no";
  }

  function applyBoard(board) {
    fresh.reset(board.seq);
    hall = board.hall;
    board.services.forEach(applyService);
    applyHall(board.hall);
  }

  function setPriority(value) {
    priority = value;
    document.querySelectorAll(".prio").forEach(function (b) {
      b.setAttribute("aria-pressed", b.dataset.priority === value ? "true" : "false");
    });
    if (priorityTimer) clearTimeout(priorityTimer);
    // An unattended choice must not stay for the next person.
    if (value) priorityTimer = setTimeout(function () { setPriority(null); }, 30000);
  }

  document.querySelectorAll(".prio").forEach(function (button) {
    button.addEventListener("click", function () {
      setPriority(priority === button.dataset.priority ? null : button.dataset.priority);
    });
  });

  document.getElementById("message-close").addEventListener("click", hide);

  function take(button) {
    if (busy) return;
    busy = true;
    show(t.busy, false);
    var body = { service: button.dataset.code, channel: "kiosk" };
    if (priority) body.priority = priority;
    fetch("/api/v1/tickets?site=" + encodeURIComponent(cfg.site), {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json().then(function (data) { return { status: response.status, data: data }; });
      })
      .then(function (result) {
        if (result.status === 201) {
          setPriority(null);
          // replace(): the kiosk's history never holds a ticket's private link.
          location.replace("/kiosk/ticket/" + encodeURIComponent(result.data.token) +
            "?print=1&lang=" + encodeURIComponent(cfg.lang));
          return;
        }
        busy = false;
        show(t[result.data && result.data.error] || t.error, true);
      })
      .catch(function () {
        busy = false;
        show(t.offline, true);
      });
  }

  document.querySelectorAll(".service").forEach(function (button) {
    button.addEventListener("click", function () { take(button); });
  });

  applyBoard(cfg.board);
  Loket.connect({ board: cfg.site }, {
    snapshot: function (kind, data) { if (kind === "board") applyBoard(data); },
    queue: function (msg) {
      if (fresh.fresh("hall", msg.seq)) applyHall(msg.hall);
      msg.services.forEach(function (s) { if (fresh.fresh(s.id, msg.seq)) applyService(s); });
    },
  }, true);
})();
