/* Supervisors' hall overview: inside against the cap, outside, per service the queue and its
 * longest wait, each counter's state and ticket, and the alerts. Each `overview` message carries
 * the whole picture with timestamps; between messages the page keeps the waits — and the
 * alerts — moving on its own clock (corrected to the server's), so a wait that passes the
 * limit raises its alert even when nothing else happens in the hall. */
(function () {
  "use strict";
  var cfg = Loket.config();
  var t = cfg.t;
  var data = cfg.data;
  var clockOffset = 0; // server time − local time, ms

  function $(id) { return document.getElementById(id); }
  function serverNow() { return Date.now() + clockOffset; }

  /** Whole minutes since an ISO time, or null. */
  function minutesSince(iso) {
    if (!iso) return null;
    return Math.max(0, Math.floor((serverNow() - Date.parse(iso)) / 60000));
  }

  function name(s) { return cfg.lang === "en" ? s.name_en : s.name; }

  /** The same alerts the server lists (services/overview.py: alerts), on the page's clock. */
  function alerts() {
    var found = [];
    var limit = data.site.wait_alert_min;
    data.services.forEach(function (s) {
      var waited = minutesSince(s.oldest_issued_at);
      if (waited !== null && waited >= limit) {
        found.push({ kind: "long_wait", service: s.code, text: Loket.fmt(t.long_wait,
          { service: s.code, ticket: s.oldest_code, n: waited }) });
      }
      var waiting = s.waiting_inside + s.waiting_outside;
      if (waiting && !s.counters_open && data.hall.open) {
        found.push({ kind: "unserved", service: s.code, text: Loket.fmt(t.unserved,
          { service: s.code, n: waiting }) });
      }
    });
    enrolled().forEach(function (d) {
      if (!online(d) && data.hall.open) {
        found.push({ kind: "device_offline", text: Loket.fmt(t.device_offline, { device: d.name }) });
      }
    });
    if (notificationsDead > 0) {
      found.push({ kind: "notify_dead", text: Loket.fmt(t.notify_dead, { n: notificationsDead }) });
    }
    return found;
  }

  // Enrolled kiosks and boards: with the page, then polled (their heartbeats are no hall news).
  var devices = data.devices || [];
  // Today's notifications that gave up (polled with the devices).
  var notificationsDead = data.notifications_dead || 0;
  function enrolled() { return devices.filter(function (d) { return d.enrolled && !d.revoked; }); }
  function online(d) {
    return !!d.last_seen_at && serverNow() - Date.parse(d.last_seen_at) < cfg.offline_after_s * 1000;
  }

  function renderDevices() {
    var list = $("ov-devices");
    list.textContent = "";
    var shown = enrolled();
    shown.forEach(function (d) {
      var on = online(d);
      var item = Loket.el("li", "ov-device " + (on ? "online" : "offline"));
      item.dataset.id = d.id;
      item.appendChild(Loket.el("b", null, d.name));
      item.appendChild(document.createTextNode(" "));
      item.appendChild(Loket.el("span", "muted", d.kind === "kiosk" ? t.kiosk : d.kind === "survey" ? t.survey : t.board));
      item.appendChild(document.createTextNode(" "));
      item.appendChild(Loket.el("span", "pill " + (on ? "open" : "closed"), on ? t.online : t.offline));
      item.appendChild(document.createTextNode(" "));
      var ago = minutesSince(d.last_seen_at);
      item.appendChild(Loket.el("span", "muted", t.last_seen + " " + (ago === null ? "–" : ago + " " + t.min)));
      list.appendChild(item);
    });
    $("ov-no-devices").hidden = shown.length > 0;
  }

  function pollDevices() {
    fetch(cfg.devices_url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        if (!body) return;
        devices = body.devices;
        notificationsDead = body.notifications_dead || 0;
        render();
      })
      .catch(function () { /* offline: the next poll tries again */ });
  }

  function renderHall() {
    var hall = data.hall;
    $("ov-inside").textContent = hall.inside;
    var cap = $("ov-cap");
    if (cap) cap.textContent = hall.capacity === null ? "" : "/ " + hall.capacity;
    var meter = $("ov-meter");
    meter.hidden = hall.capacity === null;
    if (hall.capacity !== null) {
      meter.max = Math.max(1, hall.capacity);
      meter.low = Math.round(meter.max * 0.8);
      meter.high = Math.round(meter.max * 0.95);
      meter.value = hall.inside;
    }
    $("ov-inside-box").dataset.full = hall.full ? "yes" : "no";
    $("ov-outside").textContent = hall.outside;
    $("ov-open").textContent = hall.open ? t.open : t.closed;
  }

  function renderAlerts() {
    var found = alerts();
    var list = $("ov-alerts");
    list.textContent = "";
    found.forEach(function (a) { list.appendChild(Loket.el("li", "alert " + a.kind, a.text)); });
    $("ov-no-alerts").hidden = found.length > 0;
    var alerted = {};
    found.forEach(function (a) { alerted[a.service] = true; });
    return alerted;
  }

  /** "Lantai 3, Ruang Imigrasi" (i18n.zone_place). */
  /** In a mall, each zone: inside against its cap, outside, open counters, longest wait. */
  function renderZones() {
    var zones = data.zones || [];
    $("ov-zones-box").hidden = zones.length < 2;
    var body = $("ov-zones");
    body.textContent = "";
    zones.forEach(function (z) {
      var row = Loket.el("tr", z.full && z.outside ? "alerted" : null);
      row.dataset.id = z.id;
      var head = Loket.el("th", null, Loket.zonePlace(t.floor, z));
      head.scope = "row";
      row.appendChild(head);
      [z.capacity === null ? z.inside : z.inside + " / " + z.capacity, z.outside,
        z.counters_open].forEach(function (value) {
        row.appendChild(Loket.el("td", "num", value));
      });
      var longest = Loket.el("td", "num");
      var waited = minutesSince(z.oldest_issued_at);
      longest.textContent = waited === null ? "–" : waited + " " + t.min;
      if (z.oldest_code) {
        longest.appendChild(document.createTextNode(" "));
        longest.appendChild(Loket.el("span", "muted", "(" + z.oldest_code + ")"));
      }
      row.appendChild(longest);
      body.appendChild(row);
    });
  }

  /* In a mall the services and the counters are grouped by zone, in the zones' order, each
   * group under its floor and room; a hall of one zone lists them as they come. */
  function byZone(items, draw, heading) {
    var zones = data.zones || [];
    if (zones.length < 2) { items.forEach(draw); return; }
    zones.forEach(function (z) {
      var own = items.filter(function (item) { return item.zone_id === z.id; });
      if (!own.length) return;
      heading(z, own);
      own.forEach(draw);
    });
  }

  function zoneLine(z) {
    var line = Loket.zonePlace(t.floor, z);
    if (z.capacity !== null) line += " · " + z.inside + " / " + z.capacity;
    return line;
  }

  function renderServices(alerted) {
    var body = $("ov-services");
    body.textContent = "";
    byZone(data.services, drawService, function (z) {
      var row = Loket.el("tr", "ov-zone" + (z.full ? " full" : ""));
      var cell = Loket.el("th", null, zoneLine(z));
      cell.colSpan = 7;
      cell.scope = "colgroup";
      row.appendChild(cell);
      body.appendChild(row);
    });

    function drawService(s) {
      var row = Loket.el("tr", alerted[s.code] ? "alerted" : null);
      row.dataset.id = s.id;
      var head = Loket.el("th");
      head.scope = "row";
      head.appendChild(Loket.el("b", null, s.code));
      head.appendChild(document.createTextNode(" " + name(s)));
      if (!s.open) {
        head.appendChild(document.createTextNode(" "));
        head.appendChild(Loket.el("span", "pill closed", t.closed_service));
      }
      row.appendChild(head);
      [s.waiting_inside, s.waiting_outside, s.counters_open,
        s.quota_left === null ? "–" : s.quota_left,
        Loket.minutes(t, s.estimated_wait_s)].forEach(function (value) {
        row.appendChild(Loket.el("td", "num", value));
      });
      var longest = Loket.el("td", "num");
      var waited = minutesSince(s.oldest_issued_at);
      longest.textContent = waited === null ? "–" : waited + " " + t.min;
      if (s.oldest_code) {
        longest.appendChild(document.createTextNode(" "));
        longest.appendChild(Loket.el("span", "muted", "(" + s.oldest_code + ")"));
      }
      row.appendChild(longest);
      body.appendChild(row);
    }
  }

  var chosen = {}; // ticket id → the service chosen in its transfer list, kept across redraws

  function renderCounters() {
    var list = $("ov-counters");
    list.querySelectorAll("select[data-ticket]").forEach(function (select) {
      chosen[select.dataset.ticket] = select.value;
    });
    list.textContent = "";
    byZone(data.counters, drawCounter, function (z) {
      list.appendChild(Loket.el("li", "ov-zone-head" + (z.full ? " full" : ""), zoneLine(z)));
    });

    function drawCounter(c) {
      var item = Loket.el("li", "ov-counter " + c.state);
      item.dataset.id = c.id;
      item.appendChild(Loket.el("span", "ov-num", c.number));
      item.appendChild(Loket.el("span", "pill " + c.state, cfg.states[c.state] || c.state));
      item.appendChild(Loket.el("span", "ov-staff", c.staff || "–"));
      var current = Loket.el("span", "ov-current");
      if (c.current) {
        current.appendChild(Loket.el("b", null, c.current.code));
        var since = minutesSince(c.current.started_at || c.current.called_at);
        current.appendChild(document.createTextNode(" " +
          (cfg.ticket_states[c.current.state] || c.current.state) +
          (since === null ? "" : " · " + since + " " + t.min)));
      } else {
        current.textContent = "–";
      }
      item.appendChild(current);
      item.appendChild(Loket.el("span", "ov-services muted", c.services.join(" · ")));
      item.appendChild(counterActions(c));
      list.appendChild(item);
    }
  }

  // -- acting from the overview: the same JSON API (and permission checks) as the counter
  // terminal, with the page's CSRF token; the change comes back as an `overview` message.
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var busy = false;

  function button(text, action, handler) {
    var b = Loket.el("button", "small-button", text);
    b.type = "button";
    b.dataset.action = action;
    b.disabled = busy;
    b.addEventListener("click", handler);
    return b;
  }

  function counterActions(c) {
    var box = Loket.el("div", "ov-actions");
    var label = Loket.fmt(t.counter_n, { n: c.number });
    if (c.state === "open") {
      var pause = button(t.pause, "pause", function () {
        act("/api/v1/counters/" + c.id + "/pause", {}, Loket.fmt(t.done_pause, { n: c.number }));
      });
      pause.setAttribute("aria-label", t.pause + " · " + label);
      box.appendChild(pause);
    }
    if (c.state !== "closed") {
      var close = button(t.close, "close", function () {
        if (!window.confirm(Loket.fmt(t.confirm_close, { n: c.number }))) return;
        act("/api/v1/counters/" + c.id + "/close", {}, Loket.fmt(t.done_close, { n: c.number }));
      });
      close.setAttribute("aria-label", t.close + " · " + label);
      box.appendChild(close);
    }
    if (c.current) {
      var others = data.services.filter(function (s) { return s.id !== c.current.service_id; });
      if (others.length) {
        var form = Loket.el("span", "ov-transfer");
        var select = Loket.el("select");
        select.dataset.ticket = c.current.id;
        select.setAttribute("aria-label", Loket.fmt(t.transfer_to, { ticket: c.current.code }));
        others.forEach(function (s) {
          var option = Loket.el("option", null, s.code + " · " + name(s));
          option.value = s.code;
          select.appendChild(option);
        });
        if (chosen[c.current.id]) select.value = chosen[c.current.id];
        var ticket = c.current;
        var go = button(t.transfer, "transfer", function () {
          var target = others.filter(function (s) { return s.code === select.value; })[0];
          act("/api/v1/tickets/" + ticket.id + "/transfer", { service: select.value },
            Loket.fmt(t.done_transfer, { ticket: ticket.code, service: target ? name(target) : select.value }));
        });
        go.setAttribute("aria-label", Loket.fmt(t.transfer_to, { ticket: ticket.code }));
        form.appendChild(select);
        form.appendChild(go);
        box.appendChild(form);
      }
    }
    return box;
  }

  function renderMissed() {
    var list = $("ov-missed");
    list.textContent = "";
    var missed = data.no_shows || [];
    missed.forEach(function (m) {
      var item = Loket.el("li");
      item.dataset.id = m.id;
      item.appendChild(Loket.el("b", null, m.code));
      var ago = minutesSince(m.at);
      item.appendChild(Loket.el("span", "muted",
        (m.counter ? Loket.fmt(t.counter_n, { n: m.counter }) + " · " : "") +
        (ago === null ? "" : ago + " " + t.min)));
      var back = button(t.reinstate, "reinstate", function () {
        act("/api/v1/tickets/" + m.id + "/reinstate", {}, Loket.fmt(t.done_reinstate, { ticket: m.code }));
      });
      back.setAttribute("aria-label", t.reinstate + " " + m.code);
      item.appendChild(back);
      list.appendChild(item);
    });
    $("ov-no-missed").hidden = missed.length > 0;
  }

  function showResult(text, refused) {
    var box = $("ov-result");
    box.textContent = text;
    box.hidden = !text;
    box.classList.toggle("refused", !!refused);
  }

  function act(target, body, done) {
    if (busy) return;
    busy = true;
    showResult("");
    fetch(target, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body),
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json().then(
          function (data) { return { status: response.status, data: data }; },
          function () { return { status: response.status, data: null }; });
      })
      .then(function (result) {
        busy = false;
        if (result.status >= 400) {
          var code = result.data && result.data.error;
          var why = (t.errors && t.errors[code]) || (result.data && result.data.message) || String(result.status);
          showResult(Loket.fmt(t.refused, { why: why }), true);
        } else {
          showResult(done, false);
        }
        render();
        live.resync(); // the `overview` message brings the change; a resync if it was missed
      })
      .catch(function () {
        busy = false;
        showResult(t.network, true);
        render();
      });
  }

  /** True while the supervisor is using a control of the counters or the missed list: the
   * clock's redraw then leaves those lists alone (an open drop-down would close). */
  function interacting() {
    var active = document.activeElement;
    return !!active && active !== document.body &&
      ($("ov-counters").contains(active) || $("ov-missed").contains(active));
  }

  function tick() {
    if (interacting()) {
      $("ov-clock").textContent = new Date(serverNow()).toLocaleTimeString("en-GB",
        { hour: "2-digit", minute: "2-digit", timeZone: data.site.timezone });
      renderHall();
      renderZones();
      renderServices(renderAlerts());
      renderDevices();
    } else {
      render();
    }
  }

  function render() {
    $("ov-clock").textContent = new Date(serverNow()).toLocaleTimeString("en-GB",
      { hour: "2-digit", minute: "2-digit", timeZone: data.site.timezone });
    renderHall();
    renderZones();
    renderServices(renderAlerts());
    renderCounters();
    renderMissed();
    renderDevices();
  }

  function apply(next) {
    if (typeof next.seq === "number" && next.seq < data.seq) return; // an older picture
    data = next;
    clockOffset = Date.parse(next.generated_at) - Date.now();
    render();
  }

  apply(data);
  // The waits grow by themselves: redraw them (and the alerts) every few seconds.
  setInterval(tick, 5000);
  var live = Loket.connect({ overview: cfg.site }, {
    snapshot: function (kind, next) {
      if (kind === "overview") {
        data.seq = -1; // a snapshot always replaces what the page has
        apply(next);
      }
    },
    overview: apply,
  }, false);
  // A fresh picture now and then also brings what no message announces (the hall opening).
  setInterval(live.resync, 2 * 60 * 1000);
  setInterval(pollDevices, 30 * 1000);
})();
