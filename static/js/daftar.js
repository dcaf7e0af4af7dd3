/* The booking page /daftar (issue 16): agency → service (and what to bring) → day → arrival
 * session → holder id → the booking's code, QR and page.
 *
 * The page starts from its config (the bookable services, days, and whether booking is open);
 * the sessions come from GET /api/v1/booking/availability when a day is chosen, the booking
 * from POST /api/v1/bookings. Every refusal is said in the page's language. A NIK is checked
 * here first, by the same rules as the server (domain/booking.nik_problem), so what is wrong
 * with it is said in words before anything is sent. */
(function () {
  "use strict";
  var cfg = Loket.config();
  var t = cfg.t;
  var en = cfg.lang === "en";
  var locale = en ? "en-GB" : "id-ID";
  var chosen = { agency: null, service: null, day: null, session: null };
  var busy = false;

  function $(id) { return document.getElementById(id); }

  function name(thing) { return en && thing.name_en ? thing.name_en : thing.name; }

  /* "Selasa, 16 Juni 2026" of a YYYY-MM-DD day. */
  function longDay(iso) {
    var parts = iso.split("-").map(Number);
    var at = new Date(Date.UTC(parts[0], parts[1] - 1, parts[2], 12));
    return new Intl.DateTimeFormat(locale, {
      weekday: "long", day: "numeric", month: "long", year: "numeric", timeZone: "UTC",
    }).format(at);
  }

  /* "09.00" (Indonesian) or "09:00" of an ISO timestamp, in the hall's time zone. */
  function clock(iso) {
    var text = new Intl.DateTimeFormat("en-GB", {
      hour: "2-digit", minute: "2-digit", hour12: false, timeZone: cfg.timezone,
    }).format(new Date(iso));
    return en ? text : text.replace(":", ".");
  }

  /* "Selasa, 16 Juni 2026, 06.00" of an ISO timestamp, in the hall's time zone. */
  function moment(iso) {
    var at = new Date(iso);
    var day = new Intl.DateTimeFormat(locale, {
      weekday: "long", day: "numeric", month: "long", timeZone: cfg.timezone,
    }).format(at);
    return day + ", " + clock(iso);
  }

  function problem(text) {
    var box = $("problem");
    box.textContent = text || "";
    box.hidden = !text;
    if (text) box.scrollIntoView({ block: "nearest" });
  }

  function showClosed(opensAt) {
    var box = $("closed");
    box.textContent = opensAt ? Loket.fmt(t.opens_at, { when: moment(opensAt) }) : t.never_opens;
    box.hidden = false;
    $("book").disabled = true;
  }

  function choiceButton(label, detail, onPick) {
    var button = Loket.el("button", "choice");
    button.type = "button";
    button.appendChild(Loket.el("span", "choice-label", label));
    if (detail) button.appendChild(Loket.el("span", "choice-detail", detail));
    button.addEventListener("click", function () {
      button.parentNode.querySelectorAll(".choice").forEach(function (b) {
        b.setAttribute("aria-pressed", b === button ? "true" : "false");
      });
      onPick();
    });
    button.setAttribute("aria-pressed", "false");
    return button;
  }

  function hideFrom(step) {
    var order = ["step-service", "step-requirements", "step-date", "step-session", "step-holder"];
    order.slice(order.indexOf(step)).forEach(function (id) { $(id).hidden = true; });
  }

  // -- 1. agency, 2. service -----------------------------------------------------------------
  function drawAgencies() {
    var box = $("agencies");
    cfg.agencies.forEach(function (a) {
      var button = choiceButton(name(a), a.code, function () { pickAgency(a.id); });
      button.dataset.code = String(a.code).toUpperCase();
      box.appendChild(button);
    });
    $("step-agency").hidden = false;
  }

  function pickAgency(id) {
    chosen.agency = id;
    problem("");
    hideFrom("step-service");
    var box = $("services");
    box.textContent = "";
    var list = cfg.services.filter(function (s) { return id === null || s.agency.id === id; });
    list.forEach(function (s) {
      var where = Loket.zonePlace(t.floor, s.zone);
      var button = choiceButton(s.code + " · " + name(s), where, function () { pickService(s); });
      button.dataset.code = s.code;
      box.appendChild(button);
    });
    $("no-services").hidden = list.length > 0;
    $("step-service").hidden = false;
  }

  // -- what to bring, 3. day -----------------------------------------------------------------
  function pickService(s) {
    chosen.service = s;
    problem("");
    hideFrom("step-requirements");
    var list = $("bring-list");
    list.textContent = "";
    (s.requirements || []).forEach(function (r) {
      var item = list.appendChild(Loket.el("li", null, name(r)));
      if (r.note) item.appendChild(Loket.el("span", "muted", " — " + r.note));
    });
    $("step-requirements").hidden = !(s.requirements || []).length;
    var days = $("days");
    days.textContent = "";
    cfg.days.forEach(function (day) {
      days.appendChild(choiceButton(longDay(day), null, function () { pickDay(day); }));
    });
    if (!cfg.days.length) problem(t.no_days);
    $("step-date").hidden = false;
  }

  // -- 4. session ----------------------------------------------------------------------------
  function pickDay(day) {
    chosen.day = day;
    problem("");
    hideFrom("step-session");
    loadSessions();
  }

  function loadSessions() {
    var query = "?site=" + encodeURIComponent(cfg.site) + "&service=" +
      encodeURIComponent(chosen.service.code) + "&date=" + encodeURIComponent(chosen.day);
    fetch("/api/v1/booking/availability" + query, {
      headers: { Accept: "application/json" }, credentials: "same-origin",
    })
      .then(function (response) {
        return response.json().then(function (data) { return { status: response.status, data: data }; });
      })
      .then(function (result) {
        if (result.status !== 200) { refused(result); return; }
        drawSessions(result.data);
      })
      .catch(function () { problem(t.offline); });
  }

  function drawSessions(found) {
    if (!found.booking_open) showClosed(found.opens_at);
    var box = $("sessions");
    box.textContent = "";
    found.sessions.forEach(function (slot) {
      var label = clock(slot.starts_at) + "–" + clock(slot.ends_at);
      var left = slot.left > 0 ? Loket.fmt(t.places_left, { n: slot.left }) : t.full;
      var button = choiceButton(label, left, function () { pickSession(slot); });
      button.dataset.session = slot.id;
      if (slot.left <= 0) button.disabled = true;
      box.appendChild(button);
    });
    $("no-sessions").hidden = found.sessions.length > 0;
    $("step-session").hidden = false;
  }

  function pickSession(slot) {
    chosen.session = slot;
    problem("");
    $("step-holder").hidden = false;
    $("holder-id").focus();
  }

  // -- 5. holder id --------------------------------------------------------------------------
  function holderProblem(value) {
    return Loket.holderProblem(cfg.holder_kind, value, cfg.holder_words, cfg.provinces);
  }

  $("step-holder").addEventListener("submit", function (event) {
    event.preventDefault();
    if (busy || !chosen.session) return;
    var holder = $("holder-id").value.trim();
    var wrong = holderProblem(holder);
    if (wrong) { problem(wrong); $("holder-id").focus(); return; }
    problem("");
    busy = true;
    var button = $("book");
    var label = button.textContent;
    button.disabled = true;
    button.textContent = t.booking;
    var body = {
      service: chosen.service.code,
      date: chosen.day,
      session: chosen.session.id,
      holder_id: holder,
    };
    var given = $("holder-name").value.trim();
    if (given) body.name = given;
    fetch("/api/v1/bookings?site=" + encodeURIComponent(cfg.site), {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json().then(function (data) { return { status: response.status, data: data }; });
      })
      .then(function (result) {
        busy = false;
        button.textContent = label;
        button.disabled = false;
        if (result.status === 201) { booked(result.data); return; }
        refused(result);
      })
      .catch(function () {
        busy = false;
        button.textContent = label;
        button.disabled = false;
        problem(t.offline);
      });
  });

  /* A refusal of the API in the page's words; a full session or a stale day shows the
   * sessions (or days) afresh. */
  function refused(result) {
    var data = result.data || {};
    var error = data.error;
    var detail = data.detail || {};
    if (result.status === 429) { problem(t.rate_limited); return; }
    if (error === "booking_closed") {
      problem(Loket.fmt(t.booking_closed, { when: detail.opens_at ? moment(detail.opens_at) : "—" }));
      showClosed(detail.opens_at);
      return;
    }
    if (error === "invalid_holder_id") {
      problem(Loket.fmt(t.invalid_holder_id, { reason: detail.reason || data.message || "" }));
      return;
    }
    if (error === "session_full" || error === "invalid_session") {
      $("step-holder").hidden = true;
      loadSessions();
    }
    if (error === "invalid_date") hideFrom("step-session");
    problem(t[error] || t.error);
  }

  // -- the booking ---------------------------------------------------------------------------
  function booked(receipt) {
    $("steps").hidden = true;
    $("closed").hidden = true;
    $("holder-id").value = ""; // the id is never shown back
    $("booked-code").textContent = receipt.code;
    $("booked-what").textContent = receipt.service.code + " · " + name(receipt.service) +
      " — " + Loket.zonePlace(t.floor, receipt.zone);
    $("booked-when").textContent = longDay(receipt.date) + ", " +
      clock(receipt.session.starts_at) + "–" + clock(receipt.session.ends_at);
    var page = "/b/" + encodeURIComponent(receipt.token);
    $("booked-qr").src = page + "/qr.svg";
    $("booked-link").href = page + (en ? "?lang=en" : "");
    $("booked").hidden = false;
    $("booked").scrollIntoView({ block: "start" });
  }

  /* `?service=<code>` or `?agency=<code>` (the kiosk's "register online" address): the page
   * starts with that service (and its agency) or that agency chosen. */
  function preselect() {
    var query = new URLSearchParams(location.search);
    var code = (query.get("service") || "").toUpperCase();
    var service = cfg.services.filter(function (s) { return s.code.toUpperCase() === code; })[0];
    var agencyCode = service ? service.agency.code : (query.get("agency") || "").toUpperCase();
    if (cfg.agencies.length > 1 && agencyCode) {
      var tile = document.querySelector('#agencies .choice[data-code="' + CSS.escape(agencyCode) + '"]');
      if (tile) tile.click();
    }
    if (service) {
      var button = document.querySelector('#services .choice[data-code="' + CSS.escape(service.code) + '"]');
      if (button) button.click();
    }
  }

  if (!cfg.open) showClosed(cfg.opens_at);
  if (cfg.agencies.length > 1) drawAgencies();
  else pickAgency(null);
  preselect();
})();
