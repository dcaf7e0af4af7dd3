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

  // The buttons follow the hall's services: the admin console may add, rename, reorder or
  // close one at any time, and the kiosk redraws its buttons from the next board it gets.
  var layout = "";

  function signature(list) {
    return list.map(function (s) { return [s.id, s.code, s.name, s.name_en].join("\u0001"); })
      .join("\u0002");
  }

  function makeButton(s) {
    var button = Loket.el("button", "service");
    button.type = "button";
    button.dataset.id = s.id;
    button.dataset.code = s.code;
    button.appendChild(Loket.el("span", "svc-code", s.code));
    var names = Loket.el("span", "svc-names");
    names.appendChild(Loket.el("span", "svc-name", s.name)).lang = "id";
    names.appendChild(Loket.el("span", "svc-name-en", s.name_en)).lang = "en";
    button.appendChild(names);
    var meta = Loket.el("span", "svc-meta");
    meta.appendChild(Loket.el("b", null, s.waiting)).dataset.field = "waiting";
    meta.appendChild(document.createTextNode(" " + t.waiting + " · "));
    meta.appendChild(Loket.el("span")).dataset.field = "wait";
    button.appendChild(meta);
    button.appendChild(Loket.el("span", "svc-status")).dataset.field = "status";
    button.addEventListener("click", function () { take(button); });
    return button;
  }

  function renderButtons(list) {
    var drawn = signature(list);
    if (drawn === layout) return;
    layout = drawn;
    var box = document.getElementById("services");
    box.textContent = "";
    list.forEach(function (s) { box.appendChild(makeButton(s)); });
  }

  function applyBoard(board) {
    fresh.reset(board.seq);
    hall = board.hall;
    services = {};
    renderButtons(board.services);
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

  function idempotencyKey() {
    // crypto.getRandomValues works on plain http too (randomUUID needs a secure context).
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return "kiosk-" + Array.prototype.map.call(bytes, function (b) {
      return (b + 256).toString(16).slice(1);
    }).join("");
  }

  function take(button) {
    if (busy) return;
    var holder = window.LoketHolder; // one ticket per person: phone number or NIK (holder.js)
    if (holder && !holder.value()) { show(t.holder_missing, true); holder.focus(); return; }
    busy = true;
    show(t.busy, false);
    var body = { service: button.dataset.code, channel: "kiosk" };
    if (priority) body.priority = priority;
    if (holder) body.holder_id = holder.value();
    // One key per touch: if the answer is lost (the network dropped it), the one retry with
    // the same key gets the same ticket back instead of a second one.
    var key = idempotencyKey();
    var send = function () {
      return fetch("/api/v1/tickets?site=" + encodeURIComponent(cfg.site), {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "Idempotency-Key": key,
        },
        body: JSON.stringify(body),
        credentials: "same-origin",
      });
    };
    send()
      .catch(function () { return send(); })
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
  layout = signature(cfg.board.services); // the page came with these buttons

  applyBoard(cfg.board);
  Loket.connect({ board: cfg.site }, {
    snapshot: function (kind, data) { if (kind === "board") applyBoard(data); },
    config: function (msg) {
      // Asking (or no longer asking) for a phone number or NIK changes the page itself: take it
      // afresh, unless someone is in the middle of taking a ticket.
      var holder = document.getElementById("holder");
      var asked = holder ? holder.dataset.kind : null;
      if ((msg.holder_id_kind || null) !== asked && !busy) { location.reload(); return; }
      applyBoard(msg.board);
    },
    queue: function (msg) {
      if (fresh.fresh("hall", msg.seq)) applyHall(msg.hall);
      msg.services.forEach(function (s) { if (fresh.fresh(s.id, msg.seq)) applyService(s); });
    },
  }, true);
})();
