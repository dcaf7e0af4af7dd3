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
    return found;
  }

  // Enrolled kiosks and boards: with the page, then polled (their heartbeats are no hall news).
  var devices = data.devices || [];
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
      item.appendChild(Loket.el("span", "muted", d.kind === "kiosk" ? t.kiosk : t.board));
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

  function renderServices(alerted) {
    var body = $("ov-services");
    body.textContent = "";
    data.services.forEach(function (s) {
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
    });
  }

  function renderCounters() {
    var list = $("ov-counters");
    list.textContent = "";
    data.counters.forEach(function (c) {
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
      list.appendChild(item);
    });
  }

  function render() {
    $("ov-clock").textContent = new Date(serverNow()).toLocaleTimeString("en-GB",
      { hour: "2-digit", minute: "2-digit", timeZone: data.site.timezone });
    renderHall();
    renderServices(renderAlerts());
    renderCounters();
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
  setInterval(render, 5000);
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
